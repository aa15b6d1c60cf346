"""Forward FLOPs (and a rough memory estimate) of full attention and of RMT, in closed form.

    from rmt_bench.flops import TransformerShape, RMTLayout, full_attention_flops, rmt_flops
    shape = TransformerShape.from_hf_config(model.config)     # or rmt_bench.opt_family.opt_shape("125M")
    full = full_attention_flops(shape, 2**21)                  # one forward over 2M tokens
    rmt = rmt_flops(shape, 2**21, RMTLayout(segment_tokens=512))
    full / rmt                                                 # how many times fewer FLOPs RMT needs

Counting (Hoffmann et al. 2022, "Training Compute-Optimal Large Language
Models", appendix F, table 4), for ``L`` tokens, width ``d``, ``h`` heads of
size ``k``, feed-forward width ``f`` and vocabulary ``V``; a multiply-add is
2 FLOPs:

    embeddings           2 L V d          (the lookup counted as a one-hot matmul)
    per layer:
      Q, K, V projections  2 * 3 L d (k h)
      Q @ K^T logits       2 L L (k h)
      softmax              3 h L L
      softmax @ V          2 L L (k h)
      output projection    2 L (k h) d
      feed-forward         2 L (d f + f d)
    final logits         2 L d V
    total = embeddings + layers * (attention + feed-forward) + logits

Biases, layer norms, activations and the residual adds are not counted (as in
Chinchilla). Attention is counted over the full ``L x L`` square even for a
causal decoder: an eager implementation computes it all and masks afterwards.
Generalizations that reduce to the table on a plain transformer: grouped-query
attention (K and V with fewer heads), gated feed-forward blocks (three matrices,
``ffw_matrices=3``) and OPT-350M's embedding projection (``embed_dim``).

RMT runs the backbone once per segment. A segment of ``s`` task tokens becomes
a backbone input of ``s + memory slots + special tokens`` positions, where the
encoder layout ``[CLS] [MEM x m] [SEP] segment [SEP]`` has ``m`` memory slots
(read and written at the same positions) and 3 special tokens, and the decoder
layout ``[MEM_read x m] segment [MEM_write x m]`` has ``2m`` slots and none.
The embedding term counts only looked-up tokens (memory vectors are not looked
up); every other term counts all positions of the backbone input. Reading the
new memory out of the last hidden states is free; the tiny classification head
is not counted.

Comparing with ``torch.utils.flop_counter.FlopCounterMode``: that counter sees
only matrix multiplications (``mm``, ``addmm``, ``bmm``, ``matmul`` and the
fused attention kernels), not the embedding lookup and not the softmax. Use
``Counting(embeddings=False, softmax=False, logits=<model has an LM head>)``
(``matmul_only``) for an apples-to-apples check; the tests do that on tiny
BERT and GPT-2 models with eager attention. The three terms it leaves out are
exactly the ones Chinchilla adds on top of the matmuls.

The paper's comparison (RMT with segment 512 against full attention, same OPT
model, x295 fewer FLOPs than OPT-125M and x29 fewer than OPT-175B at about 2M
tokens) is reproduced by :func:`paper_comparison`; see its docstring.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from generators.errors import BenchInputError

# Model types whose feed-forward block is gated (gate, up and down projections).
_GATED_FFW_TYPES = frozenset(
    {"llama", "mistral", "mixtral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3", "phi3", "olmo"}
)


@dataclass(frozen=True)
class TransformerShape:
    """The sizes that determine a transformer's forward FLOPs."""

    name: str
    hidden: int  # d_model
    layers: int
    heads: int
    ffw: int  # feed-forward (intermediate) width
    vocab: int
    head_dim: int = 0  # key_size; 0 means hidden // heads
    kv_heads: int = 0  # heads of K and V (grouped-query attention); 0 means heads
    ffw_matrices: int = 2  # 2 for up/down, 3 for gated blocks (SwiGLU)
    embed_dim: int = 0  # token-embedding width when projected to `hidden`; 0 means hidden

    def __post_init__(self) -> None:
        for name in ("hidden", "layers", "heads", "ffw", "vocab"):
            if getattr(self, name) <= 0:
                raise BenchInputError(f"{self.name}: {name} must be positive")

    @property
    def key_size(self) -> int:
        return self.head_dim or self.hidden // self.heads

    @property
    def n_kv_heads(self) -> int:
        return self.kv_heads or self.heads

    @property
    def embedding_width(self) -> int:
        return self.embed_dim or self.hidden

    @classmethod
    def from_hf_config(cls, config: Any, name: str | None = None) -> TransformerShape:
        """Read a Hugging Face config (object or dict): BERT, GPT-2, OPT, Llama-style, T5-style keys."""
        data: Mapping[str, Any] = config if isinstance(config, Mapping) else config.to_dict()

        def first(*keys: str) -> Any:
            for key in keys:
                if data.get(key) not in (None, ""):
                    return data[key]
            return None

        hidden = first("hidden_size", "n_embd", "d_model")
        layers = first("num_hidden_layers", "n_layer", "num_layers")
        heads = first("num_attention_heads", "n_head", "num_heads")
        vocab = first("vocab_size")
        label = name or str(first("_name_or_path", "model_type") or "model")
        missing = [
            k for k, v in {"hidden": hidden, "layers": layers, "heads": heads}.items() if v is None
        ]
        if missing or vocab is None:
            raise BenchInputError(
                f"config {label!r} lacks {', '.join(missing + (['vocab_size'] if vocab is None else []))}"
            )
        ffw = first("intermediate_size", "ffn_dim", "n_inner", "d_ff") or 4 * hidden
        head_dim = first("head_dim") or 0
        embed = first("word_embed_proj_dim") or 0
        return cls(
            name=label,
            hidden=int(hidden),
            layers=int(layers),
            heads=int(heads),
            ffw=int(ffw),
            vocab=int(vocab),
            head_dim=int(head_dim) if head_dim else 0,
            kv_heads=int(first("num_key_value_heads") or 0),
            ffw_matrices=3 if data.get("model_type") in _GATED_FFW_TYPES else 2,
            embed_dim=int(embed) if embed and embed != hidden else 0,
        )


