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
import types
import typing
from collections.abc import Callable, Mapping
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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BenchInputError(f"config file {path} is not UTF-8 text") from None
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
    upgrade: Callable[[dict[str, Any], str], dict[str, Any]] | None = None,
) -> ConfigT:
    """Build ``cls`` from its defaults, then the file's values, then non-None overrides.

    ``upgrade(values, origin)`` renames old options of the file's values first.
    """
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    if config_file is not None:
        loaded = {
            str(key).replace("-", "_"): value
            for key, value in load_config_file(config_file).items()
        }
        if upgrade is not None:
            loaded = upgrade(loaded, str(config_file))
        for key, value in loaded.items():
            if key not in names:
                raise BenchInputError(f"unknown option {key!r} in config file {config_file}")
            values[key] = value
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in names:
            raise BenchInputError(f"unknown option {key!r}")
        values[key] = value
    hints = typing.get_type_hints(cls)
    values = {key: coerce_value(key, value, hints.get(key, Any)) for key, value in values.items()}
    try:
        return cls(**values)
    except TypeError as error:
        raise BenchInputError(f"bad configuration: {error}") from error


_INT_LIMIT = 2**63  # every integer option fits a signed 64-bit integer (seeds, sizes, counts)


def coerce_value(name: str, value: Any, hint: Any) -> Any:
    """``value`` as the option's type (``"5"`` -> 5 for an int, 512 -> ``"512"`` for a
    string); a value of the wrong type is a BenchInputError naming the option."""
    args = typing.get_args(hint) if _is_union(hint) else (hint,)
    if value is None:
        if type(None) in args or Any in args:
            return None
        raise BenchInputError(f"option {name} needs a value")
    if Any in args:
        return value
    simple = [arg for arg in args if arg in (bool, int, float, str)]
    if any(_matches(value, arg) for arg in args):
        if isinstance(value, int) and not isinstance(value, bool) and int in simple:
            _check_int(name, value)
        return value
    if str in simple and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        for kind in (int, float):
            if kind in simple:
                try:
                    converted = kind(value.strip())
                except ValueError:
                    continue
                if kind is int:
                    _check_int(name, converted)
                elif converted != converted or converted in (float("inf"), float("-inf")):
                    continue
                return converted
    names = dict.fromkeys(_type_name(arg) for arg in args if arg is not type(None))
    wanted = " or ".join(names)
    raise BenchInputError(f"option {name} must be {wanted}, got {value!r}")


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _matches(value: Any, hint: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    origin = typing.get_origin(hint) or hint
    if origin in (tuple, list):  # "1,2,3" is parsed by the config itself
        return isinstance(value, (tuple, list, str))
    return isinstance(origin, type) and isinstance(value, origin)


def _check_int(name: str, value: int) -> None:
    if not -_INT_LIMIT <= value < _INT_LIMIT:
        raise BenchInputError(f"option {name} is out of range: {value}")


def _type_name(hint: Any) -> str:
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    if hint in names:
        return names[hint]
    origin = typing.get_origin(hint) or hint
    return "a list" if origin in (tuple, list) else getattr(origin, "__name__", str(origin))


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
