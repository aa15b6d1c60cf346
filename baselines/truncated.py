"""The truncation baseline: a trained model that sees only one window of the sample.

    model = TruncatedModel(FullAttentionClassifier.from_pretrained("fa/"), side="last")
    model = TruncatedModel(RMT.from_pretrained("ckpt/"), side="last", window_tokens=499)
    model.predict(samples)            # list[Prediction]; never skipped for length

The lower bound every memory model must beat: the same backbone and head, but
everything outside the window is dropped. Token windows (ids = context + question,
no special tokens; ``W = window_tokens``, ``q`` = question tokens):

    side="last":   ids[-W:]                              (the question is at the end)
    side="first":  context[:W - q] + question            (the start, and still the question)

The inner model's ``forward(list[1-D LongTensor])`` turns the window into logits,
so the window gets exactly the inner model's own special tokens and head.
``window_tokens`` defaults to what the inner model holds in one pass
(``max_tokens``: its positions minus its special tokens).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from generators.errors import BenchInputError
from rmt_bench.contract import Prediction

KIND = "truncated"
SIDES = ("last", "first")


class TruncatedModel:
    """Answer from the last (or first) ``window_tokens`` tokens only."""

    kind = KIND

    def __init__(self, inner: Any, side: str = "last", window_tokens: int | None = None) -> None:
        if side not in SIDES:
            raise BenchInputError(f"truncation side must be one of {SIDES}, got {side!r}")
        if window_tokens is None:
            window_tokens = getattr(inner, "max_tokens", None)
        if window_tokens is None or int(window_tokens) < 1:
            raise BenchInputError(f"cannot tell the window size of a {type(inner).__name__}")
        self.inner = inner
        self.side = side
        self.window_tokens = int(window_tokens)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.inner.labels)

    @property
    def tokenizer_name(self) -> str:
        return self.inner.tokenizer_name

    def num_segments(self, n_tokens: int) -> int:
        return 1

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "side": self.side,
            "window_tokens": self.window_tokens,
            "inner": self.inner.describe(),
        }

    def window(self, sample: Mapping[str, Any]) -> torch.Tensor:
        """The 1-D ids this model reads from one sample (see the module docstring)."""
        from generators.tokens import encode_text, sample_token_ids

        tokenizer = self.inner.tokenizer
        ids = sample_token_ids(tokenizer, sample)  # (n_tokens,) context + question
        if len(ids) > self.window_tokens:
            if self.side == "last":
                ids = ids[-self.window_tokens :]
            else:
                question = sample.get("question_ids")
                if question is None:
                    question = encode_text(tokenizer, sample["question"])
                q = len(question)
                keep = max(self.window_tokens - q, 0)
                ids = np.concatenate([ids[:keep], ids[len(ids) - q :]])[-self.window_tokens :]
        return torch.from_numpy(ids.astype("int64", copy=True))

    @torch.no_grad()
    def predict(self, samples: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        windows = [self.window(sample) for sample in samples]
        was_training = self.inner.training
        self.inner.eval()
        try:
            logits = self.inner(windows).logits  # (batch, num_labels)
        finally:
            self.inner.train(was_training)
        best = logits.argmax(-1).tolist()
        return [Prediction(label=int(i), text=self.labels[int(i)]) for i in best]
