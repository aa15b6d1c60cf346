"""The AnswerModel contract on real generated samples: predict == argmax of the forward."""

from __future__ import annotations

import torch

from generators import build_sample, sample_token_ids
from rmt_bench.contract import Prediction
from rmt_bench.data import sample_input_ids
from rmt_bench.rmt import RMT, RMTConfig


def samples() -> list[dict]:
    return [build_sample("memorize", length=n, seed=0, index=i) for i, n in enumerate((64, 160))]


def test_sample_input_ids_are_context_then_question() -> None:
    sample = samples()[0]
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16))
    ids = sample_input_ids(model.tokenizer, sample)
    assert ids.dtype == torch.long and ids.numel() == sample["length"]
    assert ids.tolist() == sample_token_ids(model.tokenizer, sample).tolist()


def test_predict_classify_matches_forward_argmax() -> None:
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16))
    model.train()  # predict switches to eval itself and restores the mode
    rows = samples()
    predictions = model.predict(rows)
    assert model.training
    model.eval()
    ids = [sample_input_ids(model.tokenizer, row) for row in rows]
    with torch.no_grad():
        expected = model(ids).logits.argmax(-1).tolist()
    assert [p.label for p in predictions] == expected
    assert all(isinstance(p, Prediction) and p.text == model.labels[p.label] for p in predictions)
    assert [model.num_segments(row["length"]) for row in rows] == [4, 10]


def test_predict_generate_returns_text() -> None:
    model = RMT(
        RMTConfig(backbone="tiny-gpt2", head="generate", memory_tokens=2, segment_size=16)
    ).eval()
    predictions = model.predict(samples())
    assert len(predictions) == 2
    for prediction in predictions:
        assert isinstance(prediction.text, str) and prediction.skipped is None
        assert prediction.label is None or 0 <= prediction.label < len(model.labels)
