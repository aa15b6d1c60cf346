"""The full-attention baseline: the backbone and the RMT's classification head over the whole input.

    model = FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert"))
    out = model([ids_a, ids_b], labels=torch.tensor([2, 5]))   # ClassifierOutput(logits, loss)
    model.save_pretrained("ckpt/")                              # config.json "kind": "full-attention"
    model = FullAttentionClassifier.from_pretrained("ckpt/", extend_positions=1 << 20)
    model.predict(samples)                                      # list[Prediction]

No recurrence, no segments: one forward over the sample, so attention costs
O(n^2) time. Token layout (``input_ids`` are context + question, no special
tokens): encoder ``[CLS] ids [SEP]`` classified from [CLS]; decoder ``ids``
classified from the last token. A sample longer than the backbone's positions
is never truncated: ``predict`` answers ``skipped="exceeds max positions"``, and
``skipped="oom"`` when it would not fit in memory (predicted before trying, or
raised while trying). ``extend_positions`` tiles the learned position table
(``baselines.positions``) so the quadratic cost can be measured at any length;
``FullAttentionConfig.extend_positions`` does the same for training and is saved.

The checkpoint directory follows the contract: ``config.json`` (kind, the
``FullAttentionConfig``, trainer ``extra``), ``backbone/`` (its own
``save_pretrained``), ``head.safetensors``, ``tokenizer/``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from baselines.memory import available_memory_mb, is_oom_error
from baselines.positions import extend_positions as tile_positions
from generators.atomic import atomic_write_text
from generators.errors import BenchInputError
from rmt_bench.checkpoint_files import (
    load_tensors,
    read_checkpoint_config,
    save_tensors,
    staged_directory,
)
from rmt_bench.contract import SKIPPED_MAX_POSITIONS, SKIPPED_OOM, ClassifierOutput, Prediction
from rmt_bench.rmt.heads import ClassificationHead

log = logging.getLogger(__name__)

KIND = "full-attention"
DEFAULT_LABELS: tuple[str, ...] = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")


@dataclasses.dataclass
class FullAttentionConfig:
    """Everything needed to rebuild the baseline (saved in ``config.json``)."""

    backbone: str = "minilm"  # HF id/path, "minilm", or a random preset (rmt_bench.backbones)
    labels: tuple[str, ...] = DEFAULT_LABELS
    attn_implementation: str = "sdpa"
    hidden_dropout: float | None = None
    attention_dropout: float | None = None
    classifier_dropout: float | None = None  # None = the backbone's hidden dropout
    tokenizer: str | None = None  # None = the backbone's own ("minilm" for the random presets)
    seed: int = 0
    extra_backbone_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    # positions the learned table is tiled to for training (``train --extend-positions``),
    # kept so the checkpoint reads its training lengths again; None: the backbone's own
    extend_positions: int | None = None

    def __post_init__(self) -> None:
        self.labels = tuple(str(label) for label in self.labels)
        if self.extend_positions is not None and (
            isinstance(self.extend_positions, bool)
            or not isinstance(self.extend_positions, int)
            or self.extend_positions < 1
        ):
            raise BenchInputError(
                f"bad full-attention config: extend_positions {self.extend_positions!r}"
            )
        if len(self.labels) < 2 or len(set(self.labels)) != len(self.labels):
            raise BenchInputError(f"bad full-attention config: labels {list(self.labels)}")
        if not isinstance(self.backbone, str) or not self.backbone:
            raise BenchInputError("bad full-attention config: backbone must be a name or path")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FullAttentionConfig:
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise BenchInputError(f"bad full-attention config: unknown option(s) {unknown}")
        try:
            return cls(**data)
        except TypeError as error:
            raise BenchInputError(f"bad full-attention config: {error}") from None


class FullAttentionClassifier(nn.Module):
    """Backbone over the whole input + linear head over the task's labels."""

    kind = KIND

    def __init__(
        self,
        config: FullAttentionConfig,
        *,
        backbone: Any = None,
        extend_positions: int | None = None,
        max_memory_mb: float | None = None,
    ) -> None:
        super().__init__()
        from rmt_bench.backbones import backbone_for

        self.config = config
        if backbone is None:
            backbone = backbone_for(config)
        self.backbone = backbone.model
        self.tokenizer = backbone.tokenizer
        self._tokenizer_name = backbone.tokenizer_name
        self.layout = backbone.layout
        self.trained_positions = backbone.max_positions
        self.max_positions = self.trained_positions
        self.extra: dict[str, Any] = {}
        self.max_memory_mb = max_memory_mb
        hidden = int(self.backbone.config.hidden_size)
        dropout = config.classifier_dropout
        if dropout is None:
            dropout = float(getattr(self.backbone.config, "hidden_dropout_prob", 0.0) or 0.0)
        # The RMT's head, so the two kinds differ only in recurrence: (batch, hidden) -> logits.
        self.head = ClassificationHead(
            hidden, len(config.labels), dropout=dropout, seed=config.seed
        )
        for positions in (config.extend_positions, extend_positions):
            if positions is not None:
                self.extend_positions(positions)

    # -- the AnswerModel side ------------------------------------------------------------
    @property
    def labels(self) -> tuple[str, ...]:
        return self.config.labels

    @property
    def tokenizer_name(self) -> str:
        return self._tokenizer_name

    @property
    def special_tokens(self) -> int:
        """Positions the layout adds around the ids ([CLS] and [SEP] for encoders)."""
        return 2 if self.layout == "encoder" else 0

    @property
    def max_tokens(self) -> int:
        """The longest context + question this model reads in one pass."""
        return self.max_positions - self.special_tokens

    def num_segments(self, n_tokens: int) -> int:
        return 1

    def extend_positions(self, max_positions: int) -> None:
        """Read up to ``max_positions`` positions by tiling the learned table (never shrinks).

        For training, set ``FullAttentionConfig.extend_positions`` instead: it is saved
        with the checkpoint, so the model reads its training lengths after loading.
        """
        tile_positions(self.backbone, max_positions)
        self.max_positions = max(self.max_positions, int(max_positions))

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "config": self.config.to_dict(),
            "max_positions": self.max_positions,
            "trained_positions": self.trained_positions,
            "extra": self.extra,
        }

    # -- the trainable side --------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self.head.out.weight.device

    def _layout(self, ids: torch.Tensor) -> torch.Tensor:
        """1-D ids -> the backbone's input: ``[CLS] ids [SEP]`` (encoder) or ``ids`` (decoder)."""
        ids = ids.to(device=self.device, dtype=torch.long)
        if self.layout != "encoder":
            return ids
        cls_id = self.tokenizer.cls_token_id
        sep_id = self.tokenizer.sep_token_id
        return torch.cat([ids.new_tensor([cls_id]), ids, ids.new_tensor([sep_id])])

    def forward(
        self, input_ids: Sequence[torch.Tensor], labels: torch.Tensor | None = None
    ) -> ClassifierOutput:
        """Logits (batch, num_labels) for a list of 1-D id tensors; loss if labels are given."""
        if len(input_ids) == 0:
            raise BenchInputError("forward needs at least one sample")
        sequences = [self._layout(ids) for ids in input_ids]
        lengths = [len(seq) for seq in sequences]
        longest = max(lengths)
        if longest > self.max_positions:
            raise BenchInputError(
                f"a sample of {longest} positions exceeds this full-attention model's "
                f"{self.max_positions}; train it at lengths it can hold"
            )
        pad_id = self.tokenizer.pad_token_id or 0
        batch = torch.full((len(sequences), longest), pad_id, dtype=torch.long, device=self.device)
        for row, seq in enumerate(sequences):
            batch[row, : len(seq)] = seq  # right padding: (batch, longest)
        padded = min(lengths) != longest
        mask = None
        if padded:
            mask = (
                torch.arange(longest, device=self.device)[None]
                < torch.tensor(lengths, device=self.device)[:, None]
            ).long()
        kwargs: dict[str, Any] = {
            "input_ids": batch,
            "attention_mask": mask,  # None when unpadded: no (n x n) mask is ever built
            "position_ids": torch.arange(longest, device=self.device)[None].expand_as(batch),
        }
        if self.layout == "encoder" and getattr(self.backbone.config, "type_vocab_size", 0):
            kwargs["token_type_ids"] = torch.zeros_like(batch)
        hidden = self.backbone(**kwargs).last_hidden_state  # (batch, longest, hidden)
        if self.layout == "encoder":
            pooled = hidden[:, 0]  # [CLS]
        else:
            last = torch.tensor(lengths, device=self.device) - 1
            pooled = hidden[torch.arange(len(sequences), device=self.device), last]
        logits = self.head(pooled)  # (batch, num_labels)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels.to(self.device))
        return ClassifierOutput(logits=logits, loss=loss)

    # -- memory guard ------------------------------------------------------------------------
    def estimate_memory_mb(self, n_positions: int, batch: int = 1) -> float:
        """Predicted peak activation memory of one no-grad forward (weights excluded).

        Linear part: per token, the layer's live tensors (hidden, q/k/v, output,
        the MLP's intermediate) in float32. Quadratic part: eager attention keeps
        the (heads, n, n) scores and probabilities; SDPA without a mask runs a
        fused kernel whose memory is linear in n.
        """
        cfg = self.backbone.config
        hidden = int(cfg.hidden_size)
        inter = int(
            getattr(cfg, "intermediate_size", None) or getattr(cfg, "n_inner", None) or 4 * hidden
        )
        heads = int(getattr(cfg, "num_attention_heads", None) or getattr(cfg, "n_head", 1))
        per_token = (6 * hidden + 2 * inter) * 4
        quadratic = 0
        if self.config.attn_implementation == "eager":
            quadratic = 2 * heads * n_positions * n_positions * 4
        return batch * (n_positions * per_token + quadratic) / 2**20

    def _memory_budget_mb(self) -> float:
        return (
            self.max_memory_mb
            if self.max_memory_mb is not None
            else available_memory_mb(self.device)
        )

    @torch.no_grad()
    def predict(self, samples: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """Answer each sample, or skip it (over the position limit / out of memory)."""
        from generators.tokens import sample_token_ids

        answers: list[Prediction | None] = [None] * len(samples)
        runnable: list[int] = []
        for i, sample in enumerate(samples):
            positions = int(sample["n_tokens"]) + self.special_tokens
            if positions > self.max_positions:
                answers[i] = Prediction(label=None, text="", skipped=SKIPPED_MAX_POSITIONS)
            elif self.estimate_memory_mb(positions) > self._memory_budget_mb():
                answers[i] = Prediction(label=None, text="", skipped=SKIPPED_OOM)
            else:
                runnable.append(i)
        if runnable:
            was_training = self.training
            self.eval()
            try:
                ids = [
                    torch.from_numpy(sample_token_ids(self.tokenizer, samples[i])) for i in runnable
                ]
                logits = self.forward(ids).logits
                for i, best in zip(runnable, logits.argmax(-1).tolist(), strict=True):
                    answers[i] = Prediction(label=int(best), text=self.labels[int(best)])
            except Exception as error:
                if not is_oom_error(error):
                    raise
                log.warning("out of memory on %d samples: %s", len(runnable), error)
                for i in runnable:
                    answers[i] = Prediction(label=None, text="", skipped=SKIPPED_OOM)
            finally:
                self.train(was_training)
        return [answer for answer in answers if answer is not None]

    # -- checkpoints -------------------------------------------------------------------------
    def save_pretrained(
        self, directory: str | os.PathLike[str], extra: dict[str, Any] | None = None
    ) -> None:
        """Write ``config.json``, ``backbone/``, ``head.safetensors`` and ``tokenizer/``.

        The folder is written beside ``directory`` and moved into place, so a crash
        never leaves a half-written checkpoint under the final name.
        """
        if extra is not None:
            self.extra = dict(extra)
        payload = {
            "kind": self.kind,
            "config": self.config.to_dict(),
            "tokenizer_name": self.tokenizer_name,
            "extra": self.extra,
        }
        with staged_directory(directory) as tmp:
            self.backbone.save_pretrained(tmp / "backbone", safe_serialization=True)
            self.tokenizer.save_pretrained(tmp / "tokenizer")
            save_tensors(tmp / "head.safetensors", dict(self.head.state_dict()))
            atomic_write_text(tmp / "config.json", json.dumps(payload, indent=2) + "\n")

    @classmethod
    def from_pretrained(
        cls,
        directory: str | os.PathLike[str],
        *,
        extend_positions: int | None = None,
        max_memory_mb: float | None = None,
    ) -> FullAttentionClassifier:
        """Load a directory written by ``save_pretrained``; a bad one raises BenchInputError."""
        from generators.pretrained import load_tokenizer
        from rmt_bench.backbones import load_backbone

        directory = Path(directory)
        payload = read_checkpoint_config(directory, expected_kind=KIND)
        config = FullAttentionConfig.from_dict(payload.get("config", {}))
        tokenizer = load_tokenizer(str(directory / "tokenizer"))
        backbone = load_backbone(
            str(directory / "backbone"),
            attn_implementation=config.attn_implementation,
            hidden_dropout=config.hidden_dropout,
            attention_dropout=config.attention_dropout,
            tokenizer=tokenizer,
            tokenizer_name=payload.get("tokenizer_name") or config.tokenizer or "minilm",
        )
        model = cls(config, backbone=backbone, max_memory_mb=max_memory_mb)
        model.head.load_state_dict(load_tensors(directory / "head.safetensors", directory))
        model.extra = dict(payload.get("extra") or {})
        if extend_positions is not None:
            model.extend_positions(extend_positions)
        return model.eval()
