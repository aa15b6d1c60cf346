"""RMT forward throughput and peak RSS against the plain backbone, up to 2M tokens, fp32 and bf16.

    python benchmarks/bench_rmt_forward.py --quick          # minutes: 16/64 segments, 256 streamed
    python benchmarks/bench_rmt_forward.py                  # 16/64/256/1024 x batch 1,4; 4096 streamed
    python benchmarks/bench_rmt_forward.py --segments 16,256 --batches 2 --threads 2
    python benchmarks/bench_rmt_forward.py --precisions fp32     # fp32 only (default fp32,bf16)
    python benchmarks/bench_rmt_forward.py --backbone smollm2 --segment-size 32 --segments 16,64 \
        --batches 1 --stream-segments 1024 --threads 2     # SmolLM2-135M, decoder layout

Every configuration runs in its own subprocess (same start-up, so peak RSS is
comparable between rows). In that process the RMT (m = 10 by default, segments of
as many task tokens as fit, 499 for MiniLM, or ``--segment-size``; streaming under
``torch.inference_mode``) first runs alone (peak RSS, ``rmt_alone_tokens_per_s``),
then ``--repeats`` times with a plain backbone forward over as many positions as
one RMT segment step (``[CLS] ... [SEP]`` for encoders, plain tokens for decoders
such as ``smollm2``; same batch) interleaved before every segment step (every ``segments // 64``-th step
for long runs), so both are timed under the same machine load; medians are
reported. One JSON line per measurement:

    {"bench": "rmt_forward", "segments": 64, "batch": 1, "rmt_tokens_per_s": ...,
     "plain_tokens_per_s": ..., "ratio": ..., "peak_rss_mb": ..., "working_rss_mb": ...}

``ratio`` = plain seconds per forward / RMT seconds per segment step
(same positions per forward, ``positions_per_step``; RMT tokens/s counts only the 499 task tokens).
``working_rss_mb`` = peak RSS during the RMT run minus the RSS just before it
(model and input ids already resident); ``peak_rss_minus_input_mb`` takes the
int64 input ids out of the peak (16 MiB for 4 x 1024 segments), which is what
should stay flat. The ``rmt_stream`` row streams one
long sample (4096 segments = 2,043,904 tokens) after a 16-segment run in the
same process and reports the growth of the peak between the two. A final
``rmt_forward_summary`` line gives, per batch size and precision, the spread of peak RSS
across segment counts (target: within 5 %) and the minimum ratio (target >= 0.95).

Precision: every row runs in one ``precision`` (``fp32``, or ``bf16``: autocast
over the backbone with memory state and head in fp32, as ``rmt-bench eval
--precision bf16``; the plain forwards in the same row run in the same
precision). With both precisions a ``rmt_forward_precision`` line per segment
count and batch compares the rows of the same run: ``rmt_bf16_vs_rmt_fp32``
(RMT tokens/s) and ``rmt_bf16_vs_plain_fp32`` (RMT bf16 positions/s against the
fp32 plain backbone's). Inference: no dropout on either side. bf16 is fast only
on hardware with native bf16 (AMX-BF16 / AVX512-BF16 CPUs, CUDA GPUs with bf16).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from rmt_bench.profiling import MemoryWatch, current_rss_mb, emit_json_line

MEMORY_TOKENS = 10


def _model_and_inputs(
    backbone: str, segments: int, batch: int, seed: int, memory: int, segment_size: int | None
):
    import torch

    from rmt_bench.rmt import RMT, RMTConfig

    config = RMTConfig(backbone=backbone, memory_tokens=memory, segment_size=segment_size)
    model = RMT(config).eval()
    generator = torch.Generator().manual_seed(seed)
    vocab = model.cell.backbone.get_input_embeddings().num_embeddings
    n_tokens = segments * model.segment_size
    ids = [torch.randint(1000, vocab, (n_tokens,), generator=generator) for _ in range(batch)]
    # the plain backbone's input: as many positions as one RMT segment step
    positions = _step_positions(model)
    if model.layout_kind == "encoder":  # [CLS] tokens [SEP]
        tok = model.tokenizer
        body = torch.randint(1000, vocab, (batch, positions - 2), generator=generator)
        cls = torch.full((batch, 1), tok.cls_token_id)
        sep = torch.full((batch, 1), tok.sep_token_id)
        plain_ids = torch.cat([cls, body, sep], dim=1)
    else:  # decoders: plain tokens
        plain_ids = torch.randint(1000, vocab, (batch, positions), generator=generator)
    return model, ids, plain_ids


def _step_positions(model) -> int:
    """Positions of one full RMT segment step: segment + the layout's memory/special tokens."""
    return model.segment_size + model.cell.layout.special_tokens


