"""MemoryWatch sees an allocation inside its block and times it."""

from __future__ import annotations

from rmt_bench.profiling import MemoryWatch, current_rss_mb


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
