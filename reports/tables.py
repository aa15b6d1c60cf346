"""The tables behind every figure, computed from result rows (pandas DataFrames, one CSV each).

    rows = reports.load.load_rows("results/")
    summary_table(rows)          # the summary.csv schema of docs/interfaces.md
    accuracy_table(rows)         # accuracy + 95% Wilson interval per (model, kind, task, length)
    generalization_table(rows)   # task x train_segments x eval segments
    efficiency_table(rows)       # seconds and peak memory per sample, rmt vs full-attention
    curriculum_table(rows)       # with / without curriculum, tasks that have both
    flops_table()                # analytic FLOPs, RMT vs full attention, OPT sizes

Accuracy counts answered samples only: rows with ``skipped`` (over a model's
position limit, out of memory) are counted in ``skipped``, never as wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from reports.stats import wilson_interval

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = (
    "model", "kind", "task", "length", "n", "accuracy", "ci_low", "ci_high",
    "tokens_per_s", "peak_memory_mb",
)  # fmt: skip
EFFICIENCY_KINDS = ("rmt", "full-attention")


def _accuracy_stats(group: pd.DataFrame) -> pd.Series:
    answered = group[~group["skipped"]]
    n = len(answered)
    correct = int(answered["correct"].sum())
    low, high = wilson_interval(correct, n)
    stats: dict[str, object] = {}
    if "segments" in group:  # not when it is a grouping key
        segments = pd.to_numeric(group["segments"], errors="coerce")
        stats["segments"] = int(segments.median()) if segments.notna().any() else pd.NA
    return pd.Series(
        {
            **stats,
            "n": n,
            "correct": correct,
            "accuracy": correct / n if n else float("nan"),
            "ci_low": low,
            "ci_high": high,
            "skipped": len(group) - n,
        }
    )


def accuracy_table(
    rows: pd.DataFrame, keys: Sequence[str] = ("model", "kind", "task", "length")
) -> pd.DataFrame:
    """Accuracy with its 95% Wilson interval for each group of ``keys``."""
    keys = list(keys)
    if rows.empty:
        return pd.DataFrame(
            columns=[*keys, "segments", "n", "correct", "accuracy", "ci_low", "ci_high", "skipped"]
        )
    table = rows.groupby(keys, dropna=False, sort=True).apply(_accuracy_stats, include_groups=False)
    table = table.reset_index()
    table[["n", "correct", "skipped"]] = table[["n", "correct", "skipped"]].astype("int64")
    return table


def summary_table(rows: pd.DataFrame) -> pd.DataFrame:
    """``summary.csv``: accuracy, interval, throughput and peak memory per (model, kind, task, length)."""
    table = accuracy_table(rows)
    if table.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    answered = rows[~rows["skipped"]].copy()
    answered["seconds"] = pd.to_numeric(answered["seconds"], errors="coerce")
    answered["n_tokens"] = pd.to_numeric(answered["n_tokens"], errors="coerce")
    answered["peak_memory_mb"] = pd.to_numeric(answered["peak_memory_mb"], errors="coerce")
    keys = ["model", "kind", "task", "length"]
    speed = answered.groupby(keys).agg(
        tokens=("n_tokens", "sum"),
        seconds=("seconds", "sum"),
        peak_memory_mb=("peak_memory_mb", "max"),
    )
    speed["tokens_per_s"] = speed["tokens"] / speed["seconds"].where(speed["seconds"] > 0)
    table = table.merge(
        speed[["tokens_per_s", "peak_memory_mb"]].reset_index(), on=keys, how="left"
    )
    return table.loc[:, list(SUMMARY_COLUMNS)]


def headline_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy by length for the headline figure: one model per (task, kind).

    Like the paper (its 7-segment checkpoints), each task shows its main model: the one
    evaluated at the longest input, then at the most lengths, then curriculum-trained
    before not, then the most training segments, then by name. Sweeps and ablations have their own figures.
    """
    table = accuracy_table(rows)
    if table.empty:
        return table
    per_model = rows.groupby(["task", "kind", "model"], dropna=False).agg(
        longest=("length", "max"),
        lengths=("length", "nunique"),
        curriculum=("curriculum", lambda s: 0 if (s == False).any() else 1),  # noqa: E712
        train_segments=("train_segments", lambda s: pd.to_numeric(s, errors="coerce").max()),
    )
    per_model = per_model.reset_index().fillna({"train_segments": -1})
    per_model = per_model.sort_values(
        ["task", "kind", "longest", "lengths", "curriculum", "train_segments", "model"],
        ascending=[True, True, False, False, False, False, True],
    )
    keep = per_model.groupby(["task", "kind"], dropna=False).head(1)
    if len(keep) < len(per_model):
        log.info(
            "headline figure: %d of %d models (one per task and kind)", len(keep), len(per_model)
        )
    chosen = set(zip(keep["model"], keep["task"], strict=True))
    mask = [(m, t) in chosen for m, t in zip(table["model"], table["task"], strict=True)]
    return table[mask].reset_index(drop=True)


def _has_value(series: pd.Series) -> pd.Series:
    return series.notna() & (series.astype("string") != "")


