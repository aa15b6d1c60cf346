"""Checkpoint folders on disk, for every model kind: config.json, safetensors, atomic replace.

    payload = read_checkpoint_config(folder, expected_kind="rmt")  # BenchInputError if bad
    with staged_directory(folder) as staging:                      # replaces folder on success
        save_tensors(staging / "head.safetensors", module.state_dict())
    state = load_tensors(folder / "head.safetensors", folder)      # BenchInputError if corrupt

The RMT and ARMT (``rmt_bench.rmt.checkpoint``), the baselines (``baselines``) and the
checkpoint registry (``rmt_bench.registry``) all read and write their folders through
these helpers, so that a broken folder gives the same one-line error whichever kind it
holds. Weights are safetensors only; nothing is unpickled.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generators.atomic import atomic_path, temporary_dir
from generators.errors import BenchInputError, first_line

CONFIG_FILE = "config.json"


def read_checkpoint_config(directory: Path, expected_kind: str | None = None) -> dict[str, Any]:
    """The parsed ``config.json`` of a checkpoint folder, checked to name a ``kind``.

    With ``expected_kind``, a folder of another kind is a BenchInputError too.
    """
    directory = Path(directory)
    if not directory.exists():
        raise BenchInputError(f"model checkpoint not found: {directory}")
    if not directory.is_dir():
        raise BenchInputError(f"model checkpoint {directory} is not a directory")
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise BenchInputError(f"not a checkpoint directory: {path} is missing")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BenchInputError(
            f"corrupt checkpoint: {path} is not valid JSON ({first_line(error)})"
        ) from None
    if not isinstance(payload, dict) or "kind" not in payload:
        raise BenchInputError(f'not an rmt-bench checkpoint: {path} has no "kind"')
    if expected_kind is not None and payload["kind"] != expected_kind:
        raise BenchInputError(
            f"{directory} holds a {payload['kind']!r} checkpoint, not {expected_kind!r}"
        )
    return payload


def save_tensors(path: str | os.PathLike[str], tensors: dict[str, Any]) -> None:
    """Write tensors as safetensors, atomically (contiguous CPU copies)."""
    from safetensors.torch import save_file

    tensors = {name: value.detach().cpu().contiguous() for name, value in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp))


def load_tensors(path: Path, directory: Path) -> dict[str, Any]:
    """Read a safetensors file of checkpoint ``directory``; missing or corrupt: BenchInputError."""
    from safetensors.torch import load_file

    if not path.is_file():
        raise BenchInputError(f"corrupt checkpoint {directory}: {path.name} is missing")
    try:
        return load_file(str(path))
    except Exception as error:  # safetensors raises its own SafetensorError on bad headers
        raise BenchInputError(
            f"corrupt checkpoint {directory}: {path.name}: {first_line(error)}"
        ) from None


@contextlib.contextmanager
def staged_directory(directory: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty folder beside ``directory``; it replaces ``directory`` on success.

    A crash leaves either the previous checkpoint or the new one, never a mix.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise BenchInputError(f"checkpoint path {directory} exists and is not a directory")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = temporary_dir(directory.parent, directory.name)  # mode as for mkdir (umask)
    try:
        yield staging
        if directory.exists():
            old = temporary_dir(directory.parent, f"{directory.name}.old")
            os.replace(directory, old / "previous")
            os.replace(staging, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
