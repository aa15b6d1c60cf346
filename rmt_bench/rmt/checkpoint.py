"""RMT checkpoint directories: save and load, with one clear error when broken.

    save_rmt(model, Path("ckpt"))     # what RMT.save_pretrained calls
    model = load_rmt(Path("ckpt"))    # what RMT.from_pretrained calls

Layout of a checkpoint directory:

    config.json        {"kind": "rmt" (or "armt"), "model_type": the kind, "format": 1,
                        "config": {RMTConfig...}, "segment_size": 499, "tokenizer": "minilm",
                        "extra": {...}}
    README.md          the model card (backbone, task, curriculum, accuracy)
    rmt.safetensors    the wrapper's own weights: memory, head (ARMT: + associative units)
    backbone/          the backbone via its save_pretrained (base weights when LoRA)
    adapter/           the peft LoRA adapter (only when lora_r > 0)
    tokenizer/         the tokenizer via its save_pretrained

``extra`` is free-form JSON (the trainer stores trained_segments, curriculum
...). The directory is written beside the target and moved into place, so a
crash never leaves a half-written checkpoint under the final name. Weights are
safetensors only; nothing is unpickled. ``model_type`` lets ``AutoConfig`` /
``AutoModel`` load it after ``import rmt_bench``; checkpoints saved before it was
written still load with ``RMT.from_pretrained``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generators.atomic import atomic_write_text
from generators.errors import BenchInputError, first_line
from rmt_bench.checkpoint_files import (
    CONFIG_FILE,
    load_tensors,
    read_checkpoint_config,
    staged_directory,
)
from rmt_bench.rmt.model_card import CARD, model_card

if TYPE_CHECKING:
    from rmt_bench.rmt.wrapper import RMT

FORMAT = 1
WEIGHTS_FILE = "rmt.safetensors"
BACKBONE_DIR = "backbone"
ADAPTER_DIR = "adapter"
TOKENIZER_DIR = "tokenizer"
BACKBONE_PREFIX = "cell.backbone."


def own_state_dict(model: RMT) -> dict[str, Any]:
    """The wrapper's weights that are not the backbone's (memory, head)."""
    return {
        name: tensor.detach().cpu().contiguous()
        for name, tensor in model.state_dict().items()
        if not name.startswith(BACKBONE_PREFIX)
    }


def _write(model: RMT, directory: Path) -> None:
    from safetensors.torch import save_file

    from rmt_bench.rmt.lora import save_lora_backbone

    config = model.config.to_dict()
    config["tokenizer"] = model.tokenizer_name
    meta = {
        "kind": model.kind,
        # transformers' AutoConfig / AutoModel: "rmt" (rmt_bench/hf_auto.py) or "armt"
        # (rmt_bench/hf_auto_armt.py)
        "model_type": model.kind,
        "format": FORMAT,
        "config": config,
        "segment_size": model.segment_size,
        "tokenizer": model.tokenizer_name,
        "extra": model.extra,
    }
    save_file(own_state_dict(model), str(directory / WEIGHTS_FILE), metadata={"format": "pt"})
    if model.config.lora_r > 0:
        save_lora_backbone(model.cell.backbone, directory / BACKBONE_DIR, directory / ADAPTER_DIR)
    else:
        model.cell.backbone.save_pretrained(directory / BACKBONE_DIR)
    model.tokenizer.save_pretrained(directory / TOKENIZER_DIR)
    atomic_write_text(directory / CONFIG_FILE, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    atomic_write_text(directory / CARD, model_card(meta))


def save_rmt(model: RMT, directory: Path) -> None:
    """Write ``model`` to ``directory`` (replacing an existing checkpoint there atomically)."""
    with staged_directory(directory) as staging:
        _write(model, staging)


def read_meta(directory: Path, kind: str = "rmt") -> dict[str, Any]:
    """The parsed ``config.json`` of an RMT (or ``kind``) checkpoint (validated kind and format)."""
    directory = Path(directory)
    meta = read_checkpoint_config(directory, expected_kind=kind)
    path = directory / CONFIG_FILE
    if meta.get("format") != FORMAT:
        raise BenchInputError(f"{directory}: unsupported checkpoint format {meta.get('format')!r}")
    if not isinstance(meta.get("config"), dict):
        raise BenchInputError(f"corrupt {path}: no 'config' mapping")
    return meta


def load_rmt(directory: Path, model_class: type[RMT] | None = None) -> RMT:
    """Rebuild the RMT (or ``model_class``, e.g. ARMT) saved in ``directory``.

    Any inconsistency is one BenchInputError.
    """
    from rmt_bench.backbones import load_backbone
    from rmt_bench.rmt.wrapper import RMT

    model_class = model_class or RMT
    directory = Path(directory)
    meta = read_meta(directory, model_class.kind)
    config = model_class.config_class.from_dict(meta["config"])
    for name in (WEIGHTS_FILE, BACKBONE_DIR, TOKENIZER_DIR):
        if not (directory / name).exists():
            raise BenchInputError(f"incomplete checkpoint {directory}: {name} is missing")
    try:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(
            str(directory / TOKENIZER_DIR), trust_remote_code=False
        )
        backbone = load_backbone(
            str(directory / BACKBONE_DIR),
            causal_lm=config.head == "generate",
            attn_implementation=config.attn_implementation,
            seed=config.seed,
            tokenizer=tokenizer,
            tokenizer_name=meta.get("tokenizer") or config.tokenizer,
        )
        backbone.name = config.backbone
        adapter = directory / ADAPTER_DIR if config.lora_r > 0 else None
        model = model_class(config, backbone=backbone, lora_adapter=adapter)
        _load_own_weights(model, directory / WEIGHTS_FILE)
    except BenchInputError:
        raise
    except Exception as error:  # corrupt files surface as many library-specific types
        raise BenchInputError(f"cannot load checkpoint {directory}: {first_line(error)}") from error
    if meta.get("segment_size") not in (None, model.segment_size):
        raise BenchInputError(
            f"checkpoint {directory} was saved with segment_size {meta['segment_size']} "
            f"but rebuilds with {model.segment_size}"
        )
    model.extra = dict(meta.get("extra") or {})
    return model


def _load_own_weights(model: RMT, path: Path) -> None:
    saved = load_tensors(path, path.parent)
    expected = own_state_dict(model)
    missing = sorted(set(expected) - set(saved))
    unexpected = sorted(set(saved) - set(expected))
    if missing or unexpected:
        raise BenchInputError(
            f"checkpoint weights {path} do not match the config: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
    for name, tensor in saved.items():
        if tensor.shape != expected[name].shape:
            raise BenchInputError(
                f"checkpoint weight {name} has shape {tuple(tensor.shape)}, "
                f"the config needs {tuple(expected[name].shape)}"
            )
    model.load_state_dict(saved, strict=False)
