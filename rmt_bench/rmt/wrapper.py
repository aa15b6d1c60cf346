"""RMT: the recurrent wrapper (split, loop, BPTT depth, streaming, heads, predict).

    model = RMT(RMTConfig(backbone="minilm", memory_tokens=10))
    out = model(input_ids=[ids_a, ids_b], labels=torch.tensor([2, 5]))   # 1-D LongTensors
    out.logits  # (B, num_labels)        out.loss  # scalar (None without labels)
    model.stream_logits([ids])                    # no-grad streaming, memory flat in length
    model.predict(samples)                        # AnswerModel contract -> [Prediction]
    model.save_pretrained(dir); RMT.from_pretrained(dir)

Each sample (context + question ids, no special tokens) is cut into
right-aligned segments of ``segment_size`` tokens (the first one is short, so
the question is in the last). A batch is aligned at its last segment: at step
``t`` only the rows whose segments have started run (those rows are gathered,
run, and their new memory scattered back), so samples with different segment
counts share one loop. Memory flows segment to segment through the
last-layer states at the write positions; the answer is read from the last
segment. ``bptt_depth = k`` detaches the memory entering the last k segments
(the truncated tensor is what the loop carries on with), ``recompute_segments``
checkpoints each segment's activations. Without gradients only the memory
(B, m, H) and the current segment live, so peak memory is flat in length.
The carried state may also be a tuple of batch-first tensors (ARMT's
``(memory, A, z)``, ``rmt_bench.rmt.armt``): the loop touches it only through
``rmt_bench.rmt.state``. Under bf16 autocast (``rmt_bench.precision``) the
backbone computes in bf16, but the carried state is cast back to the initial
memory's dtype (fp32) after every step and the heads compute in fp32.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from generators.errors import BenchInputError
from rmt_bench.backbones import Backbone, backbone_for
from rmt_bench.contract import SKIPPED_OOM, ClassifierOutput, Prediction
from rmt_bench.data import SegmentPlan, StreamedIds, num_segments, sample_input_ids
from rmt_bench.precision import as_dtype_of, full_precision
from rmt_bench.rmt.config import RMTConfig
from rmt_bench.rmt.heads import ClassificationHead, LabelTokens
from rmt_bench.rmt.layouts import DecoderLayout, EncoderLayout, StepInputs
from rmt_bench.rmt.lora import load_lora_adapter, wrap_lora
from rmt_bench.rmt.memory_cell import MemoryCell
from rmt_bench.rmt.state import (
    detach_state,
    restart_rows,
    row_state,
    scatter_rows,
    select_rows,
)

log = logging.getLogger(__name__)


def bptt_window_start(steps: int, depth: int | None) -> int:
    """The first of ``steps`` segments that gets gradients with BPTT depth ``depth`` (None: all)."""
    return 0 if depth is None else max(0, steps - depth)


def _dropout_of(config: Any) -> float:
    for key in ("classifier_dropout", "hidden_dropout_prob", "resid_pdrop", "dropout"):
        value = getattr(config, key, None)
        if isinstance(value, float):
            return value
    return 0.1


class RMT(nn.Module):
    """Recurrent Memory Transformer around any Hugging Face backbone."""

    kind = "rmt"
    streams_token_ids = True  # predict() slices long rows per segment (rmt_bench.contract)
    config_class = RMTConfig

    def __init__(
        self,
        config: RMTConfig,
        *,
        backbone: Backbone | None = None,
        lora_adapter: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        if backbone is None:
            backbone = backbone_for(config, causal_lm=config.head == "generate")
        self.tokenizer = backbone.tokenizer
        self._tokenizer_name = backbone.tokenizer_name
        self.layout_kind = config.layout or backbone.layout
        self.max_positions = backbone.max_positions
        layout = self._make_layout(self.layout_kind, config.memory_tokens, backbone.tokenizer)
        self.segment_size = self._resolve_segment_size(layout, backbone.max_positions)

        model = backbone.model
        if config.lora_r > 0:
            if lora_adapter is not None:
                model = load_lora_adapter(model, Path(lora_adapter))
            else:
                model = wrap_lora(
                    model,
                    r=config.lora_r,
                    alpha=config.lora_alpha,
                    dropout=config.lora_dropout,
                    targets=config.lora_targets,
                    seed=config.seed,
                )
        self.cell = self._make_cell(model, layout)
        if config.head == "classify":
            dropout = config.classifier_dropout
            if dropout is None:
                dropout = _dropout_of(backbone.config)
            self.head: ClassificationHead | None = ClassificationHead(
                self.cell.hidden_size, len(config.labels), dropout=dropout, seed=config.seed
            )
            self.answers: LabelTokens | None = None
        else:
            if self.layout_kind != "decoder" or model.get_output_embeddings() is None:
                raise BenchInputError("head='generate' needs a decoder backbone with an LM head")
            self.head = None
            self.answers = LabelTokens(self.tokenizer, config.labels)
            if self.answers.max_tokens > config.max_answer_tokens:
                raise BenchInputError(
                    f"a label takes {self.answers.max_tokens} tokens; raise max_answer_tokens"
                )
        self.extra: dict[str, Any] = {}

    # ----------------------------------------------------------------- set-up
    def _make_layout(self, kind: str, m: int, tokenizer: Any) -> EncoderLayout | DecoderLayout:
        if kind == "encoder":
            cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
            if cls_id is None or sep_id is None:
                raise BenchInputError("the encoder layout needs a tokenizer with [CLS] and [SEP]")
            return EncoderLayout(m, cls_id, sep_id, tokenizer.pad_token_id or 0)
        return DecoderLayout(m, pad_id=tokenizer.pad_token_id or 0)

    def _make_cell(self, model: Any, layout: Any) -> MemoryCell:
        """The segment step around the (maybe LoRA-wrapped) backbone."""
        return MemoryCell(
            model,
            layout,
            self.config.memory_tokens,
            seed=self.config.seed,
            memory_update=self.config.memory_update,
            gate_bias=self.config.memory_gate_bias,
        )

    def _resolve_segment_size(self, layout: Any, max_positions: int) -> int:
        reserved = layout.special_tokens
        if self.config.head == "generate":  # last segment: [MEM_read] segment answer
            reserved = max(reserved, layout.m + self.config.max_answer_tokens)
        capacity = max_positions - reserved
        size = self.config.segment_size or capacity
        if capacity < 1 or size > capacity:
            raise BenchInputError(
                f"segment_size {size} does not fit: the backbone has {max_positions} positions "
                f"and the {self.layout_kind} layout reserves {reserved} (at most {capacity})"
            )
        return size

    def set_segment_size(self, size: int) -> None:
        """Cut inputs into segments of ``size`` task tokens from now on (a curriculum stage
        of another segment size, ``--curriculum 2x480``); the weights do not change."""
        previous = self.config.segment_size
        self.config.segment_size = int(size)
        try:
            self.segment_size = self._resolve_segment_size(self.cell.layout, self.max_positions)
        except BenchInputError:
            self.config.segment_size = previous
            raise

    @classmethod
    def from_config(cls, config: RMTConfig) -> RMT:
        """Build a fresh model (backbone loaded or randomly initialised by name)."""
        return cls(config)

    # ------------------------------------------------------------ public info
    @property
    def labels(self) -> tuple[str, ...]:
        return self.config.labels

    @property
    def tokenizer_name(self) -> str:
        return self._tokenizer_name

    @property
    def device(self) -> torch.device:
        return self.cell.memory.device

    @property
    def memory_tokens(self) -> int:
        return self.config.memory_tokens

    def num_segments(self, n_tokens: int) -> int:
        """Segments this model cuts ``n_tokens`` task tokens into."""
        return num_segments(int(n_tokens), self.segment_size)

    def describe(self) -> dict[str, Any]:
        """The resolved configuration (JSON-able), for result rows and logs."""
        return {
            "kind": self.kind,
            **self.config.to_dict(),
            "tokenizer": self.tokenizer_name,
            "layout": self.layout_kind,
            "segment_size": self.segment_size,
            "max_positions": self.max_positions,
            "parameters": sum(p.numel() for p in self.parameters()),
            "trainable_parameters": sum(p.numel() for p in self.parameters() if p.requires_grad),
        }

    # ---------------------------------------------------------------- forward
    def _prepare(self, input_ids: Sequence[torch.Tensor] | torch.Tensor) -> list[torch.Tensor]:
        if isinstance(input_ids, torch.Tensor):
            if input_ids.dim() != 2:
                raise BenchInputError("input_ids must be a list of 1-D tensors or one 2-D tensor")
            input_ids = list(input_ids)
        if len(input_ids) == 0:
            raise BenchInputError("input_ids is empty")
        vocab = self.cell.embeddings.num_embeddings
        prepared = []
        for ids in input_ids:
            if isinstance(ids, StreamedIds):  # a long row, sliced one segment at a time
                bounds = ids.value_range()
                if bounds is not None and (bounds[0] < 0 or bounds[1] >= vocab):
                    raise BenchInputError(f"token ids must lie in [0, {vocab}) for this backbone")
                prepared.append(ids)
                continue
            ids = torch.as_tensor(ids)
            if ids.dim() != 1 or ids.dtype.is_floating_point:
                raise BenchInputError("each input must be a 1-D tensor of token ids")
            if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab):
                raise BenchInputError(f"token ids must lie in [0, {vocab}) for this backbone")
            prepared.append(ids.long())
        return prepared

    def _check_labels(self, labels: Any, batch: int) -> torch.Tensor | None:
        if labels is None:
            return None
        labels = torch.as_tensor(labels, device=self.device).long().view(-1)
        if labels.numel() != batch:
            raise BenchInputError(f"got {labels.numel()} labels for {batch} inputs")
        if int(labels.min()) < 0 or int(labels.max()) >= len(self.labels):
            raise BenchInputError(f"labels must lie in [0, {len(self.labels)})")
        return labels

    def _truncate(self, memory: torch.Tensor, step: int, steps: int) -> torch.Tensor:
        """The memory entering ``step``: detached where BPTT stops (returns the new tensor)."""
        if step > 0 and step == bptt_window_start(steps, self.config.bptt_depth):
            return detach_state(memory)
        return memory

    def _enter(
        self, memory: torch.Tensor, init: torch.Tensor, plan: SegmentPlan, step: int
    ) -> torch.Tensor:
        """The memory (B, m, H) entering ``step``: BPTT truncation, then fresh rows.

        Rows whose first segment is this step start from the learned initial
        memory (never a detached copy of it).
        """
        memory = self._truncate(memory, step, plan.steps)
        starting = plan.starting(step)
        if step > 0 and starting:
            memory = restart_rows(memory, init, starting)
        return memory

    def _cell(self, memory: torch.Tensor, step: StepInputs) -> tuple[torch.Tensor, torch.Tensor]:
        if self.config.recompute_segments and torch.is_grad_enabled() and self.training:
            return checkpoint(self.cell, memory, step, use_reentrant=False)
        return self.cell(memory, step)

    def _recur(
        self,
        ids: list[torch.Tensor],
        labels: torch.Tensor | None,
        run_last: bool,
        start_state: Any = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None, list[torch.Tensor]]:
        """The segment loop shared by training and streaming.

        Runs every step (``run_last``) or all but the last. Returns the memory
        (B, m, H) after the loop (entering the last segment when not
        ``run_last``), the last step's logits (B, num_labels) or None, the
        loss or None, and the last segment of every row. ``start_state``
        replaces the learned initial memory (same shape as
        ``cell.initial_memory(B)``), for training that carries memory over.
        """
        batch, device = len(ids), self.device
        plan = SegmentPlan([int(x.numel()) for x in ids], self.segment_size)
        layout = self.cell.layout
        init = self.cell.initial_memory(batch) if start_state is None else start_state
        reference = self.cell.memory  # the carried state keeps this parameter's dtype
        memory = init
        loss: torch.Tensor | None = None
        logits: torch.Tensor | None = None
        steps = plan.steps if run_last else plan.steps - 1
        # Segments before the BPTT window get no gradient (``_truncate`` detaches the memory
        # where it starts) and, with the loss on the last segment only, add none: they run
        # without a graph, so training memory does not grow with them.
        graph_free = (
            0
            if self.config.loss_on == "all"
            else bptt_window_start(plan.steps, self.config.bptt_depth)
        )
        for step in range(steps):
            memory = self._enter(memory, init, plan, step)
            rows, bounds = plan.active(step)
            index = torch.tensor(rows, device=device) if len(rows) < batch else None
            current = memory if index is None else select_rows(memory, index)
            segments = [ids[row][start:end] for row, (start, end) in zip(rows, bounds, strict=True)]
            with torch.no_grad() if step < graph_free else contextlib.nullcontext():
                state, new_memory = self._cell(current, layout.build(segments, device))
            new_memory = as_dtype_of(new_memory, reference)  # fp32 state under bf16 autocast
            if step == plan.steps - 1 or self.config.loss_on == "all":
                logits = self.head(state)  # (A, num_labels)
                if labels is not None:
                    target = labels if index is None else labels.index_select(0, index)
                    term = F.cross_entropy(logits, target, reduction="sum") / batch
                    loss = term if loss is None else loss + term
            # rows that did not run keep their memory; (A, m, H) scattered into (B, m, H)
            memory = new_memory if index is None else scatter_rows(memory, index, new_memory)
        if not run_last:
            memory = self._enter(memory, init, plan, plan.steps - 1)
        _, bounds = plan.active(plan.steps - 1)  # every row is active on the last step
        last = [ids[row][start:end] for row, (start, end) in enumerate(bounds)]
        return memory, logits, loss, last

    def forward(
        self,
        input_ids: Sequence[torch.Tensor] | torch.Tensor,
        labels: torch.Tensor | None = None,
        start_state: Any = None,
    ) -> ClassifierOutput:
        """Logits (B, num_labels) from the last segment and the loss (if ``labels``).

        ``start_state`` (optional) is the memory the samples start from instead
        of the learned one; ``output.state`` is the memory the samples end with
        (after the last segment; entering it for the generative head), detached.
        """
        ids = self._prepare(input_ids)
        labels = self._check_labels(labels, len(ids))
        if self.config.head == "generate":
            memory, _, _, last = self._recur(ids, None, run_last=False, start_state=start_state)
            output = self._answer_step(memory, last, labels)
            output.state = detach_state(memory)
            return output
        memory, logits, loss, _ = self._recur(ids, labels, run_last=True, start_state=start_state)
        return ClassifierOutput(logits=logits, loss=loss, state=detach_state(memory))

    # ------------------------------------------------------ generative head
    @property
    def lm_head(self) -> Any:
        return self.cell.backbone.get_output_embeddings()

    def _lm_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The LM head on ``hidden`` (..., H) in its weights' dtype, autocast or not."""
        head = self.lm_head
        with full_precision(hidden.device):
            return head(hidden.to(head.weight.dtype))

    def _answer_step(
        self, memory: torch.Tensor, segments: list[torch.Tensor], labels: torch.Tensor | None
    ) -> ClassifierOutput:
        """Last decoder segment with the answer teacher-forced: label scores and LM loss."""
        assert self.answers is not None
        answers = None if labels is None else [self.answers.ids[int(k)] for k in labels]
        step = self.cell.layout.build_answer(segments, answers, self.device)

        def run(memory: torch.Tensor) -> torch.Tensor:
            return self.cell.hidden_states(memory, step).last_hidden_state

        if self.config.recompute_segments and torch.is_grad_enabled() and self.training:
            hidden = checkpoint(run, memory, use_reentrant=False)
        else:
            hidden = run(memory)  # (B, T, H)
        rows = torch.arange(hidden.shape[0], device=hidden.device)
        first = self._lm_logits(hidden[rows, step.answer_index])  # (B, V)
        # label scores: log-probability of each label's first answer token
        logits = F.log_softmax(first.float(), dim=-1)[:, self.answers.first_ids.to(first.device)]
        loss = None
        if step.answer_targets is not None:
            targets = step.answer_targets  # (B, K), -100 = none
            offsets = torch.arange(targets.shape[1], device=hidden.device)
            positions = (step.answer_index[:, None] + offsets).clamp(max=hidden.shape[1] - 1)
            states = hidden[rows[:, None], positions]  # (B, K, H)
            token_logits = self._lm_logits(states).float()  # (B, K, V)
            loss = F.cross_entropy(token_logits.flatten(0, 1), targets.flatten(), ignore_index=-100)
        return ClassifierOutput(logits=logits, loss=loss)

    # -------------------------------------------------------------- streaming
    def stream_logits(self, input_ids: Sequence[torch.Tensor] | torch.Tensor) -> torch.Tensor:
        """Logits (B, num_labels) without gradients: only memory and one segment live."""
        with torch.inference_mode():
            return self.forward(input_ids).logits

    @torch.inference_mode()
    def stream_memory(
        self, input_ids: Sequence[torch.Tensor] | torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Memory (B, m, H) entering each sample's last segment, and the last segments."""
        memory, _, _, last = self._recur(self._prepare(input_ids), None, run_last=False)
        return memory, last

    @torch.inference_mode()
    def generate_answers(
        self, input_ids: Sequence[torch.Tensor] | torch.Tensor, max_new_tokens: int | None = None
    ) -> list[list[int]]:
        """Greedy answer tokens per sample, the memory carried into generation (decoders)."""
        if self.answers is None:
            raise BenchInputError("generate_answers needs head='generate'")
        budget = max_new_tokens or self.answers.max_tokens
        budget = min(budget, self.config.max_answer_tokens)
        memory, last = self.stream_memory(input_ids)
        embeddings = self.cell.embeddings
        eos = self.tokenizer.eos_token_id
        outputs: list[list[int]] = []
        for row, segment in enumerate(last):
            step = self.cell.layout.build_answer([segment], None, self.device)
            state = row_state(memory, row)
            out = self.cell.hidden_states(state, step, use_cache=True)
            cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
            position = step.ids.shape[1]  # next position: m + segment length
            hidden = out.last_hidden_state[:, -1]  # (1, H)
            tokens: list[int] = []
            for _ in range(budget):
                token = int(self._lm_logits(hidden).argmax(-1))
                tokens.append(token)
                if eos is not None and token == eos or len(tokens) == budget:
                    break
                out = self.cell.decode(
                    state,
                    inputs_embeds=embeddings(torch.tensor([[token]], device=self.device)),
                    position_ids=torch.tensor([[position]], device=self.device),
                    cache=cache,
                    use_cache=True,
                )
                cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
                hidden = out.last_hidden_state[:, -1]
                position += 1
            outputs.append(tokens)
        return outputs

    # ----------------------------------------------------------------- answer
    def predict(self, samples: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """AnswerModel contract: one Prediction per sample (eval mode, no gradients)."""
        if not samples:
            return []
        ids = [sample_input_ids(self.tokenizer, sample) for sample in samples]
        was_training = self.training
        self.eval()
        try:
            if self.answers is not None:
                generated = self.generate_answers(ids)
                texts = [self.answers.decode(tokens) for tokens in generated]
                return [Prediction(label=self.answers.match(t), text=t) for t in texts]
            logits = self.stream_logits(ids)
            labels = logits.argmax(-1).tolist()
            return [Prediction(label=k, text=self.labels[k]) for k in labels]
        except torch.OutOfMemoryError:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            log.warning("out of memory on a batch of %d samples", len(samples))
            return [Prediction(label=None, text="", skipped=SKIPPED_OOM) for _ in samples]
        finally:
            self.train(was_training)

    # ------------------------------------------------------------- checkpoint
    def save_pretrained(self, directory: str | Path) -> None:
        """Write the checkpoint directory (config.json, rmt.safetensors, backbone/, tokenizer/)."""
        from rmt_bench.rmt.checkpoint import save_rmt

        save_rmt(self, Path(directory))

    def push_to_hub(self, repo_id: str, *, private: bool = False, token: str | None = None) -> str:
        """Save to a temporary checkpoint folder and upload it to hub repo ``repo_id``."""
        import tempfile

        from rmt_bench.rmt.hub import push_checkpoint

        with tempfile.TemporaryDirectory(prefix="rmt-push-") as tmp:
            folder = Path(tmp) / "checkpoint"
            self.save_pretrained(folder)
            return push_checkpoint(folder, repo_id, private=private, token=token)

    @classmethod
    def from_pretrained(cls, directory: str | Path, device: Any = None) -> RMT:
        """Load a checkpoint directory written by ``save_pretrained``."""
        from rmt_bench.rmt.checkpoint import load_rmt

        model = load_rmt(Path(directory), cls)
        return model.to(device) if device is not None else model
