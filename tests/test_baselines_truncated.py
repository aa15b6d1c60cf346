"""The truncation baseline: exactly the last (or first + question) window reaches the model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig
from baselines.truncated import TruncatedModel
from generators.build import build_sample
from generators.errors import BenchInputError
from generators.tokens import encode_text, sample_token_ids
from rmt_bench.rmt import RMT, RMTConfig


@pytest.fixture(scope="module")
def inner() -> FullAttentionClassifier:
    return FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert")).eval()


@pytest.fixture(scope="module")
def sample() -> dict:
    return build_sample("memorize", length=900, seed=0, index=3)


def test_last_window(inner: FullAttentionClassifier, sample: dict) -> None:
    model = TruncatedModel(inner, side="last")
    assert model.window_tokens == 510  # 512 positions minus [CLS] and [SEP]
    ids = sample_token_ids(inner.tokenizer, sample)
    window = model.window(sample).numpy()
    np.testing.assert_array_equal(window, ids[-510:])
    with torch.no_grad():
        expected = inner([torch.from_numpy(ids[-510:].astype(np.int64))]).logits.argmax(-1)
    assert model.predict([sample])[0].label == int(expected)


def test_first_window_keeps_the_question(inner: FullAttentionClassifier, sample: dict) -> None:
    model = TruncatedModel(inner, side="first", window_tokens=100)
    ids = sample_token_ids(inner.tokenizer, sample)
    question = encode_text(inner.tokenizer, sample["question"])
    window = model.window(sample).numpy()
    assert len(window) == 100
    np.testing.assert_array_equal(window[: 100 - len(question)], ids[: 100 - len(question)])
    np.testing.assert_array_equal(window[100 - len(question) :], question)
    # memorize puts the fact first: the first window holds it, the last does not
    fact = encode_text(inner.tokenizer, sample["facts"][0])
    np.testing.assert_array_equal(window[: len(fact)], fact)


def test_short_samples_pass_whole(inner: FullAttentionClassifier) -> None:
    short = build_sample("memorize", length=64, seed=0, index=0)
    for side in ("first", "last"):
        window = TruncatedModel(inner, side=side).window(short).numpy()
        np.testing.assert_array_equal(window, sample_token_ids(inner.tokenizer, short))


def test_over_rmt_one_segment(sample: dict) -> None:
    rmt = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=40)).eval()
    model = TruncatedModel(rmt, side="last", window_tokens=rmt.segment_size)
    assert model.num_segments(900) == 1 and model.tokenizer_name == rmt.tokenizer_name
    ids = sample_token_ids(rmt.tokenizer, sample)[-40:]
    with torch.no_grad():
        expected = rmt([torch.from_numpy(ids.astype(np.int64))]).logits.argmax(-1)
    assert model.predict([sample])[0].label == int(expected)
    assert model.describe()["inner"]["kind"] == "rmt"


def test_bad_side(inner: FullAttentionClassifier) -> None:
    with pytest.raises(BenchInputError, match="side"):
        TruncatedModel(inner, side="middle")
