"""The tables behind every figure, computed from result rows (pandas DataFrames, one CSV each).

    rows = reports.load.load_rows("results/")
    summary_table(rows)          # the summary.csv schema of docs/interfaces.md
    accuracy_table(rows)         # accuracy + 95% Wilson interval per (model, kind, task, length)
    generalization_table(rows)   # task x kind (RMT, ARMT) x train_segments x eval segments
    model_table(rows)            # one row per (model, task): kind, training length, segment size
    efficiency_table(rows)       # seconds and peak memory per sample, per headline model
    curriculum_table(rows)       # with / without curriculum, tasks that have both
    flops_table()                # analytic FLOPs, RMT and ARMT vs full attention, OPT sizes

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
    "tokens_per_s", "peak_memory_mb", "skipped",
)  # fmt: skip
MODEL_COLUMNS = ("model", "task", "kind", "train_segments", "segment_size", "curriculum")
EFFICIENCY_KINDS = ("rmt", "full-attention")
GRID_KINDS = ("rmt", "armt")  # the kinds trained with a curriculum of segment counts
# The ARMT of the FLOPs figure: ARMTConfig's defaults and the paper's m = 10 memory tokens.
ARMT_FLOPS = {"key_size": 32, "nu": 3, "memory_tokens": 10}


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


def _first_number(series: pd.Series) -> object:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return int(values.max()) if not values.empty else pd.NA


def _curriculum_flag(series: pd.Series) -> object:
    values = {v for v in series if v is True or v is False}
    return values.pop() if len(values) == 1 else pd.NA


def model_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, task): its kind, training length in segments, segment size (tokens)
    and whether it was curriculum-trained (NA where the rows do not say)."""
    if rows.empty:
        return pd.DataFrame(columns=list(MODEL_COLUMNS))
    table = rows.groupby(["model", "task"], dropna=False, sort=True).agg(
        kind=("kind", "first"),
        train_segments=("train_segments", _first_number),
        segment_size=("segment_size", _first_number),
        curriculum=("curriculum", _curriculum_flag),
    )
    return table.reset_index().loc[:, list(MODEL_COLUMNS)]


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
    # A variant evaluated with a longer position table (``*-tiled``) is kept beside its model.
    per_model["variant"] = per_model["model"].astype(str).str.endswith("-tiled")
    per_model = per_model.sort_values(
        ["task", "kind", "longest", "lengths", "curriculum", "train_segments", "model"],
        ascending=[True, True, False, False, False, False, True],
    )
    keep = per_model.groupby(["task", "kind", "variant"], dropna=False).head(1)
    if len(keep) < len(per_model):
        log.info(
            "headline figure: %d of %d models (one per task and kind)", len(keep), len(per_model)
        )
    chosen = set(zip(keep["model"], keep["task"], strict=True))
    mask = [(m, t) in chosen for m, t in zip(table["model"], table["task"], strict=True)]
    info = model_table(rows).drop(columns=["kind"])
    return table[mask].merge(info, on=["model", "task"], how="left").reset_index(drop=True)


def _has_value(series: pd.Series) -> pd.Series:
    return series.notna() & (series.astype("string") != "")


