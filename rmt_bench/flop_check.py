"""Check the analytic FLOPs model against torch's FlopCounterMode on tiny random models.

    from rmt_bench.flop_check import agreement_rows
    for row in agreement_rows():       # tiny BERT / GPT-2 / Llama, full attention and RMT
        print(row["case"], row["analytic"], row["counted"], row["difference_pct"])

    rmt-bench flops --verify

Every model uses eager attention so the attention matmuls are visible to the
counter. The analytic side is :func:`rmt_bench.flops.forward_flops` with
``matmul_only`` counting (no embedding lookup, no softmax: the counter sees only
matrix multiplications); see :mod:`rmt_bench.flops`. The RMT cases run the real
``rmt_bench.rmt.RMT`` forward; its classification head and BERT's pooler are
outside the transformer layers and show up as a small positive difference.
"""

from __future__ import annotations

from typing import Any

from rmt_bench.flops import RMTLayout, TransformerShape, forward_flops, matmul_only, rmt_flops


def counted_flops(model: Any, inputs: list[Any], **kwargs: Any) -> int:
    """FlopCounterMode's total over one forward per input (``model(input_ids=x, **kwargs)``)."""
    from torch.utils.flop_counter import FlopCounterMode

    total = 0
    for x in inputs:
        # Grad mode stays on: the counter's module tracker needs a grad_fn on inputs that
        # require grad (RMT's learned memory). These are forward passes only.
        with FlopCounterMode(display=False) as counter:
            model(input_ids=x, **kwargs)
        total += counter.get_total_flops()
    return total


def _row(case: str, analytic: float, counted: int) -> dict[str, Any]:
    return {
        "case": case,
        "analytic": analytic,
        "counted": counted,
        "difference_pct": 100.0 * (counted - analytic) / counted,
    }


def _plain_models() -> list[tuple[str, Any, bool]]:
    import torch
    import transformers

    torch.manual_seed(0)
    bert = transformers.BertConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=96,
        vocab_size=30522, max_position_embeddings=512,
    )  # fmt: skip
    gpt2 = transformers.GPT2Config(
        n_embd=48,
        n_layer=2,
        n_head=4,
        vocab_size=30522,
        n_positions=1024,
        bos_token_id=0,
        eos_token_id=0,
    )
    llama = transformers.LlamaConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=96, vocab_size=1000, max_position_embeddings=1024,
    )  # fmt: skip
    for config in (bert, gpt2, llama):
        config._attn_implementation = "eager"
    return [
        ("BERT (no pooler)", transformers.BertModel(bert, add_pooling_layer=False).eval(), False),
        ("GPT-2 + LM head", transformers.GPT2LMHeadModel(gpt2).eval(), True),
        ("Llama GQA + LM head", transformers.LlamaForCausalLM(llama).eval(), True),
    ]


def agreement_rows(
    lengths: tuple[int, ...] = (64, 500), rmt_length: int = 1000
) -> list[dict[str, Any]]:
    """Analytic vs counted FLOPs: full attention at ``lengths``, RMT over ``rmt_length`` tokens."""
    import torch

    rows = []
    for name, model, has_head in _plain_models():
        shape = TransformerShape.from_hf_config(model.config)
        for length in lengths:
            ids = torch.randint(
                0, 1000, (1, length), generator=torch.Generator().manual_seed(length)
            )
            analytic = forward_flops(shape, length, matmul_only(logits=has_head)).total
            rows.append(_row(f"{name}, {length} tokens", analytic, counted_flops(model, [ids])))

    from rmt_bench.rmt import RMT, RMTConfig

    for backbone, kind, specials in (("tiny-bert", "encoder", 3), ("tiny-gpt2", "decoder", 0)):
        m, s = 10, 120
        rmt = RMT(
            RMTConfig(
                backbone=backbone, memory_tokens=m, segment_size=s, attn_implementation="eager"
            )
        )
        rmt.eval()
        shape = TransformerShape.from_hf_config(rmt.cell.body.config)
        layout = RMTLayout(segment_tokens=s, memory_tokens=m, kind=kind, special_tokens=specials)
        analytic = rmt_flops(shape, rmt_length, layout, matmul_only(logits=False))
        ids = torch.randint(5, 1000, (rmt_length,), generator=torch.Generator().manual_seed(1))
        segments = -(-rmt_length // s)
        case = f"RMT {backbone} ({kind}, m={m}), {rmt_length} tokens = {segments} segments"
        rows.append(_row(case, analytic, counted_flops(rmt, [[ids]])))
    return rows


def armt_agreement_rows(
    rmt_length: int = 1000, key_size: int = 16, nu: int = 3
) -> list[dict[str, Any]]:
    """ARMT's analytic FLOPs (``rmt_bench.flops_armt``) against the counter, tiny eager models.

    Two rows per backbone: the ARMT's extra terms against the counted difference
    between an ARMT and the same RMT (equal to the FLOP), and the whole ARMT
    forward against ``armt_flops`` (matmul counting; the head and BERT's pooler
    are the small positive difference, as for the RMT rows).
    """
    import torch

    from rmt_bench.flops_armt import armt_extra, armt_flops
    from rmt_bench.rmt import RMT, RMTConfig
    from rmt_bench.rmt.armt import ARMT, ARMTConfig

    rows = []
    for backbone, kind, specials in (("tiny-bert", "encoder", 3), ("tiny-gpt2", "decoder", 0)):
        m, s = 10, 120
        options = dict(
            backbone=backbone, memory_tokens=m, segment_size=s, attn_implementation="eager"
        )
        rmt = RMT(RMTConfig(**options)).eval()
        armt = ARMT(ARMTConfig(**options, key_size=key_size, nu=nu)).eval()
        shape = TransformerShape.from_hf_config(armt.cell.body.config)
        layout = RMTLayout(segment_tokens=s, memory_tokens=m, kind=kind, special_tokens=specials)
        ids = torch.randint(5, 1000, (rmt_length,), generator=torch.Generator().manual_seed(1))
        counted_armt = counted_flops(armt, [[ids]])
        extra = armt_extra(shape, rmt_length, layout, key_size, nu).total
        case = f"ARMT {backbone} ({kind}, m={m}, k={key_size}, nu={nu}), {rmt_length} tokens"
        rows.append(_row(f"{case}: extra", extra, counted_armt - counted_flops(rmt, [[ids]])))
        analytic = armt_flops(shape, rmt_length, layout, key_size, nu, matmul_only(logits=False))
        rows.append(_row(f"{case}: total", analytic, counted_armt))
    return rows
