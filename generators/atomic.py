"""Atomic file writes: a file is either absent, the old version, or complete.

    with atomic_path("out/summary.csv") as tmp:   # write to tmp, renamed on success
        frame.to_csv(tmp)
    atomic_write_text("out/meta.json", text)
    is_own_temporary(path)                        # a temporary of rmt-bench (safe to remove)

The temporary file lives beside the target (same filesystem, so ``os.replace``
is atomic) and is removed if the block raises. Its name starts with
``TEMP_PREFIX`` and ends with ``TEMP_SUFFIX``, so rmt-bench never mistakes a
user's file for one of its own leftovers. The final file gets the usual mode of
a new file (0666 less the umask), not mkstemp's 0600.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".rmt-bench-"
TEMP_SUFFIX = ".tmp"


def current_umask() -> int:
    """The process umask (read without changing it for longer than one call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_mode(directory: bool = False) -> int:
    """Mode a plain ``open``/``mkdir`` would give: 0666 (0777 for folders) less the umask."""
    return (0o777 if directory else 0o666) & ~current_umask()


def is_own_temporary(path: str | os.PathLike[str]) -> bool:
    """True for a file or folder name that only rmt-bench's temporaries use."""
    name = Path(path).name
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def temporary_dir(parent: Path, name: str) -> Path:
    """A new, uniquely named temporary folder in ``parent`` (mode as for ``mkdir``)."""
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{name}.", suffix=TEMP_SUFFIX, dir=parent))
    os.chmod(tmp, default_mode(directory=True))
    return tmp


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f"{TEMP_PREFIX}{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, default_mode())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (fsynced before the rename)."""
    with atomic_path(target) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    atomic_write_bytes(target, text.encode("utf-8"))