def _input_mb(ids) -> float:
    """MiB held by the input ids themselves (int64): they grow with the sample, by design."""
    return sum(x.numel() * x.element_size() for x in ids) / 2**20


def _interleaved(model, ids, plain_ids, every: int = 1, precision: str = "fp32"):
    """One streamed RMT run with a plain backbone forward before every ``every``-th step.

    Returns (RMT seconds per segment step, plain seconds per forward): the plain
    forwards are timed inside a forward pre-hook on the memory cell and taken out
    of the RMT wall time, so both see the same machine load along the whole run.
    Both run in ``precision``.
    """
    from rmt_bench.precision import autocast

    plain_total = 0.0
    plain_count = 0
    step = 0

    def plain_forward(module, args) -> None:
        nonlocal plain_total, plain_count, step
        step += 1
        if (step - 1) % every:
            return
        start = time.perf_counter()
        model.cell.backbone(input_ids=plain_ids)
        plain_total += time.perf_counter() - start
        plain_count += 1

    handle = model.cell.register_forward_pre_hook(plain_forward)
    try:
        start = time.perf_counter()
        with autocast(precision, "cpu"):
            model.stream_logits(ids)
        wall = time.perf_counter() - start
    finally:
        handle.remove()
    steps = model.num_segments(int(ids[0].numel()))
    return (wall - plain_total) / steps, plain_total / plain_count


