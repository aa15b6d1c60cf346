"""Evaluation harness throughput and memory: RMT (linear) against full attention (quadratic).

    python benchmarks/bench_eval.py --quick     # minutes: rmt at 16k/128k, full attention to 4k
    python benchmarks/bench_eval.py             # rmt at 16k/128k/1M/2M, full attention until it
                                                # no longer fits (time/memory caps below)

Everything runs through the real harness (``rmt_bench.evaluate.evaluate``):
samples are generated on the fly, each is answered by ``model.predict`` and its
row records the seconds and peak RSS of that call (``MemoryWatch``). The model
is built in memory around the pretrained MiniLM-L6 (untrained memory and head:
throughput does not depend on the weights). Each length runs in its own
subprocess so that peak RSS is comparable between lengths.

``rmt_eval`` rows (one per length): median tokens/s and peak RSS over the
samples, and ``backbone_tokens_per_s``: the plain MiniLM on 512-token inputs
(``[CLS] 510 tokens [SEP]``) timed in the same process right before and right
after (their mean);
``ratio`` = rmt tokens/s / backbone tokens/s (an RMT forward carries 499 task
tokens in 512 positions, so 0.975 is the layout's ceiling).

``full_attention`` rows: the same backbone and head over the whole input with the
position table tiled (``--extend-positions``), lengths doubling from 512 until
the next length is predicted (quadratic extrapolation of the last time, and the
model's memory estimate) to exceed ``--fa-max-seconds`` or ``--fa-max-memory-gb``.
For the crossover plot, ``rmt_eval`` also runs at those short lengths.
A final ``eval_summary`` line gives the spreads across the long lengths
(targets: tokens/s and peak RSS within 5 %).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from rmt_bench.profiling import emit_json_line, run_worker

MEMORY_TOKENS = 10


def _backbone_tokens_per_s(model, passes: int = 5) -> float:
    """Plain backbone tokens/s on (1, 512) inputs, median of ``passes``."""
    import torch

    tok = model.tokenizer
    generator = torch.Generator().manual_seed(0)
    body = torch.randint(1000, 30000, (1, 510), generator=generator)
    ids = torch.cat(
        [torch.tensor([[tok.cls_token_id]]), body, torch.tensor([[tok.sep_token_id]])], 1
    )
    times = []
    with torch.inference_mode():
        model.cell.backbone(input_ids=ids)  # warm-up
        for _ in range(passes):
            start = time.perf_counter()
            model.cell.backbone(input_ids=ids)
            times.append(time.perf_counter() - start)
    return 512 / statistics.median(times)


def worker(spec: dict) -> dict:
    """Evaluate one (kind, length) through the harness in this process; return the JSON row."""
    import torch

    from rmt_bench.evaluate import EvalConfig, evaluate, read_rows

    torch.set_num_threads(spec["threads"])
    length, kind = spec["length"], spec["kind"]
    if kind == "rmt":
        from rmt_bench.rmt import RMT, RMTConfig

        model = RMT(RMTConfig(backbone=spec["backbone"], memory_tokens=MEMORY_TOKENS)).eval()
        backbone_tps = _backbone_tokens_per_s(model)
        model.predict([_warm_sample()])
    else:
        from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig

        model = FullAttentionClassifier(
            FullAttentionConfig(backbone=spec["backbone"]), extend_positions=max(length + 2, 512)
        ).eval()
        backbone_tps = None
        model.predict([_warm_sample()])
    with tempfile.TemporaryDirectory() as out:
        config = EvalConfig(
            model=kind, name=kind, task="detect_memorize", lengths=[length],
            num_samples=spec["samples"], out=out, progress=False, device="cpu", noise="builtin",
        )  # fmt: skip
        evaluate(config, model=model)
        rows = read_rows(next(Path(out).glob("*.jsonl")))
    if kind == "rmt":  # again after the run: the ratio uses both, the machine may drift
        backbone_tps = (backbone_tps + _backbone_tokens_per_s(model)) / 2
    answered = [row for row in rows if not row["skipped"]]
    if not answered:
        return {"bench": spec["bench"], "length": length, "skipped": rows[0]["skipped"]}
    seconds = statistics.median(row["seconds"] for row in answered)
    tps = statistics.median(row["tokens_per_s"] for row in answered)
    record = {
        "bench": spec["bench"],
        "backbone": spec["backbone"],
        "length": length,
        "samples": len(answered),
        "segments": answered[0]["segments"],
        "threads": spec["threads"],
        "seconds_per_sample": seconds,
        "tokens_per_s": tps,
        "peak_rss_mb": statistics.median(row["peak_memory_mb"] for row in answered),
        "max_peak_rss_mb": max(row["peak_memory_mb"] for row in answered),
    }
    if backbone_tps is not None:
        record["backbone_tokens_per_s"] = backbone_tps
        record["ratio"] = tps / backbone_tps
    if kind == "full-attention":
        record["estimated_memory_mb"] = model.estimate_memory_mb(length + 2)
    return record


def _warm_sample() -> dict:
    from generators.build import build_sample

    return build_sample(
        "detect_memorize", length=1024, seed=0, index=999, noise="builtin", with_ids=True
    )


def _run(spec: dict) -> dict:
    return run_worker(__file__, spec)


def _spread(values: list[float]) -> float:
    return (max(values) - min(values)) / statistics.median(values)


def main(argv: list[str] | None = None) -> None:
    from generators.lengths import parse_length

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="rmt 16k/128k; full attention to 4k")
    parser.add_argument("--backbone", default="minilm")
    parser.add_argument("--lengths", default=None, help="rmt lengths (default 16k,128k,1M,2M)")
    parser.add_argument("--samples", type=int, default=None, help="samples per length (default 3)")
    parser.add_argument("--long-samples", type=int, default=1, help="samples at >= 1M tokens")
    parser.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--fa-max-seconds", type=float, default=120.0)
    parser.add_argument("--fa-max-memory-gb", type=float, default=16.0)
    parser.add_argument("--fa-max-length", default=None, help="full attention cap (quick: 4k)")
    parser.add_argument("--skip-fa", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        emit_json_line(worker(json.loads(args.worker)))
        return

    lengths = [
        parse_length(x)
        for x in (args.lengths or ("16k,128k" if args.quick else "16k,128k,1M,2M")).split(",")
    ]
    samples = args.samples or (1 if args.quick else 3)
    fa_cap = parse_length(args.fa_max_length or ("4k" if args.quick else "2M"))
    base = dict(backbone=args.backbone, threads=args.threads)

    long_rows = []
    for length in lengths:
        count = args.long_samples if length >= 1 << 20 else samples
        row = _run(dict(base, bench="rmt_eval", kind="rmt", length=length, samples=count))
        long_rows.append(row)
        emit_json_line(row)

    if not args.skip_fa:
        length, last = 512, None
        while length <= fa_cap:
            if last is not None:
                predicted_s = last["seconds_per_sample"] * (length / last["length"]) ** 2
                predicted_gb = last.get("estimated_memory_mb", 0) * length / last["length"] / 1024
                if predicted_s > args.fa_max_seconds or predicted_gb > args.fa_max_memory_gb:
                    emit_json_line(
                        {"bench": "full_attention", "length": length, "stopped": True,
                         "predicted_seconds": predicted_s, "predicted_memory_gb": predicted_gb}
                    )  # fmt: skip
                    break
            fa = _run(
                dict(
                    base,
                    bench="full_attention",
                    kind="full-attention",
                    length=length,
                    samples=samples,
                )
            )
            emit_json_line(fa)
            rmt = _run(dict(base, bench="rmt_eval", kind="rmt", length=length, samples=samples))
            emit_json_line(rmt)
            if "seconds_per_sample" not in fa:
                break
            last = fa
            length *= 2

    tps = [row["tokens_per_s"] for row in long_rows]
    rss = [row["peak_rss_mb"] for row in long_rows]
    emit_json_line(
        {
            "bench": "eval_summary",
            "lengths": [row["length"] for row in long_rows],
            "tokens_per_s_spread": _spread(tps),
            "peak_rss_spread": _spread(rss),
            "ratio_min": min(row["ratio"] for row in long_rows),
            "ratio_max": max(row["ratio"] for row in long_rows),
        }
    )


if __name__ == "__main__":
    main()
