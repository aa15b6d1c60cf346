"""``--lr-from``: parsing, the stage lookup, saved configs, and a real run's per-stage lr."""

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
from rmt_bench.train.stage_lr import format_lr_from, parse_lr_from, stage_lr


def test_parse_accepts_the_flag_and_the_saved_json_form() -> None:
    assert parse_lr_from("16:1e-4, 64:5e-5") == ((16, 1e-4), (64, 5e-5))
    assert parse_lr_from([[16, 1e-4], [64, 5e-5]]) == ((16, 1e-4), (64, 5e-5))
    assert parse_lr_from("") == parse_lr_from(None) == ()
    assert format_lr_from(parse_lr_from("16:1e-4,64:5e-5")) == "16:0.0001,64:5e-05"


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
    schedule = parse_lr_from("16:1e-4,64:5e-5")
    rates = [stage_lr(3e-4, schedule, n) for n in (1, 8, 15, 16, 32, 64, 1024)]
    assert rates == [3e-4, 3e-4, 3e-4, 1e-4, 1e-4, 5e-5, 5e-5]
    assert stage_lr(3e-4, (), 64) == 3e-4


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
