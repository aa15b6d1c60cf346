"""The prompted baseline on a tiny random GPT-2 (the answers are noise, the path is real)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from baselines.prompted_lm import PromptedLM, build_prompt, match_label
from generators.build import build_sample
from generators.pretrained import load_tokenizer
from generators.tasks import task_labels

LABELS = task_labels("memorize")


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import GPT2Config, GPT2LMHeadModel

    path = tmp_path_factory.mktemp("gpt2")
    tok = load_tokenizer("minilm")
    config = GPT2Config(
        vocab_size=len(tok), n_embd=32, n_layer=2, n_head=2, n_positions=300,
        bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id, pad_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_prompt_holds_context_question_and_choices() -> None:
    prompt = build_prompt(
        "Some text. Mary went to the garden. More text.", "Where is Mary?", LABELS
    )
    assert "<context>\nSome text. Mary went to the garden. More text.\n</context>" in prompt
    assert "Question: Where is Mary?" in prompt
    assert ", ".join(LABELS) in prompt and prompt.endswith("Answer:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kitchen", 4),
        ("The Kitchen.", 4),
        ("  bathroom\n", 0),
        ("the bedroom or the garden", None),  # two different labels: not an answer
        ("kitchenette", None),  # not a whole word
        ("", None),
        ("office office", 5),
    ],
)
def test_match_label(text: str, expected: int | None) -> None:
    assert match_label(text, LABELS) == expected


def test_greedy_answers_and_skips(lm_dir: Path) -> None:
    model = PromptedLM(str(lm_dir), LABELS, max_new_tokens=4)
    assert model.tokenizer_name == str(lm_dir) and model.max_positions == 300
    fits = build_sample("memorize", length=120, seed=0, index=0)
    too_long = build_sample("memorize", length=297, seed=0, index=0)  # + 4 new tokens > 300
    first = model.predict([fits, too_long])
    assert first[0].skipped is None and first[1].skipped == "exceeds max positions"
    assert first[0].label == match_label(first[0].text, LABELS)
    assert model.predict([fits])[0] == first[0]  # greedy: deterministic
    ids = model.prompt_ids(fits)
    text = build_prompt(fits["context"], fits["question"], LABELS)
    # the minilm tokenizer has no BOS token: the prompt's ids are the text's, nothing added
    assert ids == load_tokenizer("minilm")(text, add_special_tokens=False)["input_ids"]
    assert len(ids) > fits["n_tokens"]
    description = model.describe()
    assert description["kind"] == "prompted" and description["prompt_version"] == 1
