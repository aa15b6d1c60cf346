"""Mixed curriculum stages (``--curriculum 1,4,8-32``): samples of A..B segments, validation at B."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_training import tiny_train_config  # tests/ is on sys.path under pytest

from generators import BenchInputError
from rmt_bench.train.config import parse_curriculum, resolve_train_config
from rmt_bench.train.curriculum import plan_stages
from rmt_bench.train.data_stream import GeneratedSource
from rmt_bench.train.logging_utils import read_log
from rmt_bench.train.loop import train


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        ("1,4,8-32", (1, 4, "8-32")),
        ("1x64, 2-4x480", ("1x64", "2-4x480")),
        ("1,3-3", (1, 3)),  # a range of one count is that count
        ([1, "1-16"], (1, "1-16")),
    ],
)
def test_mixed_stages_parse(given: str | list, parsed: tuple) -> None:
    assert parse_curriculum(given) == parsed


@pytest.mark.parametrize(
    ("curriculum", "message"),
    [
        ("1,5-2", "needs A <= B"),
        ("0-4", "positive"),
        ("a-4", "segment counts like"),
        ("1-", "segment counts like"),
        ("1,32,8-16", "must increase"),  # a mixed stage is ordered by its most segments
    ],
)
def test_bad_mixed_stages_name_the_problem(curriculum: str, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        resolve_train_config(overrides={"task": "memorize", "curriculum": curriculum})


def test_the_config_knows_each_stage_range() -> None:
    cfg = resolve_train_config(
        overrides={"task": "memorize", "curriculum": "1x64,2,8-32", "segment_size": 480}
    )
    assert cfg.stage_segments == (1, 2, 32)
    assert cfg.stage_fewest_segments == (1, 2, 8)
    assert cfg.stage_segment_sizes == (64, 480, 480)
    assert cfg.has_mixed_stages
    ablation = resolve_train_config(
        overrides={"task": "memorize", "curriculum": "1,8-32", "no_curriculum": True}
    )
    assert ablation.stage_segments == (32,) and ablation.stage_fewest_segments == (8,)
    plain = resolve_train_config(overrides={"task": "memorize", "curriculum": "1,2"})
    assert not plain.has_mixed_stages


def test_a_mixed_stage_refuses_data_folders(tmp_path: Path) -> None:
    with pytest.raises(BenchInputError, match="A-B stages"):
        resolve_train_config(
            overrides={"task": "memorize", "curriculum": "1,2-4", "data": str(tmp_path)}
        )


def test_a_mixed_stage_draws_every_count_in_its_range_reproducibly() -> None:
    stage = plan_stages((1, 6), 32, 10, fewest_segments=(1, 3))[1]
    assert stage.fewest_segments == 3 and stage.length == 6 * 32
    # the stage's own range wins over --segment-mix (uniform would draw from 1..6)
    for mix in ("exact", "uniform"):
        source = GeneratedSource("detect_memorize", run_seed=3, segment_mix=mix)
        lengths = [source.sample_length(stage, i) for i in range(300)]
        assert set(lengths) == {32 * n for n in range(3, 7)}
    again = GeneratedSource("detect_memorize", run_seed=3)
    assert lengths == [again.sample_length(stage, i) for i in range(300)]
    rows = source.train_samples(stage, start=7, count=3)
    assert [row["length"] for row in rows] == lengths[7:10]
    assert {row["length"] for row in source.validation_samples(stage, 4)} == {stage.length}
    with pytest.raises(ValueError, match="1 fewest segment counts for 2 stages"):
        plan_stages((1, 6), 32, 10, fewest_segments=(3,))
    exact = plan_stages((1, 6), 32, 10)[1]
    assert exact.fewest_segments is None
    assert {again.sample_length(exact, i) for i in range(50)} == {exact.length}


def test_training_with_a_mixed_last_stage_validates_at_its_longest(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = train(
        tiny_train_config(curriculum=(1, "1-3"), steps_per_stage=3, val_every=3),
        out,
        progress=False,
    )
    assert [s["segments"] for s in result.stages] == [1, 3]
    records = read_log(out / "train_log.jsonl")
    assert [r["segments"] for r in records if r["event"] == "validation"] == [1, 3]
