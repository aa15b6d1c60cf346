"""End to end: checkpoint + one generated sample -> memory attention maps as PNG and CSV.

    result = draw_memory_attention("ckpt/dm", task="detect_memorize", length=512,
                                   out="reports/figures", noise="pg19:../shared/data/pg19")
    result.png, result.csv, result.sample_id, result.correct

What ``rmt-bench attention`` runs. The sample is ``build_sample(task, length, seed,
index)`` with a test seed; without ``index`` the first index (from 0) whose fact
lies before the last segment is taken, so that the write and the read happen in
different segments. Files: ``memory_attention_<task>.png`` / ``.csv`` in ``out``
(never over a file rmt-bench did not write, unless ``--overwrite``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generators.default_noise import TEST_NOISE
from generators.errors import BenchInputError

log = logging.getLogger(__name__)

MAX_INDEX_SEARCH = 64  # samples tried when looking for a fact outside the last segment
MAX_DRAWN_LAYERS = 6  # deeper backbones: 4 layers spread from the first to the last


@dataclass
class AttentionFigure:
    """What ``draw_memory_attention`` wrote and about which sample."""

    png: Path
    csv: Path
    sample_id: str
    fact: str
    fact_segment: int  # 1-based
    segments: int
    prediction: str
    answer: str

    @property
    def correct(self) -> bool:
        return self.prediction.lower() == self.answer.lower()


def default_layers(total: int) -> list[int]:
    """Every layer of a shallow backbone, else 4 spread from the first to the last."""
    if total <= MAX_DRAWN_LAYERS:
        return list(range(total))
    return sorted({round(i * (total - 1) / 3) for i in range(4)})


def parse_layers(text: str | None, total: int) -> list[int]:
    """``"0,3"`` -> [0, 3]; ``"-1"`` is the last layer; None -> ``default_layers``."""
    if text is None or not str(text).strip():
        return default_layers(total)
    try:
        values = [int(part) for part in str(text).split(",") if part.strip()]
    except ValueError as error:
        raise BenchInputError(f"--layers must be comma-separated integers, got {text!r}") from error
    layers = [v + total if v < 0 else v for v in values]
    if not layers or any(not 0 <= v < total for v in layers):
        raise BenchInputError(f"--layers {text!r}: the backbone has layers 0..{total - 1}")
    return sorted(set(layers))


def _fact_span(tokenizer: Any, sample: dict[str, Any]) -> tuple[int, int]:
    from generators.tokens import encode_text

    start = int(sample["fact_positions"][0])
    text = sample["facts"][0] if start == 0 else " " + sample["facts"][0]
    return start, start + len(encode_text(tokenizer, text))


def _pick_sample(
    task: str, length: int, seed: int, index: int | None, segment_size: int, **sources: Any
) -> dict[str, Any]:
    from generators.build import build_sample
    from rmt_bench.data import segment_bounds

    indices = [index] if index is not None else range(MAX_INDEX_SEARCH)
    sample: dict[str, Any] = {}
    for i in indices:
        sample = build_sample(task, length=length, seed=seed, index=i, with_ids=True, **sources)
        if not sample["fact_positions"]:
            raise BenchInputError(f"task {task!r} has no fact positions to draw")
        last_start = segment_bounds(int(sample["n_tokens"]), segment_size)[-1][0]
        if index is not None or int(sample["fact_positions"][0]) < last_start:
            return sample
    log.warning("no sample in the first %d has its fact before the last segment", len(indices))
    return sample


def draw_memory_attention(
    model_dir: str | Path,
    *,
    task: str,
    length: int | str,
    out: str | Path,
    noise: str = TEST_NOISE,
    facts: str = "builtin",
    seed: int = 0,
    index: int | None = None,
    layers: str | None = None,
) -> AttentionFigure:
    """Draw the write/read maps of one sample for the RMT checkpoint ``model_dir``."""
    from generators.lengths import parse_length
    from generators.owned import check_owned
    from generators.tasks import get_task
    from reports.plot_attention import attention_table, plot_memory_attention
    from reports.style import save_table, task_name
    from rmt_bench.data import sample_input_ids
    from rmt_bench.evaluate.samples import check_test_seed
    from rmt_bench.memory_attention import memory_attention
    from rmt_bench.rmt.checkpoint import read_meta
    from rmt_bench.rmt.wrapper import RMT

    out = Path(out)
    stem = "memory_attention_" + task.replace(":", "_")
    png, csv = out / f"{stem}.png", out / f"{stem}.csv"
    for path in (png, csv):
        check_owned(path)  # before the slow work
    check_test_seed(seed)
    get_task(task)  # an unknown task fails before the model loads
    length = parse_length(length)
    read_meta(Path(model_dir))  # a non-RMT folder fails here with one line
    model = RMT.from_pretrained(model_dir)
    sample = _pick_sample(
        task,
        length,
        seed,
        index,
        model.segment_size,
        tokenizer=model.tokenizer_name,
        noise=noise,
        facts=facts,
    )
    ids = sample_input_ids(model.tokenizer, sample)
    total = int(model.cell.body.config.num_hidden_layers)
    maps = memory_attention(
        model,
        ids,
        fact_span=_fact_span(model.tokenizer, sample),
        question_tokens=len(sample["question_ids"]),
        layers=parse_layers(layers, total),
    )
    prediction = model.predict([sample])[0].text
    out.mkdir(parents=True, exist_ok=True)
    title = (
        f"{task_name(task)}, {length:,} tokens ({maps.segments} segments of "
        f"{maps.segment_size}, m = {model.memory_tokens}), sample {sample['id']}: "
        f'fact "{sample["facts"][0]}" in segment {maps.fact_segment + 1}; '
        f'question "{sample["question"]}" -> {prediction!r} (answer {sample["answer"]!r})\n'
        f"{Path(model_dir).name}, noise {noise}; eager attention, mean over heads"
    )
    plot_memory_attention(maps, png, title=title)
    save_table(attention_table(maps), csv)
    return AttentionFigure(
        png=png,
        csv=csv,
        sample_id=str(sample["id"]),
        fact=str(sample["facts"][0]),
        fact_segment=maps.fact_segment + 1,
        segments=maps.segments,
        prediction=prediction,
        answer=str(sample["answer"]),
    )
