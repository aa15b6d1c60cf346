"""``--data DIR``: samples read from a generated folder equal the on-the-fly ones."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from generators.dataset import build_dataset
from generators.errors import BenchInputError
from generators.tasks import task_labels
from generators.tokens import sample_token_ids
from rmt_bench.contract import Prediction
from rmt_bench.evaluate import EvalConfig, evaluate, read_rows

TIMING = ("seconds", "tokens_per_s", "peak_memory_mb", "timestamp", "rss_peak_mb", "model_peak_mb")


class Recorder:
    """Answers the true label on even indices; records a digest of the ids it was given."""

    kind = "recorder"
    labels = task_labels("detect_memorize")
    tokenizer_name = "minilm"

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}

    def describe(self) -> dict:
        return {"kind": self.kind}

    def num_segments(self, n_tokens: int) -> int:
        return 1

    def predict(self, samples):
        for s in samples:
            ids = sample_token_ids("minilm", s)
            assert len(ids) == s["n_tokens"]
            self.digests[s["id"]] = hashlib.sha256(ids.tobytes()).hexdigest()
        return [
            Prediction(label=s["label"] if s["index"] % 2 == 0 else (s["label"] + 1) % 6, text="")
            for s in samples
        ]


def _config(out: Path, **kw) -> EvalConfig:
    base = dict(
        model="recorder",
        name="recorder",
        task="detect_memorize",
        lengths="200,300",
        num_samples=3,
        out=str(out),
        progress=False,
    )
    base.update(kw)
    return EvalConfig(**base)


def _strip(rows):
    return sorted(({k: v for k, v in r.items() if k not in TIMING} for r in rows), key=str)


@pytest.mark.parametrize(
    ("fmt", "with_ids"), [("parquet", True), ("jsonl", False), ("arrow", True)]
)
def test_data_rows_equal_generated_rows(tmp_path: Path, fmt: str, with_ids: bool) -> None:
    data = build_dataset(
        "detect_memorize",
        lengths=[200, 300],
        num_samples=4,
        out=tmp_path / "data",
        fmt=fmt,
        shard_size=2,  # several shards per length: the reader crosses shard files
        with_ids=with_ids,
        progress=False,
    )
    on_the_fly, from_data = Recorder(), Recorder()
    evaluate(_config(tmp_path / "a"), model=on_the_fly)
    evaluate(_config(tmp_path / "b", data=str(data)), model=from_data)
    assert from_data.digests == on_the_fly.digests and len(from_data.digests) == 6
    rows_a = read_rows(tmp_path / "a" / "recorder.detect_memorize.jsonl")
    rows_b = read_rows(tmp_path / "b" / "recorder.detect_memorize.jsonl")
    assert _strip(rows_a) == _strip(rows_b)  # same ids, answers and config hash


def test_data_mismatches_are_refused(tmp_path: Path) -> None:
    from generators.pretrained import load_tokenizer

    data = build_dataset(
        "detect_memorize", lengths=[200], num_samples=2, out=tmp_path / "data", progress=False
    )
    cases = [
        ({"task": "memorize"}, "holds task 'detect_memorize'"),
        ({"lengths": "256"}, "no samples of length 256"),
        ({"lengths": "200", "num_samples": 5}, "holds 2 samples per length"),
        ({"lengths": "200", "seed": 3}, "come from the --data folder"),
        ({"lengths": "200", "noise": "text:x"}, "differs from the --data folder"),
    ]
    for change, message in cases:
        model = Recorder()
        if change.get("task") == "memorize":
            model.labels = task_labels("memorize")
        with pytest.raises(BenchInputError, match=message):
            evaluate(_config(tmp_path / "out", data=str(data), **change), model=model)
    (tmp_path / "empty").mkdir()  # no metadata.json and no data files: not any suite's data
    with pytest.raises(BenchInputError, match="cannot read it as a dataset"):
        evaluate(_config(tmp_path / "out", data=str(tmp_path / "empty")), model=Recorder())

    other = load_tokenizer("minilm")
    other = type(other).from_pretrained(other.name_or_path)
    other.add_tokens(["zzzqqq"])
    other.save_pretrained(tmp_path / "tok")
    data2 = build_dataset(
        "detect_memorize",
        lengths=[200],
        num_samples=2,
        out=tmp_path / "data2",
        tokenizer=str(tmp_path / "tok"),
        progress=False,
    )
    with pytest.raises(BenchInputError, match="was tokenized with"):
        evaluate(_config(tmp_path / "out", data=str(data2), lengths="200"), model=Recorder())
    assert not list((tmp_path / "out").glob("*.jsonl"))
