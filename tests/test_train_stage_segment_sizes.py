"""A curriculum that changes the segment size (``--curriculum 1,2,2x32``): parsing, stages,
the model cut per stage, checkpoints, resume, errors, and the figures pipeline's grid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tiny_training import tiny_train_config

from generators.errors import BenchInputError
from rmt_bench.cli import cli
from rmt_bench.train import train
from rmt_bench.train.config import TrainConfig, parse_curriculum
from rmt_bench.train.curriculum import plan_stages
from rmt_bench.train.loop import TrainingInterrupted


def test_parse_keeps_sized_stages_and_plans_them() -> None:
    assert parse_curriculum("1, 2,4X480") == (1, 2, "4x480")
    assert parse_curriculum([1, "2x480"]) == (1, "2x480")
    cfg = TrainConfig(task="memorize", segment_size=64, curriculum="1,2,4,8,16,32,2x480,4x480")
    assert cfg.stage_plan[5:] == [(32, 64), (2, 480), (4, 480)]
    assert cfg.stage_segments == (1, 2, 4, 8, 16, 32, 2, 4)
    assert cfg.stage_segment_sizes == (64,) * 6 + (480, 480)
    assert cfg.final_segment_size == 480
    stages = plan_stages(cfg.stage_segments, cfg.stage_segment_sizes, 5)
    assert [(s.segments, s.segment_size, s.length) for s in stages[5:]] == [
        (32, 64, 2048),
        (2, 480, 960),
        (4, 480, 1920),
    ]
    assert plan_stages((1, 2), 10, 5)[1].segment_size == 10  # one size for every stage
    with pytest.raises(ValueError, match="2 segment sizes for 3 stages"):
        plan_stages((1, 2, 3), (10, 20), 5)


def test_no_curriculum_trains_the_last_sized_stage_alone() -> None:
    cfg = TrainConfig(
        task="memorize", segment_size=64, curriculum="1,2,2x480,4x480", no_curriculum=True
    )
    assert cfg.stage_plan == [(4, 480)] and cfg.stage_steps == (4 * cfg.steps_per_stage,)


def test_a_plain_curriculum_is_unchanged() -> None:
    cfg = TrainConfig(task="memorize", segment_size=64, curriculum="1,2,4")
    assert cfg.curriculum == (1, 2, 4) and cfg.stage_segment_sizes == (64, 64, 64)
    assert cfg.final_segment_size == 64


@pytest.mark.parametrize(
    ("curriculum", "message"),
    [
        ("2x480,4", "segment sizes must not shrink"),  # 4 x 64 after 2 x 480
        ("1,2x64,2", "must increase stage by stage"),  # "2x64" is 2 segments of 64
        ("4x480,2x480", "must increase stage by stage"),
        ("1,2x0", "positive segment counts"),
        ("1,ax3", "NxS, N segments of S tokens"),
        ("2x64x3", "NxS, N segments of S tokens"),
    ],
)
def test_bad_sized_curricula_name_the_problem(curriculum: str, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        TrainConfig(task="memorize", segment_size=64, curriculum=curriculum)


def test_sized_stages_need_a_segmented_model_and_generated_samples() -> None:
    mixed = {"task": "memorize", "segment_size": 64, "curriculum": "1,2x128"}
    with pytest.raises(BenchInputError, match="only --model-kind rmt and armt"):
        TrainConfig(**mixed, model_kind="full-attention").validate()
    with pytest.raises(BenchInputError, match="give a --curriculum without NxS stages"):
        TrainConfig(**mixed, data="some/folder").validate()
    TrainConfig(**mixed, model_kind="armt").validate()


def _saved_segment_size(folder: Path) -> int:
    return int(json.loads((folder / "config.json").read_text())["segment_size"])


def test_each_stage_trains_and_saves_at_its_own_segment_size(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = tiny_train_config(curriculum="1,2,2x32", steps_per_stage=2, val_every=2)
    result = train(cfg, out, progress=False)
    assert [(s["segments"], s["segment_size"]) for s in result.stages] == [
        (1, 16),
        (2, 16),
        (2, 32),
    ]
    assert [_saved_segment_size(out / f"stage-{k}") for k in (1, 2, 3)] == [16, 16, 32]
    assert _saved_segment_size(out) == 32  # the final model reads 32-token segments
    extra = json.loads((out / "stage-3" / "config.json").read_text())["extra"]
    assert (extra["trained_segments"], extra["segment_size"]) == (2, 32)


def test_resume_in_a_sized_stage_cuts_the_model_for_it(tmp_path: Path) -> None:
    cfg = tiny_train_config(curriculum="1,2x32", steps_per_stage=2, val_every=2)
    reference = train(cfg, tmp_path / "whole", progress=False)

    def interrupt(state) -> None:
        if state.global_step == 3:  # inside stage 2 (32-token segments)
            raise TrainingInterrupted("test interrupt")

    cut = tmp_path / "cut"
    with pytest.raises(TrainingInterrupted):
        train(tiny_train_config(curriculum="1,2x32", steps_per_stage=2, val_every=2,
                                checkpoint_every=1), cut, progress=False, on_step=interrupt)  # fmt: skip
    resumed = train(
        tiny_train_config(curriculum="1,2x32", steps_per_stage=2, val_every=2, checkpoint_every=1),
        cut,
        progress=False,
        resume=True,
    )
    assert _saved_segment_size(cut) == 32
    assert [s["best_accuracy"] for s in resumed.stages] == [
        s["best_accuracy"] for s in reference.stages
    ]


def test_a_stage_size_the_backbone_cannot_hold_fails_before_anything_is_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    args = [
        "train", "--task", "memorize", "--backbone", "tiny-bert", "--segment-size", "16",
        "--curriculum", "1,2x600", "--steps-per-stage", "1", "--val-samples", "2",
        "--batch-size", "2", "--no-progress", "--out", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "segment_size 600 does not fit" in lines[0]
    assert not (out / "train_config.json").exists()
