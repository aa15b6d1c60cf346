"""RecurrentLM: a decoder with m memory tokens for language modelling over segments.

    lm = RecurrentLM(load_backbone("tiny-gpt2", causal_lm=True), memory_tokens=2, lora_r=8)
    nll, count = lm.segment_nll(windows, segment_size=128)    # windows (B, N*S) long
        # nll (N,) summed negative log-likelihood per segment position, count (N,) tokens
    nll, count = lm.full_context_nll(windows, segment_size=128)  # no segments: one context

Each window is cut into N segments of S tokens. Per segment the decoder reads
``[MEM_read x m] segment [MEM_write x m]`` (``rmt_bench.rmt.layouts.DecoderLayout``);
the last-layer states at the write block become the next segment's memory, as in the
RMT. With ``memory_tokens=0`` every segment is read alone (the no-memory baseline).

Scored tokens are the same in every variant: tokens 2..S of each segment, each
predicted from the tokens before it (plus memory, or plus every earlier token of the
window for ``full_context_nll``, left-truncated to the backbone's positions). The
first token of a segment is not scored, since a segment read alone has nothing to
predict it from.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from generators.errors import BenchInputError
from rmt_bench.rmt.layouts import DecoderLayout
from rmt_bench.rmt.lora import wrap_lora
from rmt_bench.rmt.memory_cell import MemoryCell
from rmt_bench.rmt.state import detach_state


class RecurrentLM(nn.Module):
    """Decoder backbone (causal LM head) + m learned memory tokens, LoRA optional."""

    def __init__(
        self,
        backbone: Any,
        memory_tokens: int,
        *,
        lora_r: int = 0,
        lora_alpha: int = 16,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if backbone.layout != "decoder":
            raise BenchInputError(
                f"language modelling needs a decoder backbone, {backbone.name!r} is an encoder"
            )
        model = backbone.model
        if model.get_output_embeddings() is None:
            raise BenchInputError(f"backbone {backbone.name!r} was loaded without its LM head")
        if lora_r > 0:
            model = wrap_lora(
                model, r=lora_r, alpha=lora_alpha, dropout=0.0, targets=None, seed=seed
            )
        else:
            for param in model.parameters():  # no LoRA: the backbone stays frozen
                param.requires_grad_(False)
        self.memory_tokens = int(memory_tokens)
        self.max_positions = backbone.max_positions
        pad = backbone.tokenizer.pad_token_id
        self.cell = MemoryCell(
            model, DecoderLayout(self.memory_tokens, pad or 0), memory_tokens, seed
        )
        if self.memory_tokens == 0:
            self.cell.memory.requires_grad_(False)

    @property
    def lm_head(self) -> Any:
        return self.cell.backbone.get_output_embeddings()

    def _segments(self, windows: torch.Tensor, segment_size: int) -> torch.Tensor:
        """(B, N, S) view of ``windows`` (B, N*S); bad shapes are one error."""
        if windows.dim() != 2 or windows.shape[1] % segment_size or segment_size < 2:
            raise BenchInputError(
                f"windows must be (batch, N x segment_size) with segment_size >= 2, got "
                f"{tuple(windows.shape)} and segment_size {segment_size}"
            )
        if segment_size + 2 * self.memory_tokens > self.max_positions:
            raise BenchInputError(
                f"segment_size {segment_size} + 2 x {self.memory_tokens} memory tokens exceeds "
                f"the backbone's {self.max_positions} positions"
            )
        return windows.view(windows.shape[0], -1, segment_size)

    def _nll(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Summed NLL of ``targets`` (B, K) predicted from ``hidden`` (B, K, H)."""
        logits = self.lm_head(hidden).float()  # (B, K, V)
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="sum")

    def segment_nll(
        self, windows: torch.Tensor, segment_size: int, bptt_depth: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed NLL (N,) and scored token counts (N,) per segment position, memory carried.

        ``bptt_depth = k`` stops gradients through memory older than k segments.
        """
        segments = self._segments(windows, segment_size)  # (B, N, S)
        batch, count, size = segments.shape
        m, layout = self.memory_tokens, self.cell.layout
        memory = self.cell.initial_memory(batch)  # (B, m, H)
        losses = []
        for k in range(count):
            if bptt_depth is not None and k >= bptt_depth and k % bptt_depth == 0:
                memory = detach_state(memory)
            step = layout.build(list(segments[:, k]), segments.device)
            hidden = self.cell.hidden_states(memory, step).last_hidden_state  # (B, 2m+S, H)
            # positions m .. m+S-2 predict segment tokens 1 .. S-1
            losses.append(self._nll(hidden[:, m : m + size - 1], segments[:, k, 1:]))
            memory = hidden[:, step.write]  # (B, m, H) -> next segment
        tokens = torch.full((count,), batch * (size - 1), dtype=torch.long)
        return torch.stack(losses), tokens

    def full_context_nll(
        self, windows: torch.Tensor, segment_size: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The same scores with every earlier token of the window in context (no memory).

        Segment k sees tokens ``[max(0, (k+1)S - P), (k+1)S)`` for P backbone positions.
        """
        segments = self._segments(windows, segment_size)
        batch, count, size = segments.shape
        embeddings, body = self.cell.embeddings, self.cell.body
        losses: list[torch.Tensor] = []
        if count * size <= self.max_positions:  # one causal pass scores every segment
            hidden = body(inputs_embeds=embeddings(windows), use_cache=False).last_hidden_state
            for k in range(count):
                lo = k * size
                losses.append(
                    self._nll(hidden[:, lo : lo + size - 1], windows[:, lo + 1 : lo + size])
                )
        else:
            for k in range(count):
                end = (k + 1) * size
                start = max(0, end - self.max_positions)
                context = windows[:, start:end]
                out = body(inputs_embeds=embeddings(context), use_cache=False).last_hidden_state
                first = context.shape[1] - size  # where segment k starts in the context
                losses.append(self._nll(out[:, first : first + size - 1], context[:, first + 1 :]))
        tokens = torch.full((count,), batch * (size - 1), dtype=torch.long)
        return torch.stack(losses), tokens

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """The trained weights (memory, LoRA) by name, for a safetensors file."""
        return {
            name: param.detach().cpu().contiguous()
            for name, param in self.named_parameters()
            if param.requires_grad
        }
