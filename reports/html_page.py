"""The results page: one self-contained ``index.html`` beside the figures and their CSVs.

    write_page(out / "index.html", summary=summary, models=models, figures=figures,
               missing=missing, csvs=[...], provenance=info)

The page needs no server and no network: figures are embedded as base64 PNG, there is
no script, and a Content-Security-Policy forbids loading anything from elsewhere. It
holds, per task, a table of accuracy by model and length (95% Wilson interval and n in
every cell; each cell carries ``data-model / data-task / data-length / data-n`` so a
test can check it against ``summary.csv``), the figures with one-line captions, links
to the CSVs (relative: they lie beside the page), and the provenance.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from generators.atomic import atomic_path
from reports.plot_accuracy import model_label
from reports.provenance import Provenance
from reports.style import format_length, task_name, task_order

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1em 2em 4em; color: #222; }
h1 { margin-bottom: .2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: .5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } tbody th { text-align: left; font-weight: normal; }
td small, th small { color: #666; display: block; } td small { white-space: nowrap; }
tbody th { min-width: 15em; } table.list td { text-align: left; }
td.skipped { color: #999; } td.none { color: #bbb; text-align: center; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 14px; }
code, pre { background: #f6f6f6; font-size: 12px; } pre { padding: .5em; white-space: pre-wrap; }
.meta { color: #555; }
"""


def _e(value: object) -> str:
    return html.escape(
        "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    )


def _cell(row: pd.Series) -> str:
    data = (f'data-model="{_e(row["model"])}" data-task="{_e(row["task"])}" '
            f'data-length="{int(row["length"])}" data-n="{int(row["n"])}"')  # fmt: skip
    skipped = int(row["skipped"]) if "skipped" in row and pd.notna(row["skipped"]) else 0
    if int(row["n"]) == 0:
        return f'<td class="skipped" {data}>skipped<small>{skipped} of {skipped}</small></td>'
    accuracy = float(row["accuracy"])
    extra = f", {skipped} skipped" if skipped else ""
    return (f'<td {data} data-accuracy="{accuracy:.6g}">{100 * accuracy:.1f}%'
            f'<small>[{100 * row["ci_low"]:.0f}, {100 * row["ci_high"]:.0f}] n={int(row["n"])}{extra}</small></td>')  # fmt: skip


def _model_name(model: str, info: pd.DataFrame) -> str:
    row = info[info["model"] == model]
    if row.empty:
        return _e(model)
    first = row.iloc[0]
    label = model_label(model, first["kind"], first["task"])
    trained = ""
    if pd.notna(first.get("train_segments")) and pd.notna(first.get("segment_size")):
        tokens = int(first["train_segments"]) * int(first["segment_size"])
        trained = (
            f"; trained on {int(first['train_segments'])} segments = {format_length(tokens)} tokens"
        )
    return f"{_e(label)}<small>{_e(model)}{_e(trained)}</small>"


def accuracy_tables(summary: pd.DataFrame, models: pd.DataFrame, headline: Sequence[str]) -> str:
    """Per task: rows = models (headline models first), columns = lengths, cells = accuracy."""
    parts = []
    for task in task_order(summary["task"]):
        part = summary[summary["task"] == task]
        lengths = sorted(int(v) for v in part["length"].unique())
        info = models[models["task"] == task]
        kinds = dict(zip(info["model"], info["kind"], strict=True))
        names = sorted(part["model"].unique(),
                       key=lambda m: (m not in headline, kinds.get(m) != "rmt", m))  # fmt: skip
        head = "".join(f"<th>{format_length(v)}</th>" for v in lengths)
        body = []
        for model in names:
            cells = {int(r["length"]): r for _, r in part[part["model"] == model].iterrows()}
            row = "".join(
                _cell(cells[v]) if v in cells else '<td class="none">–</td>' for v in lengths
            )
            body.append(f"<tr><th>{_model_name(model, info)}</th>{row}</tr>")
        parts.append(
            f'<h3 id="task-{_e(task)}">{_e(task_name(task))}</h3>\n'
            f'<table class="accuracy" data-task="{_e(task)}"><thead><tr><th>model \\ input length '
            f"(tokens)</th>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table>"
        )
    return "\n".join(parts)


def _figure(name: str, png: Path, caption: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f'<figure id="fig-{_e(name)}"><img src="data:image/png;base64,{data}" alt="{_e(caption)}">'
            f"<figcaption><b>{_e(name)}</b>: {_e(caption)} "
            f'(<a href="{_e(name)}.csv">{_e(name)}.csv</a>)</figcaption></figure>')  # fmt: skip


def _list_table(records: list[dict], columns: Sequence[str]) -> str:
    if not records:
        return "<p class=meta>none</p>"
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    rows = []
    for record in records:
        cells = "".join(
            f"<td><code>{_e(record.get(c))}</code></td>" if c in ("command", "config_hash")
            else f"<td>{_e(record.get(c))}</td>" for c in columns
        )  # fmt: skip
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def provenance_section(info: Provenance) -> str:
    notes = info.notes
    out = ['<h2 id="provenance">Provenance</h2>']
    if notes:
        out.append("<h3>The run behind these results</h3><ul>")
        for key in ("source", "dates", "machine"):
            if key in notes:
                out.append(f"<li><b>{key}</b>: {_e(notes[key])}</li>")
        out.append("</ul>")
        if notes.get("commands"):
            out.append(
                "<p>Commands:</p><pre>" + "\n".join(_e(c) for c in notes["commands"]) + "</pre>"
            )
        if notes.get("notes"):
            out.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes["notes"]) + "</ul>")
    out.append("<h3>Evaluations (saved configurations)</h3>")
    out.append(
        _list_table(
            info.evaluations, ("model", "task", "config_hash", "date", "machine", "command")
        )
    )
    out.append("<h3>Training runs</h3>")
    out.append(_list_table(info.trainings, ("run", "task", "kind", "backbone", "curriculum",
                                            "no_curriculum", "config_hash", "date",
                                            "machine")))  # fmt: skip
    out.append("<h3>Configuration hashes of the result rows</h3>")
    out.append(_list_table(info.row_hashes, ("model", "task", "config_hash", "rows")))
    out.append("<h3>This report</h3><ul>")
    out += [f"<li><b>{_e(k)}</b>: <code>{_e(v)}</code></li>" for k, v in info.report.items()]
    out.append(
        "<li><b>machine</b>: "
        + _e("; ".join(f"{k} {v}" for k, v in info.machine.items()))
        + "</li>"
    )
    out.append(
        "<li><b>packages</b>: "
        + _e(", ".join(f"{k} {v}" for k, v in info.packages.items()))
        + "</li></ul>"
    )
    return "\n".join(out)


