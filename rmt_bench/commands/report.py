"""``rmt-bench report``: draw the paper's figures (PNG + CSV) from result files.

    rmt-bench report results/                                 # -> RESULTS/report/index.html
    rmt-bench report results/ --out out/report --runs runs/   # training logs from another folder

Reads every result-row ``*.jsonl`` below RESULTS (and ``train_log.jsonl`` files below
``--runs``, default RESULTS), writes ``summary.csv``, one PNG + CSV per figure and a
self-contained ``index.html`` (tables, figures, provenance; opens from disk) into
``--out``, and prints what it made and what is missing (with what would produce it).
"""

from __future__ import annotations

import click


@click.command("report")
@click.argument("results", type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option(
    "--out",
    default="RESULTS/report",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for index.html, the PNG figures and their CSV tables.",
)
@click.option(
    "--runs",
    default=None,
    type=click.Path(exists=True, file_okay=False),
    help="Folder searched for train_log.jsonl files (default: RESULTS).",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace files in --out that rmt-bench did not write."
)
def command(results: str, out: str, runs: str | None, overwrite: bool) -> None:
    """Draw every figure the results support; say which ones are missing and why."""
    from generators.errors import BenchInputError
    from generators.owned import allow_overwrite
    from reports.paper import build_report

    if not out.strip():
        raise BenchInputError("--out is empty: give a folder for the figures")
    from reports.load import load_rows

    load_rows(results)  # a bad results file fails here, before --out is created
    with allow_overwrite(overwrite):
        report = build_report(results, out, runs=runs)
    for line in report.lines():
        click.echo(line)
