"""Evaluation samples read from a folder written by ``rmt-bench generate`` (``--data DIR``).

    source = DatasetSamples("data/memorize", task="memorize", model_tokenizer="minilm")
    refs = source.refs(length=4096, num_samples=64)    # the first 64 indices of that length
    sample = source.load(refs[0])                      # one row, read sequentially

The folder's ``metadata.json`` must be complete and hold the task, the lengths
and enough samples per length; its tokenizer must be the model's (a mismatch is
an error, never a silent re-count). Rows are read one at a time from the shard
files (Parquet / JSON lines / Arrow stream), in index order, so memory holds one
sample, not a shard. ``identity`` equals ``GeneratedSamples.identity`` for the
same sources and seed, because the rows are the same ``build_sample`` outputs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError
from rmt_bench.evaluate.samples import SampleRef, same_tokenizer

log = logging.getLogger(__name__)


def _rows_of_shard(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    """The rows of one shard file in order, one at a time (token ids as numpy arrays)."""
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
        return
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        batches: Iterator[Any] = pq.ParquetFile(path).iter_batches(batch_size=1)
    elif fmt == "arrow":
        batches = iter(pa.ipc.open_stream(pa.memory_map(str(path))))
    else:
        raise BenchInputError(f"unknown dataset format {fmt!r} in {path}")
    for batch in batches:
        for offset in range(batch.num_rows):
            yield _arrow_row(batch.slice(offset, 1))


def _arrow_row(batch: Any) -> dict[str, Any]:
    """A one-row record batch as a dict; list-of-int columns become numpy arrays (no copy)."""
    row: dict[str, Any] = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if name.endswith("_ids"):
            row[name] = column.flatten().to_numpy(zero_copy_only=False)  # respects the slice
        else:
            row[name] = column[0].as_py()
    return row


class DatasetSamples:
    """A generated dataset folder as a sample source for one task."""

    def __init__(self, directory: str | Path, task: str, model_tokenizer: str) -> None:
        from generators.dataset import METADATA, plan_shards, read_config

        self.directory = Path(directory)
        meta_path = self.directory / METADATA
        if not meta_path.is_file():
            raise BenchInputError(
                f"--data {self.directory}: no {METADATA}, not a generated dataset"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            self.config = read_config(meta)
        except (ValueError, KeyError, TypeError):
            raise BenchInputError(f"--data {self.directory}: corrupt {METADATA}") from None
        if not meta.get("complete"):
            raise BenchInputError(
                f"--data {self.directory} is incomplete: rerun its generate command"
            )
        if self.config.task != task:
            raise BenchInputError(
                f"--data {self.directory} holds task {self.config.task!r}, not {task!r}"
            )
        if not same_tokenizer(self.config.tokenizer, model_tokenizer):
            raise BenchInputError(
                f"--data {self.directory} was tokenized with {self.config.tokenizer!r} but the "
                f"model reads {model_tokenizer!r}; generate it with --tokenizer {model_tokenizer}"
            )
        from rmt_bench.train.seeds import is_test_seed

        if not is_test_seed(self.config.seed):
            log.warning(
                "--data %s uses seed %d, outside the test seeds", directory, self.config.seed
            )
        self.jobs = plan_shards(self.config, self.directory)
        self._cursor: tuple[str, int, Iterator[dict[str, Any]]] | None = None

    def refs(self, length: int, num_samples: int) -> list[SampleRef]:
        if length not in self.config.lengths:
            held = ", ".join(str(n) for n in self.config.lengths)
            raise BenchInputError(
                f"--data {self.directory} has no samples of length {length} (it holds {held})"
            )
        if num_samples > self.config.num_samples:
            raise BenchInputError(
                f"--data {self.directory} holds {self.config.num_samples} samples per length, "
                f"--num-samples asks for {num_samples}"
            )
        task, seed = self.config.task, self.config.seed
        return [
            SampleRef(f"{task}-{length}-{seed}-{index}", length, index, seed)
            for index in range(num_samples)
        ]

    def _job(self, length: int, index: int) -> Any:
        for job in self.jobs:
            if job.length == length and job.start <= index < job.stop:
                return job
        raise BenchInputError(f"--data {self.directory}: no shard holds sample {index} of {length}")

    def load(self, ref: SampleRef) -> dict[str, Any]:
        job = self._job(ref.length, ref.index)
        offset = ref.index - job.start
        cursor = self._cursor
        if cursor is None or cursor[0] != job.path or cursor[1] > offset:
            path = Path(job.path)
            if not path.is_file():
                raise BenchInputError(f"--data {self.directory}: shard {path} is missing")
            cursor = (job.path, 0, _rows_of_shard(path, self.config.format))
        path_name, position, rows = cursor
        try:
            while True:
                row = next(rows)
                position += 1
                if position - 1 == offset:
                    break
        except StopIteration:
            raise BenchInputError(f"--data {self.directory}: shard {path_name} is short") from None
        self._cursor = (path_name, position, rows)
        from generators.hf_layout import restore_columns

        row = restore_columns(row, self.config.columns)  # --columns babilong: input -> context
        if row.get("id") != ref.sample_id:
            raise BenchInputError(
                f"--data {self.directory}: expected sample {ref.sample_id}, found {row.get('id')}"
            )
        return row

    def identity(self) -> dict[str, Any]:
        return {
            "facts": self.config.facts,
            "noise": self.config.noise,
            "seed": self.config.seed,
            "depth": self.config.depth,
        }
