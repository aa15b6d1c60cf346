"""Result rows of the committed CPU run, rebuilt from the tables committed in reports/figures/.

    python -m reports.rebuild_rows reports/figures results/cpu-run-2026-11-28
    cp -r reports/rows/smollm2 results/cpu-run-2026-11-28/   # the prompted SmolLM2 rows
    rmt-bench report results/cpu-run-2026-11-28 --runs results/cpu-run-2026-11-28/runs \
        --out reports/figures

The run of 2026-11-28 (reports/README.md) kept only its derived tables, not its
per-sample rows. This expands them back into rows the report reads: per (model, task,
length) ``n`` answered rows of which ``round(accuracy * n)`` are correct (so accuracy,
n and every interval are exact), ``seconds = length / tokens_per_s`` (the run's mean;
per-sample spread was not kept), ``peak_memory_mb`` = the table's peak (process RSS on
that CPU machine); training logs from ``training_curves.csv``. What the tables do not
hold (training length, curriculum, segment size of each model) is in ``MODELS``, taken
from the run's commands in reports/README.md. Which samples were correct is not known;
sample ids are synthetic. A ``provenance.json`` records all of this for the page.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from generators.atomic import atomic_write_text
from generators.errors import BenchInputError

SEGMENT = 64  # cpu-tiny segment size (tokens)
CPU_TINY_CURRICULUM = list(range(1, 12))
# model -> (training segments, curriculum-trained); stage-K checkpoints are parsed from the name.
MODELS: dict[str, tuple[int, bool]] = {
    "rmt-memorize": (5, True),  # the stage-5 checkpoint (the run was stopped after stage 5)
    "rmt-memorize-nocurriculum": (4, False),
    "rmt-detect_memorize": (11, True),  # the full 1..11 curriculum
    "rmt-reasoning": (2, True),  # the stage-2 checkpoint
    "full-attention-memorize": (7, True),  # curriculum 1, 2, 4, 7 segments
    "full-attention-memorize-tiled": (7, True),  # the same model, position table tiled to 8k
}
RUN_TIME = 1795867800  # 2026-11-28 12:10 UTC, when the run's tables were committed
RUN_CURRICULA = {
    "full-attention-memorize": [1, 2, 4, 7],
    "rmt-memorize-nocurriculum": [1, 2, 3, 4],
}
SKIPPED_WHEN_ALL = 16  # summary rows with n = 0: all 16 samples over the position limit
PROVENANCE = {
    "source": "rebuilt by reports/rebuild_rows.py from the tables of commit 61ee225 "
    "(reports/figures/*.csv); the per-sample rows of that run were not kept",
    "dates": "run 2026-11-27/28; tables committed 2026-11-28 12:12 UTC",
    "machine": "development machine: 2 CPU cores, 24 GiB RAM, no GPU, shared "
    "(load average 4-9: times are pessimistic)",
    "commands": [
        "rmt-bench figures --preset cpu --work runs/fig-memorize --tasks memorize --set threads=1 "
        "--set curriculum=1,2,3,4,5 --set steps_per_stage=200 --budget-minutes 40",
        "rmt-bench figures --preset cpu --work runs/fig-reasoning --tasks reasoning --set threads=1 "
        "--set curriculum=1,2 --no-ablation --no-full-attention --budget-minutes 40",
        "rmt-bench figures --preset cpu --work runs/fig-detect_memorize --tasks detect_memorize "
        "--set threads=1 --no-ablation --no-full-attention --budget-minutes 30",
        "rmt-bench eval --model runs/fig-detect_memorize/runs/rmt-detect_memorize --task "
        "detect_memorize --lengths 16k,128k,1M --num-samples 4 --batch-size 4 --threads 2 "
        "--out runs/fig-detect_memorize/results --name rmt-detect_memorize",
        "rmt-bench report runs/fig-all/results --runs runs/fig-all/runs --out reports/figures",
        "2026-12-02, the prompted SmolLM2 rows (reports/rows/smollm2/, per sample): "
        "rmt-bench eval --model hf:smollm2 --chat-template --task TASK "
        "--lengths 512,1k,2k,4k,8k --num-samples 11 --threads 2 --out reports/rows/smollm2 "
        "(TASK = detect_memorize, memorize, reasoning; built-in noise), each stopped by a "
        "time cap (see reports/README.md)",
    ],
    "notes": [
        "SmolLM2-135M (prompted) rows are the real per-sample rows of reports/rows/smollm2/; "
        "the runs were stopped by time caps, so n differs by length and 8k was not reached",
        "seconds per sample are the mean of each (model, length): no spread was kept",
        "peak memory is the evaluating process's RSS (CPU run); the model's own peak was not recorded",
    ],
}


def model_facts(model: str) -> tuple[int, bool]:
    """(training segments, curriculum) of a model of the run; BenchInputError if unknown."""
    stage = re.search(r"-stage(\d+)$", model)
    if stage:
        return int(stage.group(1)), True
    if model not in MODELS:
        raise BenchInputError(f"{model!r} is not a model of the committed CPU run")
    return MODELS[model]


def expand_summary(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """Per-sample rows with the accuracy, n, time and memory of each summary row."""
    rows: list[dict[str, Any]] = []
    for item in summary.itertuples(index=False):
        train_segments, curriculum = model_facts(item.model)
        length, n = int(item.length), int(item.n)
        correct = round(item.accuracy * n) if n else 0
        skipped = int(getattr(item, "skipped", 0) or 0) if n else SKIPPED_WHEN_ALL
        if n and not math.isclose(correct / n, item.accuracy, abs_tol=1e-4):
            raise BenchInputError(
                f"{item.model} at {length}: accuracy {item.accuracy} is not k/{n}"
            )
        segments = 1 if item.kind != "rmt" else -(-length // SEGMENT)
        speed = float(item.tokens_per_s) if n and pd.notna(item.tokens_per_s) else math.nan
        for index in range(n + skipped):
            answered = index < n
            rows.append({
                "model": item.model, "kind": item.kind, "task": item.task, "length": length,
                "n_tokens": length, "segments": segments,
                "sample_id": f"{item.task}-{length}-{index}", "index": index,
                "prediction": None, "answer": None,
                "correct": answered and index < correct, "skipped": not answered,
                "seconds": round(length / speed, 6) if answered and speed > 0 else None,
                "tokens_per_s": speed if answered else None,
                "peak_memory_mb": float(item.peak_memory_mb) if answered else None,
                "seed": None, "config_hash": f"cpu-run-2026-11-28-{item.model}",
                "train_segments": train_segments, "curriculum": curriculum,
                "memory_tokens": 10 if item.kind == "rmt" else None, "segment_size": SEGMENT,
            })  # fmt: skip
    return rows


def write_runs(training: pd.DataFrame, out: Path) -> None:
    """``runs/<run>/train_log.jsonl`` + ``train_config.json`` from training_curves.csv."""
    for run, part in training.groupby("run", sort=True):
        run = str(run).rsplit("/", 1)[-1]  # "runs/rmt-memorize" (a report's name) -> "rmt-memorize"
        folder = out / "runs" / run
        folder.mkdir(parents=True, exist_ok=True)
        records = []
        for item in part.itertuples(index=False):
            record = {"step": int(item.step), "stage": int(item.stage)}
            for key in ("loss", "val_accuracy"):
                value = getattr(item, key)
                if pd.notna(value):
                    record[key] = float(value)
            records.append(json.dumps(record))
        atomic_write_text(folder / "train_log.jsonl", "\n".join(records) + "\n")
        first = part.iloc[0]
        config = {
            "task": first["task"],
            "model_kind": first["model_kind"],
            "no_curriculum": bool(first["no_curriculum"]),
            "curriculum": RUN_CURRICULA.get(run, CPU_TINY_CURRICULUM),
            "segment_size": SEGMENT,
        }
        atomic_write_text(
            folder / "train_config.json", json.dumps({"config": config}, indent=2) + "\n"
        )
        for name in ("train_log.jsonl", "train_config.json"):  # dated as the run, not the rebuild
            os.utime(folder / name, (RUN_TIME, RUN_TIME))


def rebuild(tables: str | Path, out: str | Path) -> int:
    """Write the rows, training logs and provenance of the committed run into ``out``."""
    tables, out = Path(tables), Path(out)
    summary_path = tables / "summary.csv"
    if not summary_path.is_file():
        raise BenchInputError(f"no summary.csv in {tables}")
    out.mkdir(parents=True, exist_ok=True)
    summary = pd.read_csv(summary_path)
    # Prompted-LM rows (SmolLM2) were added to the tables later; their own per-sample rows
    # are committed in reports/rows/ and are read from there, not rebuilt.
    summary = summary[summary["kind"] != "prompted"]
    rows = expand_summary(summary)
    text = "".join(json.dumps(row) + "\n" for row in rows)
    atomic_write_text(out / "cpu-run-2026-11-28.jsonl", text)
    training = tables / "training_curves.csv"
    if training.is_file():
        write_runs(pd.read_csv(training), out)
    atomic_write_text(out / "provenance.json", json.dumps(PROVENANCE, indent=2) + "\n")
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        raise SystemExit("usage: python -m reports.rebuild_rows TABLES_FOLDER OUT_FOLDER")
    try:
        count = rebuild(*args)
    except BenchInputError as error:
        raise SystemExit(f"error: {error}") from None
    sys.stdout.write(f"wrote {count} rows to {args[1]}\n")


if __name__ == "__main__":
    main()
