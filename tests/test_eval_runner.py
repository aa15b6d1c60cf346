"""The evaluation loop with a stand-in model: rows, resume, sharding, config checks.

The stand-in answers from the sample itself (right on even indices, wrong on odd
ones), so these tests check the harness's bookkeeping, not a model. The real
model kinds run through the same loop in test_eval_kinds.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generators.errors import BenchInputError
from generators.tasks import task_labels
from rmt_bench.contract import Prediction
from rmt_bench.evaluate import EvalConfig, evaluate, read_rows
from rmt_bench.evaluate.rows import ROW_FIELDS
from rmt_bench.evaluate.sharding import Shard

LABELS = task_labels("memorize")
TIMING = ("seconds", "tokens_per_s", "peak_memory_mb", "timestamp", "rss_peak_mb", "model_peak_mb")


class StandIn:
    """Right on even sample indices, wrong on odd ones; can raise an interrupt mid-run."""

    kind = "stand-in"
    labels = LABELS
    tokenizer_name = "minilm"

    def __init__(self, interrupt_after: int | None = None) -> None:
        self.calls = 0
        self.seen: list[str] = []
        self.interrupt_after = interrupt_after

    def describe(self) -> dict:
        return {"kind": self.kind, "version": 1}

    def num_segments(self, n_tokens: int) -> int:
        return -(-n_tokens // 100)

    def predict(self, samples):
        self.calls += 1
        if self.interrupt_after is not None and self.calls > self.interrupt_after:
            raise KeyboardInterrupt
        self.seen += [s["id"] for s in samples]
        return [
            Prediction(label=s["label"] if s["index"] % 2 == 0 else (s["label"] + 1) % 6, text="")
            for s in samples
        ]


def _config(out: Path, **kw) -> EvalConfig:
    base = dict(
        model="stand-in",
        name="stand-in",
        task="memorize",
        lengths="128,256",
        num_samples=4,
        out=str(out),
        progress=False,
    )
    base.update(kw)
    return EvalConfig(**base)


def _strip(rows: list[dict]) -> list[dict]:
    return sorted(
        ({k: v for k, v in r.items() if k not in TIMING} for r in rows),
        key=lambda r: r["sample_id"],
    )


def test_rows_and_summary(tmp_path: Path) -> None:
    model = StandIn()
    table = evaluate(_config(tmp_path), model=model)
    rows = read_rows(tmp_path / "stand-in.memorize.jsonl")
    assert len(rows) == 8 and len({r["sample_id"] for r in rows}) == 8
    assert all(tuple(r) == ROW_FIELDS for r in rows)
    row = rows[0]
    assert row["sample_id"] == "memorize-128-0-0" and row["length"] == 128
    assert row["n_tokens"] == 128 and row["segments"] == 2 and row["seed"] == 0
    assert row["correct"] is True and row["prediction"] == row["answer"]
    assert rows[1]["correct"] is False and rows[1]["prediction"] != rows[1]["answer"]
    assert all(r["seconds"] > 0 and r["peak_memory_mb"] > 0 for r in rows)
    # On CPU: process RSS recorded beside peak_memory_mb, no allocator peak of the model.
    assert all(r["rss_peak_mb"] > 0 and r["model_peak_mb"] is None for r in rows)
    assert [(t["length"], t["n"], t["accuracy"]) for t in table] == [(128, 4, 0.5), (256, 4, 0.5)]
    assert (tmp_path / "summary.csv").is_file()
    saved = json.loads((tmp_path / "stand-in.memorize.config.json").read_text())
    assert saved["config_hash"] == row["config_hash"]
    assert saved["identity"]["model"] == model.describe()
    assert saved["machine"]["cpu_cores"] and saved["machine"]["torch_threads"]  # not hashed


def test_resume_after_interrupt_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    evaluate(_config(reference), model=StandIn())
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        evaluate(_config(out), model=StandIn(interrupt_after=3))
    assert len(read_rows(out / "stand-in.memorize.jsonl")) == 3
    again = StandIn()
    evaluate(_config(out), model=again)
    assert again.calls == 5  # only the samples that were missing
    rows = read_rows(out / "stand-in.memorize.jsonl")
    assert _strip(rows) == _strip(read_rows(reference / "stand-in.memorize.jsonl"))
    idle = StandIn()
    evaluate(_config(out), model=idle)  # the same command again: nothing to do
    assert idle.calls == 0
    assert len(read_rows(out / "stand-in.memorize.jsonl")) == 8


def test_more_lengths_and_samples_append_to_the_same_file(tmp_path: Path) -> None:
    evaluate(_config(tmp_path, lengths="128", num_samples=2), model=StandIn())
    model = StandIn()
    evaluate(_config(tmp_path, lengths="128,256", num_samples=3, batch_size=2), model=model)
    assert sorted(model.seen) == sorted(
        ["memorize-128-0-2", "memorize-256-0-0", "memorize-256-0-1", "memorize-256-0-2"]
    )
    assert len(read_rows(tmp_path / "stand-in.memorize.jsonl")) == 6


def test_a_different_config_is_refused_and_rows_are_untouched(tmp_path: Path) -> None:
    evaluate(_config(tmp_path), model=StandIn())
    path = tmp_path / "stand-in.memorize.jsonl"
    before = path.read_bytes()
    for change in ({"seed": 7}, {"depth": 0.0}):
        with pytest.raises(BenchInputError, match="different configuration"):
            evaluate(_config(tmp_path, **change), model=StandIn())
    with pytest.raises(BenchInputError, match="different configuration"):
        evaluate(_config(tmp_path), model=_Other())
    assert path.read_bytes() == before


class _Other(StandIn):
    def describe(self) -> dict:
        return {"kind": self.kind, "version": 2}


def test_shards_write_parts_and_merge_to_the_single_process_rows(tmp_path: Path) -> None:
    single = tmp_path / "single"
    evaluate(_config(single, num_samples=5), model=StandIn())
    sharded = tmp_path / "sharded"
    ones, zeros = StandIn(), StandIn()
    assert evaluate(_config(sharded, num_samples=5), model=ones, shard=Shard(1, 2)) == []
    assert (sharded / "stand-in.memorize.part-1.jsonl").is_file()
    evaluate(_config(sharded, num_samples=5), model=zeros, shard=Shard(0, 2))
    assert not set(ones.seen) & set(zeros.seen)
    assert len(ones.seen) + len(zeros.seen) == 10
    assert not list(sharded.glob("*.part-*"))
    assert _strip(read_rows(sharded / "stand-in.memorize.jsonl")) == _strip(
        read_rows(single / "stand-in.memorize.jsonl")
    )


def test_label_mismatch_is_refused(tmp_path: Path) -> None:
    model = StandIn()
    model.labels = ("yes", "no")
    with pytest.raises(BenchInputError, match="the model answers"):
        evaluate(_config(tmp_path), model=model)
    assert not list(tmp_path.glob("*.jsonl"))


def test_training_seeds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BenchInputError, match="not a test seed"):
        evaluate(_config(tmp_path, seed=2_000_000), model=StandIn())


def test_tokenizer_mismatch_is_refused(tmp_path: Path) -> None:
    from generators.pretrained import load_tokenizer

    other = load_tokenizer("minilm")
    other = type(other).from_pretrained(other.name_or_path)
    other.add_tokens(["zzzqqq"])
    other.save_pretrained(tmp_path / "tok")
    with pytest.raises(BenchInputError, match="differs from the model's tokenizer"):
        evaluate(_config(tmp_path / "out", tokenizer=str(tmp_path / "tok")), model=StandIn())
    # the same tokenizer under another name is accepted
    evaluate(
        _config(tmp_path / "out2", tokenizer="all-minilm-l6-v2", lengths="128"), model=StandIn()
    )
