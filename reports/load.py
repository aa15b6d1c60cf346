"""Read result rows and training logs from files (the only input of the reports).

    rows = load_rows("results/")        # DataFrame, one row per answered/skipped sample
    logs = load_train_logs("runs/")     # DataFrame of every train_log.jsonl below, with a `run` column

Rows come from every ``*.jsonl`` below the folder (shard files ``*.part-K.jsonl``
included, so an unmerged run still shows) except ``train_log.jsonl``. A torn last
line (a run killed mid-write) is skipped; a sample answered twice (a shard not yet
merged next to its main file) counts once, keyed on (model, config_hash, sample_id).
Columns are those of the result-row contract in ``docs/interfaces.md``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from generators.errors import BenchInputError
from generators.jsonl import json_lines

log = logging.getLogger(__name__)

ROW_COLUMNS = (
    "model", "kind", "task", "length", "n_tokens", "segments", "sample_id", "index",
    "prediction", "answer", "correct", "skipped", "seconds", "tokens_per_s",
    "peak_memory_mb", "seed", "config_hash", "train_segments", "curriculum",
    "memory_tokens", "segment_size", "rss_peak_mb", "model_peak_mb",
)  # fmt: skip
TRAIN_LOG_NAME = "train_log.jsonl"
TRAIN_LOG_COLUMNS = ("step", "stage", "loss", "lr", "grad_norm", "tokens_per_s", "val_accuracy")
RUN_COLUMNS = ("task", "model_kind", "no_curriculum", "curriculum")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The complete JSON objects of a JSONL file; a torn last line is ignored, bad lines are errors."""
    return [record for _, record in json_lines(path) if isinstance(record, dict)]


def _is_integer(value: Any) -> bool:
    try:
        return not isinstance(value, bool) and int(value) == float(value)
    except (TypeError, ValueError):
        return False


def load_rows(folder: str | Path) -> pd.DataFrame:
    """All result rows below ``folder`` as a DataFrame with the contract's columns."""
    folder = Path(folder)
    if not folder.exists():
        raise BenchInputError(f"results folder not found: {folder}")
    paths = [folder] if folder.is_file() else sorted(folder.rglob("*.jsonl"))
    records: list[dict[str, Any]] = []
    for path in paths:
        if path.name == TRAIN_LOG_NAME:
            continue
        for record in read_jsonl(path):
            if "sample_id" in record and "task" in record:
                records.append(record)
    frame = pd.DataFrame.from_records(records)
    for column in ROW_COLUMNS:
        if column not in frame:
            frame[column] = pd.NA
    frame = frame.loc[:, list(ROW_COLUMNS)]
    if frame.empty:
        return frame
    frame["config_hash"] = frame["config_hash"].fillna("")
    frame = frame.drop_duplicates(subset=["model", "config_hash", "sample_id"], keep="first")
    try:
        frame["length"] = frame["length"].astype("int64")
    except (TypeError, ValueError):
        bad = next(v for v in frame["length"] if not _is_integer(v))
        raise BenchInputError(
            f"a result row below {folder} has length {bad!r}, not an integer"
        ) from None
    frame["skipped"] = frame["skipped"].fillna(False).astype(bool)
    frame["correct"] = frame["correct"].fillna(False).astype(bool)
    return frame.reset_index(drop=True)


def _run_description(folder: Path) -> dict[str, Any]:
    """task / model_kind / no_curriculum / curriculum from the run's ``train_config.json``."""
    path = folder / "train_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8")).get("config", {})
    except (OSError, ValueError, AttributeError):
        config = {}
    return {key: config.get(key) for key in RUN_COLUMNS}


def load_train_logs(folder: str | Path) -> pd.DataFrame:
    """Every ``train_log.jsonl`` below ``folder``; ``run`` is its folder relative to ``folder``.

    ``task``, ``model_kind``, ``no_curriculum`` and ``curriculum`` come from the run's
    train_config.json.
    """
    folder = Path(folder)
    frames = []
    for path in sorted(folder.rglob(TRAIN_LOG_NAME)) if folder.is_dir() else []:
        records = read_jsonl(path)
        if not records:
            continue
        frame = pd.DataFrame.from_records(records)
        run = path.parent.relative_to(folder).as_posix()
        frame.insert(0, "run", run if run != "." else path.parent.name)
        for key, value in _run_description(path.parent).items():
            frame[key] = [value] * len(frame)  # a list (the curriculum) is one value per row
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["run", *TRAIN_LOG_COLUMNS, *RUN_COLUMNS])
    logs = pd.concat(frames, ignore_index=True)
    for column in (*TRAIN_LOG_COLUMNS, *RUN_COLUMNS):
        if column not in logs:
            logs[column] = pd.NA
    return logs
