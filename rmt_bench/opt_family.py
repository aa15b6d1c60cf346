"""The OPT model family's shapes as data (no download): the backbones of the paper's FLOPs figure.

    from rmt_bench.opt_family import OPT_FAMILY, opt_shape
    opt_shape("175B").hidden        # 12288

Values are those of the public Hugging Face configs ``facebook/opt-<size>``
(``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``, ``ffn_dim``,
``vocab_size``, ``word_embed_proj_dim``), which match Table 1 of Zhang et al.,
"OPT: Open Pre-trained Transformer Language Models" (2022). Every OPT model has
a feed-forward width of 4 x hidden and a 50,272-token vocabulary; OPT-350M alone
embeds tokens in 512 dimensions and projects them to its 1,024-wide layers.
"""

from __future__ import annotations

from generators.errors import BenchInputError
from rmt_bench.flops import TransformerShape

_OPT_VOCAB = 50272

# name: (hidden_size, num_hidden_layers, num_attention_heads, word_embed_proj_dim)
_OPT_CONFIGS: dict[str, tuple[int, int, int, int]] = {
    "125M": (768, 12, 12, 768),
    "350M": (1024, 24, 16, 512),
    "1.3B": (2048, 24, 32, 2048),
    "2.7B": (2560, 32, 32, 2560),
    "6.7B": (4096, 32, 32, 4096),
    "13B": (5120, 40, 40, 5120),
    "30B": (7168, 48, 56, 7168),
    "66B": (9216, 64, 72, 9216),
    "175B": (12288, 96, 96, 12288),
}


def _shape(size: str) -> TransformerShape:
    hidden, layers, heads, embed = _OPT_CONFIGS[size]
    return TransformerShape(
        name=f"OPT-{size}",
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffw=4 * hidden,  # ffn_dim in every facebook/opt-* config
        vocab=_OPT_VOCAB,
        embed_dim=embed,
    )


OPT_FAMILY: dict[str, TransformerShape] = {size: _shape(size) for size in _OPT_CONFIGS}


def opt_shape(size: str) -> TransformerShape:
    """The shape of ``OPT-<size>``; ``size`` like ``"125M"``, ``"opt-1.3b"`` or ``"OPT-175B"``."""
    key = size.upper().removeprefix("OPT-").removeprefix("OPT")
    if key not in OPT_FAMILY:
        known = ", ".join(OPT_FAMILY)
        raise BenchInputError(f"unknown OPT size {size!r}; known sizes: {known}")
    return OPT_FAMILY[key]
