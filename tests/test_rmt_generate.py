"""Generative answers on a decoder (tiny GPT-2): memory carried into greedy generation."""

from __future__ import annotations

import pytest
import torch

from generators.errors import BenchInputError
from rmt_bench.rmt import RMT, RMTConfig


def make(**overrides) -> RMT:
    values = dict(backbone="tiny-gpt2", head="generate", memory_tokens=2, segment_size=8)
    values.update(overrides)
    return RMT(RMTConfig(**values)).eval()


def ids_of(n: int, seed: int) -> torch.Tensor:
    return torch.randint(1000, 29000, (n,), generator=torch.Generator().manual_seed(seed))


def reference_greedy(model: RMT, ids: torch.Tensor, steps: int) -> list[int]:
    """Greedy decoding without a KV cache: re-run [MEM_read] segment answer-so-far each time."""
    memory, last = model.stream_memory([ids])
    tokens: list[int] = []
    with torch.no_grad():
        for _ in range(steps):
            context = torch.cat([last[0], torch.tensor(tokens, dtype=torch.long)])
            step = model.cell.layout.build_answer([context], None)
            hidden = model.cell.hidden_states(memory, step).last_hidden_state[:, -1]
            tokens.append(int(model.lm_head(hidden).argmax(-1)))
    return tokens


def test_cached_greedy_generation_equals_uncached_reference() -> None:
    model = make()
    ids = [ids_of(29, 1), ids_of(5, 2)]
    generated = model.generate_answers(ids, max_new_tokens=4)
    assert [len(t) for t in generated] == [4, 4]
    for row, tokens in zip(ids, generated, strict=True):
        assert tokens == reference_greedy(model, row, 4)


def test_generation_depends_on_memory_from_earlier_segments() -> None:
    model = make()
    ids = ids_of(40, 3)
    memory, _ = model.stream_memory([ids])
    other = ids.clone()
    other[:8] = ids_of(8, 4)  # first segment only
    memory_other, _ = model.stream_memory([other])
    assert float((memory - memory_other).abs().max()) > 1e-5


def test_teacher_forced_loss_trains_and_label_scores_match_first_token() -> None:
    model = make()
    model.train()
    ids = [ids_of(20, 5), ids_of(11, 6)]
    labels = torch.tensor([1, 4])
    out = model(input_ids=ids, labels=labels)
    assert out.logits.shape == (2, len(model.labels)) and out.loss.requires_grad
    out.loss.backward()
    assert float(model.cell.memory.grad.abs().sum()) > 0  # the answer loss reaches the memory
    model.eval()
    with torch.no_grad():
        scores = model(input_ids=ids).logits
    memory, last = model.stream_memory(ids)
    for row in range(2):
        step = model.cell.layout.build_answer([last[row]], None)
        with torch.no_grad():
            hidden = model.cell.hidden_states(memory[row : row + 1], step).last_hidden_state
            logp = torch.log_softmax(model.lm_head(hidden[:, -1]), -1)[0]
        torch.testing.assert_close(scores[row], logp[model.answers.first_ids], rtol=1e-4, atol=1e-5)


def test_predict_text_and_label_matching() -> None:
    model = make()
    assert model.answers.match("Kitchen.") == model.labels.index("kitchen")
    assert model.answers.match("the garden") is None
    generated = model.generate_answers([ids_of(12, 7)])
    text = model.answers.decode(generated[0])
    assert isinstance(text, str)


def test_generate_head_needs_a_decoder() -> None:
    with pytest.raises(BenchInputError):
        RMT(RMTConfig(backbone="tiny-bert", head="generate", memory_tokens=2, segment_size=8))
    with pytest.raises(BenchInputError):
        RMTConfig(backbone="tiny-gpt2", head="generate", loss_on="all")
