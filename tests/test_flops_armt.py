"""ARMT's FLOPs (``rmt_bench.flops_armt``): by hand, against FlopCounterMode, on the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from generators.errors import BenchInputError
from rmt_bench.cli import cli
from rmt_bench.flops import PAPER, RMTLayout, TransformerShape, rmt_flops
from rmt_bench.flops_armt import armt_extra, armt_flops


def test_extra_terms_by_hand() -> None:
    shape = TransformerShape("toy", hidden=4, layers=2, heads=2, ffw=8, vocab=10)
    layout = RMTLayout(segment_tokens=5, memory_tokens=1, kind="encoder", special_tokens=3)
    # 7 tokens: one segment of 5 (T = 9 positions) and one of 2 (T = 6); d 4, k 2, nu 1, P 4
    extra = armt_extra(shape, 7, layout, key_size=2, nu=1)
    read = 2 * sum(2 * T * 4 * 2 + 2 * T * 4 * 4 + 2 * T * 4 for T in (9, 6))
    write = 2 * 2 * (2 * 1 * 4 * (2 + 4 + 1) + 4 * 1 * 4 * 4 + 4 * 1 * 4)
    assert (extra.read, extra.write) == (read, write)
    total = armt_flops(shape, 7, layout, key_size=2, nu=1, counting=PAPER)
    assert total == rmt_flops(shape, 7, layout, PAPER) + read + write
    with pytest.raises(BenchInputError, match="key_size"):
        armt_extra(shape, 7, layout, key_size=0)


def test_analytic_equals_flop_counter_on_tiny_models() -> None:
    pytest.importorskip("torch")
    from rmt_bench.flop_check import armt_agreement_rows

    rows = armt_agreement_rows(rmt_length=300, key_size=8, nu=2)
    assert len(rows) == 4
    for row in rows:
        if row["case"].endswith("extra"):
            assert row["counted"] == row["analytic"] > 0, row  # ARMT minus RMT: exact
        else:
            assert 0 < row["counted"] - row["analytic"] < 0.01 * row["counted"], row  # head


def test_cli_armt_column_and_bad_key_size() -> None:
    runner = CliRunner()
    args = ["flops", "--models", "125M", "--lengths", "4k,1M", "--memory", "10"]
    result = runner.invoke(cli, [*args, "--armt-key-size", "32", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert all(1 < row["armt_flops"] / row["rmt_flops"] < 1.1 for row in rows)
    table = runner.invoke(cli, [*args, "--armt-key-size", "32"])
    assert table.exit_code == 0 and "ARMT/RMT" in table.output
    plain = runner.invoke(cli, args)
    assert plain.exit_code == 0 and "ARMT" not in plain.output
    bad = runner.invoke(cli, [*args, "--armt-key-size", "-1"])
    assert bad.exit_code == 2 and "key_size" in bad.output and "Traceback" not in bad.output
