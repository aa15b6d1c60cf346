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
from dataclasses import asdict, dataclass, replace
from typing import Any

from rmt_bench.profiling import emit_json_line

AUTHORS_TOKENS_PER_S_4SEG = 717.0


@dataclass(frozen=True)
class Setting:
    """One measured configuration (sent to the child process as JSON)."""

    segments: int
    batch_size: int
    repeats: int
    threads: int
    recompute_segments: bool = False
    attention_dropout: float | None = None  # None: MiniLM's own (0.1)
    hidden_dropout: float | None = None  # None: MiniLM's own (0.1)


def _one(setting: Setting) -> dict:
    """Measure one configuration in this process."""
    import torch

    from rmt_bench.backbones import attention_dropout_of
    from rmt_bench.profiling import MemoryWatch
    from rmt_bench.rmt import RMT, RMTConfig
    from rmt_bench.train.config import TrainConfig
    from rmt_bench.train.optim import build_optimizer, clip_gradients

    torch.set_num_threads(setting.threads)
    torch.manual_seed(0)
    model = RMT(
        RMTConfig(
            backbone="minilm",
            memory_tokens=10,
            segment_size=499,
            recompute_segments=setting.recompute_segments,
            attention_dropout=setting.attention_dropout,
            hidden_dropout=setting.hidden_dropout,
        )
    )
    model.train()
    cfg = TrainConfig(task="detect_memorize", lr=1e-5, grad_clip=5.0, grad_clip_mode="value")
    optimizer, scheduler = build_optimizer(model, cfg, total_steps=setting.repeats + 1)
    length = setting.segments * 499
    vocab = model.cell.backbone.get_input_embeddings().num_embeddings
    generator = torch.Generator().manual_seed(1)
    batch = setting.batch_size
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
        seconds = [step() for _ in range(setting.repeats)]
    median = statistics.median(seconds)
    backbone_config = model.cell.backbone.config
    return {
        "benchmark": "train_step",
        "backbone": "minilm",
        "segment_size": 499,
        "memory_tokens": 10,
        **asdict(setting),
        # the rates the backbone actually runs with (MiniLM's own where not overridden)
        "attention_dropout": attention_dropout_of(backbone_config),
        "hidden_dropout": backbone_config.hidden_dropout_prob,
        "step_seconds_median": round(median, 3),
        "step_seconds": [round(s, 3) for s in seconds],
        "tokens_per_s": round(batch * length / median, 1),
        "peak_rss_mb": round(watch.peak_rss_mb, 1),
    }


def _child(setting: Setting) -> dict:
    """Measure ``setting`` in a fresh process (an OOM kill becomes an ``error`` row)."""
    argv = [sys.executable, __file__, "--child", json.dumps(asdict(setting))]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        out_of_memory = "out of memory" in done.stderr.lower() or done.returncode in (-9, 137)
        return {
            "benchmark": "train_step",
            **asdict(setting),
            "error": "oom" if out_of_memory else tail[0],
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ratio_line(benchmark: str, faster: dict, slower: dict, **fields: Any) -> None:
    """Throughput and peak-RSS ratios of two rows measured in this run (if both ran)."""
    if "tokens_per_s" in faster and "tokens_per_s" in slower:
        emit_json_line(
            {
                "benchmark": benchmark,
                **fields,
                "throughput_ratio": round(faster["tokens_per_s"] / slower["tokens_per_s"], 3),
                "peak_rss_ratio": round(faster["peak_rss_mb"] / slower["peak_rss_mb"], 3),
            }
        )


def _measure_pair(base: Setting) -> dict:
    """Rows without and with recompute, then their ratios; returns the plain row."""
    rows = {}
    for recompute in (False, True):
        row = _child(replace(base, recompute_segments=recompute))
        if base.segments == 4 and "tokens_per_s" in row:
            row["vs_authors_717_tokens_per_s"] = round(
                row["tokens_per_s"] / AUTHORS_TOKENS_PER_S_4SEG, 2
            )
        emit_json_line(row)
        rows[recompute] = row
    _ratio_line(
        "train_step_recompute_vs_plain",
        rows[True],
        rows[False],
        segments=base.segments,
        batch_size=base.batch_size,
        attention_dropout=rows[False].get("attention_dropout"),
    )
    return rows[False]


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
    parser.add_argument(
        "--hidden-dropout", type=float, help="override MiniLM's hidden dropout (default: keep 0.1)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a Setting as JSON
    args = parser.parse_args()

    if args.child:
        emit_json_line(_one(Setting(**json.loads(args.child))))
        return
    batch = args.batch_size or (2 if args.quick else 8)
    repeats = args.repeats or (2 if args.quick else 3)
    backbone_dropout = args.backbone_dropout_segments
    if backbone_dropout is None:
        backbone_dropout = [2] if args.quick else [2, 4]
    fast: dict[int, dict] = {}
    for n in args.segments or ([2] if args.quick else [2, 4, 8]):
        base = Setting(n, batch, repeats, args.threads, hidden_dropout=args.hidden_dropout)
        fast[n] = _measure_pair(replace(base, attention_dropout=0.0))
    for n in backbone_dropout:
        slow = _measure_pair(
            Setting(n, batch, repeats, args.threads, hidden_dropout=args.hidden_dropout)
        )
        if n in fast:
            _ratio_line(
                "attention_dropout_0_vs_backbone",
                fast[n],
                slow,
                segments=n,
                batch_size=batch,
                recompute_segments=False,
            )


if __name__ == "__main__":
    main()
