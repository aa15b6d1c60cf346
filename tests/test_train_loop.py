"""The training loop's bookkeeping on a tiny test-double model: resume, curriculum, logs.

The double (``Toy``) follows the trainable-model contract (forward(list of 1-D ids,
labels) -> ClassifierOutput, save_pretrained / from_pretrained, ``extra``) with
dropout, so RNG restoring matters; ``ToySource`` makes a learnable task (a marker
token 1..3 somewhere in random ids names the class). The real RMT is exercised in
test_train_rmt.py.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from generators.errors import BenchInputError
from rmt_bench.contract import ClassifierOutput
from rmt_bench.train.config import TrainConfig
from rmt_bench.train.logging_utils import FIELDS, read_log
from rmt_bench.train.loop import TrainingInterrupted, train
from rmt_bench.train.models import ModelKind, register_model_kind

VOCAB = 64
LOADED: list[str] = []  # folders the trainer loaded stage start weights from


class Toy(nn.Module):
    """Embedding bag + dropout + linear head: a stand-in for RMT in loop tests."""

    kind = "toy"
    tokenizer_name = "minilm"

    def __init__(self, labels: tuple[str, ...], seed: int = 0, dropout: float = 0.2) -> None:
        super().__init__()
        self.labels = tuple(labels)
        self.dropout_p = dropout
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.emb = nn.Embedding(VOCAB, 16)
            self.head = nn.Linear(16, len(labels))
        self.drop = nn.Dropout(dropout)
        self.extra: dict = {}

    def forward(self, input_ids: list[torch.Tensor], labels: torch.Tensor | None = None):
        pooled = torch.stack([self.emb(ids).max(0).values for ids in input_ids])  # (B, 16)
        logits = self.head(self.drop(pooled))  # (B, num_labels)
        loss = None if labels is None else nn.functional.cross_entropy(logits, labels)
        return ClassifierOutput(logits=logits, loss=loss)

    def save_pretrained(self, folder) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_file(
            {k: v.contiguous() for k, v in self.state_dict().items()}, folder / "w.safetensors"
        )
        meta = {"kind": "toy", "labels": list(self.labels), "dropout": self.dropout_p}
        (folder / "config.json").write_text(json.dumps({**meta, "extra": self.extra}))

    @classmethod
    def from_pretrained(cls, folder) -> Toy:
        meta = json.loads((Path(folder) / "config.json").read_text())
        model = cls(tuple(meta["labels"]), dropout=meta["dropout"])
        model.load_state_dict(load_file(Path(folder) / "w.safetensors"))
        model.extra = meta["extra"]
        return model


def _load(folder: str) -> Toy:
    LOADED.append(Path(folder).name)
    return Toy.from_pretrained(folder)


register_model_kind(
    ModelKind(
        "toy",
        build=lambda cfg, labels: Toy(
            labels, cfg.seed, 0.2 if cfg.dropout is None else cfg.dropout
        ),
        load=_load,
    )
)


class ToySource:
    """Class c <=> marker token c + 1 somewhere among random tokens; 4 tokens per segment."""

    labels = ("a", "b", "c")

    def _sample(self, segments: int, seed: int, index: int) -> dict:
        rng = np.random.default_rng([seed, segments, index])
        label = int(rng.integers(3))
        ids = rng.integers(10, VOCAB, size=4 * segments)
        ids[rng.integers(ids.size)] = label + 1
        return {
            "context_ids": ids.astype(np.int32),
            "question_ids": np.zeros(0, np.int32),
            "label": label,
        }

    def train_samples(self, stage, start, count):
        return [
            self._sample(stage.segments, stage.index + 1, i) for i in range(start, start + count)
        ]

    def validation_samples(self, stage, count):
        return [self._sample(stage.segments, 0, i) for i in range(count)]

    def describe(self):
        return {"source": "toy"}


def _cfg(**changes) -> TrainConfig:
    values = dict(
        task="toy",
        model_kind="toy",
        curriculum=(1, 2),
        steps_per_stage=10,
        val_every=4,
        val_samples=12,
        checkpoint_every=5,
        log_every=1,
        batch_size=4,
        lr=3e-2,
        warmup=2,
        prefetch=2,
    )
    values.update(changes)
    return TrainConfig(**values)


def _run(cfg: TrainConfig, out: Path, **kwargs):
    return train(cfg, out, source=ToySource(), progress=False, **kwargs)


def _comparable(out: Path) -> list[dict]:
    return [
        {k: v for k, v in r.items() if k not in ("time", "tokens_per_s")}
        for r in read_log(out / "train_log.jsonl")
    ]


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(folder / "w.safetensors")


def _assert_same_run(a: Path, b: Path) -> None:
    assert _comparable(a) == _comparable(b)
    for name in ("stage-1", "stage-2", "."):
        wa, wb = _weights(a / name), _weights(b / name)
        assert wa.keys() == wb.keys()
        for key in wa:
            assert torch.equal(wa[key], wb[key]), (name, key)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    result = _run(_cfg(), out)
    assert result.global_step == 20 and len(result.stages) == 2
    return out


@pytest.mark.parametrize("kill_at", [7, 10, 13])
def test_crash_then_resume_is_the_same_run(tmp_path: Path, reference: Path, kill_at: int) -> None:
    """A crash (no chance to save) at step 7 / at a stage's last step / mid stage 2, then
    --resume, gives exactly the uninterrupted run: same log records, same weights."""

    def crash(state) -> None:
        if state.global_step == kill_at:
            raise RuntimeError("simulated kill")

    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulated kill"):
        _run(_cfg(), out, on_step=crash)
    steps_before = [r["step"] for r in read_log(out / "train_log.jsonl")]
    assert max(steps_before) == kill_at  # the log had run past the last checkpoint
    result = _run(_cfg(), out, resume=True)
    assert result.global_step == 20
    steps = [r["step"] for r in read_log(out / "train_log.jsonl") if r["event"] == "train"]
    assert steps == list(range(1, 21))  # nothing repeated, nothing lost
    _assert_same_run(reference, out)


def test_sigint_saves_at_the_step_boundary_and_resumes(tmp_path: Path, reference: Path) -> None:
    def interrupt(state) -> None:
        if state.global_step == 6:
            os.kill(os.getpid(), signal.SIGINT)

    out = tmp_path / "run"
    with pytest.raises(TrainingInterrupted):
        _run(_cfg(), out, on_step=interrupt)
    state = json.loads((out / "last" / "state.json").read_text())
    assert state["global_step"] == 7  # the step in flight finished and was saved
    _run(_cfg(), out, resume=True)
    _assert_same_run(reference, out)


def test_train_log_records_and_sample_ranges(reference: Path) -> None:
    records = read_log(reference / "train_log.jsonl")
    assert all(list(r) == list(FIELDS) for r in records)
    train_rows = [r for r in records if r["event"] == "train"]
    for stage in (1, 2):
        rows = [r for r in train_rows if r["stage"] == stage]
        assert [(r["index_start"], r["index_end"]) for r in rows] == [
            (4 * i, 4 * i + 4) for i in range(10)
        ]
        assert all(
            r["lr"] is not None and r["grad_norm"] > 0 and r["tokens_per_s"] > 0 for r in rows
        )
    vals = [r for r in records if r["event"] == "validation"]
    assert [r["step"] for r in vals] == [4, 8, 10, 14, 18, 20]
    assert all(0 <= r["val_accuracy"] <= 1 for r in vals)


def test_stages_start_from_previous_best_and_final_is_last_best(tmp_path: Path) -> None:
    LOADED.clear()
    out = tmp_path / "run"
    result = _run(_cfg(curriculum=(1, 2, 3), steps_per_stage=40, val_every=4, advance_at=0.9), out)
    assert LOADED == ["stage-1", "stage-2"]  # each stage started from the one before's best
    for entry in result.stages:
        assert entry["best_accuracy"] >= 0.9 and entry["steps"] < 40  # ended early
    final = Toy.from_pretrained(out)
    assert final.extra["trained_segments"] == 3 and final.extra["curriculum"] is True
    assert (
        final.extra["val_accuracy"] == result.final_accuracy == result.stages[-1]["best_accuracy"]
    )
    for key, value in _weights(out / "stage-3").items():
        assert torch.equal(value, _weights(out)[key])
    saved = json.loads((out / "train_config.json").read_text())
    assert saved["config"]["curriculum"] == [1, 2, 3] and len(saved["hash"]) == 16


def test_no_curriculum_is_one_stage_with_the_whole_budget(tmp_path: Path) -> None:
    result = _run(_cfg(curriculum=(1, 2, 3), steps_per_stage=3, no_curriculum=True), tmp_path / "r")
    assert [(s["segments"], s["steps"]) for s in result.stages] == [(3, 9)]
    assert Toy.from_pretrained(tmp_path / "r").extra["curriculum"] is False


def test_out_and_resume_mistakes_are_user_errors(tmp_path: Path, reference: Path) -> None:
    with pytest.raises(BenchInputError, match="already holds a training run"):
        _run(_cfg(), reference)
    with pytest.raises(BenchInputError, match="differs"):
        _run(_cfg(lr=1e-3), reference, resume=True)
    with pytest.raises(BenchInputError, match="holds no training run"):
        _run(_cfg(), tmp_path / "empty", resume=True)
    with pytest.raises(BenchInputError, match="divisible"):
        _run(_cfg(batch_size=5, grad_accum=2), tmp_path / "x")


def test_a_resume_never_changes_the_precision_the_run_computed_in(
    tmp_path: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--precision auto resolves per machine: each start records what it computed in, and a
    resume where auto gives the other precision is refused unless --precision names it."""
    import shutil

    from rmt_bench import machine

    run = tmp_path / "run"
    shutil.copytree(reference, run)
    first = json.loads((run / "train_config.json").read_text())["machines"][0]
    before = first["precision"]
    other = "fp32" if before == "bf16" else "bf16"
    cpuinfo = tmp_path / "cpuinfo"  # a CPU on which auto gives the other precision
    flags = "avx2 avx512_bf16" if other == "bf16" else "avx2"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Other CPU\nflags\t\t: {flags}\n\n")
    monkeypatch.setattr(machine, "CPUINFO", cpuinfo)
    with pytest.raises(BenchInputError, match=f"computed in {before}, but would go on in {other}"):
        _run(_cfg(), run, resume=True)
    with pytest.raises(BenchInputError, match=f"computed in {before}, but would go on in {other}"):
        _run(_cfg(precision=other), run, resume=True)
    machines = json.loads((run / "train_config.json").read_text())["machines"]
    assert len(machines) == 1  # the refused starts wrote nothing
    _run(_cfg(precision=before), run, resume=True)  # the precision named: it goes on
    machines = json.loads((run / "train_config.json").read_text())["machines"]
    assert [m["precision"] for m in machines] == [before, before]
    assert json.loads((run / "train_config.json").read_text())["config"]["precision"] == "auto"


