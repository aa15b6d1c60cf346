"""Attention maps of the RMT's memory operations for one sample (the paper's write/read maps).

    model = RMT.from_pretrained("ckpt/dm")
    maps = memory_attention(model, ids, fact_span=(130, 138), question_tokens=5)
    maps.write.weights   # (layers, m, T_w): memory write positions -> every input of the
                         #   segment holding the fact (head mean)
    maps.read.weights    # (layers, Q, T_r): question / answer positions -> every input of
                         #   the last segment, memory slots included (head mean)

The sample is run segment by segment exactly as ``RMT`` runs it (same layout, same
memory hand-over; ``final_memory`` equals ``RMT.stream_memory``) with the backbone
switched to eager attention, so ``output_attentions`` returns the softmax weights.
Only the two steps that are drawn keep their attention; every other step carries
just the memory. Token layouts per step (``rmt_bench.rmt.layouts``):

    encoder   [CLS] [MEM x m] [SEP] segment [SEP]      memory read = write = 1..m
    decoder   [MEM_read x m] segment [MEM_write x m]   write = the last m positions

Write map: rows are the memory write positions of the segment where the fact is,
columns that step's inputs. Read map: rows are the question tokens plus the answer
position ([CLS] for encoders) of the last segment, columns that step's inputs (the
memory read slots are where the carried memory enters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from generators.errors import BenchInputError
from rmt_bench.data import segment_bounds


@dataclass
class StepMap:
    """Head-averaged attention of some query positions over one step's inputs."""

    segment: int  # 0-based segment index
    layers: list[int]  # backbone layer of each row of ``weights``
    weights: torch.Tensor  # (L, Q, T) float32, rows sum to 1 over T
    query_positions: list[int]  # input positions of the Q rows
    query_labels: list[str]
    key_labels: list[str]  # T labels: "[MEM3]", "[CLS]", token strings
    memory_keys: list[int]  # input positions holding read memory
    highlight_keys: list[int] = field(default_factory=list)  # fact tokens (write map)


@dataclass
class MemoryAttention:
    """The write map (fact segment) and the read map (last segment) of one sample."""

    write: StepMap
    read: StepMap
    segments: int
    segment_size: int
    fact_segment: int
    final_memory: torch.Tensor  # (1, m, H): the memory entering the last segment


def _token_labels(tokenizer: Any, ids: torch.Tensor) -> list[str]:
    tokens = tokenizer.convert_ids_to_tokens([int(i) for i in ids])
    return [str(t).replace("Ġ", "_").replace("▁", "_") for t in tokens]


def _step_labels(tokenizer: Any, step: Any, layout_kind: str) -> tuple[list[str], list[int]]:
    """A label per input position of one step and the read-memory positions."""
    labels = _token_labels(tokenizer, step.ids[0])
    read = list(range(step.read.start, step.read.stop))
    for k, pos in enumerate(read):
        labels[pos] = f"[MEM{k + 1}]"
    if layout_kind == "decoder":
        for k, pos in enumerate(range(step.write.start, step.write.stop)):
            labels[pos] = f"[WMEM{k + 1}]"
    return labels, read


def _segment_offset(layout_kind: str, m: int) -> int:
    """Input position of the first segment token in a step."""
    if layout_kind == "encoder":
        return 1 + (m + 1 if m else 0)  # [CLS] [MEM x m] [SEP]
    return m  # [MEM_read x m]


def _select_layers(attentions: tuple[torch.Tensor, ...], layers: list[int]) -> torch.Tensor:
    """(L, T, T) head-averaged attention of the chosen layers (batch of one)."""
    return torch.stack([attentions[i][0].float().mean(0) for i in layers])


