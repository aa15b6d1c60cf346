"""Peak-memory and timing measurement shared by the harness and the benchmarks.

    with MemoryWatch() as watch:          # peak RSS (and CUDA peak) inside the block
        run()
    watch.peak_rss_mb, watch.peak_cuda_mb, watch.seconds

On Linux the kernel's high-water mark (VmHWM) is reset at the start of the
block through ``/proc/self/clear_refs``, so the peak is that of the block, not
of the whole process; elsewhere a sampling thread approximates it.

The peak still counts memory that earlier work in the process freed but the C
allocator kept (a training run before an evaluation in one process leaves
gigabytes resident): ``release_freed_memory()`` hands it back to the system
first, so that what follows measures its live memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

_PROC_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def current_rss_mb() -> float:
    """Resident set size of this process now, in MiB."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def release_freed_memory() -> bool:
    """Collect garbage and return the C heap's free pages to the system (glibc ``malloc_trim``).

    True when the pages were handed back; False where there is no glibc (macOS, musl), in
    which case only the garbage collection ran.
    """
    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True


def _kernel_peak_mb() -> float | None:
    try:
        for line in _PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_kernel_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


class MemoryWatch:
    """Measure wall time, peak RSS and (if CUDA is in use) peak CUDA memory of a block."""

    def __init__(self, sample_every_s: float = 0.005) -> None:
        self.sample_every_s = sample_every_s
        self.seconds = 0.0
        self.peak_rss_mb = 0.0
        self.peak_cuda_mb: float | None = None
        self._kernel = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> MemoryWatch:
        self._kernel = _reset_kernel_peak() and _kernel_peak_mb() is not None
        self.peak_rss_mb = current_rss_mb()
        if not self._kernel:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        self._start = time.perf_counter()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.sample_every_s):
            self.peak_rss_mb = max(self.peak_rss_mb, current_rss_mb())

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        self.peak_rss_mb = max(self.peak_rss_mb, current_rss_mb())
        if self._kernel:
            self.peak_rss_mb = max(self.peak_rss_mb, _kernel_peak_mb() or 0.0)
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            self.peak_cuda_mb = torch.cuda.max_memory_allocated() / 2**20


def emit_json_line(record: dict[str, Any]) -> None:
    """Print one benchmark measurement as a JSON line on stdout (benchmarks only)."""
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    sys.stdout.flush()


def run_worker(script: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``python script --worker JSON`` offline in a fresh process; its last stdout line.

    Benchmarks measure each configuration in its own process, so that peak RSS
    is comparable between them; a failed worker stops the benchmark with its stderr.
    """
    import os
    import subprocess

    command = [sys.executable, script, "--worker", json.dumps(spec)]
    env = dict(
        os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false"
    )
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{spec} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
