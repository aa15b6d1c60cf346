"""The prompted baseline: any Hugging Face causal LM answers from a BABILong-style prompt.

    model = PromptedLM("Qwen/Qwen2.5-0.5B-Instruct", labels, chat_template=True)
    model = load_prompted("hf:path/to/local/gpt2", labels)       # the registry's entry
    model.predict(samples)                                       # greedy decoding, label matching

The prompt puts the whole sample into the context window (no memory, no
truncation)::

    <instruction: facts are hidden in unrelated text; answer from the facts only>
    <context>
    {context}
    </context>

    Question: {question}
    Answer with exactly one word, one of: bathroom, bedroom, ...
    Answer:

With ``chat_template=True`` that text is the user turn of the tokenizer's chat
template (with the generation prompt). Decoding is greedy (``do_sample=False``,
``max_new_tokens`` new tokens). Scoring: the answer is the one label that occurs
as a whole word in the generated text; no label, or several different labels,
is unmatched (``label=None``, scored wrong), as in BABILong's strict matching.
A prompt (plus the answer budget) longer than the model's positions is skipped
(``exceeds max positions``); an allocation failure is skipped as ``oom``.
Samples are decoded one at a time (no padding effects on the answer).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from baselines.memory import is_oom_error
from generators.errors import BenchInputError, first_line
from rmt_bench.contract import SKIPPED_MAX_POSITIONS, SKIPPED_OOM, Prediction

log = logging.getLogger(__name__)

KIND = "prompted"
PROMPT_VERSION = 1
INSTRUCTION = (
    "I will give you a context made of unrelated text in which a few facts about people "
    "and places are hidden, followed by a question. Answer the question using only those "
    "facts. If a fact was updated later in the context, the latest one counts."
)


def build_prompt(context: str, question: str, labels: Sequence[str]) -> str:
    """The BABILong-style prompt text for one sample (see the module docstring)."""
    choices = ", ".join(labels)
    return (
        f"{INSTRUCTION}\n\n<context>\n{context}\n</context>\n\n"
        f"Question: {question}\nAnswer with exactly one word, one of: {choices}.\nAnswer:"
    )


def match_label(text: str, labels: Sequence[str]) -> int | None:
    """Index of the single label found as a whole word in ``text`` (case-insensitive), else None."""
    found = {
        index
        for index, label in enumerate(labels)
        if re.search(rf"(?<!\w){re.escape(label.lower())}(?!\w)", text.lower())
    }
    return found.pop() if len(found) == 1 else None


class PromptedLM:
    """A causal LM behind the AnswerModel contract (no training, no memory)."""

    kind = KIND

    def __init__(
        self,
        name_or_path: str,
        labels: Sequence[str],
        *,
        chat_template: bool = False,
        max_new_tokens: int = 8,
        device: str = "cpu",
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM

        from generators.pretrained import hub_kwargs, load_tokenizer, resolve_pretrained

        self.name = name_or_path
        self.labels = tuple(labels)
        self.chat_template = chat_template
        self.max_new_tokens = max_new_tokens
        self.tokenizer = load_tokenizer(name_or_path)
        if chat_template and not getattr(self.tokenizer, "chat_template", None):
            raise BenchInputError(f"{name_or_path!r} has no chat template; drop --chat-template")
        dtype = torch.float32
        if torch.device(device).type == "cuda" and torch.cuda.is_bf16_supported():
            dtype = torch.bfloat16
        path = resolve_pretrained(name_or_path)
        try:
            self.model = AutoModelForCausalLM.from_pretrained(
                path, dtype=dtype, trust_remote_code=False, **hub_kwargs(path)
            )
        except (OSError, ValueError, KeyError) as error:
            raise BenchInputError(
                f"cannot load causal LM {name_or_path!r}: {first_line(error)}"
            ) from None
        self.model.to(device).eval()
        text_config = self.model.config.get_text_config()
        limit = getattr(text_config, "max_position_embeddings", None) or getattr(
            text_config, "n_positions", None
        )
        if limit is None:
            raise BenchInputError(f"{name_or_path!r} does not declare its maximum positions")
        self.max_positions = int(limit)
        eos = self.tokenizer.eos_token_id
        pad = self.tokenizer.pad_token_id
        self.pad_token_id = pad if pad is not None else (eos if eos is not None else 0)

    @property
    def tokenizer_name(self) -> str:
        return self.name

    def num_segments(self, n_tokens: int) -> int:
        return 1

    def describe(self) -> dict[str, Any]:
        config = self.model.config.to_dict()
        fingerprint = hashlib.sha256(
            json.dumps(config, sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        return {
            "kind": self.kind,
            "model": self.name,
            "model_config_sha": fingerprint,
            "revision": getattr(self.model.config, "_commit_hash", None),
            "parameters": sum(p.numel() for p in self.model.parameters()),
            "max_positions": self.max_positions,
            "chat_template": self.chat_template,
            "max_new_tokens": self.max_new_tokens,
            "prompt_version": PROMPT_VERSION,
            "labels": list(self.labels),
        }

    def prompt_ids(self, sample: Mapping[str, Any]) -> list[int]:
        """Token ids of the full prompt of one sample (template applied if asked)."""
        text = build_prompt(sample["context"], sample["question"], self.labels)
        if self.chat_template:
            text = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": text}], add_generation_prompt=True, tokenize=False
            )
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        bos = self.tokenizer.bos_token_id
        return [bos, *ids] if bos is not None else ids

    def _answer(self, sample: Mapping[str, Any]) -> Prediction:
        import torch

        # Cheap check first: the dataset's own count (same tokenizer) already exceeds the window.
        if int(sample["n_tokens"]) + self.max_new_tokens > self.max_positions:
            return Prediction(label=None, text="", skipped=SKIPPED_MAX_POSITIONS)
        ids = self.prompt_ids(sample)
        if len(ids) + self.max_new_tokens > self.max_positions:
            return Prediction(label=None, text="", skipped=SKIPPED_MAX_POSITIONS)
        device = next(self.model.parameters()).device
        input_ids = torch.tensor([ids], dtype=torch.long, device=device)  # (1, prompt)
        try:
            output = self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                num_beams=1,
                pad_token_id=self.pad_token_id,
            )
        except Exception as error:
            if not is_oom_error(error):
                raise
            log.warning("out of memory on a %d-token prompt: %s", len(ids), error)
            return Prediction(label=None, text="", skipped=SKIPPED_OOM)
        new_tokens = output[0, input_ids.shape[1] :]  # (generated,)
        text = self.tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
        label = match_label(text, self.labels)
        return Prediction(label=label, text=text)

    def predict(self, samples: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        import torch

        with torch.no_grad():
            return [self._answer(sample) for sample in samples]
