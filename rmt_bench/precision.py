"""The numeric precision a run computes in: fp32, or bf16 autocast where the hardware has it.

    precision = resolve_precision("auto", "cpu")   # "bf16" on AMX-BF16 / AVX512-BF16 CPUs
    with autocast(precision, "cpu"):               # torch.autocast(bf16) or nothing
        logits = model(input_ids=ids).logits
    with full_precision(states.device):            # heads: autocast off, inputs as fp32
        ...

``--precision`` takes ``fp32``, ``bf16`` or ``auto``. ``auto`` picks bf16 on a
CPU whose flags (``/proc/cpuinfo``) include ``amx_bf16`` or ``avx512_bf16`` and
on a CUDA device that supports bf16 (``torch.cuda.is_bf16_supported``), fp32
elsewhere; ``resolve_precision`` logs the choice and its reason. bf16 is
autocast over the backbone only: weights stay fp32, the memory state carried
between segments is kept in the model's parameter dtype (fp32) by the segment
loop, and the answer heads run with autocast disabled on fp32 inputs
(``full_precision``). On a CPU without those flags bf16 still runs, without
native bf16 instructions: its speed there says nothing about bf16 hardware. The old training option ``mixed_precision``
(``no | bf16 | auto``) maps onto this one (``legacy_precision``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from generators.errors import BenchInputError
from rmt_bench.machine import BF16_CPU_FLAGS, cpu_flags

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "bf16", "auto")
_LEGACY = {"no": "fp32", "bf16": "bf16", "auto": "auto"}  # the old --mixed-precision values


def check_precision(value: str, flag: str = "--precision") -> str:
    """``value`` if it is one of ``PRECISIONS``, else a ``BenchInputError`` naming ``flag``."""
    if value not in PRECISIONS:
        raise BenchInputError(f"{flag} must be one of {', '.join(PRECISIONS)}; got {value!r}")
    return value


def legacy_precision(value: str) -> str:
    """The ``--precision`` value of an old ``mixed_precision`` value (``no`` -> ``fp32``)."""
    if value not in _LEGACY:
        raise BenchInputError(
            f"mixed_precision (now precision) must be one of {', '.join(_LEGACY)}; got {value!r}"
        )
    return _LEGACY[value]


def native_bf16(device: Any) -> tuple[bool, str]:
    """Whether ``device`` computes bf16 natively, and why (for the log)."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return True, f"{torch.cuda.get_device_name(device)} supports bf16"
        return False, "this CUDA device has no bf16 support"
    if device.type == "cpu":
        found = sorted(cpu_flags().intersection(BF16_CPU_FLAGS))
        if found:
            return True, f"the CPU has {', '.join(found)}"
        return False, f"the CPU has none of {', '.join(BF16_CPU_FLAGS)}"
    return False, f"no bf16 autocast chosen for device type {device.type!r}"


def resolve_precision(requested: str, device: Any) -> str:
    """``fp32`` or ``bf16`` for ``requested`` (``auto`` decided by ``native_bf16``); logged."""
    check_precision(requested)
    native, reason = native_bf16(device)
    if requested == "auto":
        chosen = "bf16" if native else "fp32"
        log.info("precision: %s (auto: %s)", chosen, reason)
        return chosen
    if requested == "bf16" and not native:
        log.warning("precision: bf16 requested, but %s: no native bf16", reason)
    else:
        log.info("precision: %s", requested)
    return requested


def local_device() -> str:
    """Where a process without a given device computes: ``cuda`` if present, else ``cpu``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def recorded_precision(record: dict[str, Any], requested: str) -> str | None:
    """The precision a run computed in on the machine of ``record`` (a ``machine_record``).

    ``requested`` is the run's ``--precision``. Records written before the resolved value
    was kept are read by the rule of ``resolve_precision``: ``auto`` on a CPU is bf16 when
    ``bf16_cpu`` names a flag. ``None`` when it cannot be told (auto on a GPU, no record).
    """
    if record.get("precision") in ("fp32", "bf16"):
        return str(record["precision"])
    if requested in ("fp32", "bf16"):
        return requested
    if record.get("accelerator") or not record.get("bf16_cpu"):
        return None
    return "fp32" if record["bf16_cpu"] == "none" else "bf16"


def run_precision(train_config: dict[str, Any]) -> str | None:
    """What a training run (its ``train_config.json``) computed in at its latest start that
    tells; ``None`` when none does. The old option ``mixed_precision`` is read as today's."""
    options = train_config.get("config") if isinstance(train_config.get("config"), dict) else {}
    if "precision" in options:
        requested = str(options["precision"])
    else:
        requested = legacy_precision(str(options.get("mixed_precision", "auto")))
    machines = train_config.get("machines")
    records = [m for m in machines if isinstance(m, dict)] if isinstance(machines, list) else []
    known = [p for p in (recorded_precision(m, requested) for m in records) if p is not None]
    return known[-1] if known else None


def precision_change(
    what: str, before: str, now: str, requested: str, device: Any, override: bool = True
) -> str:
    """One line refusing to go on with ``what`` (computed in ``before``) in ``now`` here.

    ``requested`` is this start's ``--precision``; ``override`` whether the command can
    take ``--precision`` to continue in ``before`` anyway.
    """
    if requested == "auto":
        why = f"--precision auto: {native_bf16(device)[1]}"
    else:
        why = f"--precision {requested}"
    advice = f"continue it where --precision auto gives {before}"
    if override:
        slow = " (slow without native bf16)" if before == "bf16" else ""
        advice += f", or pass --precision {before}{slow}"
    return (
        f"{what} computed in {before}, but would go on in {now} here ({why}); "
        f"one run does not mix precisions: {advice}"
    )


def autocast(precision: str, device: Any) -> contextlib.AbstractContextManager[Any]:
    """``torch.autocast`` to bf16 on ``device``'s type for ``bf16``; no context for ``fp32``."""
    import torch

    if precision == "fp32":
        return contextlib.nullcontext()
    if precision != "bf16":
        raise BenchInputError(f"precision must be fp32 or bf16 here, got {precision!r}")
    return torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16)


@contextlib.contextmanager
def full_precision(device: Any) -> Iterator[None]:
    """Autocast switched off on ``device``'s type: what runs inside computes in its own dtype."""
    import torch

    with torch.autocast(device_type=torch.device(device).type, enabled=False):
        yield


def as_dtype_of(tensor: Any, reference: Any) -> Any:
    """``tensor`` (or each tensor of a tuple state) cast to ``reference``'s floating dtype."""
    if isinstance(tensor, tuple):
        return tuple(as_dtype_of(part, reference) for part in tensor)
    if tensor.is_floating_point() and tensor.dtype != reference.dtype:
        return tensor.to(reference.dtype)
    return tensor
