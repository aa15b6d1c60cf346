"""Result rows on disk: append-only JSONL, one row per sample, resumable and shardable.

    rows = RowsFile(out_dir, stem="ckpt.detect_memorize")
    rows.check_config(config_hash, resolved)     # a file of another config -> BenchInputError
    done = rows.done_ids()                       # sample ids already answered (all shards)
    with rows.writer(part=None) as write:        # part=k for shard k of a multi-process run
        write(row)                               # one line, flushed and fsynced per row
    rows.merge_parts()                           # fold shard files into the main file

Files in ``out_dir``: ``{stem}.jsonl`` (the rows), ``{stem}.config.json`` (the
resolved eval configuration and its hash), ``{stem}.part-{k}.jsonl`` (rows of
shard ``k`` until they are merged). A row is one ``write`` of one line, so a
kill can only leave a torn *last* line without its newline; it is not a row,
and is dropped before the next append. Existing complete rows are never
rewritten or reordered; merging appends only ids the main file lacks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from generators.atomic import atomic_write_text
from generators.errors import BenchInputError
from generators.jsonl import json_lines
from rmt_bench.evaluate.config import identity_changes, precision_of_rows

log = logging.getLogger(__name__)

ROW_FIELDS = (
    "model",
    "kind",
    "task",
    "length",
    "n_tokens",
    "segments",
    "sample_id",
    "index",
    "prediction",
    "answer",
    "correct",
    "skipped",
    "seconds",
    "tokens_per_s",
    "peak_memory_mb",
    "seed",
    "config_hash",
    "train_segments",
    "curriculum",
    "memory_tokens",
    "segment_size",
    "model_path",
    "rmt_bench_version",
    "depths",
    "fact_positions",
    "facts_source",
    "noise_source",
    "timestamp",
    "rss_peak_mb",
    "model_peak_mb",
    "precision",
)
PART_INFIX = ".part-"
CONFIG_SUFFIX = ".config.json"


def read_rows(path: Path) -> list[dict[str, Any]]:
    """All complete rows of a JSONL file, each sample id once (the first row wins).

    A torn last line without newline is ignored. This is the one place where
    duplicates are dropped, so ``summary.csv``, ``rmt-bench ls`` and ``report``
    count the same ``n``.
    """
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    duplicates = 0
    for number, value in json_lines(path, what="results file"):
        row = _check_row(path, number, value)
        if row["sample_id"] in seen:
            duplicates += 1
            continue
        seen.add(row["sample_id"])
        rows.append(row)
    if duplicates:
        log.warning("%s: ignoring %d repeated sample ids", path, duplicates)
    return rows


def _check_row(path: Path, number: int, row: Any) -> dict[str, Any]:
    """One parsed line as a result row; anything else is a BenchInputError naming the line."""
    if not isinstance(row, dict) or not isinstance(row.get("sample_id"), str):
        raise BenchInputError(f"results file {path} line {number} is not a result row")
    length = row.get("length")
    if length is not None and not _is_integer(length):
        raise BenchInputError(
            f"results file {path} line {number}: length {length!r} is not an integer"
        )
    return row


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line that has no newline (left by a kill mid-write)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return
        handle.seek(0)
        data = handle.read()
        keep = data.rfind(b"\n") + 1
        handle.truncate(keep)
        log.warning("%s: dropped a torn last line of %d bytes", path, len(data) - keep)


class RowsFile:
    """The rows of one (model name, task) in an output folder, with its shard files."""

    def __init__(self, out_dir: str | os.PathLike[str], stem: str) -> None:
        self.out_dir = Path(out_dir)
        self.stem = stem
        self.path = self.out_dir / f"{stem}.jsonl"
        self.config_path = self.out_dir / f"{stem}{CONFIG_SUFFIX}"

    def part_path(self, part: int) -> Path:
        return self.out_dir / f"{self.stem}{PART_INFIX}{part}.jsonl"

    def part_paths(self) -> list[Path]:
        return sorted(self.out_dir.glob(f"{self.stem}{PART_INFIX}*.jsonl"))

    def rows(self) -> list[dict[str, Any]]:
        """Main-file rows followed by not-yet-merged shard rows (each id once)."""
        seen: set[str] = set()
        out: list[dict[str, Any]] = []
        for path in [self.path, *self.part_paths()]:
            for row in read_rows(path):
                if row["sample_id"] not in seen:
                    seen.add(row["sample_id"])
                    out.append(row)
        return out

    def done_ids(self) -> set[str]:
        return {row["sample_id"] for row in self.rows()}

    def check_config(self, config_hash: str, resolved: dict[str, Any], write: bool = True) -> None:
        """Refuse to mix configurations in one file; save the resolved config beside it."""
        if self.config_path.exists():
            try:
                saved = json.loads(self.config_path.read_text(encoding="utf-8"))
                saved_hash = saved["config_hash"]
            except (ValueError, KeyError, TypeError):
                raise BenchInputError(
                    f"{self.config_path} is corrupt; move it away (or use another --out)"
                ) from None
            if saved_hash != config_hash:
                changes = identity_changes(saved.get("identity"), resolved.get("identity"))
                advice = "use another --out or --name"
                precision = precision_of_rows(saved.get("identity"), resolved.get("identity"))
                if precision is not None:
                    advice += f", or pass --precision {precision} to add to these rows"
                raise BenchInputError(
                    f"{self.path} holds results of a different configuration "
                    f"(config hash {saved_hash} != {config_hash}{changes}); {advice}"
                )
        for row in self.rows():
            if row.get("config_hash") != config_hash:
                raise BenchInputError(
                    f"{self.path} holds rows of a different configuration (config hash "
                    f"{row.get('config_hash')} != {config_hash}); use another --out or --name"
                )
        if not write:
            return
        payload = {"config_hash": config_hash, **resolved}
        atomic_write_text(self.config_path, json.dumps(payload, indent=2, sort_keys=True) + "\n")

    @contextlib.contextmanager
    def writer(self, part: int | None = None) -> Iterator[Callable[[dict[str, Any]], None]]:
        """Append rows to the main file (``part=None``) or to shard ``part``'s file."""
        path = self.path if part is None else self.part_path(part)
        path.parent.mkdir(parents=True, exist_ok=True)
        _drop_torn_tail(path)
        with open(path, "a", encoding="utf-8") as handle:

            def write(row: dict[str, Any]) -> None:
                missing = [name for name in ROW_FIELDS if name not in row]
                if missing:
                    raise ValueError(f"result row lacks fields {missing}")
                handle.write(json.dumps(row, sort_keys=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())

            yield write

    def merge_parts(self) -> int:
        """Append shard rows whose ids the main file lacks, then delete the shard files."""
        parts = self.part_paths()
        if not parts:
            return 0
        _drop_torn_tail(self.path)
        present = {row["sample_id"] for row in read_rows(self.path)}
        added = 0
        with self.writer(part=None) as write:
            for part in parts:
                for row in read_rows(part):
                    if row["sample_id"] not in present:
                        present.add(row["sample_id"])
                        write(row)
                        added += 1
        for part in parts:
            part.unlink()
        log.info("merged %d rows from %d shard files into %s", added, len(parts), self.path)
        return added


def result_files(out_dir: str | os.PathLike[str]) -> list[Path]:
    """The main rows files of an output folder (shard files excluded), sorted."""
    return sorted(path for path in Path(out_dir).glob("*.jsonl") if PART_INFIX not in path.name)
