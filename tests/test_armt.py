"""ARMT (``rmt_bench.rmt.armt``) on tiny random backbones: equivalences, gradients, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from generators.errors import BenchInputError
from rmt_bench.registry import load_answer_model
from rmt_bench.rmt import RMT, RMTConfig
from rmt_bench.rmt.armt import ARMT, ARMTConfig

BACKBONES = ["tiny-bert", "tiny-gpt2"]


def _armt(backbone: str = "tiny-bert", **changes) -> ARMT:
    options = dict(backbone=backbone, memory_tokens=2, segment_size=8, key_size=8)
    return ARMT(ARMTConfig(**{**options, **changes}))


def _ids(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(1000, 29000, (n,), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"memory_tokens": 0}, "memory_tokens must be >= 1"),
        ({"key_size": 0}, "key_size"),
        ({"nu": 16}, "nu must be"),
    ],
)
def test_bad_config_is_one_clear_error(changes: dict, message: str) -> None:
    options = dict(backbone="tiny-bert", memory_tokens=2, key_size=8)
    with pytest.raises(BenchInputError, match=message):
        ARMTConfig(**{**options, **changes})
    with pytest.raises(BenchInputError, match="unknown option"):
        ARMTConfig.from_dict({"backbone": "tiny-bert", "keysize": 3})


@pytest.mark.parametrize("backbone", BACKBONES)
def test_zero_state_gives_the_plain_backbone_and_the_rmt(backbone: str) -> None:
    armt = _armt(backbone).eval()
    rmt = RMT(RMTConfig(backbone=backbone, memory_tokens=2, segment_size=8)).eval()
    one_segment = [_ids(8), _ids(5, 1)]
    # one segment: the associative state is still zero, so ARMT is the RMT exactly
    assert torch.equal(armt(one_segment).logits, rmt(one_segment).logits)
    # the cell with a zero state leaves every layer's output bit for bit unchanged
    step = armt.cell.layout.build([_ids(8)])
    state = armt.cell.initial_memory(1)
    with torch.no_grad():
        plain = armt.cell.body(inputs_embeds=step.embed(armt.cell.embeddings, state[0]))
        read = armt.cell.hidden_states(state, step)
    assert torch.equal(plain.last_hidden_state, read.last_hidden_state)
    # ... and the memory it wrote makes later segments differ from the RMT (not a no-op)
    several = [_ids(40)]
    _, A, z = armt.stream_memory(several)[0]
    assert A.abs().sum() > 0 and z.abs().sum() > 0
    assert not torch.allclose(armt(several).logits, rmt(several).logits)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_streaming_equals_the_full_graph_over_many_segments(backbone: str) -> None:
    model = _armt(backbone).eval()
    ids = [_ids(8 * 24), _ids(8 * 9 + 3, 1), _ids(5, 2)]  # 24, 10 and 1 segments
    full = model(ids).logits  # with the autograd graph
    streamed = model.stream_logits(ids)
    alone = torch.cat([model.stream_logits([x]) for x in ids])
    torch.testing.assert_close(streamed, full, rtol=0, atol=1e-6)
    torch.testing.assert_close(alone, full, rtol=1e-5, atol=1e-6)


def test_the_state_is_constant_in_sample_length() -> None:
    model = _armt().eval()
    short, _ = model.stream_memory([_ids(16)])
    long, _ = model.stream_memory([_ids(8 * 40)])
    assert [t.shape for t in short] == [t.shape for t in long]
    assert sum(t.numel() for t in long) == model.state_numel
    layers, hidden, phi = 2, 64, 2 * 8 * 3
    assert long[1].shape == (1, layers, hidden, phi) and long[2].shape == (1, layers, phi)


def _grads(model: ARMT, ids: list[torch.Tensor]) -> dict[str, torch.Tensor | None]:
    model.zero_grad()
    model(ids, labels=torch.tensor([1])).loss.backward()
    return {name: p.grad for name, p in model.named_parameters()}


def test_gradients_from_the_last_segment_reach_the_first() -> None:
    model = _armt(hidden_dropout=0.0, attention_dropout=0.0, classifier_dropout=0.0).train()
    seen: list[torch.Tensor] = []

    def keep(module, args, output):
        output.retain_grad()
        seen.append(output)

    handle = model.cell.embeddings.register_forward_hook(keep)
    try:
        grads = _grads(model, [_ids(8 * 5)])
    finally:
        handle.remove()
    first_segment = seen[0]
    assert first_segment.grad is not None and first_segment.grad.abs().sum() > 0
    writes = [n for n in grads if ".associative." in n and (".key." in n or ".value." in n)]
    assert writes and all(grads[n] is not None and grads[n].abs().sum() > 0 for n in writes)


def test_bptt_depth_one_cuts_every_path_into_earlier_segments() -> None:
    model = _armt(bptt_depth=1, hidden_dropout=0.0, attention_dropout=0.0).train()
    grads = _grads(model, [_ids(8 * 4)])
    # the write projections act on the loss only through earlier segments' writes
    for name, grad in grads.items():
        if ".associative." in name and (".key." in name or ".value." in name or ".beta." in name):
            assert grad is None or torch.count_nonzero(grad) == 0, name
    query = [g for n, g in grads.items() if n.endswith("associative.0.query.weight")]
    assert query[0] is not None  # the last segment still reads


def test_the_associative_path_alone_carries_gradient_across_segments() -> None:
    model = _armt(hidden_dropout=0.0, attention_dropout=0.0).train()
    cell = model.cell
    first = cell.layout.build([_ids(8)])
    second = cell.layout.build([_ids(8, 1)])
    init = cell.initial_memory(1)
    _, (_, A, z) = cell(init, first)
    # the second segment starts from the *initial* memory tokens: only A and z link them
    state, _ = cell((init[0].detach(), A, z), second)
    # a random readout: a plain sum through the final LayerNorm has zero gradient
    weights = torch.randn(state.shape, generator=torch.Generator().manual_seed(0))
    (state * weights).sum().backward()
    assert cell.memory.grad is not None and cell.memory.grad.abs().sum() > 0
    assert cell.associative[1].value.weight.grad.abs().sum() > 0


def test_recompute_gives_the_same_gradients() -> None:
    ids = [_ids(8 * 3), _ids(13, 1)]
    labels = torch.tensor([1, 4])
    grads = []
    for recompute in (False, True):
        model = _armt(recompute_segments=recompute, hidden_dropout=0.0, attention_dropout=0.0)
        model.train()
        model(ids, labels=labels).loss.backward()
        grads.append({n: p.grad for n, p in model.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 10
    for name in grads[0]:
        torch.testing.assert_close(grads[1][name], grads[0][name], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_save_load_round_trip_and_registry(tmp_path: Path, backbone: str) -> None:
    model = _armt(backbone, key_size=6, nu=2).eval()
    with torch.no_grad():
        for p in model.cell.associative.parameters():
            p.add_(0.01)  # not the seeded initialisation: the weights must come from the file
    model.extra = {"trained_segments": 3}
    model.save_pretrained(tmp_path / "armt")
    meta = json.loads((tmp_path / "armt" / "config.json").read_text())
    assert meta["kind"] == "armt" and meta["config"]["key_size"] == 6
    loaded = load_answer_model(str(tmp_path / "armt"))
    assert isinstance(loaded, ARMT) and loaded.extra == {"trained_segments": 3}
    assert loaded.config.nu == 2 and loaded.describe()["kind"] == "armt"
    ids = [_ids(8 * 6), _ids(11, 1)]
    assert torch.equal(loaded.eval().stream_logits(ids), model.stream_logits(ids))
    with pytest.raises(BenchInputError, match="not 'rmt'"):
        RMT.from_pretrained(tmp_path / "armt")


def test_generation_reads_the_associative_memory() -> None:
    model = _armt("tiny-gpt2", head="generate", memory_tokens=2, segment_size=16).eval()
    with torch.no_grad():  # loud reads, so that a missing one shows
        for unit in model.cell.associative:
            unit.value.weight.mul_(100)
    ids = [_ids(16 * 4)]
    tokens = model.generate_answers(ids, max_new_tokens=3)[0]
    state, last = model.stream_memory(ids)
    assert state[1].abs().sum() > 0
    # greedy tokens and the cached decoding step equal one cache-free answer step
    full = model.cell.layout.build_answer(last, [torch.tensor(tokens[:2], dtype=torch.long)])
    prompt = model.cell.layout.build_answer(last, None)
    with torch.no_grad():
        hidden = model.cell.hidden_states(state, full).last_hidden_state
        out = model.cell.hidden_states(state, prompt, use_cache=True)
        cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
        position = prompt.ids.shape[1]
        step = model.cell.decode(
            state,
            inputs_embeds=model.cell.embeddings(torch.tensor([[tokens[0]]])),
            position_ids=torch.tensor([[position]]),
            cache=cache,
            use_cache=True,
        ).last_hidden_state
    start = int(full.answer_index[0])
    greedy = model.lm_head(hidden[0, start : start + len(tokens)]).argmax(-1).tolist()
    assert greedy == tokens
    torch.testing.assert_close(step[0, -1], hidden[0, position], rtol=1e-4, atol=1e-5)
