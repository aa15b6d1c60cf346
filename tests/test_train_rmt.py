"""Training the real RMT (tiny-bert, 2 layers, hidden 64) on real generated samples.

Covers: a curriculum run whose final folder loads with ``RMT.from_pretrained``;
segment recompute trains to the same weights as plain BPTT; LoRA trains only
adapters + memory + head and its checkpoints reload; ``--data DIR``; and a
``rmt-bench train`` subprocess killed with SIGKILL then resumed without repeating
or losing a step.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tiny_training import TINY_TRAINING, tiny_train_config  # tests/ is on sys.path under pytest

from rmt_bench.rmt import RMT
from rmt_bench.train.config import TrainConfig
from rmt_bench.train.logging_utils import read_log
from rmt_bench.train.loop import train


def test_curriculum_run_gives_a_loadable_final_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = train(
        tiny_train_config(curriculum=(1, 2), steps_per_stage=3, val_every=3), out, progress=False
    )
    assert [s["segments"] for s in result.stages] == [1, 2]
    model = RMT.from_pretrained(out)
    assert model.extra["trained_segments"] == 2 and model.extra["curriculum"] is True
    assert model.extra["task"] == "detect_memorize" and model.segment_size == 16
    stage2 = RMT.from_pretrained(out / "stage-2")
    ids = [torch.arange(5, 40)]
    assert torch.equal(model.eval()(ids).logits, stage2.eval()(ids).logits)
    records = read_log(out / "train_log.jsonl")
    assert [r["segments"] for r in records if r["event"] == "validation"] == [1, 2]


def _last_weights(out: Path) -> dict[str, torch.Tensor]:
    return load_file(out / "last" / "model.safetensors")


def test_recompute_trains_to_the_same_weights_as_plain_bptt(tmp_path: Path) -> None:
    common = dict(curriculum=(3,), steps_per_stage=3, val_every=3, dropout=0.0)
    train(tiny_train_config(**common), tmp_path / "plain", progress=False)
    train(
        tiny_train_config(recompute_segments=True, **common), tmp_path / "recompute", progress=False
    )
    plain, recompute = _last_weights(tmp_path / "plain"), _last_weights(tmp_path / "recompute")
    assert plain.keys() == recompute.keys()
    start = RMT(RMT.from_pretrained(tmp_path / "plain").config).state_dict()
    moved = [key for key in plain if not torch.equal(plain[key], start[key])]
    assert len(moved) > 10  # training did change the model
    for key in plain:
        assert torch.allclose(plain[key], recompute[key], atol=1e-6), key


def test_lora_trains_adapters_memory_and_head_only(tmp_path: Path) -> None:
    out = tmp_path / "lora"
    train(
        tiny_train_config(curriculum=(2,), steps_per_stage=3, val_every=3, lora_r=4),
        out,
        progress=False,
    )
    after = _last_weights(out)
    fresh = RMT.from_pretrained(out).config  # same config, lora_r 4
    start = RMT(fresh).state_dict()
    changed = {key for key in after if not torch.equal(after[key], start[key])}
    assert changed and all(
        "lora_" in key or not key.startswith("cell.backbone.") for key in changed
    ), sorted(changed)[:5]
    assert any("lora_" in key for key in changed)
    assert any(key.startswith("head.") for key in changed)
    loaded = RMT.from_pretrained(out)  # adapters come back from the checkpoint
    best = load_file(out / "stage-1" / "rmt.safetensors")
    for key, value in best.items():
        assert torch.equal(loaded.state_dict()[key], value)
    assert (out / "adapter").is_dir()


def test_train_on_a_generated_dataset_folder(tmp_path: Path) -> None:
    from generators.dataset import build_dataset

    data = build_dataset(
        "memorize",
        lengths=[16, 32],
        num_samples=12,
        seed=7,
        out=tmp_path / "data",
        fmt="jsonl",
        progress=False,
    )
    out = tmp_path / "run"
    result = train(
        tiny_train_config(
            task="memorize",
            curriculum=(1, 2),
            steps_per_stage=2,
            val_every=2,
            val_samples=4,
            data=str(data),
        ),
        out,
        progress=False,
    )
    assert [s["steps"] for s in result.stages] == [2, 2]
    assert RMT.from_pretrained(out).extra["data"] == {"source": "dataset", "data": str(data)}


KILL_SCRIPT = """
import os, signal, sys
from rmt_bench.train import resolve_train_config, train
cfg = resolve_train_config(None, {overrides})
def kill(state):
    if state.global_step == {kill_at}:
        os.kill(os.getpid(), signal.SIGKILL)   # no handler, no cleanup: a real kill -9
