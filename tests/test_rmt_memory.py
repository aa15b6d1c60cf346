"""Memory really carries information; BPTT depth; per-segment recomputation."""

from __future__ import annotations

import pytest
import torch

from rmt_bench.rmt import RMT, RMTConfig

BACKBONES = ["tiny-bert", "tiny-gpt2"]
SEGMENT = 6


def make(backbone: str, **overrides) -> RMT:
    values = dict(backbone=backbone, memory_tokens=2, segment_size=SEGMENT, seed=0)
    values.update(overrides)
    return RMT(RMTConfig(**values))


def segmented_ids(segments: int, seed: int = 0) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Token ids whose segment j only uses ids in its own range [1000+100j, 1050+100j)."""
    generator = torch.Generator().manual_seed(seed)
    parts = [
        torch.randint(1000 + 100 * j, 1050 + 100 * j, (SEGMENT,), generator=generator)
        for j in range(segments)
    ]
    return torch.cat(parts), parts


def segments_reached(model: RMT, parts: list[torch.Tensor]) -> list[bool]:
    """Which segments' token embeddings received a non-zero gradient."""
    grad = model.cell.backbone.get_input_embeddings().weight.grad
    return [bool(grad[part].abs().sum() > 0) for part in parts]


@pytest.mark.parametrize("backbone", BACKBONES)
def test_last_segment_loss_reaches_first_segment_only_through_memory(backbone: str) -> None:
    ids, parts = segmented_ids(4)
    for m, expected in ((2, [True] * 4), (0, [False, False, False, True])):
        model = make(backbone, memory_tokens=m).eval()
        model(input_ids=[ids], labels=torch.tensor([3])).loss.backward()
        assert segments_reached(model, parts) == expected


@pytest.mark.parametrize("backbone", BACKBONES)
def test_first_segment_changes_the_answer_only_through_memory(backbone: str) -> None:
    model = make(backbone).eval()
    model.head = torch.nn.Identity()  # "logits" = the answer state (B, H) read by the head
    ids, parts = segmented_ids(4)
    other = ids.clone()
    other[:SEGMENT] = torch.flip(parts[0], [0]) + 7  # only the first segment differs
    base, changed = model.stream_logits([ids, other])
    assert float((base - changed).abs().max()) > 1e-5  # float noise is ~1e-7

    forward = model.cell.forward

    def zero_memory(memory, step):  # the cell with its written memory wiped
        state, new_memory = forward(memory, step)
        return state, torch.zeros_like(new_memory)

    model.cell.forward = zero_memory
    base, changed = model.stream_logits([ids, other])
    assert torch.equal(base, changed)  # memory was the only channel


@pytest.mark.parametrize("backbone", BACKBONES)
@pytest.mark.parametrize("depth", [1, 2, 3, 5, None])
def test_bptt_depth_reaches_exactly_the_last_k_segments(backbone: str, depth: int | None) -> None:
    segments = 5
    ids, parts = segmented_ids(segments, seed=1)
    model = make(backbone, bptt_depth=depth).eval()
    model(input_ids=[ids], labels=torch.tensor([1])).loss.backward()
    k = segments if depth is None else min(depth, segments)
    assert segments_reached(model, parts) == [False] * (segments - k) + [True] * k
    memory_grad = model.cell.memory.grad
    # the learned initial memory enters segment 0: reached only with full-depth BPTT
    assert (memory_grad is not None and bool(memory_grad.abs().sum() > 0)) == (k == segments)


def test_bptt_depth_with_rows_of_different_lengths() -> None:
    """A row shorter than k still trains its initial memory; the long row is truncated."""
    long_ids, long_parts = segmented_ids(5, seed=2)
    short_ids = long_ids[-2 * SEGMENT :].clone()  # 2 segments, joins at step 3
    model = make("tiny-bert", bptt_depth=3).eval()
    out = model(input_ids=[long_ids], labels=torch.tensor([0]))
    out.loss.backward()
    assert segments_reached(model, long_parts) == [False, False, True, True, True]
    assert model.cell.memory.grad is None or float(model.cell.memory.grad.abs().sum()) == 0.0
    model.zero_grad(set_to_none=True)
    model(input_ids=[long_ids, short_ids], labels=torch.tensor([0, 1])).loss.backward()
    assert float(model.cell.memory.grad.abs().sum()) > 0  # through the short row


