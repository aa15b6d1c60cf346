"""Configuration precedence (defaults < file < flags), bad files, hashing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from generators.atomic import atomic_path, atomic_write_text
from generators.errors import BenchInputError
from rmt_bench.config import config_hash, resolve_config, save_config


@dataclasses.dataclass
class Example:
    lr: float = 1e-3
    steps: int = 10
    name: str = "x"


def test_precedence_defaults_file_flags(tmp_path: Path) -> None:
    file = tmp_path / "c.yaml"
    file.write_text("lr: 0.5\nsteps: 3\n")
    cfg = resolve_config(Example, file, {"steps": 7, "name": None})
    assert cfg == Example(lr=0.5, steps=7, name="x")


def test_json_file_and_dashes(tmp_path: Path) -> None:
    file = tmp_path / "c.json"
    file.write_text(json.dumps({"steps": 4}))
    assert resolve_config(Example, file).steps == 4


@pytest.mark.parametrize("content", ["lr: [unclosed", "- a\n- b\n", "bogus: 1\n"])
def test_bad_files_are_user_errors(tmp_path: Path, content: str) -> None:
    file = tmp_path / "c.yaml"
    file.write_text(content)
    with pytest.raises(BenchInputError):
        resolve_config(Example, file)


def test_missing_file_is_user_error(tmp_path: Path) -> None:
    with pytest.raises(BenchInputError, match="not found"):
        resolve_config(Example, tmp_path / "nope.yaml")


def test_hash_is_stable_and_sensitive(tmp_path: Path) -> None:
    assert config_hash(Example()) == config_hash(Example())
    assert config_hash(Example()) != config_hash(Example(steps=11))
    save_config(Example(), tmp_path / "cfg.json")
    assert json.loads((tmp_path / "cfg.json").read_text())["steps"] == 10


def test_atomic_path_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
