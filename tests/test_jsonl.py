"""generators.jsonl: complete lines only, blank lines skipped, bad JSON and bad UTF-8 named."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.errors import BenchInputError
from generators.jsonl import json_lines


def test_complete_lines_are_read_and_a_torn_tail_is_skipped(tmp_path: Path, caplog) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n[2]\n{"torn": ', encoding="utf-8")
    assert list(json_lines(path)) == [(1, {"a": 1}), (3, [2])]
    assert "torn last line" in caplog.text


def test_bad_json_and_bad_utf8_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(
        BenchInputError, match=r"results file .*rows.jsonl line 2 is not valid JSON"
    ):
        list(json_lines(path, what="results file"))
    path.write_bytes(b'{"a": 1}\n\xff\xfe\n')
    with pytest.raises(BenchInputError, match="is not UTF-8 text"):
        list(json_lines(path))
