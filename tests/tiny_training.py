"""The smallest real training run (tiny-bert, Detect & Memorize), shared by the training tests.

from tiny_training import tiny_train_config     # tests/ is on sys.path under pytest
cfg = tiny_train_config(curriculum=(2,), steps_per_stage=2)
"""

from __future__ import annotations

from typing import Any

from rmt_bench.train.config import TrainConfig

TINY_TRAINING: dict[str, Any] = dict(
    task="detect_memorize",
    backbone="tiny-bert",
    segment_size=16,
    memory_tokens=2,
    batch_size=4,
    lr=1e-3,
    warmup=1,
    val_samples=8,
    log_every=1,
    prefetch=0,
)


def tiny_train_config(**changes: Any) -> TrainConfig:
    """``TINY_TRAINING`` with ``changes`` on top."""
    return TrainConfig(**{**TINY_TRAINING, **changes})
