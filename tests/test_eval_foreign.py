"""``eval --data`` on other suites' files: BABILong (parquet, HF folder) and RULER (JSONL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig
from generators.build import build_sample
from rmt_bench.cli import cli
from rmt_bench.rmt import RMT, RMTConfig


@pytest.fixture(autouse=True)
def _offline(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path_factory.getbasetemp() / "hf-datasets"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ckpt")
    FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert")).save_pretrained(root / "fa")
    config = RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=64)
    RMT(config).save_pretrained(root / "rmt")
    return {"fa": root / "fa", "rmt": root / "rmt"}


def _samples(length: int, count: int) -> list[dict]:
    return [build_sample("memorize", length=length, seed=9, index=i) for i in range(count)]


def _babilong_rows(length: int, count: int) -> dict[str, list]:
    rows = _samples(length, count)
    return {
        "input": [r["context"] for r in rows],
        "question": [r["question"] for r in rows],
        "target": [r["answer"].capitalize() + "." for r in rows],  # case and dot are ignored
    }


def _ruler_jsonl(path: Path, lengths: list[int], count: int, answers: str | None = None) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for length in lengths:
            for i, row in enumerate(_samples(length, count)):
                record = {
                    "index": i,
                    "input": row["context"] + " " + row["question"],
                    "outputs": [answers or row["answer"]],
                    "length": length,
                }
                handle.write(json.dumps(record) + "\n")
    return path


def _eval(model: Path, data: Path, out: Path, lengths: str, *extra: str):
    args = ["eval", "--model", str(model), "--task", "memorize", "--lengths", lengths]
    args += ["--num-samples", "2", "--data", str(data), "--out", str(out), "--no-progress"]
    return CliRunner().invoke(cli, [*args, *extra])


def _rows(out: Path, name: str) -> list[dict]:
    lines = (out / f"{name}.memorize.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["fa", "rmt"])
def test_babilong_parquet_evaluates_from_the_cli(
    tmp_path: Path, models: dict[str, Path], kind: str
) -> None:
    import datasets

    data = tmp_path / "qa1.parquet"
    datasets.Dataset.from_dict(_babilong_rows(200, 3)).to_parquet(str(data))
    result = _eval(models[kind], data, tmp_path / "out", "200")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out", kind)
    expected = _samples(200, 2)
    assert [r["answer"].lower().rstrip(".") for r in rows] == [s["answer"] for s in expected]
    assert all(r["n_tokens"] == 200 and r["length"] == 200 for r in rows)
    assert [r["sample_id"] for r in rows] == ["qa1-200-0", "qa1-200-1"]
    assert all(r["prediction"] in FullAttentionConfig().labels for r in rows)
    again = _eval(models[kind], data, tmp_path / "out", "200")  # resumes: nothing added
    assert again.exit_code == 0 and len(_rows(tmp_path / "out", kind)) == 2


def test_babilong_hf_folders_evaluate(tmp_path: Path, models: dict[str, Path]) -> None:
    import datasets

    rows = datasets.Dataset.from_dict(_babilong_rows(200, 2))
    saved = tmp_path / "saved"
    datasets.DatasetDict({"qa1": rows}).save_to_disk(str(saved))
    plain = tmp_path / "plain"
    (plain / "data").mkdir(parents=True)
    rows.to_parquet(str(plain / "data" / "test-00000-of-00001.parquet"))
    for data in (saved, plain):
        result = _eval(models["fa"], data, tmp_path / data.name, "200")
        assert result.exit_code == 0, result.output
        assert len(_rows(tmp_path / data.name, "fa")) == 2


def test_ruler_jsonl_groups_rows_by_length(tmp_path: Path, models: dict[str, Path]) -> None:
    data = _ruler_jsonl(tmp_path / "niah.jsonl", [200, 300], 2)
    result = _eval(models["rmt"], data, tmp_path / "out", "200,300")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out", "rmt")
    assert sorted(r["length"] for r in rows) == [200, 200, 300, 300]
    assert all(r["n_tokens"] == r["length"] for r in rows)  # input holds context + question
    _one_line_error(
        _eval(models["rmt"], data, tmp_path / "out", "400"), "no rows of length 400 (it holds 200"
    )


def test_targets_outside_the_model_labels_are_one_clear_error(
    tmp_path: Path, models: dict[str, Path]
) -> None:
    data = _ruler_jsonl(tmp_path / "vt.jsonl", [200], 2, answers="42")
    result = _eval(models["fa"], data, tmp_path / "out", "200")
    _one_line_error(result, "targets '42' are not among the model's labels")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.jsonl"))


def test_bad_foreign_files_are_one_line_errors(tmp_path: Path, models: dict[str, Path]) -> None:
    import datasets

    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps({"text": "x", "label": 1}) + "\n")
    _one_line_error(_eval(models["fa"], odd, tmp_path / "o1", "200"), "expected BABILong")
    two = tmp_path / "two.jsonl"
    two.write_text(json.dumps({"input": "x", "outputs": ["a", "b"], "length": 200}) + "\n")
    _one_line_error(_eval(models["fa"], two, tmp_path / "o2", "200"), "one item in 'outputs'")
    babilong = tmp_path / "b.parquet"
    datasets.Dataset.from_dict(_babilong_rows(200, 2)).to_parquet(str(babilong))
    _one_line_error(_eval(models["fa"], babilong, tmp_path / "o3", "200,300"), "no 'length' column")
    _one_line_error(
        _eval(models["fa"], babilong, tmp_path / "o4", "200", "--num-samples", "5"),
        "holds 2 rows of length 200",
    )
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    _one_line_error(_eval(models["fa"], text, tmp_path / "o5", "200"), "unknown file type")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    _one_line_error(_eval(models["fa"], broken, tmp_path / "o6", "200"), "cannot read it")


def test_a_generated_folder_with_babilong_columns_evaluates(
    tmp_path: Path, models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from generators.dataset import build_dataset
    from rmt_bench.train.seeds import TEST_SEED_BASE

    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path / "cache"))
    data = build_dataset(
        "memorize",
        lengths=[200],
        num_samples=2,
        seed=TEST_SEED_BASE,
        out=tmp_path / "bl",
        columns="babilong",
        noise="builtin",
        progress=False,
    )
    result = _eval(models["fa"], data, tmp_path / "out", "200")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out", "fa")
    built = [
        build_sample("memorize", length=200, seed=TEST_SEED_BASE, index=i, noise="builtin")
        for i in (0, 1)
    ]
    assert [r["answer"] for r in rows] == [b["answer"] for b in built]
    # rows say where the fact was, what the sample was made of, which model and when
    assert [r["fact_positions"] for r in rows] == [b["fact_positions"] for b in built]
    assert [r["depths"] for r in rows] == [b["depths"] for b in built]
    assert rows[0]["facts_source"] == "builtin" and rows[0]["noise_source"] == "builtin"
    assert rows[0]["model_path"] == str(models["fa"])
    assert rows[0]["rmt_bench_version"] and rows[0]["timestamp"].endswith("+00:00")


def test_a_babilong_qa_task_needs_no_fact_source(tmp_path: Path, models: dict[str, Path]) -> None:
    import datasets

    data = tmp_path / "qa1.parquet"
    datasets.Dataset.from_dict(_babilong_rows(200, 2)).to_parquet(str(data))
    args = ["eval", "--model", str(models["fa"]), "--task", "babi:qa1", "--lengths", "200"]
    args += ["--num-samples", "2", "--data", str(data), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, [*args, "--no-progress"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "out" / "fa.babi:qa1.jsonl").read_text().splitlines()
    assert [json.loads(line)["task"] for line in lines] == ["babi:qa1", "babi:qa1"]
