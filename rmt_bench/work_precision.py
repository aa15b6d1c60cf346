"""The precision a work folder of ``rmt-bench figures`` computed in, kept on resume.

    check_work_precision(Path("runs/figures"))   # BenchInputError where auto differs here
    work_precisions(Path("runs/figures"))        # [(file, "bf16"), ...]

The pipeline trains and evaluates at ``--precision`` (default ``auto``, which resolves per
machine, ``rmt_bench.precision``): resumed on a CPU without native bf16, an auto run made
in bf16 would retrain its models in fp32 and mix fp32 rows into its bf16 ones. What the
run computed in so far is read from its rows' configs (``results/*.config.json``:
``identity_precision``) and from its training runs' machine records
(``runs/*/train_config.json``: ``run_precision``), and a start where ``auto`` gives
another precision is refused before any work; ``--precision bf16`` goes on in bf16 there
(slowly).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError
from rmt_bench.evaluate.config import identity_precision
from rmt_bench.precision import (
    local_device,
    precision_change,
    resolve_precision,
    run_precision,
)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; ``{}`` if it is unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def work_precisions(work: Path) -> list[tuple[Path, str]]:
    """``(file, precision)`` of each eval config and training run in ``work``."""
    found: list[tuple[Path, str]] = []
    for path in sorted((work / "results").glob("*.config.json")):
        identity = _read_json(path).get("identity")
        if isinstance(identity, dict):
            found.append((path, identity_precision(identity)))
    for path in sorted((work / "runs").glob("*/train_config.json")):
        computed = run_precision(_read_json(path))
        if computed is not None:
            found.append((path, computed))
    return found


def check_work_precision(work: Path, requested: str = "auto", override: bool = True) -> None:
    """Refuse to go on with ``work`` where ``requested`` gives another precision than so far.

    ``override``: whether the refusal may suggest ``--precision`` (the command takes it).
    """
    device = local_device()
    here = resolve_precision(requested, device)
    for path, before in work_precisions(work):
        if before != here:
            what = f"{work} (as {path.relative_to(work)} records) was"
            raise BenchInputError(
                precision_change(what, before, here, requested, device, override=override)
            )
