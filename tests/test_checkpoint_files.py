"""Checkpoint folders for every model kind: config.json checks, safetensors I/O, atomic replace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from generators.errors import BenchInputError, first_line
from rmt_bench.checkpoint_files import (
    load_tensors,
    read_checkpoint_config,
    save_tensors,
    staged_directory,
)


def _folder(tmp_path: Path, config: str | None) -> Path:
    folder = tmp_path / "ckpt"
    folder.mkdir()
    if config is not None:
        (folder / "config.json").write_text(config, encoding="utf-8")
    return folder


def test_a_good_config_is_returned_whole(tmp_path: Path) -> None:
    folder = _folder(tmp_path, json.dumps({"kind": "rmt", "format": 1}))
    assert read_checkpoint_config(folder) == {"kind": "rmt", "format": 1}
    assert read_checkpoint_config(folder, expected_kind="rmt")["format"] == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, r"not a checkpoint directory: .*config\.json is missing"),
        ("{not json", r"corrupt checkpoint: .*config\.json is not valid JSON \("),
        ("[1, 2]", r'not an rmt-bench checkpoint: .*config\.json has no "kind"'),
        ('{"format": 1}', r'has no "kind"'),
        ('{"kind": "armt"}', r"holds a 'armt' checkpoint, not 'rmt'"),
    ],
)
def test_a_bad_config_is_one_clear_error(tmp_path: Path, config: str | None, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        read_checkpoint_config(_folder(tmp_path, config), expected_kind="rmt")


def test_a_missing_folder_or_a_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(BenchInputError, match="model checkpoint not found"):
        read_checkpoint_config(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(BenchInputError, match="is not a directory"):
        read_checkpoint_config(tmp_path / "file")


def test_tensors_round_trip_and_a_corrupt_file_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "head.safetensors"
    weight = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # not contiguous
    save_tensors(path, {"weight": weight})
    assert torch.equal(load_tensors(path, tmp_path)["weight"], weight)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["head.safetensors"]
    path.write_bytes(b"\x00\x01 not safetensors")
    with pytest.raises(BenchInputError, match=r"corrupt checkpoint .*: head\.safetensors: "):
        load_tensors(path, tmp_path)
    with pytest.raises(BenchInputError, match="other.safetensors is missing"):
        load_tensors(tmp_path / "other.safetensors", tmp_path)


def test_a_staged_folder_replaces_the_old_one_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "ckpt"
    with staged_directory(target) as staging:
        (staging / "a.txt").write_text("first")
    assert (target / "a.txt").read_text() == "first"

    with pytest.raises(RuntimeError, match="crash"), staged_directory(target) as staging:
        (staging / "a.txt").write_text("half")
        raise RuntimeError("crash")
    assert (target / "a.txt").read_text() == "first"  # the previous checkpoint, whole

    with staged_directory(target) as staging:
        (staging / "b.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]  # no staging left behind


def test_a_file_in_the_way_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "ckpt"
    target.write_text("someone's file")
    with (
        pytest.raises(BenchInputError, match="exists and is not a directory"),
        staged_directory(target),
    ):
        pass
    assert target.read_text() == "someone's file"


def test_first_line_names_an_empty_error_by_its_type() -> None:
    assert first_line(ValueError("one\ntwo")) == "one"
    assert first_line(KeyError()) == "KeyError"
