"""How much memory a forward pass may use, and whether an exception means "out of memory".

budget = available_memory_mb(device)    # free CUDA memory, or 80% of available RAM
if is_oom_error(error): ...             # torch.OutOfMemoryError, MemoryError, alloc failures
"""

from __future__ import annotations

from typing import Any

_OOM_TEXT = (
    "out of memory",
    "can't allocate memory",
    "cannot allocate memory",
    "not enough memory",
)


def available_memory_mb(device: Any = "cpu", fraction: float = 0.8) -> float:
    """The memory a new allocation may take on ``device`` (MiB), with a safety margin."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return fraction * free / 2**20
    import psutil

    return fraction * psutil.virtual_memory().available / 2**20


def is_oom_error(error: BaseException) -> bool:
    """True for the errors an allocation failure raises on CPU or GPU."""
    import torch

    if isinstance(error, (MemoryError, torch.OutOfMemoryError)):
        return True
    if isinstance(error, RuntimeError):
        text = str(error).lower()
        return any(marker in text for marker in _OOM_TEXT)
    return False
