"""Resource bounds: refuse work that cannot fit in memory or on disk, before allocating.

    check_generate_budget(lengths=[4096], num_samples=100, out=Path("data/x"), with_ids=False)
    check_sample_count(num_samples=64, n_lengths=3)         # eval's list of sample references

The estimates are deliberately generous upper bounds per token and per sample
(Python strings, token-id arrays, offsets); the point is to fail in one line
with what would fit instead of growing until the kernel kills the process.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from generators.errors import BenchInputError

BUILD_BYTES_PER_TOKEN = 64  # peak memory while one sample is assembled (text, ids, offsets)
DISK_BYTES_PER_TOKEN = 8  # stored text (~5 bytes/token) with slack
DISK_BYTES_PER_ID = 4  # --with-ids: int32 per token
BYTES_PER_SAMPLE_REF = 512  # eval: one planned sample (ids, shard positions)


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 1024**3:.1f} GiB"


def available_memory() -> int:
    """Bytes of memory available to this process now."""
    import psutil

    return int(psutil.virtual_memory().available)


def free_disk(path: Path) -> int:
    """Free bytes on the filesystem that holds ``path`` (or its nearest existing parent)."""
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    return int(shutil.disk_usage(existing).free)


def check_generate_budget(
    *, lengths: Sequence[int], num_samples: int, out: Path, with_ids: bool
) -> None:
    """BenchInputError if one sample cannot be built in memory or the dataset not stored."""
    longest = max(lengths)
    memory = available_memory()
    if longest * BUILD_BYTES_PER_TOKEN > memory:
        fits = memory // BUILD_BYTES_PER_TOKEN
        raise BenchInputError(
            f"--length {longest} needs about {_gib(longest * BUILD_BYTES_PER_TOKEN)} of memory "
            f"per sample but {_gib(memory)} is available; lengths up to about {fits} tokens fit"
        )
    per_token = DISK_BYTES_PER_TOKEN + (DISK_BYTES_PER_ID if with_ids else 0)
    total = num_samples * sum(lengths) * per_token
    disk = free_disk(out)
    if total > disk:
        fits = disk // max(sum(lengths) * per_token, 1)
        raise BenchInputError(
            f"{num_samples} samples per length need about {_gib(total)} on disk but {_gib(disk)} "
            f"is free at {out}; about {fits} samples per length fit"
        )


def check_sample_count(*, num_samples: int, n_lengths: int) -> None:
    """BenchInputError if the planned samples alone would not fit in memory."""
    memory = available_memory()
    need = num_samples * max(n_lengths, 1) * BYTES_PER_SAMPLE_REF
    if need > memory // 2:
        fits = memory // 2 // (max(n_lengths, 1) * BYTES_PER_SAMPLE_REF)
        raise BenchInputError(
            f"--num-samples {num_samples} would need about {_gib(need)} of memory just to plan "
            f"the samples; at most about {fits} per length fit"
        )