def generalization_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of the memory kinds (RMT, ARMT) per task x kind x train_segments x eval segments.

    A (task, kind) enters when it was trained at >= 2 lengths. Curriculum-trained models
    only, when there are any (the ablation has its own figure); a sample answered by two
    models of the same kind and training length counts once.
    """
    columns = ["task", "kind", "train_segments", "segments", "length", "segment_size", "n",
               "correct", "accuracy", "ci_low", "ci_high"]  # fmt: skip
    if rows.empty:
        return pd.DataFrame(columns=columns)
    part = rows[
        rows["kind"].isin(GRID_KINDS)
        & _has_value(rows["train_segments"])
        & _has_value(rows["segments"])
    ]
    if (part["curriculum"] == True).any():  # noqa: E712 - object column of True/False/None
        part = part[part["curriculum"] != False]  # noqa: E712
    if part.empty:
        return pd.DataFrame(columns=columns)
    keys = ["task", "kind", "train_segments", "segments"]
    part = part.assign(
        train_segments=part["train_segments"].astype("int64"),
        segments=part["segments"].astype("int64"),
    )
    # Two checkpoints of the same training length (a run's final model is a copy of its last
    # stage) answer the same test samples: count each sample once per cell.
    part = part.drop_duplicates(subset=["task", "kind", "train_segments", "length", "sample_id"])
    sweep = part.groupby(["task", "kind"])["train_segments"].transform("nunique")
    part = part[sweep >= 2]  # a grid needs >= 2 training lengths
    if part.empty:
        return pd.DataFrame(columns=columns)
    table = accuracy_table(part, keys)
    lengths = part.groupby(keys)["length"].median().round().astype("int64").reset_index()
    table = table.merge(lengths, on=keys)
    sizes = part.groupby(["task", "kind"])["segment_size"].agg(_first_number)
    table = table.merge(sizes.rename("segment_size").reset_index(), on=["task", "kind"], how="left")
    return table.loc[:, columns]


def _memory_columns(part: pd.DataFrame) -> pd.DataFrame:
    """Process RSS and the model's own peak memory (MiB) of each row.

    ``rss_peak_mb`` and ``model_peak_mb`` (allocator peak on GPU) are written by newer
    runs; older rows have only ``peak_memory_mb`` (the CUDA allocator peak on GPU, else RSS).
    """
    nothing = pd.Series(float("nan"), index=part.index)
    peak = pd.to_numeric(part["peak_memory_mb"], errors="coerce")
    rss = pd.to_numeric(part["rss_peak_mb"], errors="coerce") if "rss_peak_mb" in part else nothing
    model = (
        pd.to_numeric(part["model_peak_mb"], errors="coerce")
        if "model_peak_mb" in part
        else nothing
    )
    # Without a separate RSS, peak_memory_mb is the RSS unless the model's own peak is known.
    return part.assign(rss_mb=rss.fillna(peak.where(model.isna())), model_mb=model)


def efficiency_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Time and memory per sample by (model, length) for the headline models of every kind.

    Seconds: median and 10th / 90th percentiles over answered samples; memory: median of
    each sample's peak process RSS and of the model's own peak (NaN where rows lack it).
    """
    columns = [
        "model", "kind", "task", "length", "n", "skipped", "seconds_median", "seconds_p10",
        "seconds_p90", "rss_peak_mb_median", "rss_peak_mb_max", "model_peak_mb_median",
        "tokens_per_s_median",
    ]  # fmt: skip
    if rows.empty:
        return pd.DataFrame(columns=columns)
    headline = headline_table(rows)
    chosen = set(zip(headline["model"], headline["task"], strict=True))
    part = rows[[(m, t) in chosen for m, t in zip(rows["model"], rows["task"], strict=True)]]
    part = _memory_columns(part).assign(
        seconds=pd.to_numeric(part["seconds"], errors="coerce"),
        tokens_per_s=pd.to_numeric(part["tokens_per_s"], errors="coerce"),
    )
    out = []
    for (model, kind, task, length), group in part.groupby(
        ["model", "kind", "task", "length"], sort=True
    ):
        answered = group[~group["skipped"]]
        seconds = answered["seconds"]
        out.append(
            {
                "model": model,
                "kind": kind,
                "task": task,
                "length": int(length),
                "n": len(answered),
                "skipped": len(group) - len(answered),
                "seconds_median": seconds.median(),
                "seconds_p10": seconds.quantile(0.1),
                "seconds_p90": seconds.quantile(0.9),
                "rss_peak_mb_median": answered["rss_mb"].median(),
                "rss_peak_mb_max": answered["rss_mb"].max(),
                "model_peak_mb_median": answered["model_mb"].median(),
                "tokens_per_s_median": answered["tokens_per_s"].median(),
            }
        )
    return pd.DataFrame(out, columns=columns)