def worker(spec: dict) -> dict:
    """Measure one configuration in this process; return the JSON row."""
    import torch

    from rmt_bench.precision import autocast

    torch.set_num_threads(spec["threads"])
    segments, batch, repeats = spec["segments"], spec["batch"], spec["repeats"]
    precision = spec.get("precision", "fp32")
    model, ids, plain_ids = _model_and_inputs(
        spec["backbone"], segments, batch, spec["seed"], spec["memory"], spec["segment_size"]
    )
    seg = model.segment_size
    # warm-up: a 2-segment RMT run with plain forwards interleaved
    _interleaved(model, [x[: 2 * seg] for x in ids], plain_ids, precision=precision)
    # peak RSS and clean throughput: the RMT alone
    before = current_rss_mb()
    with MemoryWatch() as watch, autocast(precision, "cpu"):
        model.stream_logits(ids)
    rmt_step, plain_step, ratios = [], [], []
    every = max(1, segments // 64)  # at most ~64 plain forwards per run
    for _ in range(repeats):
        rmt_s, plain_s = _interleaved(model, ids, plain_ids, every, precision)
        rmt_step.append(rmt_s)
        plain_step.append(plain_s)
        ratios.append(plain_s / rmt_s)
    rmt_s, plain_s = statistics.median(rmt_step), statistics.median(plain_step)
    return {
        "bench": "rmt_forward",
        "backbone": spec["backbone"],
        "precision": precision,
        "dropout": 0.0,  # inference on both sides
        "segments": segments,
        "batch": batch,
        "segment_size": seg,
        "memory_tokens": spec["memory"],
        "positions_per_step": _step_positions(model),
        "tokens": segments * seg * batch,
        "threads": spec["threads"],
        "repeats": repeats,
        "rmt_seconds_per_segment": rmt_s,
        "plain_seconds_per_forward": plain_s,
        "rmt_tokens_per_s": batch * seg / rmt_s,
        "rmt_positions_per_s": batch * _step_positions(model) / rmt_s,
        "plain_tokens_per_s": batch * _step_positions(model) / plain_s,
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "rmt_alone_tokens_per_s": segments * seg * batch / watch.seconds,
        "peak_rss_mb": watch.peak_rss_mb,
        "input_ids_mb": _input_mb(ids),
        "peak_rss_minus_input_mb": watch.peak_rss_mb - _input_mb(ids),
        "working_rss_mb": watch.peak_rss_mb - before,
    }


def stream_worker(spec: dict) -> dict:
    """A 16-segment run, then one long sample streamed, in the same process: growth of the peak."""
    import torch

    from rmt_bench.precision import autocast

    torch.set_num_threads(spec["threads"])
    precision = spec.get("precision", "fp32")
    model, ids, _ = _model_and_inputs(
        spec["backbone"], spec["segments"], 1, spec["seed"], spec["memory"], spec["segment_size"]
    )
    seg = model.segment_size
    with autocast(precision, "cpu"):
        model.stream_logits([ids[0][: 2 * seg]])  # warm-up
        with MemoryWatch() as short:
            model.stream_logits([ids[0][: 16 * seg]])
        with MemoryWatch() as long:
            model.stream_logits(ids)
    return {
        "bench": "rmt_stream",
        "backbone": spec["backbone"],
        "precision": precision,
        "segments": spec["segments"],
        "segment_size": seg,
        "memory_tokens": spec["memory"],
        "tokens": spec["segments"] * seg,
        "threads": spec["threads"],
        "peak_rss_16_segments_mb": short.peak_rss_mb,
        "peak_rss_mb": long.peak_rss_mb,
        "input_ids_mb": _input_mb(ids),
        "growth_mb": long.peak_rss_mb - short.peak_rss_mb,
        "growth_fraction": (long.peak_rss_mb - short.peak_rss_mb) / short.peak_rss_mb,
        "rmt_tokens_per_s": spec["segments"] * seg / long.seconds,
        "seconds": long.seconds,
    }


def _run_subprocess(kind: str, spec: dict) -> dict:
    command = [sys.executable, __file__, f"--{kind}", json.dumps(spec)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} {spec} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="16/64 segments, batch 1, 256 streamed"
    )
    parser.add_argument("--backbone", default="minilm", help="e.g. minilm, smollm2, tiny-gpt2")
    parser.add_argument("--memory-tokens", type=int, default=MEMORY_TOKENS)
    parser.add_argument(
        "--segment-size", type=int, default=None, help="task tokens per segment (default: all fit)"
    )
    parser.add_argument("--segments", default=None, help="comma list (default 16,64,256,1024)")
    parser.add_argument("--batches", default=None, help="comma list (default 1,4)")
    parser.add_argument("--stream-segments", type=int, default=None, help="default 4096; 0 = skip")
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (quick: 2)")
    parser.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precisions", default="fp32,bf16", help="comma list (default both)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--stream-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        emit_json_line(worker(json.loads(args.worker)))
        return
    if args.stream_worker:
        emit_json_line(stream_worker(json.loads(args.stream_worker)))
        return

    segments = [
        int(s) for s in (args.segments or ("16,64" if args.quick else "16,64,256,1024")).split(",")
    ]
    batches = [int(b) for b in (args.batches or ("1" if args.quick else "1,4")).split(",")]
    stream = (
        args.stream_segments if args.stream_segments is not None else (256 if args.quick else 4096)
    )
    repeats = args.repeats or (2 if args.quick else 3)
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    if not precisions or any(p not in ("fp32", "bf16") for p in precisions):
        parser.error("--precisions takes fp32 and/or bf16")
    rows = []
    for batch in batches:
        for count in segments:
            for precision in precisions:
                spec = dict(
                    backbone=args.backbone,
                    segments=count,
                    batch=batch,
                    repeats=repeats if count <= 256 else 1,
                    threads=args.threads,
                    seed=args.seed,
                    precision=precision,
                    memory=args.memory_tokens,
                    segment_size=args.segment_size,
                )
                row = _run_subprocess("worker", spec)
                rows.append(row)
                emit_json_line(row)
            _precision_line(rows, count, batch)
    if stream:
        for precision in precisions:
            spec = dict(
                backbone=args.backbone,
                segments=stream,
                threads=args.threads,
                seed=args.seed,
                precision=precision,
                memory=args.memory_tokens,
                segment_size=args.segment_size,
            )
            emit_json_line(_run_subprocess("stream-worker", spec))
    for batch in batches:
        for precision in precisions:
            mine = [r for r in rows if r["batch"] == batch and r["precision"] == precision]
            peaks = [row["peak_rss_mb"] for row in mine]
            model_peaks = [row.get("peak_rss_minus_input_mb", row["peak_rss_mb"]) for row in mine]
            emit_json_line(
                {
                    "bench": "rmt_forward_summary",
                    "batch": batch,
                    "precision": precision,
                    "segments": [row["segments"] for row in mine],
                    "peak_rss_spread": max(peaks) / min(peaks) - 1.0,
                    "peak_rss_minus_input_spread": max(model_peaks) / min(model_peaks) - 1.0,
                    "min_ratio": min(row["ratio"] for row in mine),
                    "median_ratio": statistics.median(row["ratio"] for row in mine),
                }
            )


def _precision_line(rows: list[dict], segments: int, batch: int) -> None:
    """bf16 against fp32 at one segment count and batch, from rows of this run."""
    found = {r["precision"]: r for r in rows if r["segments"] == segments and r["batch"] == batch}
    if "fp32" not in found or "bf16" not in found:
        return
    bf16, fp32 = found["bf16"], found["fp32"]
    emit_json_line(
        {
            "bench": "rmt_forward_precision",
            "segments": segments,
            "batch": batch,
            "dropout": 0.0,
            "rmt_bf16_vs_rmt_fp32": bf16["rmt_tokens_per_s"] / fp32["rmt_tokens_per_s"],
            "rmt_bf16_vs_plain_fp32": bf16["rmt_positions_per_s"] / fp32["plain_tokens_per_s"],
            "rmt_bf16_vs_plain_bf16": bf16["ratio"],
            "peak_rss_bf16_vs_fp32": bf16["peak_rss_mb"] / fp32["peak_rss_mb"],
        }
    )


if __name__ == "__main__":
    main()
