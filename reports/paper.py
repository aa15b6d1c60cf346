"""The paper's figures end to end: result files in, PNG + CSV per figure out.

    from reports.paper import build_report
    report = build_report("results/", "RESULTS/report")  # also reads train_log.jsonl files below results/
    for item in report.made: print(item.png, item.csv, item.note)
    for name, reason in report.missing: print(name, reason)
    report.page                                           # RESULTS/report/index.html

Every figure is drawn only from what the result rows hold; a figure whose rows
are absent is listed in ``missing`` with what would produce it. The FLOPs figure
is analytic (rmt_bench.flops) and always drawn. ``summary.csv`` (the schema of
docs/interfaces.md) is written beside the figures whenever there are rows, and
``index.html`` (reports.html_page: tables, figures, CSV links, provenance) always.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports import plots, tables
from reports.html_page import write_page
from reports.load import load_rows, load_train_logs
from reports.provenance import collect_provenance
from reports.style import format_length, save_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """One drawn figure and the CSV of the numbers behind it."""

    name: str
    png: Path
    csv: Path
    note: str


@dataclass
class Report:
    """What :func:`build_report` made and what it could not make (and why)."""

    made: list[Figure] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    summary_csv: Path | None = None
    page: Path | None = None
    n_rows: int = 0

    def lines(self) -> list[str]:
        """A human-readable account, one line per figure."""
        out = [f"{self.n_rows} result rows read"]
        if self.summary_csv:
            out.append(f"wrote {self.summary_csv}")
        out += [f"made    {f.png.name} (+ {f.csv.name}): {f.note}" for f in self.made]
        out += [f"missing {name}: {reason}" for name, reason in self.missing]
        if self.page:
            out.append(f"wrote {self.page} (open it in a browser; no server needed)")
        return out


CAPTIONS = {
    "accuracy_vs_length": "Accuracy vs input length per task: each task's main model and its "
    "baselines, 95% Wilson intervals, n per point, training length (dashed) and chance (dotted).",
    "generalization_grid": "RMT (and ARMT) accuracy by training length (rows) and evaluation "
    "length (columns), one panel per task and kind; n per cell, the training length outlined.",
    "flops_vs_length": "Analytic forward FLOPs per sample, RMT (segment 512) and ARMT (dotted: "
    "plus the associative memory's reads and writes) vs full attention, OPT sizes; the RMT's "
    "memory tokens left out as in the paper.",
    "efficiency_vs_length": "Peak process memory, the model's own peak memory (where recorded) and "
    "seconds per sample (median, 10th-90th percentile) vs input length, one line per model.",
    "curriculum_ablation": "Accuracy vs input length with and without the curriculum, same task "
    "and training length; n per point, chance dotted.",
    "training_curves": "Training loss (raw and smoothed) and validation accuracy vs optimizer step, "
    "one row per run, stage starts labelled with their segment counts.",
}


def _span(lengths: pd.Series) -> str:
    return f"{format_length(lengths.min())}..{format_length(lengths.max())}"


def build_report(results: str | Path, out: str | Path, runs: str | Path | None = None) -> Report:
    """Draw every figure the results in ``results`` support into ``out``, then ``index.html``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = load_rows(results)
    report = Report(n_rows=len(rows))

    def emit(name: str, table: pd.DataFrame, draw, note: str) -> None:  # noqa: ANN001
        csv = save_table(table, out / f"{name}.csv")
        png = draw(table, out / f"{name}.png")
        report.made.append(Figure(name, png, csv, note))

    if rows.empty:
        report.missing.append(
            ("accuracy_vs_length", f"no result rows in {results} (run rmt-bench eval)")
        )
    else:
        report.summary_csv = save_table(tables.summary_table(rows), out / "summary.csv")
        headline = tables.headline_table(rows)
        answered = headline[headline["n"] > 0]
        if answered.empty:
            report.missing.append(
                ("accuracy_vs_length", "every row is skipped; nothing was answered")
            )
        else:
            note = (
                f"{answered['task'].nunique()} task(s), {answered['model'].nunique()} model(s), "
                f"lengths {_span(answered['length'])}"
            )
            emit("accuracy_vs_length", headline, plots.plot_accuracy_vs_length, note)

    grid = tables.generalization_table(rows)
    if grid.empty or grid["train_segments"].nunique() < 2:
        report.missing.append(
            (
                "generalization_grid",
                "needs RMT or ARMT rows of models trained on >= 2 different "
                "segment counts (train_segments), evaluated at several lengths",
            )
        )
    else:
        note = (
            f"{grid['task'].nunique()} task(s), kinds {', '.join(sorted(grid['kind'].unique()))}, "
            f"train segments {sorted(int(v) for v in grid['train_segments'].unique())}, "
            f"eval segments {grid['segments'].min()}..{grid['segments'].max()}"
        )
        emit("generalization_grid", grid, plots.plot_generalization, note)

    flops = tables.flops_table()
    big = flops[flops["length"] == flops["length"].max()]
    note = ", ".join(f"{m} x{r:.0f}" for m, r in zip(big["model"], big["ratio"], strict=True))
    emit(
        "flops_vs_length",
        flops,
        plots.plot_flops,
        f"analytic; full/RMT at {format_length(big['length'].max())}: {note}; ARMT/RMT: "
        + ", ".join(
            f"{m} {a / r:.3f}"
            for m, a, r in zip(big["model"], big["armt_flops"], big["rmt_flops"], strict=True)
        ),
    )

    efficiency = tables.efficiency_table(rows)
    measured = efficiency[efficiency["n"] > 0] if not efficiency.empty else efficiency
    if measured.empty:
        report.missing.append(
            ("efficiency_vs_length", "no answered rows of kind rmt or full-attention")
        )
    else:
        kinds = sorted(measured["kind"].unique())
        if len(kinds) < 2:
            absent = sorted(set(tables.EFFICIENCY_KINDS) - set(kinds))
            log.warning(
                "efficiency figure has only %s; evaluate a %s model to compare", kinds, absent
            )
        emit(
            "efficiency_vs_length",
            efficiency,
            plots.plot_efficiency,
            f"kinds {', '.join(kinds)}, lengths {_span(measured['length'])}",
        )

    curriculum = tables.curriculum_table(rows)
    if curriculum.empty:
        report.missing.append(
            (
                "curriculum_ablation",
                "needs RMT rows of the same task with curriculum "
                "true and false (train one model with --no-curriculum and evaluate it)",
            )
        )
    else:
        emit(
            "curriculum_ablation",
            curriculum,
            plots.plot_curriculum,
            f"{curriculum['task'].nunique()} task(s), lengths {_span(curriculum['length'])}",
        )

    logs = tables.training_table(load_train_logs(runs if runs is not None else results))
    if logs.empty:
        report.missing.append(("training_curves", f"no train_log.jsonl below {runs or results}"))
    else:
        emit("training_curves", logs, plots.plot_training, f"{logs['run'].nunique()} run(s)")
    report.page = _write_page(report, rows, results, runs, out)
    for line in report.lines():
        log.info(line)
    return report