def test_grad_accumulation_matches_one_big_batch(tmp_path: Path) -> None:
    """Two micro-steps of 2 give the same update as one batch of 4 (no dropout; fp32, as
    "auto" precision picks bf16 on CPUs with AVX512-BF16, whose rounding depends on the batch)."""
    a = _run(_cfg(curriculum=(1,), dropout=0.0, precision="fp32"), tmp_path / "a")
    b = _run(_cfg(curriculum=(1,), dropout=0.0, precision="fp32", grad_accum=2), tmp_path / "b")
    assert a.global_step == b.global_step
    accumulated = _weights(tmp_path / "b")
    for key, value in _weights(tmp_path / "a").items():
        other = accumulated[key]
        assert torch.allclose(value, other, atol=1e-6), (key, float((value - other).abs().max()))


def test_patience_ends_a_stage_that_stopped_improving(tmp_path: Path) -> None:
    """With a vanishing lr accuracy never improves after the first validation: the stage
    ends after ``patience`` more validations, and the next stage still runs."""
    cfg = _cfg(curriculum=(1, 2), steps_per_stage=40, val_every=2, patience=2, lr=1e-12)
    result = _run(cfg, tmp_path / "run")
    assert [s["steps"] for s in result.stages] == [6, 6]
    assert all(s["best_step"] == 2 for s in result.stages)


