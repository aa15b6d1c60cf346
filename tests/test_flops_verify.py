"""``rmt_bench.flop_check`` (``rmt-bench flops --verify``): every case within 2% of the counter."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_agreement_rows_are_within_two_percent() -> None:
    from rmt_bench.flop_check import agreement_rows

    rows = agreement_rows(lengths=(24,), rmt_length=300)
    assert len(rows) == 5
    for row in rows:
        assert abs(row["difference_pct"]) < 2.0, row
        if not row["case"].startswith("RMT"):
            assert row["counted"] == row["analytic"], row  # plain transformers: exact
        else:
            assert 0 < row["counted"] - row["analytic"] < 0.01 * row["counted"]  # head (+ pooler)
