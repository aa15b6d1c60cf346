"""``rmt-bench flops``: the table, the paper comparison, JSON output and bad input."""

from __future__ import annotations

import json

from click.testing import CliRunner

from rmt_bench.cli import cli
from rmt_bench.commands.flops import parse_length
from rmt_bench.flops import PAPER, RMTLayout, TransformerShape, full_attention_flops, rmt_flops


def test_flops_prints_table_and_paper_comparison() -> None:
    result = CliRunner().invoke(cli, ["flops", "--models", "125M,175B", "--lengths", "512,2M"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = next(line for line in lines if line.startswith("OPT-125M") and "2,097,152" in line)
    assert row.split()[2] == "4,096" and "294.8x" in row and row.endswith("96.0 TiB   6.0 MiB")
    paper = next(line for line in lines if line.strip().startswith("paper "))
    assert "x294.8 vs OPT-125M" in paper and "x29.3 vs OPT-175B" in paper


def test_flops_json_with_memory_layout_and_hf_config(tmp_path) -> None:
    config = {
        "model_type": "bert",
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 96,
        "vocab_size": 30522,
    }
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "config.json").write_text(json.dumps(config))
    args = [
        "flops",
        "--models",
        "",
        "--hf-config",
        str(tmp_path / "tiny"),
        "--lengths",
        "1k",
        "--segment",
        "499",
        "--memory",
        "10",
        "--special-tokens",
        "3",
        "--json",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (row,) = doc["rows"]
    assert row["model"] == "tiny" and row["length"] == 1024 and row["segments"] == 3
    shape = TransformerShape.from_hf_config(config)
    layout = RMTLayout(segment_tokens=499, memory_tokens=10, special_tokens=3)
    assert row["rmt_flops"] == rmt_flops(shape, 1024, layout, PAPER)
    # Memory and special tokens cost FLOPs: the ratio is below the plain 499-token layout's.
    plain = full_attention_flops(shape, 1024, PAPER) / rmt_flops(shape, 1024, RMTLayout(499), PAPER)
    assert 1 < row["ratio"] < plain
    assert {v["name"] for v in doc["paper_comparison"]} == {
        "paper",
        "chinchilla",
        "with-memory",
        "decoder-memory",
    }


def test_bad_length_and_unknown_model_are_one_line_errors() -> None:
    for args in (["flops", "--lengths", "4q"], ["flops", "--models", "7B"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1


def test_parse_length_powers_of_two() -> None:
    assert (
        parse_length("4k") == 4096 and parse_length("2M") == 2**21 and parse_length("1000") == 1000
    )
