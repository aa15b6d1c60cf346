"""Noise sources: built-in English, PG19 (real books), text, QuALITY JSON lines, HF, caching."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from generators import BenchInputError, build_sample, encode_text, resolve_tokenizer
from generators.noise_builtin import builtin_sentences
from generators.noise_sources import iter_sentences, load_pool, pool_directory, strip_gutenberg
from generators.sentences import split_sentences
from generators.world import MOVES, PEOPLE, ROOMS


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.getbasetemp() / "rmt-cache"  # shared by the session's tests
    monkeypatch.setenv("RMT_BENCH_CACHE", str(cache))
    return cache


def _exact(row: dict) -> None:
    tok, _ = resolve_tokenizer("minilm")
    n = len(encode_text(tok, row["context"])) + len(encode_text(tok, row["question"]))
    assert n == row["length"]


def test_builtin_noise_is_deterministic_varied_and_never_changes_an_answer() -> None:
    sentences = builtin_sentences(5000)
    assert sentences == builtin_sentences(5000)
    assert len(set(sentences)) == 5000

    def mentions(sentence: str, words: tuple[str, ...]) -> bool:
        return any(re.search(rf"\b{word}\b", sentence) for word in words)

    # The facts' words appear (no lexical shortcut), but never together and never moving.
    with_person = [s for s in sentences if mentions(s, PEOPLE)]
    with_room = [s for s in sentences if mentions(s, ROOMS)]
    assert len(with_person) > 40 and len(with_room) > 40
    assert not [s for s in with_person if mentions(s, ROOMS)]
    text = " ".join(sentences)
    assert not re.search(r"\b(north|south|east|west) of\b", text)
    # Same surface style as facts: capitalised, ends with a period (mostly), names and places.
    assert all(s[0].isupper() or s[0] == '"' for s in sentences)
    assert sum(s.endswith(".") for s in sentences) > 0.8 * len(sentences)
    words = [len(s.split()) for s in sentences]
    assert min(words) <= 2 and max(words) >= 25 and 4 <= np.median(words) <= 20
    moves = "|".join(MOVES)
    assert not re.search(rf"\b({moves}) to\b", text)  # never a movement statement


def test_facts_are_not_findable_by_formatting() -> None:
    """A fact looks like its neighbours: a capitalised short sentence ending in '.'."""
    row = build_sample("detect_memorize", length=3000, seed=0, index=0, noise="builtin")
    sentences = list(split_sentences(row["context"]))
    fact = row["facts"][0]
    assert fact in sentences
    lengths = [len(s.split()) for s in sentences]
    similar = [s for s in sentences if s != fact and len(s.split()) == len(fact.split())]
    assert similar, "some noise sentences have the fact's word count"
    assert all(s[0].isupper() or s[0] == '"' for s in sentences)
    assert min(lengths) < len(fact.split()) < max(lengths)


def test_pool_is_prepared_once_and_cached_on_disk(_cache: Path) -> None:
    tok, _ = resolve_tokenizer("minilm")
    directory = pool_directory("builtin", tok)
    assert directory.parent.parent == _cache
    load_pool.__globals__["_POOLS"].clear()
    load_pool("builtin", tok)
    meta = directory / "meta.json"
    stamp = meta.stat().st_mtime_ns
    assert {p.name for p in directory.iterdir()} >= {"ids.bin", "text.bin", "tok_offsets.npy"}
    load_pool.__globals__["_POOLS"].clear()  # a new process would find it on disk
    pool = load_pool("builtin", tok)
    assert meta.stat().st_mtime_ns == stamp
    # The cached ids are the tokenizer's own ids of the cached text.
    text = b"".join(pool.span_text(0, 200)).decode()
    assert np.array_equal(np.concatenate(pool.span_ids(0, 200)), encode_text(tok, text))


def test_pg19_boilerplate_is_stripped(pg19_dir: Path) -> None:
    for book in sorted(pg19_dir.glob("*.txt")):
        raw = book.read_bytes().decode("utf-8", errors="replace")
        assert "Project Gutenberg" in raw and "\r\n" in raw
        text = strip_gutenberg(raw)
        assert "gutenberg" not in text.lower()
        assert "*** START" not in text and "END OF TH" not in text
        assert "\r" not in text and len(text) > 0.8 * len(raw) - 30000
    sentences = list(iter_sentences(f"pg19:{pg19_dir}"))
    assert len(sentences) > 3000
    assert not any("Gutenberg" in s or "e-text" in s.lower() for s in sentences)


def test_pg19_noise_rows_are_exact(pg19_dir: Path) -> None:
    row = build_sample("reasoning", length=5000, seed=0, index=0, noise=f"pg19:{pg19_dir}")
    assert row["noise_source"] == f"pg19:{pg19_dir}"
    _exact(row)


def _quality_record(article_id: str, article: str) -> dict:
    return {
        "article_id": article_id,
        "set_unique_id": f"{article_id}_1",
        "batch_num": "1",
        "writer_id": "1",
        "source": "Gutenberg",
        "title": "A Title",
        "year": 1950,
        "author": "An Author",
        "topic": "",
        "article": article,
        "questions": [
            {
                "question": "What happened?",
                "question_unique_id": f"{article_id}_q1",
                "options": ["a", "b", "c", "d"],
                "gold_label": 2,
                "writer_label": 2,
                "validation": [],
                "speed_validation": [],
                "difficult": 0,
            }
        ],
    }


@pytest.fixture()
def quality_file(tmp_path: Path) -> Path:
    articles = {
        "100": "<html>The ship left port at dawn. Captain Vane watched the sea.\n\n"
        "Nobody spoke for an hour. Then the radio crackled!",
        "200": 'Dr. Ames opened the vault. It was empty. "Where did it go?" she asked.',
    }
    path = tmp_path / "QuALITY.v1.0.1.htmlstripped.train"
    lines = [json.dumps(_quality_record(k, v)) for k, v in articles.items()]
    lines.append(json.dumps(_quality_record("100", articles["100"])))  # same article again
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_quality_jsonl_and_zip(quality_file: Path, tmp_path: Path) -> None:
    sentences = list(iter_sentences(f"quality:{quality_file}"))
    assert sentences[:2] == ["<html>The ship left port at dawn.", "Captain Vane watched the sea."]
    assert sentences.count("Nobody spoke for an hour.") == 1  # articles deduplicated by id
    assert "Dr. Ames opened the vault." in sentences
    archive = tmp_path / "QuALITY.v1.0.1.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(quality_file, f"QuALITY.v1.0.1/{quality_file.name}")
    assert list(iter_sentences(f"quality:{archive}")) == sentences
    row = build_sample(
        "detect_memorize", length=400, seed=0, index=1, noise=f"quality:{quality_file}"
    )
    _exact(row)
    assert "Captain Vane" in row["context"] or "Ames" in row["context"]


def test_quality_malformed_line_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"article_id": "1", "article": "Fine."}\n{"title": "no article"}\n')
    with pytest.raises(BenchInputError, match="malformed QuALITY line 2"):
        list(iter_sentences(f"quality:{bad}"))
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(BenchInputError):
        list(iter_sentences(f"quality:{broken}"))


def test_text_source_file_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "b.txt").write_text("Second file here. It has two sentences.", encoding="utf-8")
    (folder / "a.txt").write_text("First file.\r\nIt wraps\r\nover lines.", encoding="utf-8")
    assert list(iter_sentences(f"text:{folder}")) == [
        "First file.",
        "It wraps over lines.",
        "Second file here.",
        "It has two sentences.",
    ]
    row = build_sample("memorize", length=300, seed=0, index=0, noise=f"text:{folder}")
    _exact(row)
    assert "Second file here." in row["context"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nonsense", "unknown noise source"),
        ("text:/no/such/path", "not found"),
        ("text:", "needs an argument"),
        ("builtin:x", "takes no argument"),
        ("hf:surely/not-a-dataset-xyz", "cannot load HF dataset"),
    ],
)
def test_bad_noise_specs(spec: str, message: str) -> None:
    with pytest.raises(BenchInputError, match=message) as info:
        build_sample("memorize", length=300, seed=0, index=0, noise=spec)
    assert "\n" not in str(info.value)


def test_empty_text_source_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("   \n\n", encoding="utf-8")
    spec = f"text:{tmp_path}"
    with pytest.raises(BenchInputError, match="holds no text"):
        build_sample("memorize", length=300, seed=0, index=0, noise=spec)
    directory = pool_directory(spec, resolve_tokenizer("minilm")[0])
    assert not directory.exists()  # nothing half-written
    assert not [p for p in directory.parent.iterdir() if p.name.startswith(".")]


def test_sentence_splitter_rules() -> None:
    text = 'Mr. Smith paid $3.50 in St. Paul. "Really?" she asked. J. R. Hale agreed!\n\nNew. 1887 came.'
    assert list(split_sentences(text)) == [
        "Mr. Smith paid $3.50 in St. Paul.",
        '"Really?" she asked.',
        "J. R. Hale agreed!",
        "New.",
        "1887 came.",
    ]
