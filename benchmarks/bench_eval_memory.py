"""Evaluation peak RSS against sample length: rows streamed as pool views, or built whole.

    python benchmarks/bench_eval_memory.py                        # 64k, 1M, 4M tokens, batch 4
    python benchmarks/bench_eval_memory.py --lengths 64k,1M,10M --batch 8 --noise pg19:DIR

Every (mode, length) runs through the real harness (``rmt_bench.evaluate.evaluate``)
in its own subprocess, so that peak RSS is comparable between lengths. The model is
an untrained RMT around the random ``tiny-bert`` preset (m = 10, 499-token
segments): memory use outside the backbone does not depend on the weights, and a
small backbone makes the samples' own memory stand out. ``--backbone minilm``
measures the default recipe's shape instead.

Modes: ``streamed`` is what the harness does for a model that sets
``streams_token_ids`` (the RMT and ARMT): rows without text whose ids are views
of the mmapped noise pool (``generators.token_pieces.TokenPieces``).
``whole`` sets ``streams_token_ids = False`` on the model, so every row is built
with its text and joined ids, as before.

One ``eval_memory`` line per (mode, length): the harness's peak RSS during
``predict`` of the one batch (``rss_peak_mb``, ``MemoryWatch``; the batch's rows are
alive then) and the RSS after the model was built (``base_rss_mb``). The process's
``ru_maxrss`` adds nothing: ``MemoryWatch`` resets the kernel's high-water mark when
``predict`` starts. A final ``eval_memory_summary`` line per mode gives the growth
of that peak from the shortest to the longest length (target for ``streamed``:
within 5 % of the shortest length's peak); the modes run
interleaved per length, and ``eval_memory_seconds_ratio`` lines give each mode's
``evaluate`` wall time (building the samples and ``predict``) over the first
mode's at every length. (``predict_seconds`` alone favours ``whole``: a streamed
row first touches the pool's pages inside ``predict``, a whole one while it is built.)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from rmt_bench.profiling import current_rss_mb, emit_json_line, run_worker


def worker(spec: dict) -> dict:
    """Evaluate one (mode, length) through the harness in this process; return the JSON row."""
    import torch

    from rmt_bench.evaluate import EvalConfig, evaluate, read_rows
    from rmt_bench.rmt import RMT, RMTConfig

    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    model = RMT(RMTConfig(backbone=spec["backbone"], memory_tokens=10, segment_size=499)).eval()
    if spec["mode"] == "whole":
        model.streams_token_ids = False
    base = current_rss_mb()
    with tempfile.TemporaryDirectory() as out:
        config = EvalConfig(
            model="rmt", name="rmt", task="memorize", lengths=[spec["length"]],
            num_samples=spec["batch"], batch_size=spec["batch"], out=out, progress=False,
            device="cpu", noise=spec["noise"], precision="fp32",
        )  # fmt: skip
        started = time.perf_counter()
        evaluate(config, model=model)
        wall = time.perf_counter() - started
        rows = read_rows(next(Path(out).glob("*.jsonl")))
    return {
        "bench": "eval_memory",
        "mode": spec["mode"],
        "backbone": spec["backbone"],
        "noise": spec["noise"],
        "length": spec["length"],
        "batch": spec["batch"],
        "segments": rows[0]["segments"],
        "threads": spec["threads"],
        "base_rss_mb": round(base, 1),
        "predict_peak_rss_mb": max(row["rss_peak_mb"] for row in rows),
        "predict_seconds": round(sum(row["seconds"] for row in rows), 2),
        "eval_seconds": round(wall, 2),  # building the samples and predict
    }


def _run(spec: dict) -> dict:
    return run_worker(__file__, spec)


def main() -> None:
    from generators.lengths import parse_length

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="64k,1M,4M")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--modes", default="streamed,whole")
    parser.add_argument("--backbone", default="tiny-bert")
    parser.add_argument("--noise", default="builtin")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    lengths = [parse_length(x) for x in args.lengths.split(",")]
    modes = args.modes.split(",")
    records: dict[str, list[dict]] = {mode: [] for mode in modes}
    for length in lengths:  # modes interleaved per length: the machine's drift hits both
        for mode in modes:
            spec = dict(
                mode=mode, length=length, batch=args.batch, backbone=args.backbone,
                noise=args.noise, threads=args.threads,
            )  # fmt: skip
            records[mode].append(_run(spec))
            emit_json_line(records[mode][-1])
    for mode in modes:
        first, last = records[mode][0], records[mode][-1]
        emit_json_line(
            {
                "bench": "eval_memory_summary",
                "mode": mode,
                "from_length": first["length"],
                "to_length": last["length"],
                "predict_peak_growth_mb": round(
                    last["predict_peak_rss_mb"] - first["predict_peak_rss_mb"], 1
                ),
                "predict_peak_ratio": round(
                    last["predict_peak_rss_mb"] / first["predict_peak_rss_mb"], 3
                ),
            }
        )
    if len(modes) > 1:  # time per length, relative to the first mode, in the same run
        for index, length in enumerate(lengths):
            base = records[modes[0]][index]["eval_seconds"]
            emit_json_line(
                {
                    "bench": "eval_memory_seconds_ratio",
                    "length": length,
                    **{
                        f"{mode}_over_{modes[0]}": round(
                            records[mode][index]["eval_seconds"] / base, 3
                        )
                        for mode in modes[1:]
                    },
                }
            )


if __name__ == "__main__":
    main()
