"""The model contract: every model kind answers samples through one interface.

The evaluation harness only ever calls ``model.predict(samples)``; it never
branches on the model kind. A *sample* is one dataset row (a mapping with at
least ``context``, ``question``, ``answer``, ``label``, ``tokenizer``; see
``generators``). Kinds: ``rmt`` (rmt_bench.rmt), ``full-attention``,
``truncated`` and ``prompted`` (baselines/).

Trainable kinds are also ``torch.nn.Module`` s whose ``forward`` takes a list
of 1-D token-id tensors (context + question, no special tokens) and optional
labels and returns a ``ClassifierOutput``; they save and load a checkpoint
directory with ``save_pretrained(dir)`` / ``from_pretrained(dir)``.

A model whose class sets ``streams_token_ids = True`` reads only a sample's
``context_ids`` / ``question_ids`` and consumes them segment by segment: the
harness then builds generated samples without their text and with
``context_ids`` as a ``generators.token_pieces.TokenPieces`` (views of the
noise pool), so a sample's memory does not grow with its length.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

SKIPPED_MAX_POSITIONS = "exceeds max positions"
SKIPPED_OOM = "oom"


@dataclass(frozen=True)
class Prediction:
    """One model answer. ``label`` indexes ``model.labels``; None if skipped or unmatched."""

    label: int | None
    text: str
    skipped: str | None = None


@dataclass
class ClassifierOutput:
    """What a trainable model's forward returns: logits (batch, num_labels) and the loss.

    Recurrent models also return ``state``: the memory the samples ended with,
    detached (a tensor, or a tuple for ARMT); None for models without one.
    """

    logits: Any
    loss: Any = None
    state: Any = None


@runtime_checkable
class AnswerModel(Protocol):
    """Anything that answers benchmark samples."""

    kind: str
    labels: Sequence[str]

    @property
    def tokenizer_name(self) -> str:
        """The tokenizer the model reads with (checked against the dataset's)."""
        ...

    def describe(self) -> dict[str, Any]:
        """The resolved configuration (JSON-able): it goes into the result rows' config hash."""
        ...

    def predict(self, samples: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """Answer a batch of samples; a sample that cannot run gives ``skipped``, not an error."""
        ...