def render_page(
    *,
    summary: pd.DataFrame,
    models: pd.DataFrame,
    headline: Sequence[str],
    figures: Sequence[tuple[str, Path, str]],
    missing: Sequence[tuple[str, str]],
    csvs: Sequence[str],
    provenance: Provenance,
    title: str = "rmt-bench results",
) -> str:
    """The page as one HTML string (see the module docstring)."""
    tasks = task_order(summary["task"]) if not summary.empty else []
    nav = " ".join(f'<a href="#task-{_e(t)}">{_e(task_name(t))}</a>' for t in tasks)
    nav += ' <a href="#figures">Figures</a> <a href="#data">Data</a> <a href="#provenance">Provenance</a>'
    n_rows = 0
    if not summary.empty:
        skipped = summary["skipped"] if "skipped" in summary else pd.Series(0, index=summary.index)
        n_rows = int(summary["n"].sum() + skipped.fillna(0).sum())
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{n_rows} evaluated samples, {summary["model"].nunique() if not summary.empty else 0} '
        f"models, {len(tasks)} task(s). Generated {_e(provenance.report.get('date', ''))}. "
        "Lengths are tokens in powers of two (4k = 4,096; 1M = 1,048,576).</p>",
        f"<nav>{nav}</nav>",
        '<h2 id="accuracy">Accuracy by task, model and input length</h2>',
        '<p class="meta">Each cell: accuracy over answered samples, [95% Wilson interval], n answered. '
        "Skipped samples (over a model's position limit, out of memory) are not counted as wrong.</p>",
        accuracy_tables(summary, models, headline)
        if not summary.empty
        else "<p>No result rows.</p>",
        '<h2 id="figures">Figures</h2>',
        *[_figure(name, png, caption) for name, png, caption in figures],
    ]
    if missing:
        body.append("<h3>Figures not drawn</h3><ul>")
        body += [f"<li><b>{_e(name)}</b>: {_e(reason)}</li>" for name, reason in missing]
        body.append("</ul>")
    body.append('<h2 id="data">Data</h2><ul>')
    body += [f'<li><a href="{_e(name)}">{_e(name)}</a></li>' for name in csvs]
    body.append("</ul>")
    body.append(provenance_section(provenance))
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_page(path: str | Path, **parts) -> Path:  # noqa: ANN003 - the arguments of render_page
    """Render the page and write it atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(render_page(**parts), encoding="utf-8")
        tmp.chmod(0o644)
    return path
