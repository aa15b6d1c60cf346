"""``accelerate launch`` data parallelism: 2 CPU processes (gloo) train like 1 process.

    accelerate launch --multi_gpu --num_processes 2 -m rmt_bench.cli train ...

The global batch (4) is split 2 + 2 over the processes and the gradients are
averaged, so with dropout 0 the two-process run must reach the weights of a
one-process run on the same global batches, up to float summation order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tiny_training import TINY_TRAINING

from rmt_bench.rmt import RMT
from rmt_bench.train.config import resolve_train_config
from rmt_bench.train.loop import train

# The shared tiny run (tests/tiny_training.py) as CLI flags, two stages, fp32 ("auto" is
# bf16 on AVX512-BF16 CPUs, where rounding differs by batch shape).
FLAGS = {
    **TINY_TRAINING,
    "curriculum": "1,2",
    "steps_per_stage": 3,
    "val_every": 3,
    "dropout": 0.0,
    "threads": 1,
    "precision": "fp32",
}


def _argv(out: Path) -> list[str]:
    argv = ["train", "--out", str(out), "--no-progress"]
    for key, value in FLAGS.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    return argv


@pytest.mark.slow
def test_two_process_cpu_launch_matches_one_process(tmp_path: Path) -> None:
    launcher = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    assert launcher is not None, "accelerate's launcher is a dependency"
    out = tmp_path / "ddp"
    command = [
        # --multi_gpu picks accelerate's torchrun launcher; on a CPU-only machine the trainer
        # then forms a gloo group (``accelerate launch --cpu`` would need mpirun for >1 process)
        launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "-m", "rmt_bench.cli", *_argv(out),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summaries = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1 and summaries[0]["processes"] == 2  # printed by rank 0 only
    assert RMT.from_pretrained(out).extra["processes"] == 2

    single = tmp_path / "single"
    result = train(resolve_train_config(None, FLAGS), single, progress=False)
    assert result.processes == 1 and result.global_step == summaries[0]["global_step"] == 6
    ddp_weights = load_file(out / "last" / "model.safetensors")
    one_weights = load_file(single / "last" / "model.safetensors")
    for key, value in one_weights.items():
        assert torch.allclose(value, ddp_weights[key], atol=1e-5), key
    logs = [
        [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
        for run in (out, single)
    ]
    for a, b in zip(*logs, strict=True):
        assert (a["step"], a["event"], a["index_start"], a["val_accuracy"]) == (
            b["step"], b["event"], b["index_start"], b["val_accuracy"],
        )  # fmt: skip
        if a["loss"] is not None:
            assert abs(a["loss"] - b["loss"]) < 1e-4
