"""Generated folders as Hugging Face datasets: card, configs per length, ClassLabel, push."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generators.dataset import build_dataset, load_samples
from generators.errors import BenchInputError
from rmt_bench.cli import cli

ROOMS = ["bathroom", "bedroom", "garden", "hallway", "kitchen", "office"]


@pytest.fixture(autouse=True)
def _cache(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets

    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))
    # datasets reads HF_DATASETS_CACHE once at import: set its config, one cache per test, so
    # a folder rebuilt at a reused temporary path is never served from an older test's cache
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _build(out: Path, fmt: str = "parquet", **kwargs: Any) -> Path:
    settings: dict[str, Any] = dict(lengths=[300, "1k"], num_samples=3, seed=4, progress=False)
    settings.update(kwargs)
    return build_dataset("memorize", out=out, fmt=fmt, **settings)


def _header(out: Path) -> dict[str, Any]:
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "arrow"])
def test_one_config_per_length_a_split_per_task_and_a_class_label(tmp_path: Path, fmt: str) -> None:
    import datasets

    out = _build(tmp_path / "dm", fmt)
    one = datasets.load_dataset(str(out), "1k")
    assert list(one) == ["memorize"]
    rows = one["memorize"]
    assert rows.num_rows == 3 and set(rows["length"]) == {1024}
    assert rows.features["label"] == datasets.ClassLabel(names=ROOMS)
    assert all(ROOMS[row["label"]] == row["answer"] for row in rows)
    assert datasets.load_dataset(str(out), "300")["memorize"].num_rows == 3
    assert datasets.load_dataset(str(out))["memorize"].num_rows == 6  # "all" is the default
    assert load_samples(out).features["label"].names == ROOMS


def test_arrow_is_stored_once_and_loads_from_disk(tmp_path: Path) -> None:
    import datasets

    out = _build(tmp_path / "ar", "arrow")
    arrow_files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.arrow"))
    assert arrow_files == [
        "data/memorize/1024/shard-00000-of-00001.arrow",
        "data/memorize/300/shard-00000-of-00001.arrow",
    ]
    rows = datasets.load_from_disk(str(out))["memorize"]
    assert rows.num_rows == 6 and rows.features["label"].names == ROOMS
    assert sorted(rows["id"]) == sorted(load_samples(out)["id"])


def test_the_card_says_what_the_rows_are_and_how_to_rebuild_them(tmp_path: Path) -> None:
    out = _build(tmp_path / "dm", noise="builtin")
    header = _header(out)
    names = [c["config_name"] for c in header["configs"]]
    assert names == ["300", "1k", "all"]
    assert header["configs"][1]["data_files"] == [
        {"split": "memorize", "path": "data/memorize/1024/*.parquet"}
    ]
    assert header["license"] == "mit"
    text = (out / "README.md").read_text(encoding="utf-8")
    for needed in ("`minilm`", "Seed:** 4", "--length 300 --length 1k", "load_dataset("):
        assert needed in text, needed
    assert "bAbI-world simulator" in text and "MIT" in text


def test_card_licences_follow_the_sources(tmp_path: Path) -> None:
    from generators.card import card_text
    from generators.dataset import read_config

    meta = json.loads((_build(tmp_path / "dm") / "metadata.json").read_text())
    config = read_config(meta)

    def with_noise(noise: str) -> str:
        return card_text(read_config({**meta, "config": {**meta["config"], "noise": noise}}), meta)

    assert config.noise == "books?split=test"  # the default: public-domain books
    assert "license: other" in card_text(config, meta) and "public domain" in card_text(
        config, meta
    )
    assert "Apache 2.0" in with_noise("pg19:/x") and "license: other" in with_noise("pg19:/x")
    assert "license: mit" in with_noise("builtin")


def test_the_card_is_deterministic_and_rewritten_on_resume(tmp_path: Path) -> None:
    one = _build(tmp_path / "one")
    two = _build(tmp_path / "two", num_proc=2)
    assert (one / "README.md").read_bytes() == (two / "README.md").read_bytes()
    (one / "README.md").unlink()
    _build(tmp_path / "one")  # a no-op rerun puts the card back
    assert (one / "README.md").read_bytes() == (two / "README.md").read_bytes()


def test_a_readme_we_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "README.md").write_text("my notes\n")
    with pytest.raises(BenchInputError, match="rmt-bench did not write"):
        _build(out)
    assert (out / "README.md").read_text() == "my notes\n"
    assert not (out / "data").exists()


def test_babilong_columns_round_trip(tmp_path: Path) -> None:
    import datasets

    out = _build(tmp_path / "bl", "jsonl", columns="babilong")
    rows = datasets.load_dataset(str(out), "300")["memorize"]
    assert {"input", "question", "target"} <= set(rows.column_names)
    assert "context" not in rows.column_names and "answer" not in rows.column_names
    plain = {row["id"]: row for row in load_samples(_build(tmp_path / "plain", "jsonl"))}
    same = plain[rows[0]["id"]]  # the same sample, whatever order the files are read in
    assert rows[0]["input"] == same["context"] and rows[0]["target"] == same["answer"]
    assert "--columns babilong" in (out / "README.md").read_text()


def test_bad_column_set_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BenchInputError, match="babilong"):
        _build(tmp_path / "x", columns="ruler")
    result = CliRunner().invoke(
        cli, ["generate", "--task", "memorize", "--length", "300", "--columns", "ruler"]
    )
    assert result.exit_code == 2 and "ruler" in result.output


def test_folders_written_before_the_columns_field_still_resume(tmp_path: Path) -> None:
    out = _build(tmp_path / "old")
    meta_path = out / "metadata.json"
    meta = json.loads(meta_path.read_text())
    del meta["config"]["columns"]
    meta_path.write_text(json.dumps(meta))
    _build(out)  # accepted as the same config
    assert load_samples(out).num_rows == 6


class _FakeApi:
    calls: list[tuple[str, dict[str, Any]]] = []

    def __init__(self, token: str | None = None) -> None:
        self.token = token

    def create_repo(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        return f"https://huggingface.co/datasets/{repo_id}"

    def upload_folder(self, **kwargs: Any) -> None:
        self.calls.append(("upload_folder", kwargs))


def test_push_to_hub_uploads_the_folder_with_its_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    _FakeApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", _FakeApi)
    out = tmp_path / "dm"
    result = CliRunner().invoke(
        cli,
        [
            "generate",
            "--task",
            "memorize",
            "--length",
            "300",
            "--num-samples",
            "2",
            "--out",
            str(out),
            "--no-progress",
            "--push-to-hub",
            "me/rmt-dm",
            "--private",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "pushed to https://huggingface.co/datasets/me/rmt-dm" in result.output
    (create, create_args), (upload, upload_args) = _FakeApi.calls
    assert create == "create_repo" and create_args["repo_type"] == "dataset"
    assert create_args["private"] is True and create_args["exist_ok"] is True
    assert upload == "upload_folder" and upload_args["folder_path"] == str(out)
    assert upload_args["repo_id"] == "me/rmt-dm" and upload_args["repo_type"] == "dataset"
    assert (out / "README.md").is_file()


def test_push_refuses_incomplete_or_foreign_folders_and_reports_network_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    from generators.hub import push_dataset

    with pytest.raises(BenchInputError, match="not a generated dataset"):
        push_dataset(tmp_path, "me/x")
    out = _build(tmp_path / "dm")
    with pytest.raises(BenchInputError, match="bad hub repo"):
        push_dataset(out, "a/b/c")

    class _Offline(_FakeApi):
        def create_repo(self, repo_id: str, **kwargs: Any) -> str:
            raise ConnectionError("no network")

    monkeypatch.setattr(huggingface_hub, "HfApi", _Offline)
    with pytest.raises(BenchInputError, match="push to the hub repo 'me/x' failed.*no network"):
        push_dataset(out, "me/x")
    meta = json.loads((out / "metadata.json").read_text())
    (out / "metadata.json").write_text(json.dumps({**meta, "complete": False}))
    with pytest.raises(BenchInputError, match="incomplete"):
        push_dataset(out, "me/x")


def test_a_rerun_says_what_was_already_there(tmp_path: Path) -> None:
    args = ["generate", "--task", "memorize", "--length", "300", "--num-samples", "2"]
    args += ["--shard-size", "1", "--out", str(tmp_path / "dm"), "--no-progress"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and "wrote 2 samples" in first.output
    assert "resumed" not in first.output
    (tmp_path / "dm" / "data" / "memorize" / "300" / "shard-00001-of-00002.parquet").unlink()
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "resumed: 1 of 2 rows already there" in again.output
    assert "wrote 1 samples" in again.output
    noop = CliRunner().invoke(cli, args)
    assert "resumed: 2 of 2 rows already there" in noop.output and "wrote 0 samples" in noop.output
