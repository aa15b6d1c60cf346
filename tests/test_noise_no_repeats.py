"""Noise never repeats within a sample, and text folders split by document (train/test)."""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pytest

from generators import BenchInputError, build_sample, resolve_tokenizer
from generators.noise_builtin import builtin_sentences
from generators.noise_sources import document_files, iter_sentences, load_pool
from generators.sentences import split_sentences

WORDS = ("amber", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath", "inlet", "juniper")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))
    return tmp_path_factory.getbasetemp() / "rmt-cache"


def _distinct_sentences(count: int) -> list[str]:
    """``count`` distinct sentences of 3-7 words (word choice by index, no randomness)."""
    out = []
    for i in range(count):
        words = [WORDS[(i // 10**k) % 10] for k in range(3 + i % 5)]
        out.append(" ".join(words).capitalize() + ".")
    return list(dict.fromkeys(out))


def test_builtin_sentences_are_distinct_and_deterministic() -> None:
    sentences = builtin_sentences(20000)
    assert len(set(sentences)) == len(sentences) == 20000
    assert sentences[:100] == builtin_sentences(100)  # a prefix of the same stream


@pytest.mark.parametrize("index", range(6))
def test_a_sample_using_most_of_the_pool_repeats_no_noise_sentence(
    tmp_path: Path, index: int
) -> None:
    sentences = _distinct_sentences(400)
    (tmp_path / "notes.txt").write_text(" ".join(sentences), encoding="utf-8")
    spec = f"text:{tmp_path}"
    pool = load_pool(spec, resolve_tokenizer("minilm")[0])
    length = int(pool.total_tokens * 0.9)  # the run and its fillers must share the pool
    row = build_sample("detect_memorize", length=length, seed=3, index=index, noise=spec)
    counts = collections.Counter(split_sentences(row["context"]))
    repeated = {s: n for s, n in counts.items() if n > 1}
    assert not repeated
    assert set(counts) - set(row["facts"]) <= set(sentences)


def test_fillers_prefer_sentences_outside_the_run() -> None:
    pool_like = load_pool("builtin", resolve_tokenizer("minilm")[0])
    rng = np.random.default_rng(0)
    start, end = 10, 10 + pool_like.n - 50  # all but 50 sentences are in the run
    for tokens in (3, 9, 17, 30):
        picked = pool_like.decompose(rng, tokens, avoid=(start, end))
        assert sum(pool_like.length_of(j) for j in picked) == tokens
        assert len(set(picked)) == len(picked)
        free = [j for j in picked if not pool_like.in_run(j, (start, end))]
        lengths_outside = {
            pool_like.length_of(j % pool_like.n) for j in range(end, start + pool_like.n)
        }
        for j in picked:  # inside the run only when no free sentence of its length exists
            if j not in free:
                assert pool_like.length_of(j) not in lengths_outside


def test_document_split_halves_are_disjoint_and_cover_the_folder(tmp_path: Path) -> None:
    for i in range(5):
        story = " ".join(f"Line {k} of book {i} {'and so ' * (k % 7)}on." for k in range(40))
        (tmp_path / f"book{i}.txt").write_text(f"Book {i} begins. {story}", encoding="utf-8")
    train = document_files(f"{tmp_path}?split=train", (".txt",), "text noise")
    test = document_files(f"{tmp_path}?split=test", (".txt",), "text noise")
    assert [p.name for p in train] == ["book0.txt", "book2.txt", "book4.txt"]
    assert [p.name for p in test] == ["book1.txt", "book3.txt"]
    sentences = list(iter_sentences(f"text:{tmp_path}?split=test"))
    assert sentences[0] == "Book 1 begins." and sentences[41] == "Book 3 begins."
    assert len(sentences) == 82
    row = build_sample("memorize", length=400, seed=0, index=0, noise=f"text:{tmp_path}?split=test")
    assert "book 1" in row["context"] or "book 3" in row["context"]
    for held_out in ("book 0", "book 2", "book 4"):
        assert held_out not in row["context"]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("?split=dev", r"use \?split=train or \?split=test"),
        ("?lang=en", r"use \?split=train or \?split=test"),
        ("/one.txt?split=train", "at least 2 files"),
    ],
)
def test_bad_document_split(tmp_path: Path, argument: str, message: str) -> None:
    (tmp_path / "one.txt").write_text("Only one book here.", encoding="utf-8")
    with pytest.raises(BenchInputError, match=message) as info:
        build_sample("memorize", length=200, seed=0, index=0, noise=f"text:{tmp_path}{argument}")
    assert "\n" not in str(info.value)
