"""MemoryWatch sees an allocation inside its block and times it; freed heap memory is released."""

from __future__ import annotations

import gc

import pytest

from rmt_bench.profiling import MemoryWatch, current_rss_mb, release_freed_memory


def test_memory_watch_sees_a_200mb_allocation() -> None:
    before = current_rss_mb()
    with MemoryWatch() as watch:
        block = bytearray(200 * 2**20)
        block[::4096] = b"x" * len(block[::4096])  # touch every page
        del block
    assert watch.peak_rss_mb >= before + 150
    assert watch.seconds > 0


def test_memory_watch_peak_is_per_block() -> None:
    big = bytearray(300 * 2**20)
    big[::4096] = b"x" * len(big[::4096])
    del big
    with MemoryWatch() as watch:
        pass
    assert watch.peak_rss_mb < current_rss_mb() + 100


def test_release_freed_memory_hands_back_what_the_heap_kept() -> None:
    """Freed small blocks stay resident until released; a peak measured after the release
    does not count them (the case of an evaluation run after training in one process)."""
    if not release_freed_memory():
        pytest.skip("no glibc malloc_trim here")
    blocks = [bytearray(64 * 2**10) for _ in range(4800)]  # 300 MiB below the mmap threshold
    for block in blocks:
        block[::4096] = b"x" * len(block[::4096])
    kept = blocks[::50]  # live blocks between the freed ones: the heap cannot shrink from its top
    del blocks
    gc.collect()
    resident = current_rss_mb()
    assert release_freed_memory()
    assert current_rss_mb() < resident - 200
    with MemoryWatch() as watch:
        pass
    assert watch.peak_rss_mb < resident - 200
    del kept
