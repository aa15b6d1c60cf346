"""The analytic FLOPs model against FlopCounterMode on tiny eager models, and the paper's x295 / x29."""

from __future__ import annotations

import pytest

from generators.errors import BenchInputError
from rmt_bench.flops import (
    CHINCHILLA,
    PAPER,
    Counting,
    RMTLayout,
    TransformerShape,
    forward_flops,
    full_attention_flops,
    matmul_only,
    num_segments,
    paper_comparison,
    parameter_count,
    rmt_flops,
    segment_sizes,
)
from rmt_bench.opt_family import OPT_FAMILY, opt_shape

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def _counted(model, lengths: list[int]) -> float:
    """Sum of FlopCounterMode's FLOPs over one no-grad forward per sequence length."""
    from torch.utils.flop_counter import FlopCounterMode

    total = 0
    gen = torch.Generator().manual_seed(0)
    for length in lengths:
        ids = torch.randint(0, 1000, (1, length), generator=gen)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(input_ids=ids)
        total += counter.get_total_flops()
    return float(total)


def _tiny_bert():
    config = transformers.BertConfig(
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=96,
        vocab_size=30522,
        max_position_embeddings=512,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    return transformers.BertModel(config, add_pooling_layer=False).eval()


def _tiny_gpt2():
    config = transformers.GPT2Config(
        n_embd=48,
        n_layer=2,
        n_head=4,
        vocab_size=30522,
        n_positions=1024,
        bos_token_id=0,
        eos_token_id=0,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    return transformers.GPT2LMHeadModel(config).eval()


@pytest.mark.parametrize("length", [7, 64, 300])
def test_full_attention_matches_counted_bert(length: int) -> None:
    model = _tiny_bert()
    shape = TransformerShape.from_hf_config(model.config)
    analytic = full_attention_flops(shape, length, matmul_only(logits=False))
    assert analytic == pytest.approx(_counted(model, [length]), rel=0.02)


@pytest.mark.parametrize("length", [5, 200])
def test_full_attention_matches_counted_gpt2_with_lm_head(length: int) -> None:
    model = _tiny_gpt2()
    shape = TransformerShape.from_hf_config(model.config)
    assert shape.ffw == 4 * 48  # n_inner None -> 4 x n_embd
    analytic = full_attention_flops(shape, length, matmul_only(logits=True))
    assert analytic == pytest.approx(_counted(model, [length]), rel=0.02)
    # Without the LM head term the analytic count must miss the logits matmul: the check can fail.
    assert full_attention_flops(shape, length, matmul_only(logits=False)) < 0.9 * analytic


def test_grouped_query_gated_llama_matches_counted() -> None:
    config = transformers.LlamaConfig(
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        intermediate_size=96,
        vocab_size=1000,
        max_position_embeddings=512,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config).eval()
    shape = TransformerShape.from_hf_config(model.config)
    assert shape.ffw_matrices == 3 and shape.n_kv_heads == 2
    analytic = full_attention_flops(shape, 100, matmul_only(logits=True))
    assert analytic == pytest.approx(_counted(model, [100]), rel=0.02)


def test_rmt_encoder_equals_backbone_per_segment_with_memory_positions() -> None:
    """RMT = one backbone forward per segment of s task tokens + m memory + 3 specials."""
    model = _tiny_bert()
    shape = TransformerShape.from_hf_config(model.config)
    layout = RMTLayout(segment_tokens=40, memory_tokens=6, kind="encoder", special_tokens=3)
    length = 130  # segments of 40, 40, 40, 10 task tokens
    inputs = [40 + 6 + 3] * 3 + [10 + 6 + 3]
    analytic = rmt_flops(shape, length, layout, matmul_only(logits=False))
    assert analytic == pytest.approx(_counted(model, inputs), rel=0.02)


def test_rmt_decoder_layout_counts_two_memory_blocks() -> None:
    model = _tiny_gpt2()
    shape = TransformerShape.from_hf_config(model.config)
    layout = RMTLayout(segment_tokens=32, memory_tokens=4, kind="decoder")
    inputs = [4 + 32 + 4, 4 + 32 + 4, 4 + 6 + 4]  # [MEM_read | segment | MEM_write], 70 tokens
    analytic = rmt_flops(shape, 70, layout, matmul_only(logits=True))
    assert analytic == pytest.approx(_counted(model, inputs), rel=0.02)


def test_chinchilla_adds_embeddings_softmax_and_logits_to_the_matmuls() -> None:
    shape = OPT_FAMILY["125M"]
    L = 2048
    full = forward_flops(shape, L, CHINCHILLA)
    d, V, h, n = 768, 50272, 12, 12
    assert full.embeddings == 2 * L * V * d
    assert full.logits == 2 * L * d * V
    assert full.softmax == n * 3 * h * L * L
    assert full.qkv == n * 2 * 3 * L * d * d
    assert full.attention_logits == full.attention_values == n * 2 * L * L * d
    assert full.feed_forward == n * 2 * L * 2 * d * 4 * d
    counted_part = forward_flops(shape, L, matmul_only(logits=True)).total
    assert full.total == counted_part + full.embeddings + full.softmax


def test_short_sequence_forward_is_two_flops_per_parameter_per_token() -> None:
    """At L=1 the attention terms vanish and a forward costs ~2N FLOPs (an independent check)."""
    for size in ("125M", "1.3B", "175B"):
        shape = opt_shape(size)
        per_token = forward_flops(
            shape, 1, Counting(embeddings=False, softmax=False, logits=False)
        ).total
        body = parameter_count(shape) - shape.vocab * shape.embedding_width
        assert per_token == pytest.approx(2 * body, rel=0.01)


def test_opt_family_parameter_counts_match_their_names() -> None:
    expected = {"125M": 0.125, "350M": 0.331, "1.3B": 1.3, "2.7B": 2.7, "6.7B": 6.7}
    expected |= {"13B": 13, "30B": 30, "66B": 66, "175B": 175}
    for size, billions in expected.items():
        count = parameter_count(OPT_FAMILY[size], max_positions=2050) / 1e9
        assert count == pytest.approx(billions, rel=0.04), size


def test_paper_claim_x295_and_x29_at_2m_tokens() -> None:
    variants = {v.name: v for v in paper_comparison()}
    paper = variants["paper"].ratios
    assert round(paper["125M"]) == 295
    assert round(paper["175B"]) == 29
    # Counting the vocabulary logits too dilutes the small model's ratio a lot, the big one's little.
    assert variants["chinchilla"].ratios["125M"] < 0.8 * paper["125M"]
    assert variants["chinchilla"].ratios["175B"] == pytest.approx(paper["175B"], rel=0.01)
    # The real layout (memory and specials inside 512 positions) costs a little more.
    assert variants["with-memory"].ratios["125M"] < paper["125M"]
    assert variants["decoder-memory"].ratios["125M"] < variants["with-memory"].ratios["125M"]


def test_rmt_is_cheaper_beyond_one_segment_only() -> None:
    layout = RMTLayout(segment_tokens=512)
    for shape in OPT_FAMILY.values():
        one = full_attention_flops(shape, 512, PAPER)
        assert rmt_flops(shape, 512, layout, PAPER) == pytest.approx(one)
        assert rmt_flops(shape, 1024, layout, PAPER) < full_attention_flops(shape, 1024, PAPER)


def test_segments_and_layouts() -> None:
    assert segment_sizes(1000, 499) == [(499, 2), (2, 1)]
    assert segment_sizes(998, 499) == [(499, 2)]
    assert num_segments(4096 * 499, 499) == 4096
    layout = RMTLayout.encoder_for_input(512, 10)
    assert layout.segment_tokens == 499 and layout.input_size(499) == 512
    assert RMTLayout(segment_tokens=10, memory_tokens=3, kind="decoder").input_size(10) == 16
    with pytest.raises(BenchInputError):
        RMTLayout.encoder_for_input(12, 10)
    with pytest.raises(BenchInputError):
        opt_shape("7B")
    with pytest.raises(BenchInputError):
        TransformerShape.from_hf_config({"hidden_size": 8})


def test_from_hf_config_reads_opt_llama_style_keys() -> None:
    opt = TransformerShape.from_hf_config(
        {
            "model_type": "opt",
            "hidden_size": 1024,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "ffn_dim": 4096,
            "vocab_size": 50272,
            "word_embed_proj_dim": 512,
        }
    )
    assert opt == TransformerShape("opt", 1024, 24, 16, 4096, 50272, embed_dim=512)
    assert opt_shape("opt-350m").embed_dim == 512
    llama = TransformerShape.from_hf_config(
        {
            "model_type": "llama",
            "hidden_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "intermediate_size": 96,
            "vocab_size": 100,
        }
    )
    assert llama.ffw_matrices == 3 and llama.n_kv_heads == 2
