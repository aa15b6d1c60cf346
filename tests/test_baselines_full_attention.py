"""The full-attention baseline: the trainable contract, padding, checkpoints, skips, positions."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig
from baselines.memory import is_oom_error
from baselines.positions import TiledPositionEmbedding, extend_positions
from generators.build import build_sample
from generators.errors import BenchInputError
from rmt_bench.contract import ClassifierOutput


@pytest.fixture(scope="module")
def bert() -> FullAttentionClassifier:
    return FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert")).eval()


def _ids(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(1000, 29000, (n,), generator=torch.Generator().manual_seed(seed))


def test_forward_contract_and_gradients() -> None:
    model = FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert", seed=1))
    out = model([_ids(30), _ids(17, 1)], labels=torch.tensor([2, 5]))
    assert isinstance(out, ClassifierOutput) and out.logits.shape == (2, 6)
    out.loss.backward()
    embeddings = model.backbone.get_input_embeddings().weight
    assert embeddings.grad is not None and embeddings.grad.abs().sum() > 0
    assert model.head.out.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("backbone", ["tiny-bert", "tiny-gpt2"])
def test_padding_does_not_change_answers(backbone: str) -> None:
    model = FullAttentionClassifier(FullAttentionConfig(backbone=backbone)).eval()
    short, long = _ids(9), _ids(40, 1)
    with torch.no_grad():
        together = model([short, long]).logits
        alone = torch.cat([model([short]).logits, model([long]).logits])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-4)


def test_save_load_round_trip(tmp_path: Path, bert: FullAttentionClassifier) -> None:
    bert.save_pretrained(tmp_path / "ckpt", extra={"trained_segments": 1})
    loaded = FullAttentionClassifier.from_pretrained(tmp_path / "ckpt")
    assert loaded.extra == {"trained_segments": 1}
    assert loaded.tokenizer_name == "minilm" and loaded.labels == bert.labels
    with torch.no_grad():
        torch.testing.assert_close(loaded([_ids(50)]).logits, bert([_ids(50)]).logits)
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == [
        "backbone", "config.json", "head.safetensors", "tokenizer",
    ]  # fmt: skip
    assert not list((tmp_path / "ckpt").rglob("*.bin"))  # safetensors only


def test_too_long_is_skipped_or_refused_never_truncated(bert: FullAttentionClassifier) -> None:
    short = build_sample("memorize", length=200, seed=0, index=0)
    limit = build_sample("memorize", length=510, seed=0, index=0)  # + [CLS] [SEP] = 512
    over = build_sample("memorize", length=511, seed=0, index=0)
    answers = bert.predict([short, over, limit])
    assert [a.skipped for a in answers] == [None, "exceeds max positions", None]
    assert answers[0].label is not None and answers[1].label is None
    with pytest.raises(BenchInputError, match="exceeds"):
        bert([_ids(511)])


def test_memory_budget_and_oom_errors_are_skips(tmp_path: Path) -> None:
    model = FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert"), max_memory_mb=1e-3)
    sample = build_sample("memorize", length=200, seed=0, index=0)
    assert model.predict([sample])[0].skipped == "oom"

    class Exploding(FullAttentionClassifier):
        def forward(self, input_ids, labels=None):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 80 GiB")

    exploding = Exploding(FullAttentionConfig(backbone="tiny-bert"))
    assert [a.skipped for a in exploding.predict([sample, sample])] == ["oom", "oom"]
    assert is_oom_error(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried"))
    assert not is_oom_error(RuntimeError("size mismatch"))


def test_eager_attention_memory_estimate_is_quadratic() -> None:
    eager = FullAttentionClassifier(
        FullAttentionConfig(backbone="tiny-bert", attn_implementation="eager")
    )
    sdpa = FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert"))
    assert eager.estimate_memory_mb(4096) / eager.estimate_memory_mb(1024) > 10
    assert sdpa.estimate_memory_mb(4096) / sdpa.estimate_memory_mb(1024) == pytest.approx(4)


@pytest.mark.parametrize("backbone", ["tiny-bert", "tiny-gpt2"])
def test_extended_positions_tile_the_table(backbone: str) -> None:
    model = FullAttentionClassifier(FullAttentionConfig(backbone=backbone)).eval()
    with torch.no_grad():
        before = model([_ids(100)]).logits
    model.extend_positions(2048)
    assert model.max_positions == 2048 and model.trained_positions == 512
    table = (
        model.backbone.embeddings.position_embeddings
        if backbone == "tiny-bert"
        else model.backbone.wpe
    )
    assert isinstance(table, TiledPositionEmbedding)
    positions = torch.arange(1500)[None]
    torch.testing.assert_close(table(positions)[0, 700], table.weight[700 - 512])
    with torch.no_grad():
        torch.testing.assert_close(model([_ids(100)]).logits, before)  # short inputs unchanged
        assert torch.isfinite(model([_ids(1500)]).logits).all()
    state = model.state_dict()
    key = next(k for k in state if "position" in k or "wpe" in k)
    assert state[key].shape[0] == 512  # the saved table is the trained one


def test_extend_positions_refuses_unknown_models() -> None:
    with pytest.raises(BenchInputError, match="cannot extend"):
        extend_positions(torch.nn.Linear(2, 2), 1024)
