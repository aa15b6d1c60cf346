"""One writer at a time: an inter-process lock per output file or folder.

    with writer_lock(Path("results/ckpt.memorize.jsonl")):   # BenchInputError if held
        ...append rows...

The lock file lives in the system's temporary folder (``rmt-bench-locks-<uid>``),
named by a hash of the target's absolute path, so a lock never leaves a file in
the user's folders and works for a folder that does not exist yet. A second
process asking for the same target fails at once with one line (or waits up to
``wait`` seconds). Locks are released when the block ends or the process dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from generators.errors import BenchInputError


def lock_path(target: str | os.PathLike[str]) -> Path:
    """The lock file that guards ``target`` (same for every spelling of the path)."""
    key = os.path.realpath(os.path.abspath(os.fspath(target)))
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    folder = Path(tempfile.gettempdir()) / f"rmt-bench-locks-{uid}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{digest}.lock"


@contextlib.contextmanager
def writer_lock(target: str | os.PathLike[str], wait: float = 0.0) -> Iterator[None]:
    """Hold the lock of ``target`` for the block; BenchInputError if another run holds it."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(target)), timeout=wait, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise BenchInputError(
            f"another rmt-bench run is writing {target}; wait for it to finish or choose "
            "another output"
        ) from None
    try:
        yield
    finally:
        lock.release()


def is_main_process() -> bool:
    """False in the non-zero ranks of ``accelerate launch`` / ``torchrun`` (they never lock)."""
    return os.environ.get("RANK", "0") in ("", "0")
