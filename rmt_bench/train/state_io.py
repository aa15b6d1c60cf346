"""Save nested training state (optimizer, scheduler, RNG) as safetensors + JSON, no pickle.

A state dict such as ``optimizer.state_dict()`` is a tree of dicts/lists/tuples
holding tensors and plain values. ``save_tree`` writes every tensor into one
``NAME.safetensors`` file (keys are the tensors' paths in the tree) and the rest
of the tree into ``NAME.json``, where each tensor is replaced by
``{"__tensor__": key}``; ``load_tree`` reverses it. Tuples and non-string dict
keys (optimizer state is keyed by int) are tagged so they round-trip exactly.

    save_tree(optimizer.state_dict(), folder, "optimizer")
    optimizer.load_state_dict(load_tree(folder, "optimizer"))
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generators.atomic import atomic_path, atomic_write_text
from generators.errors import BenchInputError

_TENSOR = "__tensor__"
_TUPLE = "__tuple__"
_DICT = "__dict__"  # a dict with non-string keys: list of [key, value] pairs


def _encode(value: Any, path: str, tensors: dict[str, Any]) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        key = path or "root"
        tensors[key] = value.detach().cpu().contiguous()
        return {_TENSOR: key}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _encode(item, f"{path}.{key}", tensors) for key, item in value.items()}
        return {
            _DICT: [[key, _encode(item, f"{path}.{key}", tensors)] for key, item in value.items()]
        }
    if isinstance(value, tuple):
        return {_TUPLE: [_encode(item, f"{path}.{i}", tensors) for i, item in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(item, f"{path}.{i}", tensors) for i, item in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item") and hasattr(value, "dtype"):  # numpy scalar
        return value.item()
    if hasattr(value, "tolist"):  # numpy array
        return value.tolist()
    raise TypeError(f"cannot save {type(value).__name__} at {path or 'root'} in training state")


def _decode(value: Any, tensors: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if _TENSOR in value:
            return tensors[value[_TENSOR]]
        if _TUPLE in value:
            return tuple(_decode(item, tensors) for item in value[_TUPLE])
        if _DICT in value:
            return {key: _decode(item, tensors) for key, item in value[_DICT]}
        return {key: _decode(item, tensors) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item, tensors) for item in value]
    return value


def save_tree(tree: Any, folder: str | Path, name: str) -> None:
    """Write ``tree`` as ``folder/name.safetensors`` + ``folder/name.json`` (each atomically)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    tensors: dict[str, Any] = {}
    skeleton = _encode(tree, "", tensors)
    with atomic_path(folder / f"{name}.safetensors") as tmp:
        save_file(tensors, str(tmp))
    atomic_write_text(folder / f"{name}.json", json.dumps(skeleton) + "\n")


def load_tree(folder: str | Path, name: str) -> Any:
    """Read back what :func:`save_tree` wrote."""
    from safetensors.torch import load_file

    folder = Path(folder)
    skeleton_path = folder / f"{name}.json"
    tensor_path = folder / f"{name}.safetensors"
    if not skeleton_path.is_file() or not tensor_path.is_file():
        raise BenchInputError(f"incomplete training checkpoint: {name} missing in {folder}")
    tensors = load_file(str(tensor_path))
    return _decode(json.loads(skeleton_path.read_text(encoding="utf-8")), tensors)
