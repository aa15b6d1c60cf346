"""Answer heads on top of a hidden state; independent of the recurrence.

    head = ClassificationHead(hidden_size=384, num_labels=6, dropout=0.1, seed=0)
    logits = head(states)                           # (B, H) -> (B, num_labels)

    answers = LabelTokens(tokenizer, labels)        # generative head: label <-> token ids
    answers.ids[k]                                  # LongTensor of label k's answer tokens
    answers.first_ids                               # (num_labels,) first token of each label
    answers.match("kitchen.")                       # -> label index or None

The classification head reads the last segment's [CLS] (encoders) or last
token (decoders); the full-attention baseline reuses it on a plain backbone.
It always computes in its weights' dtype (fp32), autocast or not
(``rmt_bench.precision``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from generators.errors import BenchInputError
from rmt_bench.precision import full_precision


class ClassificationHead(nn.Module):
    """dropout -> dense -> tanh -> dropout -> linear, over the answer labels."""

    def __init__(self, hidden_size: int, num_labels: int, dropout: float = 0.1, seed: int = 0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.out = nn.Linear(hidden_size, num_labels)
        generator = torch.Generator().manual_seed(seed + 1)
        for layer in (self.dense, self.out):
            with torch.no_grad():
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * 0.02)
                layer.bias.zero_()

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """(B, H) -> (B, num_labels), in the head's dtype even under bf16 autocast."""
        with full_precision(states.device):
            states = states.to(self.dense.weight.dtype)
            hidden = torch.tanh(self.dense(self.dropout(states)))
            return self.out(self.dropout(hidden))


class LabelTokens:
    """The token ids of each label as an answer (``" " + label``, no special tokens)."""

    def __init__(self, tokenizer: Any, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        self.ids = [
            torch.tensor(tokenizer.encode(" " + label, add_special_tokens=False), dtype=torch.long)
            for label in self.labels
        ]
        if any(ids.numel() == 0 for ids in self.ids):
            raise BenchInputError("every label must tokenize to at least one token")
        firsts = [int(ids[0]) for ids in self.ids]
        if len(set(firsts)) != len(firsts):
            raise BenchInputError(
                "the generative head scores labels by their first answer token; "
                f"labels {list(self.labels)} share a first token with this tokenizer"
            )
        self.first_ids = torch.tensor(firsts, dtype=torch.long)
        self.max_tokens = max(int(ids.numel()) for ids in self.ids)
        self._tokenizer = tokenizer

    def match(self, text: str) -> int | None:
        """The label the generated ``text`` starts with (case-insensitive), else None."""
        words = re.findall(r"[\w'-]+", text.lower())
        if not words:
            return None
        for index, label in enumerate(self.labels):
            label_words = re.findall(r"[\w'-]+", label.lower())
            if words[: len(label_words)] == label_words:
                return index
        return None

    def decode(self, ids: Sequence[int]) -> str:
        return str(self._tokenizer.decode(list(ids), skip_special_tokens=True)).strip()
