"""ARMT with fresh memory tokens each segment (``carry_memory_tokens=False``, the authors' code).

Only the associative matrices then link segments: the memory tokens entering
every segment are the learned memory, the state is smaller by m x H, a sample
of one segment answers as with carried tokens, and the flag survives a
checkpoint round trip and comes from ``train --armt-fresh-memory-tokens``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tiny_armt import IDS, LABELS, random_ids, tiny_armt

from generators.errors import BenchInputError
from rmt_bench.rmt.armt import ARMT, ARMTConfig
from rmt_bench.train.config import resolve_train_config
from rmt_bench.train.curriculum import Stage
from rmt_bench.train.models import model_kind
from rmt_bench.train.summary import run_summary

TINY = {"task": "memorize", "backbone": "tiny-bert", "segment_size": 16, "memory_tokens": 2}


def _pair() -> tuple[ARMT, ARMT]:
    carried = tiny_armt().eval()
    fresh = tiny_armt(carry_memory_tokens=False).eval()
    fresh.load_state_dict(carried.state_dict())
    return carried, fresh


@pytest.mark.parametrize("backbone", ["tiny-bert", "tiny-gpt2"])
def test_every_segment_enters_with_the_learned_memory(backbone: str) -> None:
    model = tiny_armt(backbone=backbone, carry_memory_tokens=False).eval()
    entering: list[torch.Tensor] = []
    cell_forward = model.cell.forward

    def spy(memory, step):
        entering.append(memory[0].detach().clone())
        return cell_forward(memory, step)

    model.cell.forward = spy
    with torch.no_grad():
        tokens, A, z = model.stream_memory([random_ids(8 * 5)])[0]
    learned = model.cell.memory.detach()
    assert len(entering) == 4  # the first four of five segments run; the last is the answer's
    for memory in [*entering, tokens]:
        torch.testing.assert_close(memory[0].float(), learned.float())
    assert A.abs().sum() > 0 and z.abs().sum() > 0  # the associative memory was written


def test_one_segment_answers_as_with_carried_tokens_and_more_segments_differ() -> None:
    carried, fresh = _pair()
    one = [random_ids(8)]
    torch.testing.assert_close(fresh.stream_logits(one), carried.stream_logits(one))
    assert not torch.allclose(fresh.stream_logits(IDS), carried.stream_logits(IDS))


def test_streaming_equals_the_full_graph_and_gradients_cross_segments() -> None:
    model = tiny_armt(carry_memory_tokens=False)
    model.eval()
    torch.testing.assert_close(model.stream_logits(IDS), model(IDS).logits, rtol=0, atol=1e-6)
    model.train()
    model(IDS, labels=LABELS).loss.backward()
    key = model.cell.associative[0].key.weight.grad
    assert key is not None and key.abs().sum() > 0  # writes reach the loss only via A, z


def test_the_state_holds_no_memory_tokens_and_the_flag_round_trips(tmp_path: Path) -> None:
    carried, fresh = _pair()
    hidden, m = carried.cell.hidden_size, carried.config.memory_tokens
    assert carried.state_numel - fresh.state_numel == m * hidden
    fresh.save_pretrained(tmp_path / "fresh")
    loaded = ARMT.from_pretrained(tmp_path / "fresh").eval()
    assert loaded.config.carry_memory_tokens is False
    torch.testing.assert_close(loaded.stream_logits(IDS), fresh.stream_logits(IDS))
    with pytest.raises(BenchInputError, match="carry_memory_tokens"):
        ARMTConfig(backbone="tiny-bert", carry_memory_tokens="no").validate()


def test_the_train_flag_reaches_the_model_and_the_summary() -> None:
    cfg = resolve_train_config(
        overrides={**TINY, "model_kind": "armt", "armt_fresh_memory_tokens": True}
    )
    model = model_kind("armt").build(cfg, ("a", "b"))
    assert model.config.carry_memory_tokens is False
    stages = [Stage(index=1, segments=1, length=16, max_steps=2)]
    assert "memory tokens fresh each segment" in run_summary(cfg, model, stages)
    default = model_kind("armt").build(
        resolve_train_config(overrides={**TINY, "model_kind": "armt"}), ("a", "b")
    )
    assert default.config.carry_memory_tokens is True
    with pytest.raises(BenchInputError, match="--armt-fresh-memory-tokens applies to"):
        resolve_train_config(overrides={**TINY, "armt_fresh_memory_tokens": True})
