"""Train-step throughput and peak RSS of RMT training (MiniLM, 499-token segments), fp32 and bf16.

    python benchmarks/bench_train.py            # batch 8 at 2, 4, 8 segments, fp32 and bf16,
                                                # +/- recompute, the plain backbone's own step
                                                # (+ MiniLM's own attention dropout at 2, 4)
    python benchmarks/bench_train.py --quick    # batch 2 at 2 segments, fp32 and bf16 (minutes)
    python benchmarks/bench_train.py --segments 4 --batch-size 8 --repeats 5 --threads 2
    python benchmarks/bench_train.py --precisions fp32 --hidden-dropout 0
    python benchmarks/bench_train.py --precisions bf16 --segments 8 16 32 --bptt-depth 8 \
        --batch-size 16 --repeats 2 --no-recompute --hidden-dropout 0   # truncated BPTT

One JSON line per configuration (``emit_json_line``): ``tokens_per_s`` is the
median over ``--repeats`` timed optimizer steps (after one warm-up step) of
``batch x segments x 499`` task tokens / step seconds; ``positions_per_s``
counts all 512 positions of every segment; ``peak_rss_mb`` is the peak
resident memory of the timed steps. A step is what the trainer does: forward
over all segments with full BPTT (``--bptt-depth k``: through the last k, the
segments before them run without an autograd graph, so peak memory stays flat
as segments are added before the window), backward, gradient value clipping (5), AdamW
step. Each configuration runs in its own child process so one configuration's
freed-but-retained memory never inflates the next one's peak. Every row states
its ``precision`` (``bf16``: autocast over the backbone, memory state and head
in fp32, as ``rmt-bench train --precision bf16``) and the ``attention_dropout``
and ``hidden_dropout`` the backbone actually ran with.

Comparisons, all measured in the same run, each naming both sides (precision
and dropout): ``train_step_bf16_vs_fp32`` (RMT against RMT, per segment count),
``train_step_rmt_vs_plain`` (RMT positions/s against the plain backbone's own
train step: MiniLM + the same head on one 512-position ``[CLS] ... [SEP]``
input per sample, same batch, dropout, optimizer and clipping), with the plain
side in fp32 and in the RMT's precision; ``train_step_recompute_vs_plain``;
and ``attention_dropout_0_vs_backbone``.

Attention dropout: the main rows train with attention-probability dropout 0 (hidden
dropout stays at MiniLM's 0.1 unless ``--hidden-dropout``), because torch's fused CPU
attention kernel has no dropout; with MiniLM's own attention dropout (0.1) every step
falls back to the math kernel. ``--backbone-dropout-segments`` (default 2 4; none with
``--quick``) also measures that case. bf16 is fast only on hardware with native bf16
(CPUs with AMX-BF16 / AVX512-BF16, CUDA GPUs with bf16); elsewhere it is emulated.
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

POSITIONS = 512  # MiniLM's positions: a segment step and a plain step both fill them


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
    precision: str = "fp32"  # fp32 | bf16 (autocast over the backbone)
    plain: bool = False  # the plain backbone's own step on one 512-position input per sample
    bptt_depth: int | None = None  # None: full BPTT


def _one(setting: Setting) -> dict:
    """Measure one configuration in this process."""
    import torch

    from rmt_bench.backbones import attention_dropout_of
    from rmt_bench.precision import autocast
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
            bptt_depth=setting.bptt_depth,
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
    tok = model.tokenizer
    plain_ids = torch.cat(  # [CLS] 510 tokens [SEP]: the plain backbone's input
        [
            torch.full((batch, 1), tok.cls_token_id),
            torch.randint(1000, vocab, (batch, POSITIONS - 2), generator=generator),
            torch.full((batch, 1), tok.sep_token_id),
        ],
        dim=1,
    )

    def loss_of() -> torch.Tensor:
        with autocast(setting.precision, "cpu"):
            if not setting.plain:
                return model(input_ids=ids, labels=labels).loss
            hidden = model.cell.backbone(input_ids=plain_ids).last_hidden_state
            logits = model.head(hidden[:, 0])  # the same head, on [CLS]
            return torch.nn.functional.cross_entropy(logits, labels)

    def step() -> float:
        start = time.perf_counter()
        loss = loss_of()
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
    positions = batch * POSITIONS * (1 if setting.plain else setting.segments)
    return {
        "benchmark": "train_step_plain_backbone" if setting.plain else "train_step",
        "backbone": "minilm",
        "segment_size": 499,
        "memory_tokens": 10,
        **asdict(setting),
        # the rates the backbone actually runs with (MiniLM's own where not overridden)
        "attention_dropout": attention_dropout_of(backbone_config),
        "hidden_dropout": backbone_config.hidden_dropout_prob,
        "step_seconds_median": round(median, 3),
        "step_seconds": [round(s, 3) for s in seconds],
        "tokens_per_s": round(batch * (POSITIONS if setting.plain else length) / median, 1),
        "positions_per_s": round(positions / median, 1),
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


def _side(row: dict) -> dict:
    """What one side of a comparison ran with: kind, precision, dropout."""
    keys = (
        "benchmark",
        "precision",
        "attention_dropout",
        "hidden_dropout",
        "recompute_segments",
        "bptt_depth",
    )
    return {key: row.get(key) for key in keys}


def _ratio_line(benchmark: str, faster: dict, slower: dict, **fields: Any) -> None:
    """Throughput and peak-RSS ratios of two rows measured in this run (if both ran)."""
    if "positions_per_s" in faster and "positions_per_s" in slower:
        emit_json_line(
            {
                "benchmark": benchmark,
                **fields,
                "a": _side(faster),
                "b": _side(slower),
                "throughput_ratio": round(faster["positions_per_s"] / slower["positions_per_s"], 3),
                "peak_rss_ratio": round(faster["peak_rss_mb"] / slower["peak_rss_mb"], 3),
            }
        )


def _measured(setting: Setting) -> dict:
    row = _child(setting)
    emit_json_line(row)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="batch 2, 2 segments, 2 repeats")
    parser.add_argument("--segments", type=int, nargs="*", help="default 2 4 8")
    parser.add_argument("--batch-size", type=int, default=None, help="default 8")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps (default 3)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precisions", default="fp32,bf16", help="comma list (default both)")
    parser.add_argument(
        "--recompute",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also measure segment recompute (default: yes, no with --quick)",
    )
    parser.add_argument(
        "--backbone-dropout-segments",
        type=int,
        nargs="*",
        help="of --segments, those also measured with MiniLM's own attention dropout (default 2 4)",
    )
    parser.add_argument(
        "--hidden-dropout", type=float, help="override MiniLM's hidden dropout (default: keep 0.1)"
    )
    parser.add_argument("--bptt-depth", type=int, help="truncated BPTT (default: full)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a Setting as JSON
    args = parser.parse_args()

    if args.child:
        emit_json_line(_one(Setting(**json.loads(args.child))))
        return
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    if not precisions or any(p not in ("fp32", "bf16") for p in precisions):
        parser.error("--precisions takes fp32 and/or bf16")
    batch = args.batch_size or (2 if args.quick else 8)
    repeats = args.repeats or (2 if args.quick else 3)
    recompute = args.recompute if args.recompute is not None else not args.quick
    backbone_dropout = args.backbone_dropout_segments
    if backbone_dropout is None:
        backbone_dropout = [] if args.quick else [2, 4]
    base = Setting(
        1,
        batch,
        repeats,
        args.threads,
        hidden_dropout=args.hidden_dropout,
        bptt_depth=args.bptt_depth,
    )
    plain = {
        p: _measured(replace(base, attention_dropout=0.0, precision=p, plain=True))
        for p in precisions
    }
    for n in args.segments or ([2] if args.quick else [2, 4, 8]):
        rows = {}
        for p in precisions:
            setting = replace(base, segments=n, attention_dropout=0.0, precision=p)
            rows[p] = _measured(setting)
            for side in dict.fromkeys(("fp32", p)):
                if side in plain:
                    _ratio_line(
                        "train_step_rmt_vs_plain",
                        rows[p],
                        plain[side],
                        segments=n,
                        batch_size=batch,
                    )
            if recompute:
                slow = _measured(replace(setting, recompute_segments=True))
                _ratio_line(
                    "train_step_recompute_vs_plain", slow, rows[p], segments=n, batch_size=batch
                )
        if "fp32" in rows and "bf16" in rows:
            _ratio_line(
                "train_step_bf16_vs_fp32", rows["bf16"], rows["fp32"], segments=n, batch_size=batch
            )
        for p in precisions if n in backbone_dropout else ():
            own = _measured(replace(base, segments=n, precision=p))
            _ratio_line(
                "attention_dropout_0_vs_backbone", rows[p], own, segments=n, batch_size=batch
            )


if __name__ == "__main__":
    main()
