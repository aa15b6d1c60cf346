"""Samples streamed as pool views: TokenPieces, build_sample(text=False), the RMT and the harness.

A model that sets ``streams_token_ids`` gets rows without text whose ids are
views of the noise pool; its answers must equal those on fully built rows, and
a row's own memory must not grow with its length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from generators.build import build_sample
from generators.errors import BenchInputError
from generators.noise_sources import load_pool
from generators.token_pieces import TokenPieces
from generators.tokens import resolve_tokenizer
from rmt_bench.data import StreamedIds, sample_input_ids
from rmt_bench.evaluate import EvalConfig, evaluate, read_rows
from rmt_bench.rmt import RMT, RMTConfig


def test_token_pieces_slices_match_the_joined_sequence() -> None:
    rng = np.random.default_rng(0)
    parts = [rng.integers(0, 1000, size=n).astype(np.int32) for n in (5, 0, 1, 17, 3, 40)]
    joined = np.concatenate(parts)
    pieces = TokenPieces(parts)
    assert len(pieces) == len(joined) == 66
    assert len(pieces.pieces) == 5  # the empty piece is dropped
    for start, stop in [(0, 66), (0, 5), (4, 7), (5, 6), (6, 23), (22, 66), (60, 100), (30, 30)]:
        got = pieces[start:stop]
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, joined[start:stop])
    np.testing.assert_array_equal(pieces[-10:], joined[-10:])
    np.testing.assert_array_equal(np.asarray(pieces), joined)
    assert pieces.value_range() == (int(joined.min()), int(joined.max()))
    extended = pieces + np.array([7, 8], dtype=np.int32)
    np.testing.assert_array_equal(np.asarray(extended), np.r_[joined, 7, 8])
    assert TokenPieces([]).value_range() is None and len(TokenPieces([])) == 0


def test_token_pieces_refuse_what_they_cannot_do() -> None:
    pieces = TokenPieces([np.arange(10, dtype=np.int32)])
    with pytest.raises(TypeError):
        pieces[3]
    with pytest.raises(ValueError):
        pieces[0:10:2]
    with pytest.raises(ValueError):
        TokenPieces([np.zeros((2, 2), dtype=np.int32)])


@pytest.mark.parametrize("task", ["memorize", "detect_memorize", "reasoning"])
@pytest.mark.parametrize("length", [300, 20_000])  # checked against the text / not re-tokenized
def test_rows_without_text_have_the_same_ids(task: str, length: int) -> None:
    full = build_sample(task, length=length, seed=3, index=1, with_ids=True)
    lean = build_sample(task, length=length, seed=3, index=1, with_ids=True, text=False)
    assert "context" not in lean
    assert isinstance(lean["context_ids"], TokenPieces)
    for key in ("id", "answer", "label", "facts", "fact_positions", "question"):
        assert lean[key] == full[key]
    np.testing.assert_array_equal(np.asarray(lean["context_ids"]), full["context_ids"])
    streamed, whole = sample_input_ids("minilm", lean), sample_input_ids("minilm", full)
    assert isinstance(streamed, StreamedIds) and streamed.numel() == length
    assert torch.equal(streamed[0:length], whole)
    assert torch.equal(streamed[length - 77 : length - 3], whole[-77:-3])


def test_a_row_without_text_does_not_grow_with_length() -> None:
    pool = load_pool("builtin", resolve_tokenizer("minilm")[0])

    def owned_bytes(length: int) -> int:  # bytes the row holds outside the mmapped pool
        row = build_sample(
            "memorize", length=length, seed=0, index=0, noise="builtin", with_ids=True, text=False
        )
        pieces = row["context_ids"].pieces
        assert sum(len(p) for p in pieces) == length - len(row["question_ids"])
        return sum(p.nbytes for p in pieces if not np.shares_memory(p, pool.ids))

    assert owned_bytes(4_000_000) < 4096
    assert owned_bytes(4_000_000) <= owned_bytes(40_000) + 1024


def test_text_false_needs_ids() -> None:
    with pytest.raises(ValueError, match="with_ids"):
        build_sample("memorize", length=300, seed=0, index=0, text=False)


def test_the_rmt_refuses_streamed_ids_outside_its_vocabulary() -> None:
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=30))
    vocab = model.cell.embeddings.num_embeddings
    bad = StreamedIds(TokenPieces([np.array([1, 2, vocab], dtype=np.int32)]))
    with pytest.raises(BenchInputError, match="token ids must lie"):
        model.stream_logits([bad])


def _rows(out: Path, model: RMT) -> list[dict]:
    config = EvalConfig(
        model="tiny", name="tiny", task="detect_memorize", lengths="150,2000", num_samples=3,
        out=str(out), progress=False, batch_size=2,
    )  # fmt: skip
    evaluate(config, model=model)
    return read_rows(out / "tiny.detect_memorize.jsonl")


def test_the_harness_streams_rows_and_answers_as_on_whole_rows(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=50))
    seen: list[type] = []
    predict = model.predict

    def spy(samples):
        seen.extend(type(s["context_ids"]) for s in samples)
        return predict(samples)

    model.predict = spy
    streamed = _rows(tmp_path / "streamed", model)
    assert set(seen) == {TokenPieces}
    model.streams_token_ids = False  # this instance reads whole rows
    seen.clear()
    whole = _rows(tmp_path / "whole", model)
    assert set(seen) == {np.ndarray}

    def key(row: dict) -> tuple:
        return row["sample_id"], row["prediction"], row["correct"], row["segments"]

    assert [key(r) for r in streamed] == [key(r) for r in whole]
    assert len(streamed) == 6
