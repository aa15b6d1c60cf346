"""``--lr-from`` and ``--steps-from``: parsing, the stage lookup, saved configs, and real
runs' per-stage lr and step budgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_training import tiny_train_config  # tests/ is on sys.path under pytest

from generators.errors import BenchInputError
from rmt_bench.config import config_to_dict
from rmt_bench.train.config import TrainConfig, resolve_train_config
from rmt_bench.train.logging_utils import read_log
from rmt_bench.train.loop import train
from rmt_bench.train.stage_values import format_from, parse_from, value_at


def test_parse_accepts_the_flag_and_the_saved_json_form() -> None:
    assert parse_from("16:1e-4, 64:5e-5", "--lr-from") == ((16, 1e-4), (64, 5e-5))
    assert parse_from([[16, 1e-4], [64, 5e-5]], "--lr-from") == ((16, 1e-4), (64, 5e-5))
    assert parse_from("", "--lr-from") == parse_from(None, "--lr-from") == ()
    assert format_from(parse_from("16:1e-4,64:5e-5", "--lr-from")) == "16:0.0001,64:5e-05"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("16", "SEGMENTS:LR pairs"),
        ("16:fast", "SEGMENTS:LR pairs"),
        ("16:1e-4:2", "SEGMENTS:LR pairs"),
        ("0:1e-4", "segments >= 1"),
        ("16:0", "lr > 0"),
        ("16:-1e-4", "lr > 0"),
        ("16:nan", "lr > 0"),
        ("16:inf", "finite lr"),
        ("32:1e-4,16:5e-5", "must ascend"),
        ("16:1e-4,16:5e-5", "must ascend"),
    ],
)
def test_bad_values_are_one_line_errors(value: str, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        resolve_train_config(None, {"task": "memorize", "lr_from": value})


def test_each_stage_takes_the_last_step_at_or_below_its_length() -> None:
    schedule = parse_from("16:1e-4,64:5e-5", "--lr-from")
    rates = [value_at(3e-4, schedule, n) for n in (1, 8, 15, 16, 32, 64, 1024)]
    assert rates == [3e-4, 3e-4, 3e-4, 1e-4, 1e-4, 5e-5, 5e-5]
    assert value_at(3e-4, (), 64) == 3e-4


def test_a_saved_config_reads_back_the_same() -> None:
    cfg = resolve_train_config(None, {"task": "memorize", "lr_from": "16:1e-4"})
    saved = json.loads(json.dumps(config_to_dict(cfg)))
    assert saved["lr_from"] == [[16, 1e-4]]
    assert TrainConfig(**saved).lr_from == cfg.lr_from == ((16, 1e-4),)


def test_the_long_stage_trains_at_its_own_lr(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = tiny_train_config(
        curriculum=(1, 2), steps_per_stage=3, val_every=3, lr=1e-3, warmup=0, lr_from="2:1e-5"
    )
    train(cfg, out, progress=False)
    rates: dict[int, list[float]] = {}
    for record in read_log(out / "train_log.jsonl"):
        if record["event"] == "train":
            rates.setdefault(record["segments"], []).append(record["lr"])
    assert max(rates[1]) > 1e-4  # stage 1 at --lr (decaying linearly from 1e-3)
    assert rates[2] and max(rates[2]) <= 1e-5  # stage 2 at --lr-from's rate


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("32", "SEGMENTS:STEPS pairs"),
        ("32:1.5", "SEGMENTS:STEPS pairs"),
        ("32:many", "SEGMENTS:STEPS pairs"),
        ("0:30", "segments >= 1"),
        ("32:0", "a whole steps > 0"),
        ("32:-5", "a whole steps > 0"),
        ("64:30,32:20", "must ascend"),
    ],
)
def test_bad_step_caps_are_one_line_errors(value: str, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        resolve_train_config(None, {"task": "memorize", "steps_from": value})


def test_step_caps_apply_to_the_long_stages_and_the_ablation_sums_them() -> None:
    values = {"task": "memorize", "curriculum": "1,2,32,64", "steps_per_stage": 60}
    cfg = resolve_train_config(None, {**values, "steps_from": "32:30,64:20"})
    assert cfg.steps_from == ((32, 30), (64, 20))
    assert cfg.stage_steps == (60, 60, 30, 20)
    assert resolve_train_config(None, values).stage_steps == (60, 60, 60, 60)
    ablation = resolve_train_config(None, {**values, "steps_from": "32:30", "no_curriculum": True})
    assert ablation.stage_steps == (60 + 60 + 30 + 30,)
    saved = json.loads(json.dumps(config_to_dict(cfg)))
    assert TrainConfig(**saved).stage_steps == cfg.stage_steps


def test_capped_stages_are_not_ended_early_by_advance_at() -> None:
    values = {"task": "memorize", "curriculum": "1,2,32,64", "advance_at": 0.98}
    cfg = resolve_train_config(None, {**values, "steps_from": "32:30"})
    assert [cfg.stage_advance_at(n) for n in (1, 2, 31, 32, 64)] == [0.98, 0.98, 0.98, None, None]
    assert resolve_train_config(None, values).stage_advance_at(64) == 0.98


def test_a_capped_stage_stops_at_its_cap(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = tiny_train_config(curriculum=(1, 2), steps_per_stage=4, val_every=2, steps_from="2:2")
    train(cfg, out, progress=False)
    steps: dict[int, list[int]] = {}
    for record in read_log(out / "train_log.jsonl"):
        if record["event"] == "train":
            steps.setdefault(record["segments"], []).append(record["step"])
    assert steps[1] == [1, 2, 3, 4]  # the short stage runs --steps-per-stage
    assert steps[2] == [5, 6]  # the 2-segment stage stops at its cap of 2 steps


def test_a_capped_stage_runs_every_step_past_advance_at(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = tiny_train_config(
        curriculum=(1, 2), steps_per_stage=4, val_every=1, steps_from="2:3", advance_at=1e-9
    )
    train(cfg, out, progress=False)
    records = list(read_log(out / "train_log.jsonl"))
    capped = [r["step"] for r in records if r["event"] == "train" and r["segments"] == 2]
    assert len(capped) == 3  # all 3 steps, whatever its validation reached
    reached = [
        r["val_accuracy"] for r in records if r["event"] == "validation" and r["segments"] == 2
    ]
    assert reached[0] > 0  # advance_at held at its first step: uncapped, it would end there
