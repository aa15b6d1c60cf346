"""Training RMT (and the other trainable kinds) with the paper's curriculum.

    from rmt_bench.train import resolve_train_config, train
    cfg = resolve_train_config(overrides={"preset": "cpu-tiny", "task": "detect_memorize"})
    result = train(cfg, "runs/dm")          # DIR/ is the final model, DIR/stage-K/ per stage
    result.final_accuracy, result.stages

The command line is ``rmt-bench train`` (rmt_bench/commands/train.py); multi-GPU /
multi-node: ``accelerate launch -m rmt_bench.cli train ...``. Seeds of training,
validation and test samples are disjoint: see ``rmt_bench.train.seeds``. Importing
this package does not import torch (``train`` imports it when called).
"""

from __future__ import annotations

from typing import Any

from rmt_bench.train.config import TrainConfig, resolve_train_config
from rmt_bench.train.presets import PRESETS
from rmt_bench.train.seeds import (
    TEST_SEED_BASE,
    TEST_SEEDS,
    TRAIN_SEED_BASE,
    VALIDATION_SEED_BASE,
    is_test_seed,
    train_seed,
    validation_seed,
)

__all__ = [
    "PRESETS",
    "TEST_SEEDS",
    "TEST_SEED_BASE",
    "TRAIN_SEED_BASE",
    "VALIDATION_SEED_BASE",
    "TrainConfig",
    "is_test_seed",
    "resolve_train_config",
    "train",
    "train_seed",
    "validation_seed",
]


def train(cfg: TrainConfig, out: Any, **kwargs: Any) -> Any:
    """Run a training (see ``rmt_bench.train.loop.train`` for the keyword arguments)."""
    from rmt_bench.train.loop import train as _train

    return _train(cfg, out, **kwargs)