@pytest.mark.parametrize("backbone", BACKBONES)
@pytest.mark.parametrize("loss_on", ["last", "all"])
def test_recompute_segments_gives_the_same_gradients(backbone: str, loss_on: str) -> None:
    ids = [segmented_ids(4, seed=3)[0], segmented_ids(2, seed=4)[0]]
    labels = torch.tensor([2, 4])
    grads = []
    for recompute in (False, True):
        model = make(backbone, recompute_segments=recompute, hidden_dropout=0.1, loss_on=loss_on)
        model.train()
        torch.manual_seed(123)  # same dropout masks; checkpoint replays the RNG state
        model(input_ids=ids, labels=labels).loss.backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    plain, recomputed = grads
    assert plain.keys() == recomputed.keys() and len(plain) > 10
    for name in plain:
        torch.testing.assert_close(recomputed[name], plain[name], rtol=1e-5, atol=1e-7)


def test_loss_on_all_sums_segment_losses() -> None:
    ids, _ = segmented_ids(3, seed=5)
    model = make("tiny-bert").eval()
    last = model(input_ids=[ids], labels=torch.tensor([2])).loss
    model.config.loss_on = "all"
    total = model(input_ids=[ids], labels=torch.tensor([2])).loss
    assert float(total.detach()) > float(last.detach()) > 0


def saved_for_backward(model: RMT, segments: int) -> int:
    """Bytes autograd keeps for the backward pass over ``segments`` segments."""
    total = 0

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    ids = [segmented_ids(segments, seed=6)[0]]
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = model(input_ids=ids, labels=torch.tensor([1])).loss
    loss.backward()
    return total


def test_recompute_keeps_only_memory_states_per_segment() -> None:
    plain = make("tiny-bert").train()
    recompute = make("tiny-bert", recompute_segments=True).train()
    plain_growth = saved_for_backward(plain, 8) - saved_for_backward(plain, 4)
    growth = saved_for_backward(recompute, 8) - saved_for_backward(recompute, 4)
    memory_state = 2 * 64 * 4  # (m, H) float32 per segment
    assert plain_growth > 50 * memory_state  # every layer's activations, per segment
    assert 0 < growth <= 4 * 4 * memory_state  # 4 more segments: a few memory-sized tensors each


@pytest.mark.parametrize("backbone", BACKBONES)
def test_segments_before_the_bptt_window_keep_no_graph(backbone: str) -> None:
    """With BPTT depth 2 autograd keeps as much for 8 segments as for 4: the segments before
    the window run without a graph (with the loss on every segment they need one)."""
    truncated = make(backbone, bptt_depth=2).train()
    assert saved_for_backward(truncated, 8) == saved_for_backward(truncated, 4) > 0
    every_loss = make(backbone, bptt_depth=2, loss_on="all").train()
    assert saved_for_backward(every_loss, 8) > saved_for_backward(every_loss, 4)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_truncated_gradients_equal_the_window_run_from_the_streamed_memory(backbone: str) -> None:
    """BPTT depth 2 over 5 segments gives the gradients of the last 2 segments started from
    the memory the first 3 leave: nothing before the window contributes."""
    ids, _ = segmented_ids(5, seed=7)
    label = torch.tensor([3])
    model = make(backbone, bptt_depth=2).eval()
    model(input_ids=[ids], labels=label).loss.backward()
    truncated = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad(set_to_none=True)
    with torch.no_grad():
        memory = model(input_ids=[ids[: 3 * SEGMENT]]).state
    model(input_ids=[ids[3 * SEGMENT :]], labels=label, start_state=memory).loss.backward()
    window = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    assert truncated.keys() == window.keys() and len(truncated) > 10
    for name in truncated:
        torch.testing.assert_close(truncated[name], window[name], rtol=1e-5, atol=1e-7)
