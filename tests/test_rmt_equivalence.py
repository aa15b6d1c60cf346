"""Equivalences: m=0 on one segment == the plain backbone; streaming == full graph; batching."""

from __future__ import annotations

import pytest
import torch

from rmt_bench.rmt import RMT, RMTConfig

BACKBONES = ["tiny-bert", "tiny-gpt2"]


def make(backbone: str, **overrides) -> RMT:
    values = dict(backbone=backbone, memory_tokens=3, segment_size=8, seed=0)
    values.update(overrides)
    return RMT(RMTConfig(**values)).eval()


def random_ids(n: int, seed: int) -> torch.Tensor:
    return torch.randint(1000, 29000, (n,), generator=torch.Generator().manual_seed(seed))


def test_no_memory_one_segment_equals_plain_encoder() -> None:
    model = make("tiny-bert", memory_tokens=0, segment_size=20)
    ids = random_ids(13, 1)
    tok = model.tokenizer
    plain_ids = torch.cat([torch.tensor([tok.cls_token_id]), ids, torch.tensor([tok.sep_token_id])])
    with torch.no_grad():
        plain = model.cell.backbone(input_ids=plain_ids[None]).last_hidden_state[:, 0]
        expected = model.head(plain)
        got = model([ids]).logits
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


def test_no_memory_one_segment_equals_plain_decoder() -> None:
    model = make("tiny-gpt2", memory_tokens=0, segment_size=20)
    ids = random_ids(13, 2)
    with torch.no_grad():
        plain = model.cell.backbone(input_ids=ids[None]).last_hidden_state[:, -1]
        expected = model.head(plain)
        got = model([ids]).logits
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_streaming_equals_full_graph_over_many_segments(backbone: str) -> None:
    model = make(backbone)
    ids = [random_ids(8 * 12 + 5, 3), random_ids(8 * 7, 4)]  # 13 and 7 segments
    assert [model.num_segments(len(x)) for x in ids] == [13, 7]
    full = model(ids)  # gradients on: the whole graph over all segments is built
    assert full.logits.requires_grad
    streamed = model.stream_logits(ids)
    assert not streamed.requires_grad
    torch.testing.assert_close(streamed, full.logits.detach(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_batch_with_different_segment_counts_equals_one_by_one(backbone: str) -> None:
    model = make(backbone)
    ids = [random_ids(n, 10 + n) for n in (3, 41, 16, 29)]  # 1, 6, 2 and 4 segments
    together = model.stream_logits(ids)
    alone = torch.cat([model.stream_logits([x]) for x in ids])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_eager_and_sdpa_attention_agree(backbone: str) -> None:
    ids = [random_ids(30, 5), random_ids(19, 6)]
    sdpa = make(backbone).stream_logits(ids)
    eager = make(backbone, attn_implementation="eager").stream_logits(ids)
    torch.testing.assert_close(sdpa, eager, rtol=1e-4, atol=1e-5)


def test_default_segment_size_fills_the_position_limit() -> None:
    encoder = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=10))
    assert encoder.segment_size == 512 - 10 - 3  # 499, as in the paper
    assert RMT(RMTConfig(backbone="tiny-bert", memory_tokens=0)).segment_size == 510
    decoder = RMT(RMTConfig(backbone="tiny-gpt2", memory_tokens=10))
    assert decoder.segment_size == 512 - 20
    assert encoder.num_segments(2_043_904) == 4096
