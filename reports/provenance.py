"""Where a report's numbers come from: commands, configurations, versions, dates, machine.

    info = collect_provenance("results/", runs="runs/", rows=rows)
    info.report          # {"command": "rmt-bench report ...", "date": "...", "python": ...}
    info.packages        # {"torch": "2.13.0", ...} (installed versions, not imported)
    info.evaluations     # one dict per ``*.config.json`` beside result rows
    info.trainings       # one dict per ``train_config.json`` below the runs folder
    info.notes           # the optional ``provenance.json`` of the results folder

``provenance.json`` (optional, in the results folder) lets whoever assembled the
results add what the files do not hold: ``{"source", "dates", "machine", "commands":
[...], "notes": [...]}``. Nothing here imports torch or needs the network.
"""

from __future__ import annotations

import json
import logging
import platform
import shlex
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from rmt_bench.machine import describe_machine, machine_summary

log = logging.getLogger(__name__)

PACKAGES = ("rmt-bench", "torch", "transformers", "tokenizers", "datasets", "accelerate", "numpy",
            "pandas", "matplotlib", "click")  # fmt: skip
EVAL_FLAGS = ("model", "task", "lengths", "num_samples", "batch_size", "data", "seed", "facts",
              "noise", "device", "threads", "extend_positions", "max_memory_mb", "window", "name")  # fmt: skip
# no "noise": its default changed (builtin, then books?split=test on 2026-12-04), so a row
# names its noise unless it used the default (None)
EVAL_DEFAULTS = {"facts": "builtin", "device": "auto", "window": "last"}
NOTE_KEYS = ("source", "dates", "machine", "commands", "notes")


@dataclass
class Provenance:
    """Everything the page says about where its numbers come from."""

    report: dict[str, str] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    trainings: list[dict[str, Any]] = field(default_factory=list)
    row_hashes: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)


def _stamp(path: Path) -> str:
    when = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("%s: not readable JSON (%s); left out of the provenance", path, error)
        return None
    return data if isinstance(data, dict) else None


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine_info() -> dict[str, str]:
    """The machine drawing the report (the machines that ran the results are in their configs)."""
    return describe_machine()


def eval_command(run: dict[str, Any]) -> str:
    """The ``rmt-bench eval`` command equivalent to a saved evaluation configuration."""
    words = ["rmt-bench", "eval"]
    for key in EVAL_FLAGS:
        value = run.get(key)
        if value is None or value is False or value == "" or EVAL_DEFAULTS.get(key) == value:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        words += [f"--{key.replace('_', '-')}", str(value)]
    return shlex.join(words)


def _evaluations(results: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(results.rglob("*.config.json")) if results.is_dir() else []:
        data = _read_json(path)
        if not data or "config_hash" not in data:
            continue
        run = data.get("run") if isinstance(data.get("run"), dict) else {}
        rows = path.with_name(path.name[: -len(".config.json")] + ".jsonl")
        out.append({
            "file": path.relative_to(results).as_posix(),
            "model": data.get("model_name", run.get("model", "")),
            "task": run.get("task", ""),
            "config_hash": data["config_hash"],
            "command": eval_command(run),
            "machine": _machine_line(data.get("machine")),
            "date": _stamp(rows if rows.exists() else path),
        })  # fmt: skip
    return out


def _machine_line(info: Any) -> str:
    """A saved machine record as one line ("" for runs saved before machines were kept)."""
    return machine_summary(info) if isinstance(info, dict) else ""


def _trainings(runs: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(runs.rglob("train_config.json")) if runs.is_dir() else []:
        data = _read_json(path)
        if not data:
            continue
        config = data.get("config") if isinstance(data.get("config"), dict) else {}
        curriculum = config.get("curriculum")
        machines = data.get("machines") if isinstance(data.get("machines"), list) else []
        out.append({
            "run": path.parent.relative_to(runs).as_posix() or path.parent.name,
            "task": config.get("task", ""),
            "kind": config.get("model_kind", ""),
            "backbone": config.get("backbone", ""),
            "curriculum": ",".join(map(str, curriculum)) if isinstance(curriculum, list) else "",
            "no_curriculum": bool(config.get("no_curriculum", False)),
            "config_hash": str(data.get("hash", "")),
            "machine": "; ".join(_machine_line(m) for m in machines if isinstance(m, dict)),
            "date": _stamp(path),
        })  # fmt: skip
    return out


def _row_hashes(rows: pd.DataFrame) -> list[dict[str, Any]]:
    if rows.empty:
        return []
    table = (
        rows.groupby(["model", "task", "config_hash"], dropna=False).size().reset_index(name="rows")
    )
    return table.to_dict("records")


def _notes(results: Path) -> dict[str, Any]:
    path = results / "provenance.json" if results.is_dir() else results.parent / "provenance.json"
    data = _read_json(path) if path.is_file() else None
    return {key: data[key] for key in NOTE_KEYS if data and key in data}


def collect_provenance(
    results: str | Path, runs: str | Path | None = None, rows: pd.DataFrame | None = None
) -> Provenance:
    """Provenance of a report drawn from ``results`` (and training logs below ``runs``)."""
    results = Path(results)
    runs = Path(runs) if runs is not None else results
    argv = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else []
    return Provenance(
        report={
            "command": shlex.join(argv) if argv else "",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "results": str(results),
        },
        packages=package_versions(),
        machine=machine_info(),
        evaluations=_evaluations(results),
        trainings=_trainings(runs),
        row_hashes=_row_hashes(rows if rows is not None else pd.DataFrame()),
        notes=_notes(results),
    )
