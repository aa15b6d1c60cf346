"""RMT checkpoints through transformers' AutoConfig / AutoModel, the model card, push_to_hub."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

import rmt_bench  # noqa: F401 - registers model_type "rmt"
from generators.errors import BenchInputError
from rmt_bench.rmt import RMT, RMTConfig

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auto") / "rmt"
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16, seed=3))
    model.extra = {
        "task": "memorize",
        "trained_segments": 4,
        "val_accuracy": 0.875,
        "global_step": 120,
        "train_config": {"curriculum": "1,2,4"},
    }
    model.save_pretrained(path)
    return path


def _same_outputs(a: RMT, b: RMT) -> None:
    ids = [torch.arange(5, 45)]
    with torch.no_grad():
        assert torch.equal(a.eval()(ids).logits, b.eval()(ids).logits)


def test_auto_classes_load_an_rmt_checkpoint(ckpt: Path) -> None:
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(ckpt)
    assert config.model_type == "rmt" and type(config).__name__ == "RMTHFConfig"
    assert config.config["memory_tokens"] == 2 and config.extra["task"] == "memorize"
    model = AutoModel.from_pretrained(ckpt)
    assert isinstance(model, RMT)
    _same_outputs(model, RMT.from_pretrained(ckpt))


def test_import_is_cheap_and_registration_works_in_either_import_order() -> None:
    script = (
        "import sys, rmt_bench\n"
        "assert 'transformers' not in sys.modules and 'torch' not in sys.modules\n"
        "from transformers import AutoConfig\n"
        "print(AutoConfig.for_model('rmt').__class__.__name__)\n"
    )
    reverse = (
        "from transformers import AutoConfig, AutoModel\n"
        "import rmt_bench\n"
        "from rmt_bench.hf_auto import RMTAutoModel, RMTHFConfig\n"
        "assert AutoModel._model_mapping[RMTHFConfig] is RMTAutoModel\n"
        "print(AutoConfig.for_model('rmt').__class__.__name__)\n"
    )
    for code in (script, reverse):
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "RMTHFConfig"


def test_checkpoints_without_model_type_still_load(ckpt: Path, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(ckpt, old)
    meta = json.loads((old / "config.json").read_text())
    del meta["model_type"]
    (old / "config.json").write_text(json.dumps(meta))
    (old / "README.md").unlink()
    _same_outputs(RMT.from_pretrained(old), RMT.from_pretrained(ckpt))


def test_the_model_card_says_backbone_task_curriculum_and_accuracy(ckpt: Path) -> None:
    card = (ckpt / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: rmt-bench\n")
    for needed in (
        "`tiny-bert`",
        "**Task:** memorize",
        "**Curriculum:** 1,2,4",
        "at 4 segments (64 tokens): 0.875",
        "AutoModel.from_pretrained",
    ):
        assert needed in card, needed


def test_card_without_training_and_with_accuracy_by_length() -> None:
    from rmt_bench.rmt.model_card import model_card

    bare = model_card({"config": {"backbone": "minilm"}, "extra": {}})
    assert "No accuracy recorded yet" in bare and "unknown" in bare
    table = model_card({"config": {}, "extra": {"accuracy_by_length": {"4096": 0.9}}})
    assert "| 4096 | 0.9 |" in table


class _FakeApi:
    calls: list[tuple[str, dict[str, Any]]] = []

    def __init__(self, token: str | None = None) -> None:
        pass

    def create_repo(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        return f"https://huggingface.co/{repo_id}"

    def upload_folder(self, **kwargs: Any) -> None:
        files = sorted(p.name for p in Path(kwargs["folder_path"]).iterdir())
        self.calls.append(("upload_folder", {**kwargs, "files": files}))


def test_push_to_hub_uploads_the_saved_folder(ckpt: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    from rmt_bench.rmt.hub import push_checkpoint

    monkeypatch.setattr(huggingface_hub, "HfApi", _FakeApi)
    _FakeApi.calls = []
    assert push_checkpoint(ckpt, "me/rmt", private=True) == "https://huggingface.co/me/rmt"
    (_, create), (_, upload) = _FakeApi.calls
    assert create["repo_type"] == "model" and create["private"] is True
    assert upload["folder_path"] == str(ckpt) and upload["repo_id"] == "me/rmt"
    _FakeApi.calls = []
    model = RMT.from_pretrained(ckpt)
    assert model.push_to_hub("me/rmt") == "https://huggingface.co/me/rmt"
    files = _FakeApi.calls[1][1]["files"]
    assert {"config.json", "rmt.safetensors", "README.md", "backbone", "tokenizer"} <= set(files)
    with pytest.raises(BenchInputError, match="not a checkpoint"):
        push_checkpoint(ckpt.parent, "me/rmt")
    with pytest.raises(BenchInputError, match="bad hub repo"):
        push_checkpoint(ckpt, "a/b/c")
