"""Writing sample rows as shard files: Parquet, JSON lines or Arrow (all loadable by HF datasets).

    write_shard(rows, "out/data/reasoning/1048576/shard-00000-of-00004.parquet", "parquet")
    rows_schema(with_ids=False)        # the pyarrow schema of a row

Every file is written to a temporary name beside the target and renamed when
complete, so a shard is either absent or whole. Long text columns use Arrow's
``large_string`` (64-bit offsets): a shard of many 2M-token contexts exceeds 2 GiB.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from generators.atomic import atomic_path

FORMATS = {"parquet": ".parquet", "jsonl": ".jsonl", "arrow": ".arrow"}


def rows_schema(with_ids: bool = False, columns: str = "default") -> Any:
    """The Arrow schema of sample rows (field order as in docs/interfaces.md).

    ``columns="babilong"`` stores ``context`` as ``input`` and ``answer`` as ``target``.
    """
    import pyarrow as pa

    from generators.hf_layout import column_name

    fields = [
        ("id", pa.string()),
        ("task", pa.string()),
        ("length", pa.int64()),
        ("n_tokens", pa.int64()),
        ("tokenizer", pa.string()),
        ("seed", pa.int64()),
        ("index", pa.int64()),
        ("context", pa.large_string()),
        ("question", pa.string()),
        ("answer", pa.string()),
        ("label", pa.int64()),
        ("facts", pa.list_(pa.string())),
        ("fact_positions", pa.list_(pa.int64())),
        ("depths", pa.list_(pa.float64())),
        ("facts_source", pa.string()),
        ("noise_source", pa.string()),
    ]
    if with_ids:
        fields += [
            ("context_ids", pa.large_list(pa.int32())),
            ("question_ids", pa.list_(pa.int32())),
        ]
    return pa.schema([(column_name(name, columns), kind) for name, kind in fields])


def _table(rows: Sequence[dict[str, Any]], with_ids: bool) -> Any:
    import pyarrow as pa

    column_set = "babilong" if "input" in rows[0] else "default"
    schema = rows_schema(with_ids, column_set)
    columns = {}
    for field in schema:
        values = [row[field.name] for row in rows]
        if field.name.endswith("_ids"):
            values = [np.asarray(v, dtype=np.int32) for v in values]
        columns[field.name] = pa.array(values, type=field.type)
    return pa.table(columns, schema=schema)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)


def write_shard(
    rows: Iterable[dict[str, Any]], path: str | Path, fmt: str, group_rows: int = 64
) -> int:
    """Stream ``rows`` into ``path`` atomically (parquet | jsonl | arrow); returns the count.

    Rows are written ``group_rows`` at a time (a Parquet row group / Arrow record
    batch), so memory holds one group, not the whole shard.
    """
    count = 0
    with atomic_path(path) as tmp:
        if fmt == "jsonl":
            with open(tmp, "w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
                    count += 1
            return count
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer: Any = None
        sink: Any = None
        try:
            for group in _groups(rows, group_rows):
                table = _table(group, "context_ids" in group[0])
                if writer is None:
                    if fmt == "parquet":
                        writer = pq.ParquetWriter(str(tmp), table.schema, compression="zstd")
                    elif fmt == "arrow":
                        sink = pa.OSFile(str(tmp), "wb")
                        writer = pa.ipc.new_stream(sink, table.schema)
                    else:  # pragma: no cover - checked by the caller
                        raise ValueError(fmt)
                writer.write_table(table)
                count += len(group)
                del table
                pa.default_memory_pool().release_unused()  # keep RSS flat across groups
        finally:
            if writer is not None:
                writer.close()
            if sink is not None:
                sink.close()
    return count


def _groups(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    group: list[dict[str, Any]] = []
    for row in rows:
        group.append(row)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group