def generalization_table(rows: pd.DataFrame) -> pd.DataFrame:
    """RMT accuracy per task x train_segments x eval segments, for tasks trained at >= 2 lengths.

    Curriculum-trained models only, when there are any (the ablation has its own figure);
    a sample answered by two models of the same training length counts once.
    """
    columns = [
        "task",
        "train_segments",
        "segments",
        "length",
        "n",
        "correct",
        "accuracy",
        "ci_low",
        "ci_high",
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    part = rows[
        (rows["kind"] == "rmt") & _has_value(rows["train_segments"]) & _has_value(rows["segments"])
    ]
    if (part["curriculum"] == True).any():  # noqa: E712 - object column of True/False/None
        part = part[part["curriculum"] != False]  # noqa: E712
    if part.empty:
        return pd.DataFrame(columns=columns)
    keys = ["task", "train_segments", "segments"]
    part = part.assign(
        train_segments=part["train_segments"].astype("int64"),
        segments=part["segments"].astype("int64"),
    )
    # Two checkpoints of the same training length (a run's final model is a copy of its last
    # stage) answer the same test samples: count each sample once per cell.
    part = part.drop_duplicates(subset=["task", "train_segments", "length", "sample_id"])
    sweep = part.groupby("task")["train_segments"].nunique()
    part = part[part["task"].isin(sweep[sweep >= 2].index)]  # a grid needs >= 2 training lengths
    if part.empty:
        return pd.DataFrame(columns=columns)
    table = accuracy_table(part, keys)
    lengths = part.groupby(keys)["length"].median().round().astype("int64").reset_index()
    table = table.merge(lengths, on=keys)
    return table.loc[:, columns]


def efficiency_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Median seconds per sample and peak memory (MiB) by (kind, length), rmt and full-attention."""
    columns = [
        "kind", "length", "n", "skipped", "seconds_median", "seconds_p90",
        "peak_memory_mb_median", "peak_memory_mb_max", "tokens_per_s_median",
    ]  # fmt: skip
    part = rows[rows["kind"].isin(EFFICIENCY_KINDS)] if not rows.empty else rows
    if part.empty:
        return pd.DataFrame(columns=columns)
    part = part.assign(
        seconds=pd.to_numeric(part["seconds"], errors="coerce"),
        peak_memory_mb=pd.to_numeric(part["peak_memory_mb"], errors="coerce"),
        tokens_per_s=pd.to_numeric(part["tokens_per_s"], errors="coerce"),
    )
    out = []
    for (kind, length), group in part.groupby(["kind", "length"], sort=True):
        answered = group[~group["skipped"]]
        out.append(
            {
                "kind": kind,
                "length": int(length),
                "n": len(answered),
                "skipped": len(group) - len(answered),
                "seconds_median": answered["seconds"].median(),
                "seconds_p90": answered["seconds"].quantile(0.9),
                "peak_memory_mb_median": answered["peak_memory_mb"].median(),
                "peak_memory_mb_max": answered["peak_memory_mb"].max(),
                "tokens_per_s_median": answered["tokens_per_s"].median(),
            }
        )
    return pd.DataFrame(out, columns=columns)


def curriculum_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy by length with and without the curriculum, for models that differ only in it.

    Per task, only training lengths (``train_segments``) that have both a curriculum and a
    no-curriculum model are compared, so a generalization sweep never mixes in.
    """
    columns = ["task", "train_segments", "curriculum", "length", "segments", "n", "correct", "accuracy",
               "ci_low", "ci_high"]  # fmt: skip
    if rows.empty:
        return pd.DataFrame(columns=columns)
    part = rows[(rows["kind"] == "rmt") & rows["curriculum"].isin([True, False])]
    part = part.assign(
        curriculum=part["curriculum"].astype(bool),
        train_segments=pd.to_numeric(part["train_segments"], errors="coerce")
        .fillna(-1)
        .astype("int64"),
    )
    both = part.groupby(["task", "train_segments"])["curriculum"].transform("nunique") == 2
    part = part[both]
    if part.empty:
        return pd.DataFrame(columns=columns)
    return accuracy_table(part, ["task", "train_segments", "curriculum", "length"]).loc[:, columns]


def flops_table(
    sizes: Sequence[str] = ("125M", "1.3B", "13B", "175B"),
    lengths: Sequence[int] = tuple(512 * 2**k for k in range(13)),
    segment_tokens: int = 512,
) -> pd.DataFrame:
    """Analytic forward FLOPs (paper counting) of full attention and RMT for OPT sizes."""
    from rmt_bench.flops import PAPER, RMTLayout, compare
    from rmt_bench.opt_family import opt_shape

    rows = compare([opt_shape(s) for s in sizes], lengths, RMTLayout(segment_tokens), PAPER)
    return pd.DataFrame([row.__dict__ for row in rows])


def training_table(logs: pd.DataFrame) -> pd.DataFrame:
    """Training logs reduced to the plotted columns (run and its task/kind, step, stage, loss, accuracy)."""
    columns = [
        "run",
        "task",
        "model_kind",
        "no_curriculum",
        "step",
        "stage",
        "loss",
        "val_accuracy",
    ]
    if logs.empty:
        return pd.DataFrame(columns=columns)
    table = logs.loc[:, columns].copy()
    for column in ("step", "loss", "val_accuracy"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    return table.sort_values(["run", "step"]).reset_index(drop=True)
