"""Configuration as dataclasses: defaults < config file (YAML/JSON) < CLI flags.

    cfg = resolve_config(TrainConfig, config_file="train.yaml", overrides={"lr": 1e-4})
    save_config(cfg, out_dir / "config.json")      # atomically, beside the results
    digest = config_hash(cfg)                        # stable short hash of the resolved config

``overrides`` holds only what the user actually set (None values are ignored),
so a flag left at its default never hides a value from the file. Unknown keys in
a file are an error naming the key, not silently dropped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from generators.atomic import atomic_write_text
from generators.errors import BenchInputError

ConfigT = TypeVar("ConfigT")


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON mapping; a missing or malformed file is a user error."""
    path = Path(path)
    if not path.is_file():
        raise BenchInputError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (ValueError, ImportError) as error:  # json/yaml errors subclass ValueError
        raise BenchInputError(f"cannot parse config file {path}: {error}") from error
    except Exception as error:  # yaml.YAMLError is not a ValueError
        raise BenchInputError(f"cannot parse config file {path}: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BenchInputError(f"config file {path} must hold a mapping of option: value")
    return data


def resolve_config(
    cls: type[ConfigT],
    config_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ConfigT:
    """Build ``cls`` from its defaults, then the file's values, then non-None overrides."""
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    if config_file is not None:
        for key, value in load_config_file(config_file).items():
            key = str(key).replace("-", "_")
            if key not in names:
                raise BenchInputError(f"unknown option {key!r} in config file {config_file}")
            values[key] = value
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in names:
            raise BenchInputError(f"unknown option {key!r}")
        values[key] = value
    try:
        return cls(**values)
    except TypeError as error:
        raise BenchInputError(f"bad configuration: {error}") from error


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-able dict of a dataclass config (tuples become lists, paths strings)."""
    return json.loads(json.dumps(dataclasses.asdict(config), default=str))


def config_hash(config: Any) -> str:
    """A short stable hash of a config dataclass or mapping (sorted canonical JSON)."""
    data = config_to_dict(config) if dataclasses.is_dataclass(config) else dict(config)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def save_config(config: Any, path: str | Path) -> None:
    """Write the resolved config as indented JSON, atomically."""
    data = config_to_dict(config) if dataclasses.is_dataclass(config) else dict(config)
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
