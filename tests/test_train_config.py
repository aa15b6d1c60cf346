"""TrainConfig resolution (defaults < preset < file < CLI), validation, seed ranges, state I/O."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from generators.errors import BenchInputError
from rmt_bench.config import config_hash, config_to_dict
from rmt_bench.train import seeds
from rmt_bench.train.checkpointing import existing_dir, replace_dir, same_recipe
from rmt_bench.train.config import TrainConfig, parse_curriculum, resolve_train_config
from rmt_bench.train.curriculum import plan_stages
from rmt_bench.train.state_io import load_tree, save_tree


def test_precedence_defaults_preset_file_cli(tmp_path: Path) -> None:
    file = tmp_path / "train.yaml"
    file.write_text("preset: cpu-tiny\nlr: 0.001\nbatch-size: 8\ncurriculum: [1, 3]\n")
    cfg = resolve_train_config(str(file), {"task": "memorize", "batch_size": 4, "seed": None})
    assert cfg.backbone == "minilm" and cfg.segment_size == 480  # from the preset
    assert cfg.lr == 0.001 and cfg.curriculum == (1, 3)  # the file beats the preset
    assert cfg.batch_size == 4  # the CLI beats the file; None never overrides
    assert cfg.weight_decay == TrainConfig().weight_decay  # default
    assert cfg.seed == 0


def test_paper_preset_is_task_specific() -> None:
    dm = resolve_train_config(None, {"preset": "paper", "task": "detect_memorize"})
    rs = resolve_train_config(None, {"preset": "paper", "task": "reasoning"})
    assert (dm.lr, dm.steps_per_stage, dm.batch_size, dm.segment_size) == (1e-5, 3000, 32, 499)
    assert (rs.lr, rs.steps_per_stage) == (5e-5, 20_000)
    assert dm.grad_clip == 5.0 and dm.grad_clip_mode == "value"


def test_cpu_tiny_preset_is_task_specific() -> None:
    dm, mem, rs = (
        resolve_train_config(None, {"preset": "cpu-tiny", "task": task})
        for task in ("detect_memorize", "memorize", "reasoning")
    )
    assert (dm.backbone, dm.lr, dm.curriculum) == ("minilm", 1e-4, ("1x64", 1, 2, 4, 16))
    assert dm.stage_plan == [(1, 64), (1, 480), (2, 480), (4, 480), (16, 480)]
    assert dm.bptt_depth == 8
    assert (dm.segment_size, dm.steps_per_stage, dm.val_samples) == (480, 60, 50)
    assert (mem.backbone, mem.lr, mem.curriculum) == ("minilm", 1e-4, (1, 2, 4, 6))
    assert mem.segment_size == 480
    assert (rs.backbone, rs.lr, rs.curriculum) == ("minilm", 1e-4, (1, 2, 3))
    assert rs.segment_size == 64
    assert dm.batch_size == rs.batch_size == 16 and dm.dropout == rs.dropout == 0.0  # shared
    override = resolve_train_config(None, {"preset": "cpu-tiny", "task": "reasoning", "lr": 0.01})
    assert override.lr == 0.01  # the CLI still beats a task override


def test_cpu_tiny_preset_has_an_armt_memorize_recipe(tmp_path: Path) -> None:
    """The ARMT's Memorize recipe goes past 8 segments; the RMT (default kind) is unchanged."""
    armt = resolve_train_config(
        None, {"preset": "cpu-tiny", "task": "memorize", "model_kind": "armt"}
    )
    assert armt.curriculum == (1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64)
    assert (armt.bptt_depth, armt.val_every, armt.lr) == (8, 20, 1e-4)
    for kind in (None, "rmt"):
        rmt = resolve_train_config(
            None, {"preset": "cpu-tiny", "task": "memorize", "model_kind": kind}
        )
        assert (rmt.curriculum, rmt.bptt_depth, rmt.val_every) == ((1, 2, 4, 6), None, 20)
    assert (armt.backbone, armt.segment_size) == ("small-bert", 64)  # the ARMT keeps small-bert
    dm = resolve_train_config(
        None, {"preset": "cpu-tiny", "task": "detect_memorize", "model_kind": "armt"}
    )
    assert dm.curriculum[-3:] == (16, 32, 64) and dm.lr_from == ((16, 1e-4),)
    assert (dm.lr, dm.steps_per_stage, dm.bptt_depth) == (3e-4, 100, 8)
    # the RMT's MiniLM recipe is the RMT's own
    assert (dm.backbone, dm.segment_size) == ("small-bert", 64)
    reasoning = resolve_train_config(
        None, {"preset": "cpu-tiny", "task": "reasoning", "model_kind": "armt"}
    )
    assert reasoning.curriculum == (1, 2, 3)  # no ARMT recipe measured for this task
    flags = resolve_train_config(
        None,
        {"preset": "cpu-tiny", "task": "memorize", "model_kind": "armt", "curriculum": "1,2"},
    )
    assert flags.curriculum == (1, 2) and flags.bptt_depth == 8  # flags still beat the preset
    file = tmp_path / "armt.yaml"
    file.write_text("preset: cpu-tiny\ntask: memorize\nmodel-kind: armt\n")
    assert resolve_train_config(str(file), {}).curriculum[-1] == 64  # the kind from a file


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "--task is required"),
        ({"task": "memorize", "preset": "nope"}, "unknown --preset"),
        ({"task": "memorize", "curriculum": "1,1"}, "must increase"),
        ({"task": "memorize", "curriculum": "a,b"}, "segment counts"),
        ({"task": "memorize", "advance_at": 1.5}, "--advance-at"),
        ({"task": "memorize", "attention_dropout": 1.0}, "--attention-dropout must be in"),
        ({"task": "memorize", "dropout": -0.1}, "--dropout must be in"),
        ({"task": "memorize", "grad_clip_mode": "max"}, "--grad-clip-mode"),
        ({"task": "memorize", "batch_size": 6, "grad_accum": 4}, "divisible"),
        ({"task": "memorize", "bogus": 1}, "unknown option"),
        (
            {"task": "memorize", "model_kind": "full-attention", "extend_positions": 0},
            "--extend-positions must be >= 1",
        ),
        ({"task": "memorize", "extend_positions": 1024}, "full-attention only"),
    ],
)
def test_bad_options_are_one_line_errors(overrides: dict, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        resolve_train_config(None, overrides)


def test_attention_dropout_follows_dropout_unless_set() -> None:
    assert TrainConfig(task="memorize").effective_attention_dropout is None  # backbone's own
    assert TrainConfig(task="memorize", dropout=0.2).effective_attention_dropout == 0.2
    cfg = TrainConfig(task="memorize", dropout=0.2, attention_dropout=0.0)
    assert cfg.effective_attention_dropout == 0.0


def test_curriculum_and_stage_plan() -> None:
    assert parse_curriculum("1, 2,4") == (1, 2, 4) and parse_curriculum(3) == (3,)
    cfg = TrainConfig(task="memorize", curriculum=(1, 2, 4), segment_size=10, steps_per_stage=5)
    assert [
        (s.segments, s.length, s.max_steps) for s in plan_stages(cfg.stage_segments, 10, 5)
    ] == [
        (1, 10, 5),
        (2, 20, 5),
        (4, 40, 5),
    ]
    ablation = TrainConfig(
        task="memorize", curriculum=(1, 2, 4), no_curriculum=True, steps_per_stage=5
    )
    assert ablation.stage_segments == (4,) and ablation.stage_steps == (15,)


def test_seed_ranges_are_disjoint() -> None:
    train = {seeds.train_seed(run, stage) for run in (0, 1, 999_999) for stage in (0, 1, 999)}
    val = {seeds.validation_seed(run) for run in (0, 1, 999_999)}
    assert len(train) == 9 and not train & val
    assert not any(seeds.is_test_seed(s) for s in train | val)
    assert seeds.is_test_seed(0) and seeds.is_test_seed(seeds.TEST_SEED_BASE)
    assert min(train) >= seeds.TRAIN_SEED_BASE > max(val) >= seeds.VALIDATION_SEED_BASE
    with pytest.raises(BenchInputError):
        seeds.train_seed(seeds.MAX_RUN_SEED, 0)


def test_optimizer_state_round_trips_exactly(tmp_path: Path) -> None:
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.1, betas=(0.8, 0.9))
    for _ in range(2):
        model(torch.randn(4, 3)).sum().backward()
        optimizer.step()
    save_tree(optimizer.state_dict(), tmp_path, "optimizer")
    assert json.loads((tmp_path / "optimizer.json").read_text())  # plain JSON, no pickle
    restored = torch.optim.AdamW(model.parameters(), lr=0.5)
    restored.load_state_dict(load_tree(tmp_path, "optimizer"))
    a, b = optimizer.state_dict(), restored.state_dict()
    assert a["param_groups"] == b["param_groups"]
    for key in a["state"]:
        for name, value in a["state"][key].items():
            assert torch.equal(value, b["state"][key][name])


def test_replace_dir_survives_a_kill_between_renames(tmp_path: Path) -> None:
    target = tmp_path / "last"
    for version in ("v1", "v2"):
        tmp = tmp_path / f".tmp-{version}"
        tmp.mkdir()
        (tmp / "v").write_text(version)
        replace_dir(tmp, target)
    assert (target / "v").read_text() == "v2" and not (tmp_path / "last.old").exists()
    target.rename(tmp_path / "last.old")  # as if killed after the first rename
    assert existing_dir(target) == tmp_path / "last.old"


def test_a_run_saved_before_a_new_option_still_resumes() -> None:
    cfg = resolve_train_config(None, {"task": "memorize"})
    older = config_to_dict(cfg)
    del older["extend_positions"]  # a train_config.json written before the option existed
    saved = {"config": older, "hash": config_hash(older)}
    assert same_recipe(saved, cfg)
    cfg.model_kind, cfg.extend_positions = "full-attention", 2048  # the new option in use
    assert not same_recipe(saved, cfg)
    changed = resolve_train_config(None, {"task": "memorize", "lr": 0.5})
    assert not same_recipe(saved, changed)
    assert same_recipe({"config": config_to_dict(changed), "hash": config_hash(changed)}, changed)