def test_init_from_starts_stage_one_from_a_checkpoint(tmp_path: Path, reference: Path) -> None:
    """--init-from: a run started from the reference's final model validates as that model
    does and (at a vanishing lr) keeps its weights; a shape mismatch is one line."""
    _run(_cfg(curriculum=(2,), steps_per_stage=1, val_every=1, lr=1e-12), tmp_path / "a")
    warm = _run(
        _cfg(curriculum=(2,), steps_per_stage=1, val_every=1, lr=1e-12, init_from=str(reference)),
        tmp_path / "b",
    )
    reference_model = Toy.from_pretrained(reference)
    reference_model.eval()
    source = ToySource()
    rows = source.validation_samples(type("S", (), {"segments": 2})(), 12)
    ids = [torch.as_tensor(r["context_ids"]).long() for r in rows]
    labels = torch.tensor([r["label"] for r in rows])
    with torch.no_grad():
        expected = float((reference_model(ids).logits.argmax(-1) == labels).float().mean())
    assert warm.final_accuracy == pytest.approx(expected)
    for key, value in _weights(reference).items():
        assert torch.allclose(_weights(tmp_path / "b")[key], value)
        assert not torch.allclose(_weights(tmp_path / "a")[key], value)
    saved = json.loads((tmp_path / "b" / "train_config.json").read_text())
    assert saved["config"]["init_from"] == str(reference)

    other = tmp_path / "other"
    Toy(("x", "y"), seed=1).save_pretrained(other)  # two labels: a head of another shape
    with pytest.raises(BenchInputError, match="do not fit this model") as info:
        _run(_cfg(init_from=str(other)), tmp_path / "c")
    assert "\n" not in str(info.value)


def test_a_run_logs_what_it_is_about_to_train(tmp_path: Path, caplog) -> None:
    caplog.set_level("INFO", logger="rmt_bench.train.summary")
    _run(_cfg(curriculum=(1, 2), steps_per_stage=3, val_every=3), tmp_path / "run")
    text = "\n".join(r.getMessage() for r in caplog.records if "stage(s)" in r.getMessage())
    parameters = sum(p.numel() for p in Toy(("a", "b", "c")).parameters())
    assert "training toy on toy into 2 stage(s)" in text
    assert f"{parameters:,} parameters" in text and "segments per stage: 1, 2" in text
    # at most 3 steps x batch 4 x (1 + 2) segments: tokens are an upper bound
    assert "at most 6 steps" in text and "lr 0.03, batch 4" in text
