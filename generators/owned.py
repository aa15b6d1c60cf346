"""Which files in a folder rmt-bench wrote, so that it never replaces anyone else's.

    with owned_path("results/summary.csv") as tmp:     # refuses a file rmt-bench did not write
        tmp.write_text(text)                            # atomic, then recorded as ours
    check_owned(Path("reports/accuracy_vs_length.png"))  # the same check, before slow work
    with allow_overwrite(flag):                         # --overwrite: replace anyway
        ...

Each folder keeps a small manifest (``MANIFEST``: file name -> SHA-256 of the
content rmt-bench last wrote). An existing file may be replaced only if the
manifest holds its current digest, i.e. rmt-bench wrote it and nobody changed
it since; otherwise the write is refused with one line naming the file, unless
the caller runs inside ``allow_overwrite()`` (the commands' ``--overwrite``).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from generators.atomic import TEMP_PREFIX, atomic_path, atomic_write_text
from generators.errors import BenchInputError

MANIFEST = f"{TEMP_PREFIX}files.json"
_OVERWRITE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "rmt_bench_overwrite", default=False
)


@contextlib.contextmanager
def allow_overwrite(flag: bool = True) -> Iterator[None]:
    """Within the block, files rmt-bench did not write may be replaced (``--overwrite``)."""
    token = _OVERWRITE.set(bool(flag))
    try:
        yield
    finally:
        _OVERWRITE.reset(token)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, str]:
    """The manifest of ``folder`` (empty if absent or unreadable: then nothing is ours)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def is_owned(path: Path) -> bool:
    """True if rmt-bench wrote ``path`` and it is unchanged since."""
    recorded = read_manifest(path.parent).get(path.name)
    return recorded is not None and path.is_file() and file_digest(path) == recorded


def check_owned(path: str | os.PathLike[str]) -> None:
    """BenchInputError unless ``path`` is absent, ours, or ``--overwrite`` is in effect."""
    path = Path(path)
    if not path.exists() or _OVERWRITE.get():
        return
    if path.is_dir() or not is_owned(path):
        raise BenchInputError(
            f"refusing to replace {path}: rmt-bench did not write it (or it was changed "
            "since); move it away or pass --overwrite"
        )


def record_owned(path: Path) -> None:
    """Note ``path``'s current content as rmt-bench's in its folder's manifest."""
    from generators.locks import writer_lock

    with writer_lock(path.parent / MANIFEST, wait=60):
        files = read_manifest(path.parent)
        files[path.name] = file_digest(path)
        text = json.dumps({"files": dict(sorted(files.items()))}, indent=2) + "\n"
        atomic_write_text(path.parent / MANIFEST, text)


@contextlib.contextmanager
def owned_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """``atomic_path`` that refuses a file rmt-bench did not write and records what it wrote."""
    target = Path(target)
    check_owned(target)
    with atomic_path(target) as tmp:
        yield tmp
    record_owned(target)
