"""The paper's three tasks on the default tokenizer: exact length, fact offsets, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from generators import (
    BenchInputError,
    build_sample,
    encode_text,
    resolve_tokenizer,
    sample_token_ids,
    task_labels,
    verify_sample,
)
from generators.world import ROOMS

TASKS = ("memorize", "detect_memorize", "reasoning")
FIELDS = [
    "id",
    "task",
    "length",
    "n_tokens",
    "tokenizer",
    "seed",
    "index",
    "context",
    "question",
    "answer",
    "label",
    "facts",
    "fact_positions",
    "depths",
    "facts_source",
    "noise_source",
]


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def _check(row: dict, tokenizer: str = "minilm") -> None:
    tok, _ = resolve_tokenizer(tokenizer)
    context = encode_text(tok, row["context"])
    question = encode_text(tok, row["question"])
    assert len(context) + len(question) == row["length"] == row["n_tokens"]
    for fact, pos, depth in zip(row["facts"], row["fact_positions"], row["depths"], strict=True):
        ids = encode_text(tok, fact if pos == 0 else " " + fact)
        assert np.array_equal(context[pos : pos + len(ids)], ids), (fact, pos)
        assert depth == pytest.approx(pos / len(context))
    assert row["fact_positions"] == sorted(row["fact_positions"])


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("length", [40, 64, 333, 700, 4096])
def test_rows_are_exact_and_facts_sit_at_their_offsets(task: str, length: int) -> None:
    for index in range(4):
        row = build_sample(task, length=length, seed=7, index=index, verify=False)
        assert list(row) == FIELDS
        _check(row)
        assert row["label"] == task_labels(task).index(row["answer"])
        assert row["id"] == f"{task}-{length}-7-{index}"


def test_task_layouts() -> None:
    for index in range(20):
        memo = build_sample("memorize", length=512, seed=0, index=index)
        assert memo["fact_positions"] == [0] and memo["context"].startswith(memo["facts"][0])
        assert memo["question"] == "Where is " + memo["facts"][0].split()[0] + "?"
        reason = build_sample("reasoning", length=512, seed=0, index=index)
        assert len(reason["facts"]) == 2 and reason["answer"] in ROOMS
    positions = [
        build_sample("detect_memorize", length=2048, seed=0, index=i)["depths"][0]
        for i in range(40)
    ]
    assert min(positions) < 0.25 and max(positions) > 0.75  # spread over the whole context


def test_labels_are_the_six_rooms_in_a_fixed_order() -> None:
    for task in TASKS:
        assert task_labels(task) == (
            "bathroom",
            "bedroom",
            "garden",
            "hallway",
            "kitchen",
            "office",
        )


def test_same_arguments_same_row_and_order_does_not_matter() -> None:
    first = [build_sample("reasoning", length=1000, seed=3, index=i) for i in range(5)]
    again = [build_sample("reasoning", length=1000, seed=3, index=i) for i in reversed(range(5))]
    assert first == list(reversed(again))
    other_seed = build_sample("reasoning", length=1000, seed=4, index=0)
    assert other_seed["context"] != first[0]["context"]


def test_depth_control_places_facts() -> None:
    for depth in (0.0, 0.25, 0.5, 0.9):
        row = build_sample("detect_memorize", length=4096, seed=1, index=0, depth=depth)
        assert abs(row["depths"][0] - depth) < 0.02
        _check(row)
    ranged = build_sample("reasoning", length=4096, seed=1, index=0, depth="0.2:0.4")
    assert all(0.18 <= d <= 0.42 for d in ranged["depths"])
    with pytest.raises(BenchInputError):
        build_sample("memorize", length=4096, seed=1, index=0, depth=0.5)
    with pytest.raises(BenchInputError):
        build_sample("detect_memorize", length=4096, seed=1, index=0, depth=1.5)


def test_ids_match_text_and_sample_token_ids() -> None:
    row = build_sample("reasoning", length=3000, seed=2, index=1, with_ids=True)
    ids = sample_token_ids("minilm", row)
    assert len(ids) == 3000 and ids.dtype == np.int32
    plain = {k: v for k, v in row.items() if not k.endswith("_ids")}
    assert np.array_equal(sample_token_ids("minilm", plain), ids)
    verify_sample("minilm", row)


def test_too_short_length_is_a_clear_error() -> None:
    with pytest.raises(BenchInputError, match="too short"):
        build_sample("reasoning", length=12, seed=0, index=0)


def test_unknown_task_is_a_clear_error() -> None:
    with pytest.raises(BenchInputError, match="unknown task"):
        build_sample("memorise", length=100, seed=0, index=0)


def test_encode_text_equals_the_tokenizer_on_long_text() -> None:
    tok, _ = resolve_tokenizer("minilm")
    row = build_sample("detect_memorize", length=40000, seed=0, index=0, verify=False)
    text = row["context"]
    assert len(text) > 2 * 2**16  # several chunks
    expected = tok(text, add_special_tokens=False)["input_ids"]
    assert encode_text(tok, text).tolist() == expected
    assert encode_text(tok, text, chunk_chars=1000).tolist() == expected
