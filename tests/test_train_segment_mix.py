"""--segment-mix: training samples of stage N with 1..N segments, a pure function of the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators import BenchInputError
from rmt_bench.train.config import resolve_train_config
from rmt_bench.train.curriculum import plan_stages
from rmt_bench.train.data_stream import GeneratedSource


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def test_uniform_mix_draws_every_count_up_to_the_stage_and_is_reproducible() -> None:
    stage = plan_stages((1, 2, 6), segment_size=32, steps_per_stage=10)[2]
    source = GeneratedSource("detect_memorize", run_seed=3, segment_mix="uniform")
    lengths = [source.sample_length(stage, i) for i in range(400)]
    assert set(lengths) == {32 * n for n in range(1, 7)}
    again = GeneratedSource("detect_memorize", run_seed=3, segment_mix="uniform")
    assert lengths == [again.sample_length(stage, i) for i in range(400)]
    other_seed = GeneratedSource("detect_memorize", run_seed=4, segment_mix="uniform")
    assert lengths != [other_seed.sample_length(stage, i) for i in range(400)]
    rows = source.train_samples(stage, start=5, count=3)
    assert [row["length"] for row in rows] == lengths[5:8]
    # validation stays at the stage's own length
    assert {row["length"] for row in source.validation_samples(stage, 4)} == {stage.length}


def test_exact_mix_keeps_the_stage_length() -> None:
    stage = plan_stages((1, 4), segment_size=32, steps_per_stage=10)[1]
    source = GeneratedSource("memorize", segment_mix="exact")
    assert {source.sample_length(stage, i) for i in range(50)} == {stage.length}


def test_segment_mix_is_checked(tmp_path: Path) -> None:
    cfg = resolve_train_config(overrides={"task": "memorize", "segment_mix": "uniform"})
    assert cfg.segment_mix == "uniform"
    with pytest.raises(BenchInputError, match="--segment-mix must be one of"):
        resolve_train_config(overrides={"task": "memorize", "segment_mix": "random"})
    with pytest.raises(BenchInputError, match="not to --data"):
        resolve_train_config(
            overrides={"task": "memorize", "segment_mix": "uniform", "data": str(tmp_path)}
        )
