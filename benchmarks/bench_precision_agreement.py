"""bf16 against fp32 on a trained checkpoint: prediction agreement and accuracy per length.

    python benchmarks/bench_precision_agreement.py --model runs/dm/ --lengths 4k,32k \\
        --num-samples 32 --noise pg19:../shared/data/pg19
    python benchmarks/bench_precision_agreement.py --model runs/dm/ --task detect_memorize \\
        --lengths 4k --num-samples 8 --threads 2

Every sample is the one ``rmt-bench eval`` would answer (same task, sources and
test seed: ``rmt_bench.evaluate.samples``). Each is answered twice by the same
model in one process, through the model contract (``predict``): in fp32, then
under bf16 autocast (``rmt_bench.precision``: autocast over the backbone, memory
state and head in fp32), exactly as ``rmt-bench eval --precision fp32|bf16``.
One JSON line per length:

    {"bench": "precision_agreement", "length": 4096, "n": 32, "agreement": 1.0,
     "accuracy_fp32": 0.94, "accuracy_bf16": 0.94, "accuracy_diff_points": 0.0,
     "seconds_fp32": ..., "seconds_bf16": ..., "bf16_vs_fp32_speed": ...}

and a final ``precision_agreement_summary`` line with the issue's targets
(agreement >= 99.5 % and accuracy within 1 point at every length) and
``native_bf16``: on hardware without native bf16 the timings say nothing
about bf16's speed there (it is emulated), only the agreement counts.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from rmt_bench.profiling import emit_json_line

AGREEMENT_TARGET = 0.995
ACCURACY_POINTS_TARGET = 1.0


def _answers(model: Any, samples: list[dict], precision: str, batch: int) -> tuple[list, float]:
    """Predicted labels of ``samples`` in ``precision``, and the seconds they took."""
    from rmt_bench.precision import autocast

    device = str(getattr(model, "device", "cpu"))
    labels: list[int | None] = []
    start = time.perf_counter()
    with autocast(precision, device):
        for first in range(0, len(samples), batch):
            labels += [p.label for p in model.predict(samples[first : first + batch])]
    return labels, time.perf_counter() - start


def compare(model: Any, samples: list[dict], batch: int = 1) -> dict[str, Any]:
    """Agreement and accuracies of fp32 and bf16 answers on ``samples`` (one length)."""
    for precision in ("fp32", "bf16"):  # warm-up: neither side pays first-call costs
        _answers(model, samples[:1], precision, 1)
    fp32, seconds_fp32 = _answers(model, samples, "fp32", batch)
    bf16, seconds_bf16 = _answers(model, samples, "bf16", batch)
    truth = [int(s["label"]) for s in samples]
    n = len(samples)
    accuracy_fp32 = sum(p == t for p, t in zip(fp32, truth, strict=True)) / n
    accuracy_bf16 = sum(p == t for p, t in zip(bf16, truth, strict=True)) / n
    return {
        "n": n,
        "agreement": sum(a == b for a, b in zip(fp32, bf16, strict=True)) / n,
        "disagreeing_indices": [
            int(s["index"]) for s, a, b in zip(samples, fp32, bf16, strict=True) if a != b
        ],
        "accuracy_fp32": accuracy_fp32,
        "accuracy_bf16": accuracy_bf16,
        "accuracy_diff_points": round(100 * (accuracy_bf16 - accuracy_fp32), 3),
        "seconds_fp32": round(seconds_fp32, 3),
        "seconds_bf16": round(seconds_bf16, 3),
        "bf16_vs_fp32_speed": round(seconds_fp32 / seconds_bf16, 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a checkpoint folder (rmt, armt, ...)")
    parser.add_argument("--task", help="default: the task the checkpoint was trained on")
    parser.add_argument("--lengths", default="4k,32k")
    parser.add_argument("--num-samples", type=int, default=32)
    parser.add_argument("--noise", default="builtin")
    parser.add_argument("--facts", default="builtin")
    parser.add_argument("--seed", type=int, default=None, help="test seed (default: eval's)")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    import torch

    from generators.tasks import get_task, task_labels
    from rmt_bench.evaluate import EvalConfig
    from rmt_bench.evaluate.samples import open_samples
    from rmt_bench.precision import native_bf16
    from rmt_bench.registry import ModelOptions, load_answer_model

    if args.threads:
        torch.set_num_threads(args.threads)
    model = load_answer_model(args.model, ModelOptions(device="cpu"))
    task = args.task or (getattr(model, "extra", None) or {}).get("task")
    if not task:
        parser.error("--task: the checkpoint does not name its task")
    task = get_task(task).name
    config = EvalConfig(
        model=args.model,
        task=task,
        lengths=args.lengths,
        num_samples=args.num_samples,
        seed=args.seed,
        facts=args.facts,
        noise=args.noise,
        progress=False,
    )
    config.validate()
    source = open_samples(config, model.tokenizer_name, labels=task_labels(task, args.facts))
    native, reason = native_bf16("cpu")
    lines = []
    for length in config.length_values():
        samples = [source.load(ref) for ref in source.refs(length, args.num_samples)]
        line = {"bench": "precision_agreement", "model": args.model, "task": task}
        line |= {"length": length, "noise": args.noise, **compare(model, samples, args.batch_size)}
        line |= {"threads": torch.get_num_threads(), "native_bf16": native}
        emit_json_line(line)
        lines.append(line)
        del samples
    emit_json_line(
        {
            "bench": "precision_agreement_summary",
            "lengths": [line["length"] for line in lines],
            "min_agreement": min(line["agreement"] for line in lines),
            "max_accuracy_diff_points": max(abs(line["accuracy_diff_points"]) for line in lines),
            "agreement_target_met": all(line["agreement"] >= AGREEMENT_TARGET for line in lines),
            "accuracy_target_met": all(
                abs(line["accuracy_diff_points"]) <= ACCURACY_POINTS_TARGET for line in lines
            ),
            "native_bf16": native,
            "bf16_hardware": reason,
        }
    )


if __name__ == "__main__":
    main()
