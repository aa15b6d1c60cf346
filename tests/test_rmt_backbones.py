"""Backbone loading by name: presets, MiniLM offline, dropout overrides, bad names; config errors."""

from __future__ import annotations

import pytest
import torch

from generators.errors import BenchInputError
from rmt_bench.backbones import load_backbone
from rmt_bench.rmt import RMT, RMTConfig


@pytest.mark.parametrize(
    ("name", "layout", "hidden", "layers"),
    [
        ("tiny-bert", "encoder", 64, 2),
        ("tiny-gpt2", "decoder", 64, 2),
        ("small-bert", "encoder", 256, 4),
    ],
)
def test_presets(name: str, layout: str, hidden: int, layers: int) -> None:
    backbone = load_backbone(name, seed=3)
    assert backbone.layout == layout and backbone.hidden_size == hidden
    assert backbone.config.num_hidden_layers == layers
    assert backbone.tokenizer_name == "minilm" and len(backbone.tokenizer) == 30522
    assert backbone.max_positions == 512
    again = load_backbone(name, seed=3)
    other = load_backbone(name, seed=4)
    weight = backbone.model.get_input_embeddings().weight
    assert torch.equal(weight, again.model.get_input_embeddings().weight)  # seeded
    assert not torch.equal(weight, other.model.get_input_embeddings().weight)


def test_minilm_is_the_pretrained_offline_default() -> None:
    backbone = load_backbone("minilm")
    assert backbone.layout == "encoder" and backbone.hidden_size == 384
    assert backbone.config.num_hidden_layers == 6 and backbone.max_positions == 512


def test_dropout_overrides_and_extra_config() -> None:
    bert = load_backbone("small-bert", hidden_dropout=0.0, attention_dropout=0.05)
    assert (
        bert.config.hidden_dropout_prob == 0.0 and bert.config.attention_probs_dropout_prob == 0.05
    )
    gpt = load_backbone("tiny-gpt2", hidden_dropout=0.2)
    assert gpt.config.resid_pdrop == 0.2 and gpt.config.embd_pdrop == 0.2
    deeper = load_backbone("tiny-bert", config_overrides={"num_hidden_layers": 3})
    assert deeper.config.num_hidden_layers == 3


def test_bad_backbone_name_is_one_line_error(tmp_path) -> None:
    with pytest.raises(BenchInputError) as error:
        load_backbone(str(tmp_path / "nowhere"), tokenizer_name="minilm")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "bad",
    [
        dict(memory_tokens=-1),
        dict(segment_size=0),
        dict(labels=["a"]),
        dict(labels=["a", "a"]),
        dict(bptt_depth=0),
        dict(loss_on="first"),
        dict(head="regress"),
        dict(attn_implementation="flash"),
        dict(hidden_dropout=1.5),
    ],
)
def test_bad_config_values(bad: dict) -> None:
    with pytest.raises(BenchInputError):
        RMTConfig(**bad)


def test_segment_size_beyond_positions_and_bad_inputs() -> None:
    with pytest.raises(BenchInputError):
        RMT(RMTConfig(backbone="tiny-bert", memory_tokens=10, segment_size=500))
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=8))
    with pytest.raises(BenchInputError):
        model([torch.tensor([1, 2, 40000])])
    with pytest.raises(BenchInputError):
        model([torch.tensor([1, 2])], labels=torch.tensor([6]))
    with pytest.raises(BenchInputError):
        model([])


def test_describe_and_contract() -> None:
    from rmt_bench.contract import AnswerModel

    model = RMT.from_config(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=8))
    assert isinstance(model, AnswerModel)
    info = model.describe()
    assert info["kind"] == "rmt" and info["segment_size"] == 8 and info["layout"] == "encoder"
    assert model.labels == ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")
    import json

    json.dumps(info)
