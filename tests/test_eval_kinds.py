"""The four model kinds through the real harness, on tiny random models.

rmt (tiny-bert RMT checkpoint), full-attention (tiny-bert checkpoint: skipped over
its positions, answered with extended positions, "oom" over a memory budget),
truncated (both windows, over both trainable kinds) and prompted (a tiny random
GPT-2 saved with the minilm tokenizer; its answers are meaningless, the path is
real). Rows must agree with calling ``model.predict`` directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig
from generators.build import build_sample
from generators.tasks import task_labels
from rmt_bench.evaluate import EvalConfig, evaluate, read_rows
from rmt_bench.registry import ModelOptions, load_answer_model
from rmt_bench.rmt import RMT, RMTConfig


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ckpt")
    rmt = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=4, segment_size=60))
    rmt.extra = {"trained_segments": 3, "curriculum": [1, 2, 3]}
    rmt.save_pretrained(root / "rmt")
    fa = FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert"))
    fa.save_pretrained(root / "fa", extra={"trained_segments": 1})
    from transformers import GPT2Config, GPT2LMHeadModel

    from generators.pretrained import load_tokenizer

    tok = load_tokenizer("minilm")
    config = GPT2Config(
        vocab_size=len(tok), n_embd=32, n_layer=2, n_head=2, n_positions=320,
        bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id, pad_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(root / "gpt2")
    tok.save_pretrained(root / "gpt2")
    return {"rmt": root / "rmt", "fa": root / "fa", "gpt2": root / "gpt2"}


def _run(out: Path, model: str, lengths: str = "128,400", **kw) -> list[dict]:
    config = EvalConfig(
        model=model, task="memorize", lengths=lengths, num_samples=2, out=str(out), progress=False,
        **kw,
    )  # fmt: skip
    evaluate(config)
    (path,) = [p for p in out.glob("*.jsonl") if "part" not in p.name]
    return read_rows(path)


def _direct(spec: str, length: int, index: int, **options) -> object:
    model = load_answer_model(spec, ModelOptions(labels=task_labels("memorize"), **options))
    sample = build_sample("memorize", length=length, seed=0, index=index, with_ids=True)
    return model.predict([sample])[0]


def test_rmt_rows(tmp_path: Path, checkpoints: dict[str, Path]) -> None:
    rows = _run(tmp_path, str(checkpoints["rmt"]))
    assert [r["length"] for r in rows] == [128, 128, 400, 400]
    assert all(r["kind"] == "rmt" and r["skipped"] is None for r in rows)
    assert [r["segments"] for r in rows] == [3, 3, 7, 7]  # ceil(n / 60)
    assert {(r["memory_tokens"], r["segment_size"], r["train_segments"]) for r in rows} == {
        (4, 60, 3)
    }
    assert rows[0]["curriculum"] == [1, 2, 3]
    direct = _direct(str(checkpoints["rmt"]), 400, 1)
    assert rows[3]["prediction"] == direct.text
    assert rows[3]["correct"] == (direct.text == rows[3]["answer"])


def test_full_attention_skips_over_positions_and_extends(tmp_path: Path, checkpoints) -> None:
    fa = str(checkpoints["fa"])
    rows = _run(tmp_path / "plain", fa, lengths="128,600")
    too_long = "exceeds max positions"
    assert [r["skipped"] for r in rows] == [None, None, too_long, too_long]
    assert rows[2]["correct"] is None and rows[2]["prediction"] is None
    assert rows[0]["prediction"] == _direct(fa, 128, 0).text
    extended = _run(tmp_path / "ext", fa, lengths="600", extend_positions=1024)
    assert [r["skipped"] for r in extended] == [None, None]
    assert extended[0]["prediction"] == _direct(fa, 600, 0, extend_positions=1024).text
    tight = _run(tmp_path / "tight", fa, lengths="128", max_memory_mb=0.01)
    assert [r["skipped"] for r in tight] == ["oom", "oom"]


@pytest.mark.parametrize("inner", ["fa", "rmt"])
@pytest.mark.parametrize("window", ["last", "first"])
def test_truncated_rows(tmp_path: Path, checkpoints, inner: str, window: str) -> None:
    spec = f"truncated:{checkpoints[inner]}"
    rows = _run(tmp_path, spec, lengths="700", window=window)
    assert all(r["kind"] == "truncated" and r["skipped"] is None for r in rows)
    assert rows[0]["model"] == f"truncated-{inner}"
    assert rows[1]["prediction"] == _direct(spec, 700, 1, window=window).text


def test_prompted_rows(tmp_path: Path, checkpoints) -> None:
    spec = f"hf:{checkpoints['gpt2']}"
    rows = _run(tmp_path, spec, lengths="128,400", max_new_tokens=3)
    assert [r["skipped"] for r in rows[2:]] == ["exceeds max positions"] * 2  # 320 positions
    assert all(r["kind"] == "prompted" and r["skipped"] is None for r in rows[:2])
    assert all(r["correct"] in (True, False) for r in rows[:2])
    direct = _direct(spec, 128, 0, max_new_tokens=3)
    labels = task_labels("memorize")
    expected = labels[direct.label] if direct.label is not None else (direct.text or None)
    assert rows[0]["prediction"] == expected


def test_prompted_chat_template(tmp_path: Path, checkpoints) -> None:
    from generators.errors import BenchInputError

    spec = f"hf:{checkpoints['gpt2']}"
    with pytest.raises(BenchInputError, match="no chat template"):
        _run(tmp_path / "a", spec, lengths="128", chat_template=True)
    import shutil

    from generators.pretrained import load_tokenizer

    chat = tmp_path / "chat"
    shutil.copytree(checkpoints["gpt2"], chat)
    tok = load_tokenizer(str(chat))
    tok.chat_template = "{% for m in messages %}<user> {{ m['content'] }}{% endfor %} <bot>"
    tok.save_pretrained(chat)
    model = load_answer_model(
        f"hf:{chat}", ModelOptions(labels=task_labels("memorize"), chat_template=True)
    )
    sample = build_sample("memorize", length=128, seed=0, index=0)
    text = model.tokenizer.decode(model.prompt_ids(sample))
    assert text.startswith("< user >") and text.rstrip().endswith("< bot >")
    rows = _run(tmp_path / "b", f"hf:{chat}", lengths="128", chat_template=True)
    assert len(rows) == 2 and rows[0]["kind"] == "prompted"
