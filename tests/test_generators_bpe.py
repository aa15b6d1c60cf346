"""Exactness on a byte-level BPE tokenizer (GPT-2 style), trained here on a little text.

GPT-2's own tokenizer cannot be downloaded offline, so the fixture trains a
small byte-level BPE with the ``tokenizers`` library, saves it with
``save_pretrained`` and loads it back through ``AutoTokenizer`` by path, the way
a user's ``--tokenizer PATH`` is loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generators import build_sample, encode_text, resolve_tokenizer, sample_token_ids
from generators.noise_builtin import builtin_sentences
from generators.tokens import check_additive


@pytest.fixture(scope="module")
def bpe_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    text = builtin_sentences(3000, seed=5) + ["Mary moved to the bathroom. Where is Mary?"] * 5
    tokenizer.train_from_iterator(text, trainer)
    directory = tmp_path_factory.mktemp("bpe")
    PreTrainedTokenizerFast(tokenizer_object=tokenizer).save_pretrained(directory)
    return str(directory)


@pytest.fixture(scope="module")
def noise(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small text noise source (preparing the full built-in pool twice would be slow)."""
    path = tmp_path_factory.mktemp("noise") / "noise.txt"
    path.write_text(" ".join(builtin_sentences(4000, seed=11)), encoding="utf-8")
    return f"text:{path}"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def test_bpe_is_not_whitespace_agnostic(bpe_dir: str) -> None:
    tok, _ = resolve_tokenizer(bpe_dir)
    assert encode_text(tok, "Mary").tolist() != encode_text(tok, " Mary").tolist()
    check_additive(tok)


@pytest.mark.parametrize("task", ["memorize", "detect_memorize", "reasoning"])
@pytest.mark.parametrize("length", [90, 257, 1000, 5000])
def test_bpe_lengths_are_exact_and_facts_at_offsets(
    bpe_dir: str, noise: str, task: str, length: int
) -> None:
    tok, _ = resolve_tokenizer(bpe_dir)
    for index in range(3):
        row = build_sample(
            task,
            length=length,
            seed=1,
            index=index,
            tokenizer=bpe_dir,
            noise=noise,
            verify=False,
            with_ids=True,
        )
        context = np.asarray(tok(row["context"], add_special_tokens=False)["input_ids"])
        question = np.asarray(tok(row["question"], add_special_tokens=False)["input_ids"])
        assert len(context) + len(question) == length
        assert np.array_equal(row["context_ids"], context)
        assert np.array_equal(sample_token_ids(tok, row), np.concatenate([context, question]))
        for fact, pos in zip(row["facts"], row["fact_positions"], strict=True):
            ids = tok(fact if pos == 0 else " " + fact, add_special_tokens=False)["input_ids"]
            assert context[pos : pos + len(ids)].tolist() == ids


def test_bpe_long_text_encodes_in_chunks(bpe_dir: str, noise: str) -> None:
    tok, _ = resolve_tokenizer(bpe_dir)
    row = build_sample(
        "detect_memorize", length=30000, seed=0, index=0, tokenizer=bpe_dir, noise=noise
    )
    expected = tok(row["context"], add_special_tokens=False)["input_ids"]
    assert encode_text(tok, row["context"], chunk_chars=777).tolist() == expected


def test_bpe_and_bert_rows_differ_but_are_each_exact(bpe_dir: str, noise: str) -> None:
    bpe = build_sample("reasoning", length=600, seed=0, index=0, tokenizer=bpe_dir, noise=noise)
    bert = build_sample("reasoning", length=600, seed=0, index=0, noise=noise)
    assert bpe["tokenizer"] == bpe_dir and bert["tokenizer"] == "minilm"
    assert bpe["facts"] == bert["facts"]  # facts come from the RNG, not from the tokenizer
    assert bpe["context"] != bert["context"]


def test_unknown_tokenizer_is_one_clear_line(tmp_path: Path) -> None:
    from generators import BenchInputError

    with pytest.raises(BenchInputError) as info:
        build_sample("memorize", length=100, seed=0, index=0, tokenizer=str(tmp_path / "nope"))
    assert "\n" not in str(info.value) and "tokenizer" in str(info.value)
