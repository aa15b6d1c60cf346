"""Benchmark of the sample generator: seconds per sample, tokens/s, peak RSS, noise preparation.

    python benchmarks/bench_generate.py            # full: 16k, 128k, 1M, 2M (several runs each)
    python benchmarks/bench_generate.py --quick    # fewer runs

Prints one JSON line per measurement (medians of ``--runs`` runs):
- ``noise_prepare``: preparing + caching the built-in noise, the default ``books?split=test``
  (and PG19 if ../shared/data exists)
  for the MiniLM tokenizer in a fresh cache directory;
- ``sample``: ``build_sample`` on the built-in noise (prepared; no re-tokenization check) at
  each length;
- ``naive_sample``: a reference implementation in the same run that tokenizes and
  concatenates sentence by sentence (as BABILong's generator does), and the speed-up;
- ``dataset_2M_rss``: peak RSS of the process while ``build_dataset`` writes 2M-token
  samples to Parquet, after 1 sample and after all of them (memory must not grow).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generators.build import build_sample  # noqa: E402
from generators.dataset import build_dataset  # noqa: E402
from generators.noise_sources import load_pool  # noqa: E402
from generators.tokens import _backend, resolve_tokenizer  # noqa: E402
from rmt_bench.profiling import MemoryWatch, current_rss_mb, emit_json_line  # noqa: E402

LENGTHS = {"16k": 16 * 1024, "128k": 128 * 1024, "1M": 1024**2, "2M": 2 * 1024**2}
PG19 = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pg19"


def naive_sample(
    tokenizer,
    sentences: list[str],
    facts: list[str],
    question: str,
    length: int,
    rng: np.random.Generator,
) -> tuple[str, int]:
    """Reference: tokenize noise sentence by sentence, concatenate, insert the facts.

    Each sentence goes through the tokenizer's Rust backend on its own
    (``Tokenizer.encode``: much faster than the Python ``tokenizer(...)`` call
    BABILong uses, so the speed-up against it is conservative).
    """
    backend = _backend(tokenizer)
    budget = length - len(backend.encode(question, add_special_tokens=False).ids)
    fact_ids = [backend.encode(f, add_special_tokens=False).ids for f in facts]
    budget -= sum(len(ids) for ids in fact_ids)
    pieces: list[str] = []
    ids: list[list[int]] = []
    count = 0
    i = int(rng.integers(len(sentences)))
    while True:
        sentence = sentences[i % len(sentences)]
        sentence_ids = backend.encode(" " + sentence, add_special_tokens=False).ids
        if count + len(sentence_ids) > budget:
            break
        pieces.append(sentence)
        ids.append(sentence_ids)
        count += len(sentence_ids)
        i += 1
    for fact in facts:  # facts at random sentence boundaries, in order
        pieces.insert(int(rng.integers(len(pieces) + 1)), fact)
    return " ".join(pieces), count


def bench_prepare(tok) -> None:
    sources = ["builtin", "books?split=test"] + ([f"pg19:{PG19}"] if PG19.is_dir() else [])
    with tempfile.TemporaryDirectory() as cache:
        os.environ["RMT_BENCH_CACHE"] = cache
        for source in sources:
            start = time.perf_counter()
            pool = load_pool(source, tok)
            prepared = time.perf_counter() - start
            load_pool.__globals__["_POOLS"].clear()
            start = time.perf_counter()
            load_pool(source, tok)  # a new process: from the disk cache
            reopened = time.perf_counter() - start
            emit_json_line(
                {
                    "bench": "noise_prepare",
                    "source": source.split(":")[0] if source.startswith("pg19:") else source,
                    "sentences": pool.n,
                    "tokens": pool.total_tokens,
                    "prepare_s": round(prepared, 3),
                    "open_cached_s": round(reopened, 4),
                }
            )
        load_pool.__globals__["_POOLS"].clear()
    os.environ.pop("RMT_BENCH_CACHE")


def bench_samples(tok, runs: int, naive_runs: int) -> None:
    pool = load_pool("builtin", tok)
    sentences = [pool.sentence(j) for j in range(pool.n)]
    for label, length in LENGTHS.items():
        times = []
        for index in range(runs):
            start = time.perf_counter()
            row = build_sample(
                "reasoning", length=length, seed=0, index=index, noise="builtin", verify=False
            )
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        record = {
            "bench": "sample",
            "task": "reasoning",
            "length": label,
            "tokens": length,
            "runs": runs,
            "median_s": round(median, 4),
            "tokens_per_s": round(length / median),
            "max_s": round(max(times), 4),
        }
        if label in ("16k", "2M"):
            naive = []
            rng = np.random.default_rng(0)
            for _ in range(naive_runs if label == "2M" else runs):
                start = time.perf_counter()
                naive_sample(tok, sentences, row["facts"], row["question"], length, rng)
                naive.append(time.perf_counter() - start)
            record["naive_median_s"] = round(statistics.median(naive), 3)
            record["speedup_vs_naive"] = round(statistics.median(naive) / median, 1)
        emit_json_line(record)


def bench_rss(num_samples: int) -> None:
    with tempfile.TemporaryDirectory() as out:
        for count in (1, num_samples):
            with MemoryWatch() as watch:
                build_dataset(
                    "reasoning",
                    lengths=["2M"],
                    num_samples=count,
                    seed=count,
                    noise="builtin",
                    out=Path(out) / str(count),
                    progress=False,
                )
            emit_json_line(
                {
                    "bench": "dataset_2M_rss",
                    "samples": count,
                    "peak_rss_mb": round(watch.peak_rss_mb),
                    "seconds": round(watch.seconds, 2),
                    "seconds_per_sample": round(watch.seconds / count, 3),
                }
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per length (default 7, quick 3)"
    )
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")
    tok, _ = resolve_tokenizer("minilm")
    emit_json_line({"bench": "startup", "rss_mb_with_tokenizer": round(current_rss_mb())})
    bench_prepare(tok)
    bench_samples(tok, runs, naive_runs=1 if args.quick else 3)
    bench_rss(3 if args.quick else 8)


if __name__ == "__main__":
    main()
