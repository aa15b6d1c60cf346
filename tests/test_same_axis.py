"""--same-axis: Reasoning training samples whose two relations lie on one axis.

When the two outer rooms sit on opposite sides of the shared room ("east of" and "west
of" it), only the direction and the order of the rooms tell them apart; on other axes a
question's direction word alone picks the fact. Covers the draw (the natural one in three
when off, the asked share when on, every answer still unique, every question form still
drawn), the sample (byte-identical when off, the share in the row when on), the training
source (training rows only, never validation) and bad input.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from generators import build_sample
from generators.errors import BenchInputError
from generators.facts import fact_source
from generators.world import OPPOSITE, answer_relation, relation_pair
from rmt_bench.train.config import resolve_train_config
from rmt_bench.train.curriculum import plan_stages
from rmt_bench.train.data_stream import GeneratedSource

_AXIS = {"north": "ns", "south": "ns", "east": "ew", "west": "ew"}


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def on_one_axis(facts: tuple[str, ...] | list[str]) -> bool:
    """True when both relations use directions of one axis (the outer rooms face each other)."""
    first, second = (fact.split()[3] for fact in facts)  # "The a is DIR of the b."
    return _AXIS[first] == _AXIS[second]


def share_on_one_axis(same_axis: float | None, draws: int = 3000, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(draws):
        facts, question = relation_pair(rng, same_axis)
        answer_relation(facts, question)  # raises unless the answer is unique
        hits += on_one_axis(facts)
    return hits / draws


def test_the_natural_draw_puts_one_pair_in_three_on_one_axis() -> None:
    assert 0.30 < share_on_one_axis(None) < 0.37


@pytest.mark.parametrize(
    ("share", "low", "high"), [(0.0, 0.0, 0.0), (0.5, 0.45, 0.55), (1.0, 1.0, 1.0)]
)
def test_a_share_sets_how_many_pairs_lie_on_one_axis(share: float, low: float, high: float) -> None:
    assert low <= share_on_one_axis(share) <= high


def test_one_axis_pairs_still_ask_every_form_and_answer_every_room() -> None:
    rng = np.random.default_rng(3)
    forms: Counter[tuple[bool, str]] = Counter()
    answers: Counter[str] = Counter()
    for _ in range(1000):
        facts, question = relation_pair(rng, 1.0)
        answers[answer_relation(facts, question)] += 1
        words = question.split()
        the_form = question.startswith("What is the ")
        forms[(the_form, words[-2] if the_form else words[2])] += 1
        # the outer rooms face each other: opposite sides of the shared room
        (a1, d1, b1), (a2, d2, b2) = (
            (f.split()[1], f.split()[3], f.split()[6][:-1]) for f in facts
        )
        hub = ({a1, b1} & {a2, b2}).pop()
        side1 = d1 if a1 != hub else OPPOSITE[d1]
        side2 = d2 if a2 != hub else OPPOSITE[d2]
        assert side2 == OPPOSITE[side1]
    assert len(forms) == 8 and len(answers) == 6


def test_off_leaves_samples_byte_identical_and_on_marks_the_row() -> None:
    plain = build_sample("reasoning", length=400, seed=2, index=5, with_ids=True)
    off = build_sample("reasoning", length=400, seed=2, index=5, with_ids=True, same_axis=None)
    assert plain["context"] == off["context"] and plain["question"] == off["question"]
    assert np.array_equal(plain["context_ids"], off["context_ids"])
    assert "same_axis" not in off
    on = [build_sample("reasoning", length=400, seed=2, index=i, same_axis=1.0) for i in range(8)]
    assert all(row["same_axis"] == 1.0 and on_one_axis(row["facts"]) for row in on)
    assert all(row["answer"] == answer_relation(row["facts"], row["question"]) for row in on)


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan")])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(BenchInputError, match="same_axis must be in"):
        relation_pair(np.random.default_rng(0), share)


def test_other_facts_refuse_it(babi_dir: Path) -> None:
    with pytest.raises(BenchInputError, match="built-in qa4"):
        build_sample("detect_memorize", length=400, seed=0, index=0, same_axis=0.5)
    with pytest.raises(BenchInputError, match="built-in qa4"):
        fact_source(f"babi:{babi_dir}").draw("qa4", np.random.default_rng(0), same_axis=0.5)


def test_training_rows_follow_the_share_and_validation_rows_do_not() -> None:
    stage = plan_stages((1,), segment_size=128, steps_per_stage=10)[0]
    source = GeneratedSource("reasoning", run_seed=1, same_axis=1.0)
    assert all(on_one_axis(row["facts"]) for row in source.train_samples(stage, 0, 24))
    validation = source.validation_samples(stage, 24)
    assert not all(on_one_axis(row["facts"]) for row in validation)
    assert all("same_axis" not in row for row in validation)
    assert source.describe()["same_axis"] == 1.0
    assert "same_axis" not in GeneratedSource("reasoning").describe()


def test_the_option_is_checked(tmp_path: Path) -> None:
    assert resolve_train_config(overrides={"task": "reasoning", "same_axis": 0.5}).same_axis == 0.5
    assert resolve_train_config(overrides={"task": "reasoning"}).same_axis is None
    for overrides, needle in [
        ({"task": "reasoning", "same_axis": 2.0}, r"must be in \[0, 1\]"),
        ({"task": "detect_memorize", "same_axis": 0.5}, "applies to reasoning"),
        ({"task": "reasoning", "same_axis": 0.5, "data": str(tmp_path)}, "not to --data"),
        ({"task": "reasoning", "same_axis": 0.5, "facts": "babi:x"}, "not to --data"),
    ]:
        with pytest.raises(BenchInputError, match=needle):
            resolve_train_config(overrides=overrides)