def curriculum_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy by length with and without the curriculum, for models that differ only in it.

    Per task, only training lengths (``train_segments``) that have both a curriculum and a
    no-curriculum model are compared, so a generalization sweep never mixes in.
    """
    columns = ["task", "train_segments", "curriculum", "segment_size", "length", "segments", "n",
               "correct", "accuracy", "ci_low", "ci_high"]  # fmt: skip
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
    table = accuracy_table(part, ["task", "train_segments", "curriculum", "length"])
    sizes = part.groupby("task")["segment_size"].agg(_first_number).rename("segment_size")
    table = table.merge(sizes.reset_index(), on="task", how="left")
    return table.loc[:, columns]


def flops_table(
    sizes: Sequence[str] = ("125M", "1.3B", "13B", "175B"),
    lengths: Sequence[int] = tuple(512 * 2**k for k in range(13)),
    segment_tokens: int = 512,
    armt_key_size: int = ARMT_FLOPS["key_size"],
    armt_nu: int = ARMT_FLOPS["nu"],
    armt_memory_tokens: int = ARMT_FLOPS["memory_tokens"],
) -> pd.DataFrame:
    """Analytic forward FLOPs (paper counting) of full attention, RMT and ARMT for OPT sizes.

    ``rmt_flops`` leaves the memory tokens out, as the paper does; ``armt_flops`` is that
    plus the associative memory's terms (``rmt_bench.flops_armt.armt_extra``): its read at
    every position of a segment (task plus ``armt_memory_tokens`` memory tokens) and the
    write of the ``armt_memory_tokens`` memory states, in every layer.
    """
    from rmt_bench.flops import PAPER, RMTLayout, compare
    from rmt_bench.flops_armt import armt_extra
    from rmt_bench.opt_family import opt_shape

    shapes = [opt_shape(s) for s in sizes]
    rows = compare(shapes, lengths, RMTLayout(segment_tokens), PAPER)
    by_name = {shape.name: shape for shape in shapes}
    with_memory = RMTLayout(segment_tokens, memory_tokens=armt_memory_tokens)
    table = pd.DataFrame([row.__dict__ for row in rows])
    extra = [
        armt_extra(by_name[row.model], row.length, with_memory, armt_key_size, armt_nu).total
        for row in rows
    ]
    table["armt_flops"] = table["rmt_flops"] + extra
    table["armt_ratio"] = table["full_attention_flops"] / table["armt_flops"]
    return table


def training_table(logs: pd.DataFrame) -> pd.DataFrame:
    """Training logs reduced to the plotted columns (run and its task/kind, step, stage and
    its segment count, loss, accuracy)."""
    columns = ["run", "task", "model_kind", "no_curriculum", "step", "stage", "stage_segments",
               "loss", "val_accuracy"]  # fmt: skip
    if logs.empty:
        return pd.DataFrame(columns=columns)
    table = logs.copy()
    table["stage_segments"] = [
        _stage_segments(stage, curriculum, no_curriculum)
        for stage, curriculum, no_curriculum in zip(
            table["stage"], table["curriculum"], table["no_curriculum"], strict=True
        )
    ]
    table = table.loc[:, columns]
    for column in ("step", "loss", "val_accuracy"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    table["stage_segments"] = table["stage_segments"].astype("Int64")
    return table.sort_values(["run", "step"], kind="stable").reset_index(drop=True)


def _stage_segments(stage: object, curriculum: object, no_curriculum: object) -> object:
    """Segments trained in 1-based ``stage`` of a run with this curriculum (NA if unknown).

    Entries are as ``--curriculum`` writes them: ``N``, ``NxS`` (N segments of S tokens) or
    a mixed stage ``A-B`` (its most segments, B).
    """
    from rmt_bench.train.config import curriculum_plan  # torch-free

    if not isinstance(curriculum, (list, tuple)) or not curriculum:
        return pd.NA
    try:
        segments = [count for count, _ in curriculum_plan(curriculum, 0)]
    except ValueError:
        return pd.NA
    if no_curriculum is True:  # one stage on the most segments, whatever ``stage`` says
        return max(segments)
    try:
        index = int(stage) - 1
    except (TypeError, ValueError):
        return pd.NA
    return segments[index] if 0 <= index < len(segments) else pd.NA
