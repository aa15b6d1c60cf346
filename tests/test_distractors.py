"""--distractors / --noise-distractors: training samples with extra qa1 facts or fact-like
noise sentences that leave the answer unchanged.

Covers the generator (off by default and byte-identical when off, the answer and its
fact kept, the asked person's other moves before the answer, real bAbI stories in
story order, fact-like noise drawn from the sample's own noise, bad input) and the
training source (train rows only, never validation).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from generators import build_sample
from generators.distractors import interleave, is_fact_like
from generators.errors import BenchInputError
from generators.noise_sources import load_pool
from generators.tokens import resolve_tokenizer
from generators.world import answer_where, asked_person
from rmt_bench.train.config import resolve_train_config
from rmt_bench.train.curriculum import plan_stages
from rmt_bench.train.data_stream import GeneratedSource


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def test_asked_person_reads_a_qa1_question_and_refuses_others() -> None:
    assert asked_person("Where is Mary?") == "Mary"
    with pytest.raises(BenchInputError, match="qa1 question"):
        asked_person("What is north of the kitchen?")


def test_zero_distractors_leave_every_sample_byte_identical() -> None:
    for index in range(3):
        plain = build_sample("detect_memorize", length=700, seed=4, index=index, with_ids=True)
        zero = build_sample(
            "detect_memorize", length=700, seed=4, index=index, with_ids=True, distractors=0
        )
        assert plain["context"] == zero["context"] and plain["facts"] == zero["facts"]
        assert np.array_equal(plain["context_ids"], zero["context_ids"])
        assert "answer_fact" not in zero


def test_distractors_keep_the_answer_and_put_the_asked_persons_moves_first() -> None:
    counts = Counter()
    for index in range(60):
        # verify (the default up to 16k tokens) re-tokenizes: every fact sits at its offset
        row = build_sample("detect_memorize", length=900, seed=7, index=index, distractors=3)
        facts, at, who = row["facts"], row["answer_fact"], asked_person(row["question"])
        counts[len(facts) - 1] += 1
        assert row["answer"] in facts[at] and who in facts[at]
        assert answer_where(facts, who) == row["answer"]
        # the asked person moves elsewhere only before the answer-bearing fact
        for fact in facts[at + 1 :]:
            assert not fact.startswith(who + " ")
        for fact in facts[:at]:
            if fact.startswith(who + " "):
                assert not fact.endswith(f"the {row['answer']}.")
        assert row["fact_positions"] == sorted(row["fact_positions"])
        assert row["length"] == 900
    assert set(counts) == {0, 1, 2, 3}  # 0..N per sample
    again = build_sample("detect_memorize", length=900, seed=7, index=5, distractors=3)
    assert again == build_sample("detect_memorize", length=900, seed=7, index=5, distractors=3)


def test_memorize_puts_all_facts_at_the_start_and_short_samples_still_fit() -> None:
    for index in range(10):
        row = build_sample("memorize", length=512, seed=2, index=index, distractors=2)
        assert row["fact_positions"][0] == 0
        assert answer_where(row["facts"], asked_person(row["question"])) == row["answer"]
        tiny = build_sample("detect_memorize", length=64, seed=2, index=index, distractors=3)
        assert tiny["n_tokens"] == 64


def test_real_babi_distractors_are_the_storys_own_statements_in_order(babi_dir: Path) -> None:
    facts = f"babi:{babi_dir}"
    for index in range(20):
        row = build_sample(
            "detect_memorize", length=1500, seed=3, index=index, facts=facts, distractors=4
        )
        plain = build_sample("detect_memorize", length=1500, seed=3, index=index, facts=facts)
        assert row["question"] == plain["question"] and row["answer"] == plain["answer"]
        assert row["facts"][row["answer_fact"]] == plain["facts"][0]
        assert answer_where(row["facts"], asked_person(row["question"])) == row["answer"]
        assert 1 <= len(row["facts"]) <= 5


def test_fact_like_sentences_move_someone_or_name_a_room_but_no_babi_person() -> None:
    assert is_fact_like("He ran back to the house before dark.")
    assert is_fact_like("I rushed across the bedroom and opened the window.")
    assert not is_fact_like("The sea was calm that morning.")
    assert not is_fact_like("Mary went to the garden with her aunt.")  # a bAbI name


def test_interleave_keeps_the_order_of_the_facts_and_tracks_the_answer() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        facts, at = interleave(("a", "b", "c"), 1, ("x", "y"), rng)
        assert [f for f in facts if f in "abc"] == ["a", "b", "c"] and facts[at] == "b"


def test_noise_distractors_come_from_the_samples_own_noise(shared_data: Path) -> None:
    noise = f"pg19:{shared_data / 'pg19'}"
    pool = load_pool(noise, resolve_tokenizer("minilm")[0])
    sentences = {pool.sentence(j) for j in range(pool.n)}
    extra = 0
    for index in range(30):
        row = build_sample(
            "detect_memorize", length=2000, seed=1, index=index, noise=noise, noise_distractors=3
        )
        facts, at = row["facts"], row["answer_fact"]
        assert answer_where(facts, asked_person(row["question"])) == row["answer"]
        others = [f for i, f in enumerate(facts) if i != at]
        assert all(f in sentences and is_fact_like(f) for f in others)
        extra += len(others)
    assert extra > 0
    plain = build_sample("detect_memorize", length=2000, seed=1, index=0, noise=noise)
    assert "answer_fact" not in plain and len(plain["facts"]) == 1


@pytest.mark.parametrize(
    ("task", "distractors", "needle"),
    [("reasoning", 2, "apply to qa1"), ("detect_memorize", -1, ">= 0")],
)
def test_bad_distractors_are_refused(task: str, distractors: int, needle: str) -> None:
    with pytest.raises(BenchInputError, match=needle):
        build_sample(task, length=600, seed=0, index=0, distractors=distractors)
    with pytest.raises(BenchInputError, match=needle):
        build_sample(task, length=600, seed=0, index=0, noise_distractors=distractors)


def test_training_rows_get_distractors_and_validation_rows_do_not() -> None:
    stage = plan_stages((2,), segment_size=256, steps_per_stage=10)[0]
    source = GeneratedSource("detect_memorize", run_seed=1, distractors=3, noise_distractors=2)
    train_rows = source.train_samples(stage, start=0, count=24)
    assert max(len(row["facts"]) for row in train_rows) > 1
    assert all("answer_fact" in row for row in train_rows)
    assert all(len(row["facts"]) == 1 for row in source.validation_samples(stage, 8))
    assert source.describe()["distractors"] == 3
    assert source.describe()["noise_distractors"] == 2
    assert "distractors" not in GeneratedSource("detect_memorize").describe()


def test_the_option_is_checked(tmp_path: Path) -> None:
    cfg = resolve_train_config(overrides={"task": "detect_memorize", "distractors": 3})
    assert cfg.distractors == 3
    with pytest.raises(BenchInputError, match="not to --data"):
        resolve_train_config(
            overrides={"task": "memorize", "distractors": 1, "data": str(tmp_path)}
        )
    with pytest.raises(BenchInputError, match="applies to memorize and detect_memorize"):
        resolve_train_config(overrides={"task": "reasoning", "distractors": 1})
    with pytest.raises(BenchInputError, match="--noise-distractors must be >= 0"):
        resolve_train_config(overrides={"task": "memorize", "noise_distractors": -2})
    with pytest.raises(BenchInputError, match="--armt-gate-supervision"):
        resolve_train_config(
            overrides={
                "task": "detect_memorize",
                "model_kind": "armt",
                "noise_distractors": 2,
                "armt_gate_supervision": 0.5,
            }
        )
