"""How a generated folder looks to Hugging Face ``datasets``: column sets, features, configs.

    rename_columns(row, "babilong")      # context -> input, answer -> target (BABILong's names)
    dataset_features(config)             # datasets.Features, ``label`` as ClassLabel(answer names)
    split_name("babi:qa2")               # "qa2": one split per task, as BABILong names them
    card_configs(config)                 # the card's ``configs:``: one per length + "all" (default)
    write_arrow_state(out, config, jobs) # ``load_from_disk(out)`` over the Arrow shards in place

BABILong's layout is one config per length (``"4k"``) and one split per task, so
``load_dataset(folder_or_repo, "4k")["qa2"]`` works; the ``all`` config (the default)
holds every length. Arrow shards are stored once: ``load_from_disk(out)`` reads a
``DatasetDict`` whose split folders point at the shards under ``data/``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generators.atomic import atomic_write_text
from generators.errors import BenchInputError
from generators.lengths import format_length

COLUMN_SETS: dict[str, dict[str, str]] = {
    "default": {},
    "babilong": {"context": "input", "answer": "target"},
}
COLUMNS_HELP = "default (context, answer) | babilong (input, target, as BABILong names them)"
ALL_CONFIG = "all"


def check_columns(columns: str) -> None:
    """Refuse an unknown column set with the choices."""
    if columns not in COLUMN_SETS:
        raise BenchInputError(f"unknown column set {columns!r}: choose {' | '.join(COLUMN_SETS)}")


def column_name(name: str, columns: str) -> str:
    """The stored name of row field ``name`` under a column set."""
    return COLUMN_SETS[columns].get(name, name)


def rename_columns(row: dict[str, Any], columns: str) -> dict[str, Any]:
    """``row`` with its fields renamed for ``columns`` (order kept); the same dict if none."""
    mapping = COLUMN_SETS[columns]
    if not mapping:
        return row
    return {mapping.get(key, key): value for key, value in row.items()}


def restore_columns(row: dict[str, Any], columns: str) -> dict[str, Any]:
    """The inverse of ``rename_columns``: a stored row back to the sample contract's names."""
    mapping = COLUMN_SETS.get(columns, {})
    if not mapping:
        return row
    back = {stored: name for name, stored in mapping.items()}
    return {back.get(key, key): value for key, value in row.items()}


def split_name(task: str) -> str:
    """A task's split name: ``babi:qaN`` -> ``qaN`` (BABILong's), others unchanged."""
    return task.split(":", 1)[1] if task.startswith("babi:") else task


def task_slug(task: str) -> str:
    """The task's folder name under ``data/``."""
    return task.replace(":", "-")


def dataset_features(config: Any) -> Any:
    """The ``datasets.Features`` of a config's rows; ``label`` is a ClassLabel of the answers."""
    import datasets

    from generators.tasks import task_labels
    from generators.writers import rows_schema

    features = datasets.Features.from_arrow_schema(
        rows_schema(config.with_ids, getattr(config, "columns", "default"))
    )
    features["label"] = datasets.ClassLabel(names=list(task_labels(config.task, config.facts)))
    return features


def config_names(config: Any) -> list[str]:
    """One config name per length (``"4k"``, ``"1M"``, ``"700"``), in the config's order."""
    return [format_length(length) for length in config.lengths]


def card_configs(config: Any, ext: str) -> list[dict[str, Any]]:
    """The dataset card's ``configs:`` entries (paths relative to the folder)."""
    slug, split = task_slug(config.task), split_name(config.task)
    entries: list[dict[str, Any]] = []
    for length, name in zip(config.lengths, config_names(config), strict=True):
        path = f"data/{slug}/{length}/*{ext}"
        entries.append({"config_name": name, "data_files": [{"split": split, "path": path}]})
    entries.append(
        {
            "config_name": ALL_CONFIG,
            "data_files": [{"split": split, "path": f"data/{slug}/*/*{ext}"}],
            "default": True,
        }
    )
    return entries


def features_yaml(config: Any) -> list[dict[str, Any]]:
    """The features in the card's ``dataset_info`` form."""
    return dataset_features(config)._to_yaml_list()


def write_arrow_state(out: Path, config: Any, shard_paths: Sequence[str]) -> None:
    """Make ``datasets.load_from_disk(out)`` a DatasetDict over the shards, without copies.

    ``out/dataset_dict.json`` names the split; ``out/<split>/state.json`` lists the
    Arrow shard files by relative path (``../data/...``), so each row is stored once.
    """
    import datasets
    from datasets.utils.py_utils import asdict  # what save_to_disk uses for dataset_info.json

    split = split_name(config.task)
    folder = out / split
    if folder.exists() and any(folder.iterdir()) and not (folder / "state.json").is_file():
        raise BenchInputError(f"{folder} exists and was not written by rmt-bench; move it away")
    folder.mkdir(exist_ok=True)
    files = [{"filename": "../" + str(Path(p).relative_to(out).as_posix())} for p in shard_paths]
    fingerprint = hashlib.sha256(
        json.dumps([config.task, list(config.lengths), files], sort_keys=True).encode()
    ).hexdigest()[:16]
    info = datasets.DatasetInfo(features=dataset_features(config))
    state = {
        "_data_files": files,
        "_fingerprint": fingerprint,
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": split,
    }
    info_json = json.dumps(asdict(info), indent=2, sort_keys=True)
    atomic_write_text(folder / "dataset_info.json", info_json + "\n")
    atomic_write_text(folder / "state.json", json.dumps(state, indent=2, sort_keys=True) + "\n")
    atomic_write_text(out / "dataset_dict.json", json.dumps({"splits": [split]}) + "\n")
