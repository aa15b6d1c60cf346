"""Streaming keeps nothing of past segments: heap in use is flat across segment steps.

The probe is glibc's ``mallinfo2`` (bytes in use, small and mmapped blocks),
read after each segment's backbone forward; torch's CPU tensors live there.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest
import torch

from rmt_bench.rmt import RMT, RMTConfig


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _heap_probe():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2

    def in_use() -> int:
        info = mallinfo2()
        return int(info.uordblks + info.hblkhd)

    return in_use


def heap_per_step(model: RMT, segments: int, grad: bool, in_use) -> list[int]:
    """Heap bytes in use right after each segment's backbone forward."""
    seen: list[int] = []
    handle = model.cell.body.register_forward_hook(lambda *args: seen.append(in_use()))
    try:
        ids = torch.randint(
            1000, 29000, (8 * segments,), generator=torch.Generator().manual_seed(0)
        )
        if grad:
            model([ids, ids])
        else:
            model.stream_logits([ids, ids])
    finally:
        handle.remove()
    return seen


@pytest.mark.parametrize("backbone", ["tiny-bert", "tiny-gpt2"])
def test_streaming_heap_is_flat_in_the_number_of_segments(backbone: str) -> None:
    in_use = _heap_probe()
    if in_use is None:
        pytest.skip("needs glibc mallinfo2")
    model = RMT(RMTConfig(backbone=backbone, memory_tokens=2, segment_size=8)).eval()
    heap_per_step(model, 12, grad=False, in_use=in_use)  # warm-up: dispatcher caches etc.
    streamed = heap_per_step(model, 12, grad=False, in_use=in_use)
    kept = heap_per_step(model, 12, grad=True, in_use=in_use)  # control: the probe sees growth
    per_step_with_graph = (kept[-1] - kept[1]) / 10
    assert per_step_with_graph > 50_000  # activations of one tiny segment step
    # ten more segments streamed: less than a tenth of what one step keeps with a graph
    assert streamed[-1] - streamed[1] < per_step_with_graph / 10