# figures that other subcommands draw into the same folder (not from result rows)
OTHER_FIGURES = {
    "memory_attention_*.png": "Memory attention maps (rmt-bench attention): what the memory "
    "write positions attend to in the fact's segment, and what the answer and question "
    "positions read from memory in the last segment; eager attention, mean over heads.",
    "lm_perplexity_vs_segments.png": "Perplexity by segment position (rmt-bench lm): RMT, no "
    "memory, full context.",
}


def other_commands_figures(out: Path) -> list[tuple[str, Path, str]]:
    """(name, png, caption) of the figures ``rmt-bench attention`` / ``lm`` left in ``out``."""
    found = []
    for pattern, caption in OTHER_FIGURES.items():
        for png in sorted(out.glob(pattern)):
            found.append((png.stem, png, caption))
    return found


def _write_page(
    report: Report, rows: pd.DataFrame, results: str | Path, runs: str | Path | None, out: Path
) -> Path:
    summary = pd.read_csv(report.summary_csv) if report.summary_csv else pd.DataFrame()
    headline = tables.headline_table(rows) if not rows.empty else pd.DataFrame(columns=["model"])
    csvs = (["summary.csv"] if report.summary_csv else []) + [f.csv.name for f in report.made]
    figures = [(f.name, f.png, f"{CAPTIONS.get(f.name, '')} ({f.note})") for f in report.made]
    for name, png, caption in other_commands_figures(out):
        figures.append((name, png, caption))
        if png.with_suffix(".csv").is_file():
            csvs.append(png.with_suffix(".csv").name)
    return write_page(
        out / "index.html",
        summary=summary,
        models=tables.model_table(rows),
        headline=sorted(set(headline["model"])),
        figures=figures,
        missing=report.missing,
        csvs=csvs,
        provenance=collect_provenance(results, runs, rows),
    )
