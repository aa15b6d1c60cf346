"""``--compile`` against eager: compile time and throughput of the RMT memory cell (MiniLM).

    python benchmarks/bench_compile.py --quick              # eval, 8 segments, batch 1
    python benchmarks/bench_compile.py --segments 64 --repeats 3
    python benchmarks/bench_compile.py --mode train --segments 4 --batch-size 2
    python benchmarks/bench_compile.py --precision bf16

In one process: the eager RMT (m = 10, 499-token segments) streams a sample
(``--mode eval``: ``stream_logits`` under ``torch.inference_mode``; ``--mode
train``: forward + backward over all segments, dropout 0) ``--repeats`` times
after a warm-up, then the memory cell is compiled (``rmt_bench.cell_compile``,
as ``--compile``) and the same is timed: the first compiled call (compilation
included) and the steady calls after it. One JSON line:

    {"bench": "compile", "mode": "eval", "eager_tokens_per_s": ..., "compiled_tokens_per_s": ...,
     "first_call_seconds": ..., "compile_seconds": ..., "speedup": ...,
     "break_even_tokens": ..., "one_million_tokens_seconds": {"eager": ..., "compiled": ...}}

``compile_seconds`` = first compiled call - one steady compiled call;
``break_even_tokens`` is the sample length from which compiling pays for
itself (None when compiled is not faster); ``one_million_tokens_seconds``
extrapolates both to a 1M-token sample (compilation included). The
extrapolation is only as good as the machine is quiet: measure it alone.
"""

from __future__ import annotations

import argparse
import statistics
import time

from rmt_bench.profiling import emit_json_line

ONE_MILLION = 2**20


def measure(args: argparse.Namespace) -> dict:
    import torch

    from rmt_bench.cell_compile import compile_memory_cell
    from rmt_bench.precision import autocast
    from rmt_bench.rmt import RMT, RMTConfig

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train = args.mode == "train"
    model = RMT(
        RMTConfig(
            backbone="minilm",
            memory_tokens=10,
            segment_size=499,
            hidden_dropout=0.0,
            attention_dropout=0.0,
        )
    )
    model.train(train)
    generator = torch.Generator().manual_seed(1)
    vocab = model.cell.embeddings.num_embeddings
    tokens = args.segments * model.segment_size
    ids = [
        torch.randint(1000, vocab, (tokens,), generator=generator) for _ in range(args.batch_size)
    ]
    labels = torch.zeros(args.batch_size, dtype=torch.long)

    def run() -> float:
        start = time.perf_counter()
        with autocast(args.precision, "cpu"):
            if train:
                model(input_ids=ids, labels=labels).loss.backward()
                model.zero_grad(set_to_none=True)
            else:
                model.stream_logits(ids)
        return time.perf_counter() - start

    run()  # warm-up
    eager = statistics.median(run() for _ in range(args.repeats))
    compile_memory_cell(model)
    first = run()
    compiled = statistics.median(run() for _ in range(args.repeats))
    total = tokens * args.batch_size
    compile_seconds = max(first - compiled, 0.0)
    gain_per_token = eager / total - compiled / total
    break_even = compile_seconds / gain_per_token if gain_per_token > 0 else None
    return {
        "bench": "compile",
        "mode": args.mode,
        "precision": args.precision,
        "dropout": 0.0,
        "segments": args.segments,
        "batch": args.batch_size,
        "tokens": total,
        "threads": args.threads,
        "repeats": args.repeats,
        "eager_seconds": round(eager, 3),
        "compiled_seconds": round(compiled, 3),
        "eager_tokens_per_s": round(total / eager, 1),
        "compiled_tokens_per_s": round(total / compiled, 1),
        "speedup": round(eager / compiled, 3),
        "first_call_seconds": round(first, 3),
        "compile_seconds": round(compile_seconds, 3),
        "break_even_tokens": None if break_even is None else round(break_even),
        "one_million_tokens_seconds": {
            "eager": round(ONE_MILLION * eager / total, 1),
            "compiled": round(compile_seconds + ONE_MILLION * compiled / total, 1),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="eval, 8 segments, 2 repeats")
    parser.add_argument("--mode", choices=("eval", "train"), default="eval")
    parser.add_argument("--segments", type=int, default=None, help="default 32 (quick: 8)")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (quick: 2)")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    args.segments = args.segments or (8 if args.quick else 32)
    args.repeats = args.repeats or (2 if args.quick else 3)
    emit_json_line(measure(args))


if __name__ == "__main__":
    main()
