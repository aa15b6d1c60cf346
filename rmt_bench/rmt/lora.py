"""LoRA for the backbone (peft): wrap, and save/load base weights and adapter apart.

    model = wrap_lora(backbone_model, r=8, alpha=16, dropout=0.0, targets=None, seed=0)
    save_lora_backbone(model, dir / "backbone", dir / "adapter")   # base + adapter
    model = load_lora_adapter(base_model, dir / "adapter")         # trainable again

Only the LoRA matrices of the backbone train (peft freezes the rest); the RMT
memory and head stay trainable. ``targets=None`` uses peft's defaults for the
architecture (BERT: query/value, GPT-2: c_attn).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from generators.errors import BenchInputError, first_line


def wrap_lora(
    model: Any,
    *,
    r: int,
    alpha: int,
    dropout: float,
    targets: tuple[str, ...] | None,
    seed: int = 0,
) -> Any:
    """Inject LoRA adapters into ``model`` (in place) and return the peft wrapper."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=list(targets) if targets else None,
        fan_in_fan_out=getattr(model.config, "model_type", "") == "gpt2",
    )
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return get_peft_model(model, config)
    except ValueError as error:
        raise BenchInputError(f"cannot apply LoRA: {first_line(error)}") from error


def base_state_dict(peft_model: Any) -> dict[str, torch.Tensor]:
    """The backbone's own weights, without LoRA matrices (names as in the bare model)."""
    base = peft_model.get_base_model()
    state = {}
    for name, tensor in base.state_dict().items():
        if "lora_" in name:
            continue
        state[name.replace(".base_layer.", ".")] = tensor
    return state


def save_lora_backbone(peft_model: Any, backbone_dir: Path, adapter_dir: Path) -> None:
    """The base backbone via its ``save_pretrained`` and the adapter via peft's."""
    base = peft_model.get_base_model()
    base.save_pretrained(backbone_dir, state_dict=base_state_dict(peft_model))
    peft_model.save_pretrained(adapter_dir)


def load_lora_adapter(base_model: Any, adapter_dir: Path) -> Any:
    """Wrap ``base_model`` with the saved adapter, trainable."""
    from peft import PeftModel

    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise BenchInputError(f"checkpoint has lora_r > 0 but no adapter in {adapter_dir}")
    try:
        return PeftModel.from_pretrained(base_model, str(adapter_dir), is_trainable=True)
    except (OSError, ValueError, KeyError) as error:
        raise BenchInputError(f"cannot load LoRA adapter {adapter_dir}: {error}") from error
