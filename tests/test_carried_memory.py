"""--carry-memory: training rows that start from the memory they ended the previous step with.

Covers the wrapper's ``start_state`` / ``output.state`` contract (RMT and ARMT),
the draw (reproducible, per row, off at 0), the checks on the option, and a real
tiny-bert training run that carries memory and resumes after an interrupt to the
same weights as the uninterrupted run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tiny_training import tiny_train_config  # tests/ is on sys.path under pytest

from generators.errors import BenchInputError
from rmt_bench.rmt import RMT, RMTConfig
from rmt_bench.rmt.armt import ARMT, ARMTConfig
from rmt_bench.train.carried_memory import CarriedMemory
from rmt_bench.train.config import TrainConfig, resolve_train_config
from rmt_bench.train.loop import TrainingInterrupted, train

LABELS = ("a", "b", "c")


def _rmt(kind: type = RMT, config: type = RMTConfig) -> RMT:
    cfg = config(
        backbone="tiny-bert", memory_tokens=2, segment_size=8, labels=LABELS, hidden_dropout=0.0
    )
    return kind(cfg).eval()


def _ids(n: int, length: int, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randint(5, 90, (length,), generator=generator) for _ in range(n)]


@pytest.mark.parametrize("kind", ["rmt", "armt"])
def test_start_state_continues_the_stream_exactly(kind: str) -> None:
    model = _rmt() if kind == "rmt" else _rmt(ARMT, ARMTConfig)
    first, second = _ids(2, 16, 0), _ids(2, 24, 1)
    with torch.no_grad():
        whole = model([torch.cat([a, b]) for a, b in zip(first, second, strict=True)])
        head = model(first)
        continued = model(second, start_state=head.state)
        fresh = model(second)
    # 16 tokens are exactly two segments of 8: carrying the state over equals one long sample
    assert torch.allclose(whole.logits, continued.logits, atol=1e-5)
    assert not torch.allclose(fresh.logits, continued.logits, atol=1e-5)
    assert whole.state is not None
    state = whole.state if isinstance(whole.state, tuple) else (whole.state,)
    assert all(not t.requires_grad for t in state)


def test_the_draw_is_per_row_reproducible_and_off_at_zero(tmp_path: Path) -> None:
    model = _rmt()
    carried = CarriedMemory(0.5, seed=3)
    assert carried.start_state(model, micro=0, batch=64, step=0) is None  # nothing carried yet
    marker = torch.full((64, 2, model.cell.hidden_size), 7.0)
    carried.update(0, marker)
    start = carried.start_state(model, micro=0, batch=64, step=5)
    kept = (start == 7.0).flatten(1).all(1)
    assert 10 < int(kept.sum()) < 54  # about half the rows carry over
    fresh = model.cell.initial_memory(64)
    assert torch.equal(start[~kept], fresh[~kept])
    carried.save(tmp_path)
    again = CarriedMemory(0.5, seed=3)
    again.load(tmp_path)
    assert torch.equal(again.start_state(model, micro=0, batch=64, step=5), start)
    other_step = carried.start_state(model, micro=0, batch=64, step=6)
    assert not torch.equal(other_step, start)
    assert carried.start_state(model, micro=0, batch=32, step=5) is None  # batch size changed
    off = CarriedMemory(0.0, seed=3)
    off.update(0, marker)
    assert not off.enabled and off.start_state(model, micro=0, batch=64, step=5) is None
    with pytest.raises(BenchInputError, match="recurrent model"):
        carried.update(0, None)


def test_the_option_is_checked() -> None:
    assert resolve_train_config(overrides={"task": "memorize", "carry_memory": 0.9}).carry_memory
    for bad in (-0.1, 1.0):
        with pytest.raises(BenchInputError, match="--carry-memory must be in"):
            resolve_train_config(overrides={"task": "memorize", "carry_memory": bad})
    with pytest.raises(BenchInputError, match="recurrent model"):
        resolve_train_config(
            overrides={"task": "memorize", "carry_memory": 0.5, "model_kind": "full-attention"}
        )


def _cfg(**changes) -> TrainConfig:
    base = dict(
        val_samples=4,
        dropout=0.0,
        curriculum=(2,),
        steps_per_stage=6,
        val_every=6,
        checkpoint_every=2,
        carry_memory=0.75,
    )
    return tiny_train_config(**{**base, **changes})


def test_a_carrying_run_trains_differently_and_resumes_to_the_same_weights(
    tmp_path: Path,
) -> None:
    train(_cfg(), tmp_path / "whole", progress=False)
    train(_cfg(carry_memory=0.0), tmp_path / "plain", progress=False)
    whole = load_file(tmp_path / "whole" / "last" / "model.safetensors")
    plain = load_file(tmp_path / "plain" / "last" / "model.safetensors")
    assert any(not torch.equal(whole[k], plain[k]) for k in whole)  # carrying changed training
    assert (tmp_path / "whole" / "last" / "carried-0.safetensors").is_file()

    stop_at = {"step": 3}

    def interrupt(state) -> None:
        if state.global_step == stop_at["step"]:
            raise TrainingInterrupted("test interrupt")

    with pytest.raises(TrainingInterrupted):
        train(_cfg(checkpoint_every=1), tmp_path / "cut", progress=False, on_step=interrupt)
    train(_cfg(checkpoint_every=1), tmp_path / "cut", progress=False, resume=True)
    resumed = load_file(tmp_path / "cut" / "last" / "model.safetensors")
    for key in whole:
        assert torch.allclose(whole[key], resumed[key], atol=1e-6), key