@dataclass(frozen=True)
class Counting:
    """Which of Chinchilla's non-matmul terms to count (all True: Chinchilla's table 4)."""

    embeddings: bool = True
    softmax: bool = True
    logits: bool = True


CHINCHILLA = Counting()
# The paper's numbers come out with Chinchilla's counting minus the vocabulary
# logits (an encoder classifier has no LM head); see paper_comparison().
PAPER = Counting(logits=False)


def matmul_only(logits: bool) -> Counting:
    """What FlopCounterMode counts: matmuls only, logits only if the model has an LM head."""
    return Counting(embeddings=False, softmax=False, logits=logits)


@dataclass(frozen=True)
class FlopBreakdown:
    """Forward FLOPs of one sequence, by term (all layers summed)."""

    embeddings: float = 0.0
    projections: float = 0.0  # embed_dim <-> hidden projections (OPT-350M)
    qkv: float = 0.0
    attention_logits: float = 0.0
    softmax: float = 0.0
    attention_values: float = 0.0
    attention_output: float = 0.0
    feed_forward: float = 0.0
    logits: float = 0.0

    @property
    def total(self) -> float:
        return float(sum(getattr(self, f.name) for f in fields(self)))

    def __add__(self, other: FlopBreakdown) -> FlopBreakdown:
        return FlopBreakdown(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def scaled(self, factor: float) -> FlopBreakdown:
        return FlopBreakdown(**{f.name: getattr(self, f.name) * factor for f in fields(self)})


def forward_flops(
    shape: TransformerShape,
    seq_len: int,
    counting: Counting = CHINCHILLA,
    embedded_tokens: int | None = None,
) -> FlopBreakdown:
    """Forward FLOPs of one sequence of ``seq_len`` positions (``embedded_tokens`` looked up)."""
    if seq_len < 0:
        raise BenchInputError(f"sequence length must be >= 0, got {seq_len}")
    L = float(seq_len)
    d, e, V, f = shape.hidden, shape.embedding_width, shape.vocab, shape.ffw
    qk = shape.key_size * shape.heads  # width of all query heads together
    kv = shape.key_size * shape.n_kv_heads  # width of all key (or value) heads together
    looked_up = L if embedded_tokens is None else float(embedded_tokens)
    n = shape.layers
    return FlopBreakdown(
        embeddings=2 * looked_up * V * e if counting.embeddings else 0.0,
        projections=2 * 2 * L * e * d if e != d else 0.0,
        qkv=n * 2 * L * d * (qk + 2 * kv),
        attention_logits=n * 2 * L * L * qk,
        softmax=n * 3 * shape.heads * L * L if counting.softmax else 0.0,
        attention_values=n * 2 * L * L * qk,
        attention_output=n * 2 * L * qk * d,
        feed_forward=n * 2 * L * shape.ffw_matrices * d * f,
        logits=2 * L * e * V if counting.logits else 0.0,
    )


def full_attention_flops(
    shape: TransformerShape, length: int, counting: Counting = CHINCHILLA
) -> float:
    """FLOPs of one full-attention forward over ``length`` tokens."""
    return forward_flops(shape, length, counting).total


@dataclass(frozen=True)
class RMTLayout:
    """How RMT lays out one segment around the backbone (see the module docstring)."""

    segment_tokens: int = 512  # task tokens per segment (s)
    memory_tokens: int = 0  # m
    kind: Literal["encoder", "decoder"] = "encoder"
    special_tokens: int = 0  # 3 for [CLS] ... [SEP] ... [SEP]

    def __post_init__(self) -> None:
        if self.segment_tokens <= 0 or self.memory_tokens < 0 or self.special_tokens < 0:
            raise BenchInputError("segment_tokens must be > 0, memory and special tokens >= 0")
        if self.kind not in ("encoder", "decoder"):
            raise BenchInputError(f"RMT layout kind must be encoder or decoder, got {self.kind!r}")

    @property
    def memory_slots(self) -> int:
        """Backbone positions taken by memory: m (encoder, read = write) or 2m (decoder)."""
        return self.memory_tokens if self.kind == "encoder" else 2 * self.memory_tokens

    def input_size(self, task_tokens: int) -> int:
        """Backbone positions for a segment holding ``task_tokens`` task tokens."""
        return task_tokens + self.memory_slots + self.special_tokens

    @classmethod
    def encoder_for_input(cls, input_size: int = 512, memory_tokens: int = 10) -> RMTLayout:
        """The paper's BERT layout: ``input_size`` positions, 3 special tokens (512, 10 -> 499)."""
        tokens = input_size - memory_tokens - 3
        if tokens <= 0:
            raise BenchInputError(
                f"input size {input_size} leaves no room for {memory_tokens} memory tokens"
            )
        return cls(
            segment_tokens=tokens, memory_tokens=memory_tokens, kind="encoder", special_tokens=3
        )


def segment_sizes(length: int, segment_tokens: int) -> list[tuple[int, int]]:
    """``[(task tokens, how many segments)]``: full segments plus one shorter remainder segment."""
    if length <= 0:
        raise BenchInputError(f"input length must be > 0, got {length}")
    full, rest = divmod(length, segment_tokens)
    sizes = [(segment_tokens, full)] if full else []
    return sizes + ([(rest, 1)] if rest else [])


def num_segments(length: int, segment_tokens: int) -> int:
    return math.ceil(length / segment_tokens)


def rmt_breakdown(
    shape: TransformerShape, length: int, layout: RMTLayout, counting: Counting = CHINCHILLA
) -> FlopBreakdown:
    """FLOPs of RMT over ``length`` task tokens: one backbone forward per segment, summed."""
    total = FlopBreakdown()
    for tokens, count in segment_sizes(length, layout.segment_tokens):
        one = forward_flops(
            shape,
            layout.input_size(tokens),
            counting,
            embedded_tokens=tokens + layout.special_tokens,
        )
        total = total + one.scaled(count)
    return total


def rmt_flops(
    shape: TransformerShape, length: int, layout: RMTLayout, counting: Counting = CHINCHILLA
) -> float:
    """FLOPs of one RMT forward over ``length`` task tokens."""
    return rmt_breakdown(shape, length, layout, counting).total


def parameter_count(shape: TransformerShape, max_positions: int = 0) -> int:
    """Weights (no biases or norms) of the shape: token (+ position) embeddings and the layers."""
    d, e = shape.hidden, shape.embedding_width
    attention = d * shape.key_size * (2 * shape.heads + 2 * shape.n_kv_heads)
    layer = attention + shape.ffw_matrices * d * shape.ffw
    projections = 2 * e * d if e != d else 0
    return shape.vocab * e + max_positions * d + projections + shape.layers * layer


def attention_scores_bytes(shape: TransformerShape, seq_len: int, bytes_per_value: int = 2) -> int:
    """Size of one layer's eager attention scores (heads x L x L): the term that grows as L^2."""
    return shape.heads * seq_len * seq_len * bytes_per_value


@dataclass(frozen=True)
class ComparisonRow:
    """Full attention against RMT for one model at one length."""

    model: str
    length: int
    segments: int
    full_attention_flops: float
    rmt_flops: float
    # Memory that grows with length: one layer's eager attention scores (fp16), the full
    # L x L square against RMT's one segment (input_size x input_size), in bytes.
    full_attention_scores_bytes: int = 0
    rmt_scores_bytes: int = 0
    ratio: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ratio", self.full_attention_flops / self.rmt_flops)


def compare(
    shapes: Sequence[TransformerShape],
    lengths: Sequence[int],
    layout: RMTLayout,
    counting: Counting = CHINCHILLA,
) -> list[ComparisonRow]:
    """One row per (model, length): FLOPs of both, their ratio, and attention-score memory."""
    return [
        ComparisonRow(
            model=shape.name,
            length=int(length),
            segments=num_segments(length, layout.segment_tokens),
            full_attention_flops=full_attention_flops(shape, length, counting),
            rmt_flops=rmt_flops(shape, length, layout, counting),
            full_attention_scores_bytes=attention_scores_bytes(shape, length),
            rmt_scores_bytes=attention_scores_bytes(
                shape, layout.input_size(min(length, layout.segment_tokens))
            ),
        )
        for shape in shapes
        for length in lengths
    ]


# The paper's claim: at about 2M tokens RMT needs x295 fewer FLOPs than OPT-125M, x29 than OPT-175B.
PAPER_CLAIM = {"125M": 295.0, "175B": 29.0}
PAPER_LENGTH = 4096 * 512  # 2,097,152 tokens = 4096 segments of 512


@dataclass(frozen=True)
class PaperVariant:
    """One way of counting the paper's comparison, with its ratios per OPT size."""

    name: str
    description: str
    counting: Counting
    layout: RMTLayout
    ratios: dict[str, float]


def paper_comparison(length: int = PAPER_LENGTH) -> list[PaperVariant]:
    """The paper's x295 / x29 claim under several counting choices (first = the paper's).

    * ``paper``: Chinchilla without vocabulary logits, RMT = the same OPT model run on
      4096 segments of 512 tokens, memory not counted. This gives 294.7 and 29.3, i.e.
      the paper's x295 and x29: the paper's classifier backbones have no LM head.
    * ``chinchilla``: all of table 4 including the ``2 L d V`` logits. The logits cost the
      same per token for both models, which dilutes the ratio of the small model
      (x229 for OPT-125M) but barely moves OPT-175B (x29.2).
    * ``with-memory``: the paper's counting with the real encoder layout (512 positions =
      [CLS] + 10 memory + [SEP] + 499 task tokens + [SEP]): more segments, each as big,
      so about 2% lower (x288.9, x28.6).
    * ``decoder-memory``: the same for OPT's own (decoder) layout, read memory before and
      write memory after the segment: 492 task tokens per 512 positions (x286.5, x28.2).
    """
    from rmt_bench.opt_family import opt_shape

    plain = RMTLayout(segment_tokens=512)
    variants = [
        (
            "paper",
            "Chinchilla without logits; 512 task tokens per segment, memory not counted",
            PAPER,
            plain,
        ),
        (
            "chinchilla",
            "Chinchilla table 4 in full (with 2LdV logits); 512 tokens per segment",
            CHINCHILLA,
            plain,
        ),
        (
            "with-memory",
            "without logits; 512-position input = 499 task tokens + 10 memory + 3 special",
            PAPER,
            RMTLayout.encoder_for_input(512, 10),
        ),
        (
            "decoder-memory",
            "without logits; 512 positions = 10 read + 492 task tokens + 10 write memory",
            PAPER,
            RMTLayout(segment_tokens=492, memory_tokens=10, kind="decoder"),
        ),
    ]
    out = []
    for name, description, counting, layout in variants:
        ratios = {
            size: full_attention_flops(opt_shape(size), length, counting)
            / rmt_flops(opt_shape(size), length, layout, counting)
            for size in PAPER_CLAIM
        }
        out.append(PaperVariant(name, description, counting, layout, ratios))
    return out
