"""The model-kind registry: one call turns a ``--model`` spec into an ``AnswerModel``.

    model = load_answer_model("ckpt/")                     # dispatched on ckpt/config.json "kind"
    model = load_answer_model("hf:Qwen/Qwen2.5-0.5B", ModelOptions(labels=labels))  # prompted LM
    model = load_answer_model("truncated:ckpt/", ModelOptions(window="first"))      # truncation
    name = model_name("hf:org/model")                      # "org_model": names result files

Specs:
- ``DIR``: a checkpoint directory; its ``config.json`` ``"kind"`` picks the loader
  (``rmt`` -> ``rmt_bench.rmt.RMT``, ``armt`` -> ``rmt_bench.rmt.armt.ARMT``,
  ``full-attention`` -> ``baselines.full_attention``).
- ``hf:NAME_OR_PATH``: any Hugging Face causal LM, prompted (``baselines.prompted_lm``).
- ``truncated:DIR``: the checkpoint's model on one window only (``baselines.truncated``).

The evaluation harness calls only this function and the ``AnswerModel`` methods,
so it never branches on the kind. ``register_kind`` adds a checkpoint kind.
Every failure to load is a ``BenchInputError`` with one line naming the problem.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError, first_line
from rmt_bench.checkpoint_files import CONFIG_FILE, read_checkpoint_config

log = logging.getLogger(__name__)

HF_PREFIX = "hf:"
TRUNCATED_PREFIX = "truncated:"


@dataclasses.dataclass
class ModelOptions:
    """Evaluation-time options; each kind uses its own and refuses ones set for another."""

    device: str = "cpu"
    labels: Sequence[str] | None = None  # the task's answer classes (prompted LMs match them)
    extend_positions: int | None = None  # full-attention: tile positions up to this many
    max_memory_mb: float | None = None  # full-attention: skip as "oom" above this prediction
    window: str = "last"  # truncated: which window
    chat_template: bool = False  # prompted
    max_new_tokens: int = 8  # prompted


def _check_unused(kind: str, options: ModelOptions, allowed: set[str]) -> None:
    defaults = ModelOptions()
    for name in ("extend_positions", "max_memory_mb", "window", "chat_template", "max_new_tokens"):
        if name not in allowed and getattr(options, name) != getattr(defaults, name):
            flag = "--" + name.replace("_", "-")
            raise BenchInputError(f"{flag} does not apply to a {kind!r} model")


def _load_rmt(directory: Path, options: ModelOptions) -> Any:
    _check_unused("rmt", options, set())
    from rmt_bench.rmt import RMT

    return RMT.from_pretrained(directory)


def _load_armt(directory: Path, options: ModelOptions) -> Any:
    _check_unused("armt", options, set())
    from rmt_bench.rmt.armt import ARMT

    return ARMT.from_pretrained(directory)


def _load_full_attention(directory: Path, options: ModelOptions) -> Any:
    _check_unused("full-attention", options, {"extend_positions", "max_memory_mb"})
    from baselines.full_attention import FullAttentionClassifier

    return FullAttentionClassifier.from_pretrained(
        directory, extend_positions=options.extend_positions, max_memory_mb=options.max_memory_mb
    )


CHECKPOINT_KINDS: dict[str, Callable[[Path, ModelOptions], Any]] = {
    "rmt": _load_rmt,
    "armt": _load_armt,
    "full-attention": _load_full_attention,
}


def register_kind(kind: str, loader: Callable[[Path, ModelOptions], Any]) -> None:
    """Make checkpoints whose config.json says ``"kind": kind`` loadable."""
    CHECKPOINT_KINDS[kind] = loader


def checkpoint_kind(directory: Path) -> str:
    """The ``kind`` in a checkpoint's config.json (BenchInputError if missing or unknown)."""
    payload = read_checkpoint_config(directory)
    kind = payload["kind"]
    if kind not in CHECKPOINT_KINDS:
        known = ", ".join(sorted(CHECKPOINT_KINDS))
        raise BenchInputError(
            f"unknown model kind {kind!r} in {Path(directory) / CONFIG_FILE} (known: {known})"
        )
    return str(kind)


def _load_checkpoint(directory: Path, options: ModelOptions) -> Any:
    kind = checkpoint_kind(directory)
    try:
        return CHECKPOINT_KINDS[kind](directory, options)
    except BenchInputError:
        raise
    except Exception as error:  # corrupt weights: size mismatches, bad safetensors headers
        log.debug("loading %s failed", directory, exc_info=True)
        raise BenchInputError(
            f"cannot load {kind!r} checkpoint {directory}: {first_line(error)}"
        ) from None


def load_answer_model(spec: str, options: ModelOptions | None = None) -> Any:
    """Load the model a ``--model`` spec names, ready to ``predict`` on ``options.device``."""
    options = options or ModelOptions()
    spec = str(spec).strip()
    if not spec:
        raise BenchInputError("empty --model")
    if spec.startswith(HF_PREFIX):
        name = spec[len(HF_PREFIX) :]
        if not name:
            raise BenchInputError("--model hf: needs a model name or path (hf:NAME_OR_PATH)")
        _check_unused("prompted", options, {"chat_template", "max_new_tokens"})
        if options.labels is None:
            raise BenchInputError("a prompted model needs the task's labels")
        from baselines.prompted_lm import PromptedLM

        return PromptedLM(
            name,
            options.labels,
            chat_template=options.chat_template,
            max_new_tokens=options.max_new_tokens,
            device=options.device,
        )
    if spec.startswith(TRUNCATED_PREFIX):
        directory = Path(spec[len(TRUNCATED_PREFIX) :])
        _check_unused("truncated", options, {"window"})
        from baselines.truncated import TruncatedModel

        inner_options = dataclasses.replace(options, window="last")
        inner = _load_checkpoint(directory, inner_options).to(options.device)
        # One pass of the inner model: an RMT segment, or a full-attention model's positions.
        window = getattr(inner, "segment_size", None) or getattr(inner, "max_tokens", None)
        return TruncatedModel(inner, side=options.window, window_tokens=window)
    _check_unused("checkpoint", options, {"extend_positions", "max_memory_mb"})
    model = _load_checkpoint(Path(spec), options)
    return model.to(options.device)


def model_name(spec: str) -> str:
    """A file-name-safe short name for a spec (the checkpoint folder's name, or the HF id)."""
    spec = str(spec).strip().rstrip("/")
    prefix = ""
    if spec.startswith(HF_PREFIX):
        spec = spec[len(HF_PREFIX) :]
        name = spec if not Path(spec).exists() else Path(spec).resolve().name
    elif spec.startswith(TRUNCATED_PREFIX):
        prefix = "truncated-"
        name = Path(spec[len(TRUNCATED_PREFIX) :]).resolve().name
    else:
        name = Path(spec).resolve().name
    name = re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("._") or "model"
    return prefix + name
