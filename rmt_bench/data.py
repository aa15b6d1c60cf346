"""Samples -> token-id tensors, and the right-aligned segment split RMT uses.

    ids = sample_input_ids(tokenizer, sample)        # LongTensor (n,), context + question ids
    num_segments(n_tokens, segment_size)             # ceil(n / s), at least 1
    segment_bounds(n_tokens, segment_size)           # [(start, end), ...] first one short
    plan = SegmentPlan([len(x) for x in ids], 499)   # a batch with different segment counts
    for step in range(plan.steps): rows, bounds = plan.active(step)

Segments are right-aligned: the *first* segment holds the remainder, so the
question (at the end of the sample) always lands in the last segment. In a
batch, samples are aligned at their last segment: a sample with fewer segments
joins the recurrence later, and every sample ends on the final step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generators.errors import BenchInputError


class StreamedIds:
    """A 1-D id sequence that hands out LongTensor slices of ``TokenPieces``, never joined.

    It is what ``sample_input_ids`` returns for a row built with ``text=False``:
    the segment loop slices ``ids[start:end]`` one segment at a time, so only
    one segment per row is ever a tensor.
    """

    def __init__(self, pieces: Any) -> None:
        self.pieces = pieces  # generators.token_pieces.TokenPieces

    def numel(self) -> int:
        return len(self.pieces)

    def value_range(self) -> tuple[int, int] | None:
        return self.pieces.value_range()

    def __getitem__(self, key: slice) -> Any:
        import numpy as np
        import torch

        return torch.from_numpy(np.asarray(self.pieces[key], dtype=np.int64))


def sample_input_ids(tokenizer: Any, sample: Mapping[str, Any]) -> Any:
    """Context + question ids of one sample (no special tokens) as a 1-D LongTensor.

    A row whose ``context_ids`` is a ``TokenPieces`` (``build_sample(text=False)``)
    gives a ``StreamedIds`` instead: the same ids, sliced on demand.
    """
    import numpy as np
    import torch

    from generators import sample_token_ids  # provided by the generators package
    from generators.token_pieces import TokenPieces

    context = sample.get("context_ids")
    if isinstance(context, TokenPieces):
        question = sample.get("question_ids")
        if question is None:
            raise BenchInputError(
                f"sample {sample.get('id', '?')}: streamed rows need question_ids"
            )
        return StreamedIds(context + np.asarray(question, dtype=np.int32))
    ids = np.asarray(sample_token_ids(tokenizer, sample))
    if ids.ndim != 1:
        raise BenchInputError(f"sample {sample.get('id', '?')}: token ids must be one-dimensional")
    return torch.from_numpy(ids.astype(np.int64, copy=False))


def fact_token_spans(tokenizer: Any, sample: Mapping[str, Any]) -> list[tuple[int, int]]:
    """Each fact's token range [start, end) in ``sample_input_ids`` (facts come first there).

    A fact after the first token is tokenized with its leading space, as the
    generator placed it (``generators.build.verify_sample``).
    """
    from generators.tokens import encode_batch, resolve_tokenizer

    tok, _ = resolve_tokenizer(tokenizer)
    positions = [int(p) for p in sample.get("fact_positions") or ()]
    facts = list(sample.get("facts") or ())
    if len(facts) != len(positions):
        raise BenchInputError(
            f"sample {sample.get('id', '?')}: {len(facts)} facts but {len(positions)} positions"
        )
    texts = [fact if pos == 0 else " " + fact for fact, pos in zip(facts, positions, strict=True)]
    lengths = [len(ids) for ids in encode_batch(tok, texts)] if texts else []
    return [(pos, pos + n) for pos, n in zip(positions, lengths, strict=True)]


def num_segments(n_tokens: int, segment_size: int) -> int:
    """How many segments ``n_tokens`` task tokens take (an empty input still takes one)."""
    if segment_size < 1:
        raise BenchInputError(f"segment size must be positive, got {segment_size}")
    if n_tokens < 0:
        raise BenchInputError(f"token count must be >= 0, got {n_tokens}")
    return max(1, -(-n_tokens // segment_size))


def first_segment_length(n_tokens: int, segment_size: int) -> int:
    """Length of the (short) first segment under right alignment."""
    return n_tokens - (num_segments(n_tokens, segment_size) - 1) * segment_size


def segment_bounds(n_tokens: int, segment_size: int) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` of each segment, right-aligned (only the first may be short)."""
    first = first_segment_length(n_tokens, segment_size)
    bounds = [(0, first)]
    for start in range(first, n_tokens, segment_size):
        bounds.append((start, start + segment_size))
    return bounds


class SegmentPlan:
    """Which rows of a batch are active at each recurrent step, and on which token span.

    Rows are aligned at their last segment: with ``steps = max(segments)``, row
    ``i`` is active from step ``steps - segments[i]`` on.
    """

    def __init__(self, lengths: Sequence[int], segment_size: int) -> None:
        self.lengths = [int(n) for n in lengths]
        self.segment_size = int(segment_size)
        self.segments = [num_segments(n, self.segment_size) for n in self.lengths]
        self.firsts = [first_segment_length(n, self.segment_size) for n in self.lengths]
        self.steps = max(self.segments) if self.segments else 0

    def starting(self, step: int) -> list[int]:
        """Rows whose first segment is ``step``."""
        return [row for row, count in enumerate(self.segments) if self.steps - count == step]

    def active(self, step: int) -> tuple[list[int], list[tuple[int, int]]]:
        """Active row indices at ``step`` and each one's ``(start, end)`` token span."""
        rows: list[int] = []
        bounds: list[tuple[int, int]] = []
        for row, (count, first) in enumerate(zip(self.segments, self.firsts, strict=True)):
            local = step - (self.steps - count)
            if local < 0:
                continue
            rows.append(row)
            if local == 0:
                bounds.append((0, first))
            else:
                start = first + (local - 1) * self.segment_size
                bounds.append((start, start + self.segment_size))
        return rows, bounds
