"""Train-step throughput and peak RSS of RMT training (MiniLM, 499-token segments).

    python benchmarks/bench_train.py            # batch 8 at 2, 4, 8 segments, +/- recompute
                                                # (+ MiniLM's own attention dropout at 2, 4)
    python benchmarks/bench_train.py --quick    # batch 2 at 2 segments, +/- recompute (minutes)
    python benchmarks/bench_train.py --segments 4 --batch-size 8 --repeats 5 --threads 2

One JSON line per configuration (``emit_json_line``): ``tokens_per_s`` is the
median over ``--repeats`` timed optimizer steps (after one warm-up step) of
``batch x segments x 499`` task tokens / step seconds; ``peak_rss_mb`` is the
peak resident memory of the timed steps. A step is what the trainer does:
forward over all segments with full BPTT, backward, gradient value clipping
(5), AdamW step. Each configuration runs in its own child process so one
configuration's freed-but-retained memory never inflates the next one's peak.
A last line per segment count gives ``recompute_vs_plain`` ratios (throughput and
peak memory) measured in the same run.

Attention dropout: the main rows train with attention-probability dropout 0 (hidden
dropout stays at MiniLM's 0.1), because torch's fused CPU attention kernel has no
dropout; with MiniLM's own attention dropout (0.1) every step falls back to the math
kernel. ``--backbone-dropout-segments`` (default 2 4) also measures that case, and a
``attention_dropout_0_vs_backbone`` line gives the ratios. Reference (the issue): the authors'
encoder reaches about 717 tokens/s at 4 segments with 11.4 GB, and does not fit
8 segments x batch 8 in 24 GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

AUTHORS_TOKENS_PER_S_4SEG = 717.0


def _one(
    segments: int,
    batch: int,
    recompute: bool,
    repeats: int,
    threads: int,
    attention_dropout: float | None,
    hidden_dropout: float | None = None,
) -> dict:
    """Measure one configuration in this process."""
    import torch

    from rmt_bench.backbones import attention_dropout_of
    from rmt_bench.profiling import MemoryWatch
    from rmt_bench.rmt import RMT, RMTConfig
    from rmt_bench.train.config import TrainConfig
    from rmt_bench.train.optim import build_optimizer, clip_gradients

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = RMT(
        RMTConfig(
            backbone="minilm",
            memory_tokens=10,
            segment_size=499,
            recompute_segments=recompute,
            attention_dropout=attention_dropout,
            hidden_dropout=hidden_dropout,
        )
    )
    model.train()
    cfg = TrainConfig(task="detect_memorize", lr=1e-5, grad_clip=5.0, grad_clip_mode="value")
    optimizer, scheduler = build_optimizer(model, cfg, total_steps=repeats + 1)
    length = segments * 499
    vocab = model.cell.backbone.get_input_embeddings().num_embeddings
    generator = torch.Generator().manual_seed(1)
    ids = [torch.randint(1000, vocab, (length,), generator=generator) for _ in range(batch)]
    labels = torch.randint(0, len(model.labels), (batch,), generator=generator)

    def step() -> float:
        start = time.perf_counter()
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        clip_gradients(model.parameters(), cfg)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    step()  # warm-up: allocator, optimizer state
    with MemoryWatch() as watch:
        seconds = [step() for _ in range(repeats)]
    median = statistics.median(seconds)
    return {
        "benchmark": "train_step",
        "backbone": "minilm",
        "segment_size": 499,
        "memory_tokens": 10,
        "segments": segments,
        "batch_size": batch,
        "recompute_segments": recompute,
        "attention_dropout": attention_dropout_of(model.cell.backbone.config),
        "hidden_dropout": model.cell.backbone.config.hidden_dropout_prob,
        "threads": threads,
        "repeats": repeats,
        "step_seconds_median": round(median, 3),
        "step_seconds": [round(s, 3) for s in seconds],
        "tokens_per_s": round(batch * length / median, 1),
        "peak_rss_mb": round(watch.peak_rss_mb, 1),
    }


def _child(
    segments: int,
    batch: int,
    recompute: bool,
    repeats: int,
    threads: int,
    attention_dropout: float | None,
    hidden_dropout: float | None = None,
) -> dict:
    argv = [
        sys.executable, __file__, "--child", "--segments", str(segments),
        "--batch-size", str(batch), "--repeats", str(repeats), "--threads", str(threads),
    ]  # fmt: skip
    if recompute:
        argv.append("--recompute")
    if attention_dropout is not None:
        argv += ["--attention-dropout", str(attention_dropout)]
    if hidden_dropout is not None:
        argv += ["--hidden-dropout", str(hidden_dropout)]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        out_of_memory = "out of memory" in done.stderr.lower() or done.returncode in (-9, 137)
        return {
            "benchmark": "train_step",
            "segments": segments,
            "batch_size": batch,
            "recompute_segments": recompute,
            "attention_dropout": attention_dropout,
            "error": "oom" if out_of_memory else tail[0],
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="batch 2, 2 segments, 2 repeats")
    parser.add_argument("--segments", type=int, nargs="*", help="default 2 4 8")
    parser.add_argument("--batch-size", type=int, default=None, help="default 8")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps (default 3)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--backbone-dropout-segments",
        type=int,
        nargs="*",
        help="segment counts also measured with MiniLM's own attention dropout (default 2 4)",
    )
    parser.add_argument("--recompute", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--attention-dropout", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--hidden-dropout", type=float, help="override MiniLM's hidden dropout (default: keep 0.1)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from rmt_bench.profiling import emit_json_line

    if args.child:
        result = _one(
            args.segments[0],
            args.batch_size,
            args.recompute,
            args.repeats,
            args.threads,
            args.attention_dropout,
            args.hidden_dropout,
        )
        emit_json_line(result)
        return
    segments = args.segments or ([2] if args.quick else [2, 4, 8])
    batch = args.batch_size or (2 if args.quick else 8)
    repeats = args.repeats or (2 if args.quick else 3)
    backbone_dropout = args.backbone_dropout_segments
    if backbone_dropout is None:
        backbone_dropout = [2] if args.quick else [2, 4]
    fast: dict[int, dict] = {}
    for n in segments:
        fast[n] = _measure_pair(n, batch, repeats, args.threads, 0.0, args.hidden_dropout)
    for n in backbone_dropout:
        slow = _measure_pair(n, batch, repeats, args.threads, None, args.hidden_dropout)
        if n in fast and "tokens_per_s" in fast[n] and "tokens_per_s" in slow:
            emit_json_line(
                {
                    "benchmark": "attention_dropout_0_vs_backbone",
                    "segments": n,
                    "batch_size": batch,
                    "recompute_segments": False,
                    "throughput_ratio": round(fast[n]["tokens_per_s"] / slow["tokens_per_s"], 3),
                    "peak_rss_ratio": round(fast[n]["peak_rss_mb"] / slow["peak_rss_mb"], 3),
                }
            )


def _measure_pair(
    n: int,
    batch: int,
    repeats: int,
    threads: int,
    attention_dropout: float | None,
    hidden_dropout: float | None,
) -> dict:
    """Rows without and with recompute, then their ratios; returns the plain row."""
    from rmt_bench.profiling import emit_json_line

    rows = {}
    for recompute in (False, True):
        row = _child(n, batch, recompute, repeats, threads, attention_dropout, hidden_dropout)
        if n == 4 and "tokens_per_s" in row:
            row["vs_authors_717_tokens_per_s"] = round(
                row["tokens_per_s"] / AUTHORS_TOKENS_PER_S_4SEG, 2
            )
        emit_json_line(row)
        rows[recompute] = row
    plain, recompute_row = rows[False], rows[True]
    if "tokens_per_s" in plain and "tokens_per_s" in recompute_row:
        emit_json_line(
            {
                "benchmark": "train_step_recompute_vs_plain",
                "segments": n,
                "batch_size": batch,
                "attention_dropout": plain.get("attention_dropout"),
                "throughput_ratio": round(recompute_row["tokens_per_s"] / plain["tokens_per_s"], 3),
                "peak_rss_ratio": round(recompute_row["peak_rss_mb"] / plain["peak_rss_mb"], 3),
            }
        )
    return plain


if __name__ == "__main__":
    main()
