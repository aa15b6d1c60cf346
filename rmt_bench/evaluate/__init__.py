"""The evaluation harness: any model kind, many lengths, resumable per-sample rows.

    from rmt_bench.evaluate import EvalConfig, evaluate
    table = evaluate(EvalConfig(model="ckpt/", task="detect_memorize",
                                lengths="4k,32k,1M", num_samples=64, out="results"))

Modules: ``config`` (EvalConfig), ``samples`` / ``dataset`` (where samples come
from), ``runner`` (the loop), ``rows`` (append-only JSONL, resume, shard merge),
``summary`` (summary.csv, Wilson intervals), ``sharding`` (accelerate ranks),
``progress`` (tqdm per length), ``listing`` (``rmt-bench ls``). Importing this
package imports no torch.
"""

from rmt_bench.evaluate.config import EvalConfig
from rmt_bench.evaluate.rows import RowsFile, read_rows, result_files
from rmt_bench.evaluate.runner import evaluate
from rmt_bench.evaluate.summary import summarize, wilson_interval, write_summary

__all__ = [
    "EvalConfig",
    "RowsFile",
    "evaluate",
    "read_rows",
    "result_files",
    "summarize",
    "wilson_interval",
    "write_summary",
]
