"""``accelerate launch`` sharding: 2 CPU processes answer disjoint samples; rank 0 merges.

The merged rows must equal a one-process run's (same ids, same answers), with
no shard files left behind and one summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig
from rmt_bench.evaluate import EvalConfig, evaluate, read_rows

TIMING = ("seconds", "tokens_per_s", "peak_memory_mb", "timestamp", "rss_peak_mb", "model_peak_mb")


@pytest.mark.slow
def test_two_process_eval_matches_one_process(tmp_path: Path) -> None:
    launcher = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    assert launcher is not None, "accelerate's launcher is a dependency"
    model = tmp_path / "fa"
    FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert")).save_pretrained(model)
    out = tmp_path / "sharded"
    command = [
        launcher, "launch", "--cpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "-m", "rmt_bench.cli", "eval", "--model", str(model), "--task", "memorize",
        "--lengths", "128,256", "--num-samples", "5", "--out", str(out), "--no-progress",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("accuracy [95% CI]") == 1  # the table is printed by rank 0 only
    assert not list(out.glob("*.part-*"))
    rows = read_rows(out / "fa.memorize.jsonl")
    assert len(rows) == len({r["sample_id"] for r in rows}) == 10

    single = tmp_path / "single"
    evaluate(
        EvalConfig(
            model=str(model),
            task="memorize",
            lengths="128,256",
            num_samples=5,
            out=str(single),
            progress=False,
        )  # fmt: skip
    )

    def strip(items):
        return sorted(
            ({k: v for k, v in r.items() if k not in TIMING} for r in items),
            key=lambda r: r["sample_id"],
        )

    assert strip(rows) == strip(read_rows(single / "fa.memorize.jsonl"))
