"""ARMT checkpoints through transformers' AutoConfig / AutoModel (model_type "armt"), its card."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import rmt_bench  # noqa: F401 - registers model_type "rmt" and "armt"
from generators.errors import BenchInputError
from rmt_bench.rmt import RMT, RMTConfig
from rmt_bench.rmt.armt import ARMT, ARMTConfig

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auto") / "armt"
    config = ARMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16, key_size=4, nu=2)
    model = ARMT(config)
    with torch.no_grad():  # a stored state that matters: non-zero reads from the first write on
        for unit in model.cell.associative:
            unit.value.weight.mul_(50)
    model.extra = {"task": "memorize", "trained_segments": 2, "val_accuracy": 0.5}
    model.save_pretrained(path)
    return path


def _same_outputs(a: RMT, b: RMT) -> None:
    ids = [torch.arange(5, 60)]  # 4 segments: the associative memory is written and read
    with torch.no_grad():
        assert torch.equal(a.eval()(ids).logits, b.eval()(ids).logits)


def test_auto_classes_load_an_armt_checkpoint(ckpt: Path) -> None:
    from transformers import AutoConfig, AutoModel

    meta = json.loads((ckpt / "config.json").read_text())
    assert meta["kind"] == "armt" and meta["model_type"] == "armt"
    config = AutoConfig.from_pretrained(ckpt)
    assert config.model_type == "armt" and type(config).__name__ == "ARMTHFConfig"
    assert config.kind == "armt" and config.config["key_size"] == 4
    rebuilt = config.rmt_config()
    assert isinstance(rebuilt, ARMTConfig) and (rebuilt.key_size, rebuilt.nu) == (4, 2)
    model = AutoModel.from_pretrained(ckpt)
    assert type(model) is ARMT and model.extra["task"] == "memorize"
    _same_outputs(model, ARMT.from_pretrained(ckpt))
    fresh = AutoModel.from_config(config)
    assert type(fresh) is ARMT and fresh.config.phi_size == 16


def test_rmt_checkpoints_keep_model_type_rmt(tmp_path: Path) -> None:
    from transformers import AutoModel

    RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16)).save_pretrained(
        tmp_path / "rmt"
    )
    meta = json.loads((tmp_path / "rmt" / "config.json").read_text())
    assert meta["model_type"] == "rmt"
    assert type(AutoModel.from_pretrained(tmp_path / "rmt")) is RMT


def test_an_armt_checkpoint_is_not_loaded_as_an_rmt(ckpt: Path) -> None:
    with pytest.raises(BenchInputError, match="holds a 'armt' checkpoint, not 'rmt'"):
        RMT.from_pretrained(ckpt)


def test_registration_after_transformers_is_imported_first() -> None:
    code = (
        "from transformers import AutoConfig, AutoModel\n"
        "import rmt_bench\n"
        "from rmt_bench.hf_auto_armt import ARMTAutoModel, ARMTHFConfig\n"
        "assert AutoModel._model_mapping[ARMTHFConfig] is ARMTAutoModel\n"
        "print(AutoConfig.for_model('armt').__class__.__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ARMTHFConfig"


def test_the_model_card_names_armt_and_its_sizes(ckpt: Path) -> None:
    card = (ckpt / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: rmt-bench\ntags:\n- armt\n")
    for needed in (
        "# Associative Recurrent Memory Transformer (rmt-bench)",
        "arXiv 2407.04841",
        "**Associative memory (every layer):** key size 4, nu 2 (d_phi = 16 DPFP features)",
        "`tiny-bert`",
        "registers model_type 'armt'",
        "an rmt_bench.rmt.armt.ARMT",
        "at 2 segments (32 tokens): 0.500",
    ):
        assert needed in card, needed
    assert "# Recurrent Memory Transformer" not in card


def test_card_of_an_armt_config_without_sizes_uses_the_defaults() -> None:
    from rmt_bench.rmt.model_card import model_card

    card = model_card({"kind": "armt", "config": {"backbone": "minilm"}, "extra": {}})
    assert "key size 32, nu 3 (d_phi = 192 DPFP features)" in card
    assert "Associative" not in model_card({"kind": "rmt", "config": {}, "extra": {}})