def memory_attention(
    model: Any,
    ids: torch.Tensor,
    *,
    fact_span: tuple[int, int],
    question_tokens: int,
    layers: list[int] | None = None,
) -> MemoryAttention:
    """Run one sample through ``model`` (an RMT) and return its write and read maps.

    ``ids``: the sample's token ids (context + question, 1-D). ``fact_span``:
    ``[start, end)`` of the fact's tokens in ``ids``. ``question_tokens``: how
    many tokens at the end of ``ids`` are the question. ``layers``: backbone
    layers to keep (default all). The model's attention implementation is
    restored afterwards.
    """
    if getattr(model, "kind", None) != "rmt":
        raise BenchInputError(
            f"memory attention maps need an RMT checkpoint, got kind {getattr(model, 'kind', '?')!r}"
        )
    m = int(model.memory_tokens)
    if m == 0:
        raise BenchInputError("the model has no memory tokens: there is no memory to draw")
    ids = torch.as_tensor(ids).long().view(-1)
    n = int(ids.numel())
    start, end = (int(x) for x in fact_span)
    if not 0 <= start < end <= n:
        raise BenchInputError(f"fact span {fact_span} lies outside the sample's {n} tokens")
    if not 0 < question_tokens <= n:
        raise BenchInputError(f"question_tokens must be in [1, {n}], got {question_tokens}")
    bounds = segment_bounds(n, model.segment_size)
    fact_segment = next(k for k, (a, b) in enumerate(bounds) if a <= start < b)
    last = len(bounds) - 1
    q_start = n - question_tokens
    if q_start < bounds[last][0]:
        raise BenchInputError(
            f"the question ({question_tokens} tokens) does not fit in the last segment "
            f"({model.segment_size} tokens)"
        )
    cell, layout, kind = model.cell, model.cell.layout, model.layout_kind
    body = cell.body
    total_layers = int(body.config.num_hidden_layers)
    chosen = list(range(total_layers)) if layers is None else [int(i) for i in layers]
    if not chosen or any(not 0 <= i < total_layers for i in chosen):
        raise BenchInputError(f"layers must lie in [0, {total_layers}), got {layers}")
    offset = _segment_offset(kind, m)
    previous = body.config._attn_implementation
    was_training = model.training
    model.eval()
    body.set_attn_implementation("eager")
    write_map = read_map = None
    try:
        with torch.inference_mode():
            device = model.device
            memory = cell.initial_memory(1)
            for k, (a, b) in enumerate(bounds):
                segment = ids[a:b]
                step = layout.build([segment.to(device)], device)
                wanted = k in (fact_segment, last)
                out = cell.hidden_states(memory, step, output_attentions=wanted)
                if wanted:
                    attention = _select_layers(out.attentions, chosen).cpu()
                    labels, read = _step_labels(model.tokenizer, step, kind)
                if k == fact_segment:
                    rows = list(range(step.write.start, step.write.stop))
                    lo, hi = offset + (start - a), offset + (min(end, b) - a)
                    write_map = StepMap(
                        segment=k,
                        layers=chosen,
                        weights=attention[:, rows],
                        query_positions=rows,
                        query_labels=[f"[MEM{j + 1}] out" for j in range(m)],
                        key_labels=labels,
                        memory_keys=read,
                        highlight_keys=list(range(lo, hi)),
                    )
                if k == last:
                    rows = [offset + (q_start - a) + j for j in range(question_tokens)]
                    answer = int(step.answer_index[0])
                    if answer not in rows:
                        rows = [answer, *rows]
                    read_map = StepMap(
                        segment=k,
                        layers=chosen,
                        weights=attention[:, rows],
                        query_positions=rows,
                        query_labels=[labels[r] for r in rows],
                        key_labels=labels,
                        memory_keys=read,
                    )
                    break
                memory = out.last_hidden_state[:, step.write]  # (1, m, H), as RMT carries it
    finally:
        body.set_attn_implementation(previous)
        model.train(was_training)
    assert write_map is not None and read_map is not None
    return MemoryAttention(
        write=write_map,
        read=read_map,
        segments=len(bounds),
        segment_size=model.segment_size,
        fact_segment=fact_segment,
        final_memory=memory,
    )
