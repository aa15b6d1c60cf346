"""--memory-update gated: the RMT's optional gated memory write (rmt_bench.rmt.memory_gate).

Covers the gate itself (closed keeps the old memory, open gives the paper's
replacement, a fresh gate mostly writes), the RMT around it (the default adds no
weights; gradients reach the gate and the first segment; save / load round
trip), the checks on the option, and ``train --init-from`` of a checkpoint
trained without a gate (the gate starts fresh; any other mismatch is refused).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tiny_training import tiny_train_config  # tests/ is on sys.path under pytest

from generators.errors import BenchInputError
from rmt_bench.rmt import RMT, RMTConfig
from rmt_bench.rmt.armt import ARMTConfig
from rmt_bench.rmt.memory_gate import OPEN_BIAS, MemoryWriteGate
from rmt_bench.train.config import TrainConfig, resolve_train_config
from rmt_bench.train.loop import train

LABELS = ("a", "b", "c")


def _rmt(update: str = "gated", seed: int = 0) -> RMT:
    cfg = RMTConfig(
        backbone="tiny-bert",
        memory_tokens=2,
        segment_size=8,
        labels=LABELS,
        hidden_dropout=0.0,
        memory_update=update,
        seed=seed,
    )
    return RMT(cfg).eval()


def _ids(n: int, length: int, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randint(5, 90, (length,), generator=generator) for _ in range(n)]


def test_the_gate_interpolates_between_old_and_new() -> None:
    gate = MemoryWriteGate(hidden=6)
    old, new = torch.randn(3, 2, 6), torch.randn(3, 2, 6)
    fresh = math.exp(OPEN_BIAS) / (1 + math.exp(OPEN_BIAS))
    assert torch.allclose(gate(old, new), old + fresh * (new - old), atol=1e-6)
    with torch.no_grad():
        gate.proj.bias.fill_(-50.0)  # closed: the memory does not change
    assert torch.allclose(gate(old, new), old, atol=1e-6)
    with torch.no_grad():
        gate.proj.bias.fill_(50.0)  # open: the new memory replaces the old
    assert torch.allclose(gate(old, new), new, atol=1e-6)


def test_a_closed_gate_keeps_the_initial_memory_and_an_open_one_is_the_paper_rmt() -> None:
    plain, gated = _rmt("replace"), _rmt("gated")
    assert not any("write_gate" in name for name in plain.state_dict())  # default: no weights
    gated.load_state_dict(plain.state_dict(), strict=False)  # same backbone, memory, head
    ids = _ids(2, 40, 1)  # five segments of 8
    with torch.no_grad():
        gated.cell.write_gate.proj.bias.fill_(50.0)
        assert torch.allclose(gated(ids).logits, plain(ids).logits, atol=1e-5)
        gated.cell.write_gate.proj.bias.fill_(-50.0)
        closed = gated(ids).logits
        # with the gate shut, only the last segment matters: as if the sample were that segment
        last_only = gated([x[-8:] for x in ids]).logits
    assert torch.allclose(closed, last_only, atol=1e-5)


def test_gradients_reach_the_gate_and_the_first_segment() -> None:
    model = _rmt("gated").train()
    ids = [x.clone() for x in _ids(2, 32, 2)]
    embeds = model.cell.embeddings
    out = model(ids, labels=torch.tensor([0, 2]))
    out.loss.backward()
    gate = model.cell.write_gate.proj
    assert gate.weight.grad is not None and float(gate.weight.grad.abs().sum()) > 0
    first_tokens = ids[0][:8]
    assert float(embeds.weight.grad[first_tokens].abs().sum()) > 0


def test_a_gated_model_saves_and_loads_to_the_same_answers(tmp_path: Path) -> None:
    model = _rmt("gated", seed=3)
    with torch.no_grad():
        model.cell.write_gate.proj.weight.normal_(0, 0.1)
    model.save_pretrained(tmp_path / "ckpt")
    again = RMT.from_pretrained(tmp_path / "ckpt").eval()
    assert again.config.memory_update == "gated"
    ids = _ids(3, 30, 4)
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, again(ids).logits, atol=1e-6)


def test_the_starting_bias_sets_how_much_a_fresh_gate_writes() -> None:
    cfg = RMTConfig(
        backbone="tiny-bert",
        memory_tokens=2,
        segment_size=8,
        memory_update="gated",
        memory_gate_bias=-2.0,
    )
    bias = RMT(cfg).cell.write_gate.proj.bias
    assert torch.allclose(bias, torch.full_like(bias, -2.0))
    assert torch.allclose(_rmt("gated").cell.write_gate.proj.bias, torch.full_like(bias, OPEN_BIAS))
    with pytest.raises(BenchInputError, match="applies to memory_update='gated' only"):
        RMTConfig(backbone="tiny-bert", memory_gate_bias=-2.0)
    with pytest.raises(BenchInputError, match="finite number"):
        RMTConfig(backbone="tiny-bert", memory_update="gated", memory_gate_bias=float("nan"))
    with pytest.raises(BenchInputError, match="--memory-update gated only"):
        resolve_train_config(overrides={"task": "memorize", "memory_gate_bias": -1.0})
    values = {"task": "memorize", "memory_update": "gated", "memory_gate_bias": -1.0}
    assert resolve_train_config(overrides=values).memory_gate_bias == -1.0


def test_the_option_is_checked() -> None:
    with pytest.raises(BenchInputError, match="memory_update must be one of"):
        RMTConfig(backbone="tiny-bert", memory_update="blend")
    with pytest.raises(BenchInputError, match="needs memory_tokens >= 1"):
        RMTConfig(backbone="tiny-bert", memory_tokens=0, memory_update="gated")
    with pytest.raises(BenchInputError, match="RMT option"):
        ARMTConfig(backbone="tiny-bert", memory_tokens=2, memory_update="gated")
    ok = resolve_train_config(overrides={"task": "memorize", "memory_update": "gated"})
    assert ok.memory_update == "gated"
    with pytest.raises(BenchInputError, match="--memory-update must be one of"):
        resolve_train_config(overrides={"task": "memorize", "memory_update": "blend"})
    with pytest.raises(BenchInputError, match="--model-kind rmt only"):
        resolve_train_config(
            overrides={"task": "memorize", "memory_update": "gated", "model_kind": "armt"}
        )
    with pytest.raises(BenchInputError, match="--memory-tokens >= 1"):
        resolve_train_config(
            overrides={"task": "memorize", "memory_update": "gated", "memory_tokens": 0}
        )


def _cfg(**changes) -> TrainConfig:
    base = dict(
        val_samples=4,
        dropout=0.0,
        curriculum=(2,),
        steps_per_stage=2,
        val_every=2,
        checkpoint_every=2,
    )
    return tiny_train_config(**{**base, **changes})


def test_init_from_an_ungated_checkpoint_starts_a_fresh_gate(tmp_path: Path) -> None:
    train(_cfg(), tmp_path / "plain", progress=False)
    source = tmp_path / "plain"  # the final model
    train(
        _cfg(memory_update="gated", init_from=str(source), steps_per_stage=1),
        tmp_path / "gated",
        progress=False,
    )
    before = load_file(source / "rmt.safetensors")
    after = load_file(tmp_path / "gated" / "last" / "model.safetensors")
    assert "cell.write_gate.proj.bias" in after and "cell.write_gate.proj.bias" not in before
    # a gated model is not a starting point for an ungated one, nor another shape
    with pytest.raises(BenchInputError, match="do not fit this model"):
        train(
            _cfg(init_from=str(tmp_path / "gated")),
            tmp_path / "back",
            progress=False,
        )
    with pytest.raises(BenchInputError, match="do not fit this model"):
        train(
            _cfg(memory_update="gated", memory_tokens=3, init_from=str(source)),
            tmp_path / "shape",
            progress=False,
        )
