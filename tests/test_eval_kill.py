"""Resume after a real kill: SIGKILL an ``rmt-bench eval`` subprocess mid-run, run it again.

Nothing may be lost (every sample answered once) and nothing duplicated, and the
answers must equal those of an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig
from rmt_bench.evaluate import EvalConfig, evaluate, read_rows

NUM_SAMPLES = 60
TIMING = ("seconds", "tokens_per_s", "peak_memory_mb", "timestamp", "rss_peak_mb", "model_peak_mb")


def _command(model: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "rmt_bench.cli", "eval", "--model", str(model), "--task",
        "detect_memorize", "--lengths", "128,256", "--num-samples", str(NUM_SAMPLES),
        "--out", str(out), "--no-progress", "--device", "cpu",
    ]  # fmt: skip


def _config(model: Path, out: Path) -> EvalConfig:
    return EvalConfig(
        model=str(model), task="detect_memorize", lengths="128,256", num_samples=NUM_SAMPLES,
        out=str(out), progress=False, device="cpu",
    )  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


def _count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.mark.slow
def test_sigkill_then_resume(tmp_path: Path) -> None:
    model = tmp_path / "fa"
    FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert")).save_pretrained(model)
    out = tmp_path / "killed"
    rows_path = out / "fa.detect_memorize.jsonl"
    process = subprocess.Popen(
        _command(model, out), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while _count_lines(rows_path) < 5 and process.poll() is None:
        assert time.monotonic() < deadline, "eval wrote no rows in time"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    written = len(read_rows(rows_path))
    assert 5 <= written < 2 * NUM_SAMPLES

    # The same command again (in-process, to keep the test short) resumes the run.
    evaluate(_config(model, out))
    rows = read_rows(rows_path)
    ids = [row["sample_id"] for row in rows]
    assert len(ids) == len(set(ids)) == 2 * NUM_SAMPLES
    assert rows_path.read_bytes().endswith(b"\n")

    reference = tmp_path / "reference"
    evaluate(_config(model, reference))

    def strip(items):
        return sorted(
            ({k: v for k, v in r.items() if k not in TIMING} for r in items),
            key=lambda r: r["sample_id"],
        )

    assert strip(rows) == strip(read_rows(reference / "fa.detect_memorize.jsonl"))
