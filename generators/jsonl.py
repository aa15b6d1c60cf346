"""Reading JSON-lines files that a killed writer may have left with a torn last line.

    for number, record in json_lines(path, what="results file"):
        ...

Writers here append whole lines and end each with a newline, so a kill can
only leave a torn *last* line without its newline: it is skipped with a
warning. Blank lines are skipped. A line that is not JSON, or a file that is
not UTF-8, is a ``BenchInputError`` naming the file (and the line). Result
rows (``rmt_bench.evaluate.rows``) and reports (``reports.load``) read
through this one function.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError

log = logging.getLogger(__name__)


def json_lines(path: str | Path, what: str = "file") -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for every complete, non-blank line of ``path``.

    ``what`` names the file in error messages ("results file ...").
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.endswith("\n"):
                    log.warning("%s: ignoring a torn last line (an interrupted write)", path)
                    return
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    raise BenchInputError(
                        f"{what} {path} line {number} is not valid JSON ({error.msg}); "
                        "fix or move the file"
                    ) from None
                yield number, value
    except UnicodeDecodeError:
        raise BenchInputError(f"{what} {path} is not UTF-8 text; move it away") from None
