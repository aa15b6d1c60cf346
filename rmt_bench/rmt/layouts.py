"""Token layouts of one RMT segment step, for encoder and decoder backbones.

    layout = EncoderLayout(m, cls_id, sep_id, pad_id)      # BERT family
    layout = DecoderLayout(m)                               # GPT-2 / GPT-Neo / Llama family
    step = layout.build([seg_a, seg_b])                     # 1-D LongTensors, any lengths
    embeds = step.embed(word_embeddings, memory)            # (A, T, H), memory (A, m, H)
    new_memory = hidden[:, step.write]                      # (A, m, H)

Encoder (memory read and written at the same positions; right padding):

    [CLS] [MEM x m] [SEP] segment [SEP] (pad)      with m = 0:  [CLS] segment [SEP] (pad)

Decoder (read memory prepended, write memory appended; a causal mask lets the
write tokens see the whole segment; padding sits *between* the segment and
the write block so the write tokens are at the same positions in every row,
while position ids stay contiguous over the real tokens):

    [MEM_read x m] segment (pad) [MEM_write x m]

Decoder, last segment of the generative head (answer tokens teacher-forced):

    [MEM_read x m] segment answer (pad)

Positions restart at 0 in every segment. ``step.answer_index`` (A,) is the
position whose last-layer state feeds the classifier: [CLS] for encoders, the
last segment token for decoders. Memory slots hold placeholder ids
(``pad``) that ``embed`` replaces with the memory vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from generators.errors import BenchInputError


@dataclass
class StepInputs:
    """Backbone inputs of one segment step for the A active rows (T positions)."""

    ids: torch.Tensor  # (A, T) long, placeholders at memory slots
    attention_mask: torch.Tensor | None  # (A, T) long; None when no row is padded
    position_ids: torch.Tensor | None  # (A, T) long; None = 0..T-1 (the backbone default)
    read: slice  # memory read positions
    write: slice  # memory write positions (== read for encoders)
    answer_index: torch.Tensor  # (A,) long: classifier position per row
    memory_slots: tuple[slice, ...]  # where ``embed`` puts the memory vectors
    answer_targets: torch.Tensor | None = None  # (A, K) long, -100 = ignore (generative head)

    def embed(self, word_embeddings: Any, memory: torch.Tensor | None) -> torch.Tensor:
        """Token embeddings (A, T, H) with the memory (A, m, H) placed at its slots."""
        embeds = word_embeddings(self.ids)
        if memory is None or not self.memory_slots:
            return embeds
        memory = memory.to(embeds.dtype)
        pieces: list[torch.Tensor] = []
        cursor = 0
        for slot in self.memory_slots:  # slots are sorted and disjoint
            pieces.append(embeds[:, cursor : slot.start])
            pieces.append(memory)
            cursor = slot.stop
        pieces.append(embeds[:, cursor:])
        return torch.cat(pieces, dim=1)


def _lengths(segments: Sequence[torch.Tensor]) -> list[int]:
    return [int(segment.shape[0]) for segment in segments]


class EncoderLayout:
    """``[CLS] [MEM x m] [SEP] segment [SEP] (pad)``; memory in/out at positions 1..m."""

    kind = "encoder"

    def __init__(self, memory_tokens: int, cls_id: int, sep_id: int, pad_id: int) -> None:
        self.m = memory_tokens
        self.cls_id, self.sep_id, self.pad_id = int(cls_id), int(sep_id), int(pad_id)
        # [CLS] [MEM x m] [SEP]   (just [CLS] without memory)
        prefix = [self.cls_id] + ([self.pad_id] * self.m + [self.sep_id] if self.m else [])
        self.prefix = torch.tensor(prefix, dtype=torch.long)
        self.special_tokens = len(prefix) + 1  # + the closing [SEP]
        self.memory = slice(1, 1 + self.m)

    def build(self, segments: Sequence[torch.Tensor], device: Any = None) -> StepInputs:
        lengths = _lengths(segments)
        rows, longest, start = len(segments), max(lengths), len(self.prefix)
        width = start + longest + 1
        ids = torch.full((rows, width), self.pad_id, dtype=torch.long)
        ids[:, :start] = self.prefix
        padded = any(n != longest for n in lengths)
        mask = torch.zeros((rows, width), dtype=torch.long) if padded else None
        for row, (segment, n) in enumerate(zip(segments, lengths, strict=True)):
            ids[row, start : start + n] = segment
            ids[row, start + n] = self.sep_id
            if mask is not None:
                mask[row, : start + n + 1] = 1
        return StepInputs(
            ids=ids.to(device),
            attention_mask=None if mask is None else mask.to(device),
            position_ids=None,
            read=self.memory,
            write=self.memory,
            answer_index=torch.zeros(rows, dtype=torch.long, device=device),
            memory_slots=(self.memory,) if self.m else (),
        )


class DecoderLayout:
    """``[MEM_read x m] segment (pad) [MEM_write x m]``; new memory from the write block."""

    kind = "decoder"

    def __init__(self, memory_tokens: int, pad_id: int = 0) -> None:
        self.m = memory_tokens
        self.pad_id = int(pad_id)
        self.special_tokens = 2 * self.m

    def build(self, segments: Sequence[torch.Tensor], device: Any = None) -> StepInputs:
        m = self.m
        lengths = _lengths(segments)
        rows, longest = len(segments), max(lengths)
        if m == 0 and min(lengths) == 0:
            raise BenchInputError("a decoder without memory needs at least one token per segment")
        width = 2 * m + longest
        ids = torch.full((rows, width), self.pad_id, dtype=torch.long)
        padded = any(n != longest for n in lengths)
        mask = positions = None
        if padded:
            mask = torch.ones((rows, width), dtype=torch.long)
            positions = torch.arange(width).repeat(rows, 1)
        for row, (segment, n) in enumerate(zip(segments, lengths, strict=True)):
            ids[row, m : m + n] = segment
            if padded and n < longest:
                mask[row, m + n : m + longest] = 0
                positions[row, m + n : m + longest] = 0
                # write tokens follow the real tokens: positions m+n .. 2m+n-1
                positions[row, m + longest :] = torch.arange(m + n, 2 * m + n)
        answer_index = torch.tensor([max(m + n - 1, 0) for n in lengths], dtype=torch.long)
        return StepInputs(
            ids=ids.to(device),
            attention_mask=None if mask is None else mask.to(device),
            position_ids=None if positions is None else positions.to(device),
            read=slice(0, m),
            write=slice(width - m, width),
            answer_index=answer_index.to(device),
            memory_slots=(slice(0, m), slice(width - m, width)) if m else (),
        )

    def build_answer(
        self,
        segments: Sequence[torch.Tensor],
        answers: Sequence[torch.Tensor] | None = None,
        device: Any = None,
    ) -> StepInputs:
        """Last segment of the generative head: ``[MEM_read x m] segment answer (pad)``.

        ``answer_index`` is the last segment token (it predicts the first
        answer token); ``answer_targets[r, k]`` is the token that position
        ``answer_index[r] + k`` must predict.
        """
        m = self.m
        lengths = _lengths(segments)
        answer_lengths = _lengths(answers) if answers is not None else [0] * len(lengths)
        if m == 0 and min(lengths) == 0:
            raise BenchInputError("a decoder without memory needs at least one token per segment")
        rows = len(segments)
        totals = [n + a for n, a in zip(lengths, answer_lengths, strict=True)]
        width = m + max(totals)
        ids = torch.full((rows, width), self.pad_id, dtype=torch.long)
        padded = any(t != max(totals) for t in totals)
        mask = torch.zeros((rows, width), dtype=torch.long) if padded else None
        longest_answer = max(answer_lengths)
        targets = torch.full((rows, longest_answer), -100, dtype=torch.long)
        for row, (segment, n) in enumerate(zip(segments, lengths, strict=True)):
            ids[row, m : m + n] = segment
            if answers is not None:
                answer = answers[row]
                ids[row, m + n : m + n + answer.shape[0]] = answer
                targets[row, : answer.shape[0]] = answer
            if mask is not None:
                mask[row, : m + totals[row]] = 1
        answer_index = torch.tensor([max(m + n - 1, 0) for n in lengths], dtype=torch.long)
        return StepInputs(
            ids=ids.to(device),
            attention_mask=None if mask is None else mask.to(device),
            position_ids=None,
            read=slice(0, m),
            write=slice(0, 0),
            answer_index=answer_index.to(device),
            memory_slots=(slice(0, m),) if m else (),
            answer_targets=targets.to(device) if answers is not None else None,
        )
