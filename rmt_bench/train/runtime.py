"""Process-level set-up for training: the Accelerator, interrupt handling, quiet libraries.

precision = train_precision(cfg)         # "fp32" | "bf16" (rmt_bench.precision, logged)
accelerator = make_accelerator(cfg, precision)   # autocast for bf16; gloo on CPU-only machines
with StopFlag() as stop: ...             # SIGINT/SIGTERM -> stop.raised, checked per step
"""

from __future__ import annotations

import contextlib
import logging
import signal
from typing import Any

log = logging.getLogger(__name__)


class StopFlag:
    """Turns SIGINT/SIGTERM into a flag checked at step boundaries (second signal: at once)."""

    def __init__(self) -> None:
        self.raised = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopFlag:
        with contextlib.suppress(ValueError):  # not the main thread: leave handlers alone
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True
        log.warning("interrupt received: saving the resume state at the end of this step")

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def train_precision(cfg: Any) -> str:
    """``cfg.precision`` resolved for the device training runs on: ``fp32`` or ``bf16``."""
    from rmt_bench.precision import local_device, resolve_precision

    return resolve_precision(cfg.precision, local_device())


def make_accelerator(cfg: Any, precision: str) -> Any:
    """The Accelerator for ``precision`` (``fp32`` | ``bf16``: autocast around the forward)."""
    import torch
    from accelerate import Accelerator, DistributedDataParallelKwargs

    precision = {"fp32": "no", "bf16": "bf16"}[precision]  # accelerate's names
    _forget_other_precision(precision)
    # Unused parameters (e.g. BERT's pooler) must not stall the DDP all-reduce.
    ddp = DistributedDataParallelKwargs(find_unused_parameters=True)
    # cpu=True without CUDA: processes started by torchrun (accelerate launch --multi_gpu)
    # on a CPU-only machine then join one gloo group instead of each training alone.
    return Accelerator(
        mixed_precision=precision, cpu=not torch.cuda.is_available(), kwargs_handlers=[ddp]
    )


def _forget_other_precision(precision: str) -> None:
    """Let one Python process train twice with different precisions (API use, tests).

    accelerate keeps a process-wide state and refuses a second Accelerator with
    another ``mixed_precision``; in a single process that state can be reset.
    """
    from accelerate.state import AcceleratorState, PartialState

    if not AcceleratorState._shared_state or PartialState().num_processes > 1:
        return
    if str(AcceleratorState().mixed_precision) != precision:
        AcceleratorState._reset_state()


def quiet_transformers() -> None:
    """No per-checkpoint "Loading weights" / "Writing shards" bars in a training log."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
