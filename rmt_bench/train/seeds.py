"""Which sample seeds training, validation and testing may use: three disjoint ranges.

A generated sample is a pure function of ``(task, length, seed, index, tokenizer,
sources)``, so keeping the *seeds* of the three uses apart keeps their samples apart
at every length. The convention (the evaluator and ``rmt-bench generate`` follow it):

=============  ==============================================  =========================
use            seeds                                           who
=============  ==============================================  =========================
test           ``[TEST_SEED_BASE, VALIDATION_SEED_BASE)``      ``rmt-bench generate`` /
               = ``[0, 1_000_000)``                            ``eval`` (default seed 0)
validation     ``VALIDATION_SEED_BASE + run_seed``             the trainer, every stage
train          ``TRAIN_SEED_BASE + run_seed * MAX_STAGES       the trainer, stage ``k``
               + stage``                                       (0-based)
=============  ==============================================  =========================

``run_seed`` is the training run's ``--seed`` (``0 <= run_seed < 1_000_000``). Every
curriculum stage draws a *fresh* seed, so stage 3 never revisits stage 2's samples,
and sample ``i`` of a stage is ``build_sample(task, length=L, seed=train_seed(run_seed,
k), index=i)``: the data stream is a function of the step, which is what makes
resuming exact (no sample repeated or skipped).

    from rmt_bench.train.seeds import TEST_SEED_BASE, train_seed, validation_seed, is_test_seed
"""

from __future__ import annotations

from generators.errors import BenchInputError

TEST_SEED_BASE = 0
VALIDATION_SEED_BASE = 1_000_000
TRAIN_SEED_BASE = 2_000_000
MAX_RUN_SEED = 1_000_000  # run seeds are 0 .. MAX_RUN_SEED - 1
MAX_STAGES = 1_000  # curriculum stages per run

#: Seeds an evaluation / test set may use (disjoint from every training and validation seed).
TEST_SEEDS = range(TEST_SEED_BASE, VALIDATION_SEED_BASE)


def _check_run_seed(run_seed: int) -> None:
    if not 0 <= run_seed < MAX_RUN_SEED:
        raise BenchInputError(f"--seed must be in [0, {MAX_RUN_SEED}), got {run_seed}")


def validation_seed(run_seed: int) -> int:
    """The one seed of a run's validation samples (the same for every stage)."""
    _check_run_seed(run_seed)
    return VALIDATION_SEED_BASE + run_seed


def train_seed(run_seed: int, stage: int) -> int:
    """The seed of stage ``stage``'s (0-based) training samples; distinct per stage and run."""
    _check_run_seed(run_seed)
    if not 0 <= stage < MAX_STAGES:
        raise BenchInputError(f"at most {MAX_STAGES} curriculum stages, got stage {stage}")
    return TRAIN_SEED_BASE + run_seed * MAX_STAGES + stage


def is_test_seed(seed: int) -> bool:
    """True when ``seed`` lies in the test range (never used for training or validation)."""
    return seed in TEST_SEEDS
