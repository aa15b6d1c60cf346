"""Segment splitting (right-aligned, batch plans) and the exact token layouts of a step."""

from __future__ import annotations

import pytest
import torch

from generators.errors import BenchInputError
from rmt_bench.data import SegmentPlan, num_segments, segment_bounds
from rmt_bench.rmt.layouts import DecoderLayout, EncoderLayout


def test_segments_are_right_aligned_first_one_short() -> None:
    assert segment_bounds(10, 4) == [(0, 2), (2, 6), (6, 10)]
    assert segment_bounds(8, 4) == [(0, 4), (4, 8)]
    assert segment_bounds(3, 4) == [(0, 3)]
    assert segment_bounds(0, 4) == [(0, 0)]
    assert num_segments(2_043_904, 499) == 4096
    assert num_segments(0, 499) == 1
    with pytest.raises(BenchInputError):
        num_segments(5, 0)


def test_plan_aligns_rows_at_their_last_segment() -> None:
    plan = SegmentPlan([10, 3, 8], 4)  # 3, 1 and 2 segments
    assert plan.steps == 3
    assert plan.active(0) == ([0], [(0, 2)])
    assert plan.active(1) == ([0, 2], [(2, 6), (0, 4)])
    assert plan.active(2) == ([0, 1, 2], [(6, 10), (0, 3), (4, 8)])
    assert plan.starting(0) == [0] and plan.starting(1) == [2] and plan.starting(2) == [1]


def test_encoder_layout_tokens_and_mask() -> None:
    layout = EncoderLayout(memory_tokens=2, cls_id=101, sep_id=102, pad_id=0)
    step = layout.build([torch.tensor([7, 8, 9]), torch.tensor([5])])
    # [CLS] [MEM MEM] [SEP] segment [SEP] (pad)
    assert step.ids.tolist() == [
        [101, 0, 0, 102, 7, 8, 9, 102],
        [101, 0, 0, 102, 5, 102, 0, 0],
    ]
    assert step.attention_mask.tolist() == [[1] * 8, [1] * 6 + [0, 0]]
    assert step.read == slice(1, 3) and step.write == slice(1, 3)
    assert step.answer_index.tolist() == [0, 0]
    assert layout.special_tokens == 5  # 512 positions, m=2 -> 507 task tokens
    no_memory = EncoderLayout(memory_tokens=0, cls_id=101, sep_id=102, pad_id=0)
    assert no_memory.build([torch.tensor([7])]).ids.tolist() == [[101, 7, 102]]
    assert no_memory.build([torch.tensor([7])]).attention_mask is None


def test_encoder_embed_places_memory_at_its_slots() -> None:
    layout = EncoderLayout(memory_tokens=2, cls_id=3, sep_id=4, pad_id=0)
    step = layout.build([torch.tensor([5, 6])])
    table = torch.nn.Embedding(10, 3)
    memory = torch.full((1, 2, 3), 42.0)
    embeds = step.embed(table, memory)
    assert embeds.shape == (1, 7, 3)
    assert torch.equal(embeds[0, 1:3], memory[0])
    assert torch.equal(embeds[0, 3:], table(step.ids)[0, 3:])


def test_decoder_layout_padding_between_segment_and_write_block() -> None:
    layout = DecoderLayout(memory_tokens=2, pad_id=0)
    step = layout.build([torch.tensor([7, 8, 9]), torch.tensor([5])])
    # [MEM_read x 2] segment (pad) [MEM_write x 2]
    assert step.ids.tolist() == [[0, 0, 7, 8, 9, 0, 0], [0, 0, 5, 0, 0, 0, 0]]
    assert step.attention_mask.tolist() == [[1] * 7, [1, 1, 1, 0, 0, 1, 1]]
    # positions contiguous over the real tokens: write block follows the segment
    assert step.position_ids.tolist() == [[0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 0, 0, 3, 4]]
    assert step.write == slice(5, 7) and step.read == slice(0, 2)
    assert step.answer_index.tolist() == [4, 2]  # last segment token
    full = layout.build([torch.tensor([7, 8])])
    assert full.attention_mask is None and full.position_ids is None


def test_decoder_answer_layout_teacher_forcing_targets() -> None:
    layout = DecoderLayout(memory_tokens=1, pad_id=0)
    step = layout.build_answer(
        [torch.tensor([7, 8]), torch.tensor([5])], [torch.tensor([30]), torch.tensor([31, 32])]
    )
    # [MEM_read] segment answer (pad)
    assert step.ids.tolist() == [[0, 7, 8, 30], [0, 5, 31, 32]]
    assert step.answer_index.tolist() == [2, 1]
    assert step.answer_targets.tolist() == [[30, -100], [31, 32]]


def test_decoder_without_memory_rejects_empty_segment() -> None:
    with pytest.raises(BenchInputError):
        DecoderLayout(memory_tokens=0).build([torch.tensor([], dtype=torch.long)])
