"""Checkpoint round trips (encoder, decoder, generative head, LoRA) and broken directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from generators.errors import BenchInputError
from rmt_bench.rmt import RMT, RMTConfig


def ids_batch() -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return [torch.randint(1000, 29000, (n,), generator=generator) for n in (27, 9)]


def perturb(model: RMT) -> None:
    """Move every trainable weight off its initial value, so a round trip is a real test."""
    generator = torch.Generator().manual_seed(99)
    with torch.no_grad():
        for param in model.parameters():
            if param.requires_grad:
                param.add_(torch.randn(param.shape, generator=generator) * 0.05)


@pytest.mark.parametrize(
    "overrides",
    [
        dict(backbone="tiny-bert"),
        dict(backbone="tiny-gpt2"),
        dict(backbone="tiny-gpt2", head="generate"),
        dict(backbone="tiny-bert", lora_r=2),
        dict(backbone="tiny-gpt2", lora_r=2, bptt_depth=2),
    ],
    ids=["encoder", "decoder", "generate", "lora-encoder", "lora-decoder"],
)
def test_round_trip_gives_identical_outputs(tmp_path: Path, overrides: dict) -> None:
    model = RMT(RMTConfig(memory_tokens=3, segment_size=8, **overrides)).eval()
    perturb(model)
    model.extra = {"trained_segments": 3, "curriculum": [1, 2, 3]}
    before = model.stream_logits(ids_batch())
    model.save_pretrained(tmp_path / "ckpt")
    meta = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    assert meta["kind"] == "rmt" and meta["config"]["memory_tokens"] == 3
    assert not list((tmp_path / "ckpt").rglob("*.bin")) and not list(
        (tmp_path / "ckpt").rglob("*.pt")
    )

    loaded = RMT.from_pretrained(tmp_path / "ckpt").eval()
    assert loaded.extra == model.extra and loaded.describe() == model.describe()
    assert loaded.tokenizer_name == "minilm" and loaded.kind == "rmt"
    assert torch.equal(loaded.stream_logits(ids_batch()), before)
    if model.config.lora_r:
        trainable = {n for n, p in loaded.named_parameters() if p.requires_grad}
        assert any("lora_" in n for n in trainable)
        assert not any("lora_" not in n and n.startswith("cell.backbone") for n in trainable)


def test_save_overwrites_an_existing_checkpoint(tmp_path: Path) -> None:
    first = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=8, seed=1)).eval()
    second = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=8, seed=2)).eval()
    first.save_pretrained(tmp_path / "ckpt")
    second.save_pretrained(tmp_path / "ckpt")
    loaded = RMT.from_pretrained(tmp_path / "ckpt").eval()
    assert torch.equal(loaded.stream_logits(ids_batch()), second.stream_logits(ids_batch()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]  # no staging leftovers


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("rmt") / "ckpt"
    RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=8)).save_pretrained(directory)
    return directory


def copy_of(saved: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(saved, target)
    return target


def edit_config(directory: Path, **changes) -> None:
    meta = json.loads((directory / "config.json").read_text())
    for key, value in changes.items():
        if key in meta["config"]:
            meta["config"][key] = value
        else:
            meta[key] = value
    (directory / "config.json").write_text(json.dumps(meta))


BREAKAGES = {
    "missing dir": lambda d: d.rename(d.with_name("gone")),
    "no config": lambda d: (d / "config.json").unlink(),
    "bad json": lambda d: (d / "config.json").write_text("{not json"),
    "wrong kind": lambda d: edit_config(d, kind="full-attention"),
    "unknown option": lambda d: edit_config(d, config={"backbone": "tiny-bert", "bogus": 1}),
    "memory mismatch": lambda d: edit_config(d, memory_tokens=5),
    "truncated weights": lambda d: (d / "rmt.safetensors").write_bytes(b"\x00\x01garbage"),
    "no weights": lambda d: (d / "rmt.safetensors").unlink(),
    "corrupt backbone": lambda d: (d / "backbone" / "model.safetensors").write_bytes(b"junk"),
    "no tokenizer": lambda d: __import__("shutil").rmtree(d / "tokenizer"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_broken_checkpoint_gives_one_clear_error(saved: Path, tmp_path: Path, breakage: str):
    directory = copy_of(saved, tmp_path)
    BREAKAGES[breakage](directory)
    with pytest.raises(BenchInputError) as error:
        RMT.from_pretrained(directory)
    message = str(error.value)
    assert message and "\n" not in message