train(cfg, sys.argv[1], progress=False, on_step=kill)
"""


@pytest.mark.slow
def test_sigkill_then_resume_loses_and_repeats_nothing(tmp_path: Path) -> None:
    """kill -9 at step 7 (last resume checkpoint: step 6), then ``rmt-bench train --out
    DIR --resume`` (the run's own saved config): every step and sample exactly once."""
    out = tmp_path / "run"
    overrides = {**TINY_TRAINING, "curriculum": "1,2", "steps_per_stage": 6, "val_every": 3}
    overrides.update(checkpoint_every=2, threads=1)
    script = KILL_SCRIPT.format(overrides=overrides, kill_at=7)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    killed = subprocess.run([sys.executable, "-c", script, str(out)], env=env, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert max(r["step"] for r in read_log(out / "train_log.jsonl")) == 7
    assert json.loads((out / "last" / "state.json").read_text())["global_step"] == 6
    done = subprocess.run(
        [sys.executable, "-m", "rmt_bench.cli", "train", "--out", str(out), "--resume",
         "--no-progress"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["global_step"] == 12
    records = [r for r in read_log(out / "train_log.jsonl") if r["event"] == "train"]
    assert [r["step"] for r in records] == list(range(1, 13))
    for stage in (1, 2):
        ranges = [(r["index_start"], r["index_end"]) for r in records if r["stage"] == stage]
        assert ranges == [(4 * i, 4 * i + 4) for i in range(6)]
    assert RMT.from_pretrained(out).extra["trained_segments"] == 2


def test_full_attention_kind_trains_through_the_same_loop(tmp_path: Path) -> None:
    from baselines.full_attention import FullAttentionClassifier

    out = tmp_path / "fa"
    result = train(
        tiny_train_config(
            model_kind="full-attention", curriculum=(1, 2), steps_per_stage=2, val_every=2
        ),
        out,
        progress=False,
    )
    assert result.global_step == 4
    model = FullAttentionClassifier.from_pretrained(out)
    assert model.extra["trained_segments"] == 2 and model.kind == "full-attention"


def test_bf16_autocast_trains_and_saves_float32_weights(tmp_path: Path) -> None:
    out = tmp_path / "bf16"
    result = train(tiny_train_config(precision="bf16", curriculum=(2,), steps_per_stage=2, val_every=2), out,
                   progress=False)  # fmt: skip
    assert result.precision == "bf16"  # the train summary names it, and so does the checkpoint
    assert RMT.from_pretrained(out).extra["precision"] == "bf16"
    weights = load_file(out / "last" / "model.safetensors")
    assert all(w.dtype == torch.float32 and torch.isfinite(w).all() for w in weights.values())
    records = read_log(out / "train_log.jsonl")
    assert all(r["loss"] is None or r["loss"] > 0 for r in records)


def test_attention_dropout_reaches_the_backbone_and_the_slow_cpu_path_is_named() -> None:
    from rmt_bench.backbones import attention_dropout_of, unfused_cpu_attention_reason
    from rmt_bench.train.models import model_kind

    def built(**values: object) -> RMT:
        cfg = TrainConfig(task="memorize", backbone="tiny-bert", segment_size=16, **values)
        return model_kind("rmt").build(cfg, ("a", "b"))

    default = built()  # tiny-bert keeps BERT's attention dropout 0.1
    fused = built(dropout=0.1, attention_dropout=0.0)
    config = fused.cell.backbone.config
    assert attention_dropout_of(config) == 0.0 and config.hidden_dropout_prob == 0.1
    reason = unfused_cpu_attention_reason(default, "cpu")
    assert reason is not None and "--attention-dropout 0" in reason
    assert unfused_cpu_attention_reason(fused, "cpu") is None
    assert unfused_cpu_attention_reason(default, "cuda:0") is None  # fused kernels have dropout
