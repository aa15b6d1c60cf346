"""The machine a run ran on, recorded beside its timings so that they can be compared.

    describe_machine()   # {"cpu": "AMD EPYC", "cpu_id": "family 26 model 2 stepping 1",
                         #  "cpu_cores": "2", "memory_gib": "23.4", "platform": "Linux-...",
                         #  "bf16_cpu": "avx512_bf16", "torch_threads": "2"}

Wall times measured here differ by about 1.5x between two machines that both report
"AMD EPYC" with 2 cores (``docs/experiments.md``, session 13): the model name alone does
not tell the CPU generation, so the x86 family / model / stepping numbers are recorded
too. Training writes one record per start (fresh or ``--resume``) into
``train_config.json`` (``machines``); evaluation writes the record of its latest run into
the rows' ``*.config.json`` (``machine``), outside the hashed identity. Nothing here
imports torch: ``torch_threads`` is recorded only when torch is already loaded.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")  # native bf16 matrix / dot-product instructions
_CPU_ID_KEYS = ("cpu family", "model", "stepping")  # x86 /proc/cpuinfo keys


def cpuinfo_fields(cpuinfo: Path | None = None) -> dict[str, str]:
    """The ``key: value`` lines of the first processor in ``/proc/cpuinfo`` (empty if unreadable)."""
    try:
        text = (cpuinfo or CPUINFO).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break  # the first processor's block ends at the first blank line
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_flags(cpuinfo: Path | None = None) -> frozenset[str]:
    """The CPU feature flags of the first processor (x86 ``flags``, arm ``Features``)."""
    return _flags(cpuinfo_fields(cpuinfo))


def _flags(fields: dict[str, str]) -> frozenset[str]:
    return frozenset((fields.get("flags") or fields.get("Features") or "").split())


def _memory_gib() -> str | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return f"{pages * size / 2**30:.1f}" if pages > 0 and size > 0 else None


def describe_machine(cpuinfo: Path | None = None) -> dict[str, str]:
    """What a timing depends on: CPU model and generation, cores, memory, platform, threads."""
    fields = cpuinfo_fields(cpuinfo)
    info = {"cpu": fields.get("model name") or platform.processor() or platform.machine()}
    cpu_id = " ".join(
        f"{key.replace('cpu ', '')} {fields[key]}" for key in _CPU_ID_KEYS if key in fields
    )
    if cpu_id:
        info["cpu_id"] = cpu_id
    info["cpu_cores"] = str(os.cpu_count())
    memory = _memory_gib()
    if memory:
        info["memory_gib"] = memory
    info["platform"] = platform.platform()
    flags = _flags(fields)  # one read of /proc/cpuinfo
    info["bf16_cpu"] = ",".join(f for f in BF16_CPU_FLAGS if f in flags) or "none"
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch_threads"] = str(torch.get_num_threads())
        if torch.cuda.is_available():
            info["accelerator"] = torch.cuda.get_device_name(0)
    return info


def machine_record(*, resumed: bool) -> dict[str, str]:
    """``describe_machine()`` stamped with the UTC start time and whether it was a resume."""
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"started": started, "resumed": str(resumed).lower(), **describe_machine()}


def machine_summary(info: dict[str, str]) -> str:
    """One short line: ``AMD EPYC (family 26 model 2 stepping 1), 2 cores``."""
    if not info:
        return ""
    cpu = info.get("cpu", "?")
    if info.get("cpu_id"):
        cpu += f" ({info['cpu_id']})"
    parts = [cpu, f"{info.get('cpu_cores', '?')} cores"]
    if info.get("accelerator"):
        parts.append(info["accelerator"])
    return ", ".join(parts)
