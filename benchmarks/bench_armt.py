"""ARMT evaluation throughput as a ratio of the RMT's, and ARMT's peak RSS by segment count.

    python benchmarks/bench_armt.py --quick                  # minutes: MiniLM, 16 and 64 segments
    python benchmarks/bench_armt.py                          # MiniLM, 16 ... 4096 segments (hours)
    python benchmarks/bench_armt.py --segments 16,256 --repeats 3 --threads 2 --backbone tiny-bert

Each segment count runs in its own subprocess (same start-up, so peak RSS is
comparable between rows). There, an RMT and an ARMT around the same backbone
(pretrained MiniLM-L6 by default; untrained memory, associative projections and
head: speed does not depend on the weights), ``--memory-tokens`` memory tokens,
segments as long as the backbone allows (499 task tokens for MiniLM), stream one
sample of ``segments`` full segments under ``torch.inference_mode``
(``stream_logits``), alternating RMT and ARMT ``--repeats`` times after a short
warm-up, so both run under the same machine load. One JSON line per count:

    {"bench": "armt_eval", "segments": 64, "tokens": 31936, "rmt_tokens_per_s": ...,
     "armt_tokens_per_s": ..., "ratio": ..., "armt_peak_rss_mb": ...,
     "armt_working_rss_mb": ..., "rmt_working_rss_mb": ..., "state_numel": ...}

``ratio`` = ARMT tokens/s / RMT tokens/s (medians over the repeats).
``*_peak_rss_mb`` is the process's peak RSS during that model's run (kernel
high-water mark reset at its start, ``rmt_bench.profiling.MemoryWatch``); the
``*_working_rss_mb`` subtracts the RSS just before the run (model and input ids
already resident), which is what should stay flat in the segment count. A final
``armt_summary`` line gives the median ratio and the spread of ARMT's peak and
working RSS across the segment counts. The default full run (``--segments``
16,64,256,1024,4096; the last is 2,043,904 tokens for MiniLM) streams about
2 x 5,456 segments per repeat: hours on a laptop CPU; set ``--segments`` to fit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from rmt_bench.profiling import MemoryWatch, current_rss_mb, emit_json_line

FULL_SEGMENTS = "16,64,256,1024,4096"
QUICK_SEGMENTS = "16,64"


def _models(backbone: str, memory_tokens: int, key_size: int, nu: int):
    from rmt_bench.backbones import load_backbone
    from rmt_bench.rmt import RMT, RMTConfig
    from rmt_bench.rmt.armt import ARMT, ARMTConfig

    options = dict(backbone=backbone, memory_tokens=memory_tokens)
    rmt = RMT(RMTConfig(**options), backbone=load_backbone(backbone)).eval()
    armt = ARMT(
        ARMTConfig(**options, key_size=key_size, nu=nu), backbone=load_backbone(backbone)
    ).eval()
    return rmt, armt


def _worker(args: argparse.Namespace) -> None:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    rmt, armt = _models(args.backbone, args.memory_tokens, args.key_size, args.nu)
    size = rmt.segment_size
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 29000, (args.worker * size,), generator=generator)
    warm = ids[: 2 * size]
    rmt.stream_logits([warm])
    armt.stream_logits([warm])
    seconds: dict[str, list[float]] = {"rmt": [], "armt": []}
    peak: dict[str, float] = {"rmt": 0.0, "armt": 0.0}
    working: dict[str, float] = {"rmt": 0.0, "armt": 0.0}
    for _ in range(args.repeats):
        for name, model in (("rmt", rmt), ("armt", armt)):
            before = current_rss_mb()
            with MemoryWatch() as watch:
                model.stream_logits([ids])
            seconds[name].append(watch.seconds)
            peak[name] = max(peak[name], watch.peak_rss_mb)
            working[name] = max(working[name], watch.peak_rss_mb - before)
    rate = {name: ids.numel() / statistics.median(values) for name, values in seconds.items()}
    emit_json_line(
        {
            "bench": "armt_eval",
            "backbone": args.backbone,
            "segments": args.worker,
            "segment_size": size,
            "tokens": int(ids.numel()),
            "memory_tokens": args.memory_tokens,
            "key_size": args.key_size,
            "nu": args.nu,
            "repeats": args.repeats,
            "threads": torch.get_num_threads(),
            "rmt_tokens_per_s": round(rate["rmt"], 1),
            "armt_tokens_per_s": round(rate["armt"], 1),
            "ratio": round(rate["armt"] / rate["rmt"], 4),
            "rmt_peak_rss_mb": round(peak["rmt"], 1),
            "armt_peak_rss_mb": round(peak["armt"], 1),
            "rmt_working_rss_mb": round(working["rmt"], 1),
            "armt_working_rss_mb": round(working["armt"], 1),
            "state_numel": armt.state_numel,
        }
    )


def _spread_pct(values: list[float]) -> float:
    return round(100.0 * (max(values) - min(values)) / max(values), 2) if values else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"segments {QUICK_SEGMENTS}, 2 repeats"
    )
    parser.add_argument("--segments", help=f"comma-separated counts (default {FULL_SEGMENTS})")
    parser.add_argument("--backbone", default="minilm")
    parser.add_argument("--memory-tokens", type=int, default=10)
    parser.add_argument("--key-size", type=int, default=32)
    parser.add_argument("--nu", type=int, default=3)
    parser.add_argument("--repeats", type=int, help="timed runs per model (default 3; quick 2)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.worker is not None:
        _worker(args)
        return
    text = args.segments or (QUICK_SEGMENTS if args.quick else FULL_SEGMENTS)
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--segments must be integers like 16,64; got {text!r}")
    if not counts or min(counts) < 1 or args.repeats < 1:
        parser.error("--segments and --repeats must be positive")
    rows = []
    for count in counts:
        command = [sys.executable, os.path.abspath(__file__), "--worker", str(count)]
        for flag in ("backbone", "memory_tokens", "key_size", "nu", "repeats", "threads"):
            command += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-2000:])
            raise SystemExit(f"worker for {count} segments failed ({done.returncode})")
        line = done.stdout.strip().splitlines()[-1]
        rows.append(json.loads(line))
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    emit_json_line(
        {
            "bench": "armt_summary",
            "segments": counts,
            "ratio_median": round(statistics.median(r["ratio"] for r in rows), 4),
            "armt_peak_rss_spread_pct": _spread_pct([r["armt_peak_rss_mb"] for r in rows]),
            "armt_working_rss_mb_max": max(r["armt_working_rss_mb"] for r in rows),
            "rmt_working_rss_mb_max": max(r["rmt_working_rss_mb"] for r in rows),
        }
    )


if __name__ == "__main__":
    main()
