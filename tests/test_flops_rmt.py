"""The analytic RMT FLOPs against FlopCounterMode on the real RMT forward (tiny eager backbones)."""

from __future__ import annotations

import pytest

from rmt_bench.flops import RMTLayout, TransformerShape, matmul_only, rmt_flops

torch = pytest.importorskip("torch")


def _counted_forward(model, ids) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    # Grad mode stays on: FlopCounterMode's module tracker needs a grad_fn on inputs that
    # require grad (the learned initial memory), which no_grad removes. Forward FLOPs only.
    with FlopCounterMode(display=False) as counter:
        model(input_ids=[ids])
    return counter.get_total_flops()


@pytest.mark.parametrize(
    ("backbone", "kind", "special_tokens", "pooler_per_segment"),
    [("tiny-bert", "encoder", 3, True), ("tiny-gpt2", "decoder", 0, False)],
)
def test_rmt_forward_matches_analytic(
    backbone: str, kind: str, special_tokens: int, pooler_per_segment: bool
):
    from rmt_bench.rmt import RMT, RMTConfig

    torch.manual_seed(0)
    m, s, length = 4, 30, 100  # 4 segments: 10 + 30 + 30 + 30 task tokens (right-aligned)
    model = RMT(
        RMTConfig(backbone=backbone, memory_tokens=m, segment_size=s, attn_implementation="eager")
    )
    model.eval()
    shape = TransformerShape.from_hf_config(model.cell.body.config)
    layout = RMTLayout(segment_tokens=s, memory_tokens=m, kind=kind, special_tokens=special_tokens)
    analytic = rmt_flops(shape, length, layout, matmul_only(logits=False))
    counted = _counted_forward(model, torch.randint(5, 1000, (length,)))
    assert analytic == pytest.approx(counted, rel=0.02)
    # The remainder is exactly the parts outside the backbone's transformer layers: the
    # classification head (dense d x d, then d x 6) on the last segment and, for BERT, the
    # backbone's pooler (d x d on [CLS]) that runs on every segment.
    d = shape.hidden
    head = 2 * d * d + 2 * d * 6
    pooler = 4 * 2 * d * d if pooler_per_segment else 0
    assert counted == analytic + head + pooler
