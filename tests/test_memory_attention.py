"""Memory attention maps: the same recurrence as the RMT, proper weights, PNG + CSV, bad input."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from generators.errors import BenchInputError
from rmt_bench.attention_figure import default_layers, parse_layers
from rmt_bench.cli import cli
from rmt_bench.memory_attention import memory_attention
from rmt_bench.rmt import RMT, RMTConfig

SEGMENT = 16
M = 3


def _model(backbone: str) -> RMT:
    model = RMT(RMTConfig(backbone=backbone, memory_tokens=M, segment_size=SEGMENT, seed=1))
    return model.eval()


def _ids(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(1000, 29000, (n,), generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module", params=["tiny-bert", "tiny-gpt2"])
def model(request: pytest.FixtureRequest) -> RMT:
    return _model(request.param)


def test_carried_memory_is_the_rmts_and_attention_is_restored(model: RMT) -> None:
    ids = _ids(5 * SEGMENT + 7)  # 6 segments, the first one short
    maps = memory_attention(model, ids, fact_span=(10, 14), question_tokens=4)
    expected, _ = model.stream_memory([ids])
    torch.testing.assert_close(maps.final_memory, expected, rtol=0, atol=1e-5)
    assert maps.segments == 6 and maps.fact_segment == 1  # first segment holds 7 tokens
    assert model.cell.body.config._attn_implementation == "sdpa"


def test_maps_are_attention_distributions_over_the_right_rows(model: RMT) -> None:
    ids = _ids(4 * SEGMENT)
    layers = model.cell.body.config.num_hidden_layers
    maps = memory_attention(model, ids, fact_span=(20, 24), question_tokens=5)
    write, read = maps.write, maps.read
    assert write.segment == 1 and read.segment == 3
    assert write.weights.shape[:2] == (layers, M)
    assert read.weights.shape[1] == len(read.query_positions)
    for step in (write, read):
        assert step.weights.shape[2] == len(step.key_labels)
        sums = step.weights.sum(-1)
        torch.testing.assert_close(sums, torch.ones_like(sums))
        assert [step.key_labels[p] for p in step.memory_keys] == [f"[MEM{k + 1}]" for k in range(M)]
    # the fact tokens are boxed: the ids at the highlighted inputs are ids[20:24]
    offset = 1 + M + 1 if model.layout_kind == "encoder" else M
    assert write.highlight_keys == list(range(offset + 4, offset + 8))
    tokens = model.tokenizer.convert_ids_to_tokens(ids[20:24].tolist())
    assert [write.key_labels[p] for p in write.highlight_keys] == [
        t.replace("Ġ", "_") for t in tokens
    ]
    # the read rows end with the question's 5 tokens, the answer position comes first
    assert len(read.query_positions) == (6 if model.layout_kind == "encoder" else 5)
    if model.layout_kind == "decoder":  # causal: nothing reads the write block
        assert float(read.weights[..., -M:].abs().max()) == 0.0
        assert read.query_positions[-1] == int(M + SEGMENT - 1)


def test_memory_changes_the_read_map(model: RMT) -> None:
    ids = _ids(3 * SEGMENT)
    a = memory_attention(model, ids, fact_span=(0, 4), question_tokens=3)
    other = ids.clone()
    other[:SEGMENT] = _ids(SEGMENT, seed=7)  # only the first segment differs
    b = memory_attention(model, other, fact_span=(0, 4), question_tokens=3)
    assert not torch.allclose(a.read.weights, b.read.weights)


def test_chosen_layers_only(model: RMT) -> None:
    maps = memory_attention(model, _ids(40), fact_span=(0, 3), question_tokens=2, layers=[1])
    assert maps.write.layers == [1] and maps.write.weights.shape[0] == 1


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"fact_span": (30, 50)}, "outside"),
        ({"fact_span": (5, 5)}, "outside"),
        ({"question_tokens": 0}, "question_tokens"),
        ({"question_tokens": 20}, "does not fit"),
        ({"layers": [7]}, "layers"),
    ],
)
def test_bad_arguments_are_one_clear_error(kwargs: dict, needle: str) -> None:
    model = _model("tiny-bert")
    args = {"fact_span": (0, 3), "question_tokens": 2, **kwargs}
    with pytest.raises(BenchInputError, match=needle):
        memory_attention(model, _ids(40), **args)


def test_no_memory_and_other_kinds_are_refused() -> None:
    with pytest.raises(BenchInputError, match="no memory"):
        memory_attention(
            RMT(RMTConfig(backbone="tiny-bert", memory_tokens=0, segment_size=SEGMENT)),
            _ids(40),
            fact_span=(0, 3),
            question_tokens=2,
        )

    class Other:
        kind = "full-attention"

    with pytest.raises(BenchInputError, match="RMT checkpoint"):
        memory_attention(Other(), _ids(40), fact_span=(0, 3), question_tokens=2)


def test_layer_choice() -> None:
    assert default_layers(4) == [0, 1, 2, 3]
    assert default_layers(30) == [0, 10, 19, 29]
    assert parse_layers("0,-1", 30) == [0, 29]
    assert parse_layers(None, 2) == [0, 1]
    for bad in ("x", "30", "-31", ","):
        with pytest.raises(BenchInputError, match="--layers"):
            parse_layers(bad, 30)


def test_cli_writes_png_and_csv_from_a_checkpoint(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path / "cache"))
    ckpt = tmp_path / "ckpt"
    _model("tiny-bert").save_pretrained(ckpt)
    out = tmp_path / "figures"
    args = ["attention", "--model", str(ckpt), "--task", "detect_memorize"]
    args += ["--length", "96", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "fact in segment" in result.output
    png = out / "memory_attention_detect_memorize.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(out / "memory_attention_detect_memorize.csv")
    assert set(table["operation"]) == {"write", "read"}
    write = table[table["operation"] == "write"]
    assert sorted(write["query"].unique()) == sorted(f"[MEM{k + 1}] out" for k in range(M))
    assert write["key_is_fact"].any()
    assert write["segment"].iloc[0] < table[table["operation"] == "read"]["segment"].iloc[0]
    sums = table.groupby(["operation", "layer", "query_position"])["weight"].sum()
    assert sums.between(0.999, 1.001).all()
    # its own files may be redrawn; someone else's file is refused
    assert CliRunner().invoke(cli, args).exit_code == 0
    png.write_bytes(b"\x89PNG user figure")
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2 and "did not write" in refused.output
    assert png.read_bytes() == b"\x89PNG user figure"
