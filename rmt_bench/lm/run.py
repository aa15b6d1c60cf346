"""``rmt-bench lm`` end to end: train the RMT and the no-memory baseline, score, draw.

    result = run_lm(LMConfig(backbone="tiny-gpt2", train_data="text:notes/", steps=20))
    result.table        # variant, segment, preceding_segments, tokens, nll, perplexity
    result.png, result.csv, result.json

Variants, scored on the same validation tokens (``rmt_bench.lm.model``):

    rmt            the decoder + m memory tokens + LoRA, trained on N-segment windows
    no-memory      the same recipe with m = 0 (every segment read alone), trained alike
                   (with ``lora_r = 0`` nothing of it trains: it is the pretrained backbone)
    full-context   the no-memory model's weights reading every earlier token of the
                   window (up to the backbone's positions) instead of segments
    pretrained     the backbone before any training, every segment alone (LoRA runs only)

Both trainings see the same windows in the same order (one seeded generator).
Outputs in ``out``: ``lm_perplexity_vs_segments.png`` / ``.csv`` and ``lm_run.json``
(config, documents, train losses, timings); ``save`` keeps the trained weights
(memory and LoRA, safetensors) per variant.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError

log = logging.getLogger(__name__)

STEM = "lm_perplexity_vs_segments"


@dataclass
class LMConfig:
    """Everything ``run_lm`` needs (JSON-able; saved in ``lm_run.json``)."""

    train_data: str = ""  # books | text:PATH | pg19:PATH[?split=train] | hf:NAME[:column]
    val_data: str | None = None  # None = every fifth training document is held out
    backbone: str = "tiny-gpt2"  # a decoder: HF id/path, preset, or a named backbone
    memory_tokens: int = 2  # m (the paper's LM runs: 2)
    segment_size: int = 128  # S tokens per segment
    segments: int = 4  # N segments per window
    steps: int = 100  # optimizer steps per trained variant
    batch_size: int = 2
    lr: float = 1e-3
    warmup: int = 10
    lora_r: int = 8  # 0 = backbone frozen (only memory trains)
    lora_alpha: int = 16
    bptt_depth: int | None = None  # None = through all N segments
    val_windows: int = 16
    eval_batch_size: int = 4
    max_doc_tokens: int | None = 65536  # tokens read per document (None = all)
    train_minutes: float | None = None  # stop a variant's training early after this long
    seed: int = 0
    out: str = "reports/figures"
    save: str | None = None  # folder for the trained weights

    def validate(self) -> None:
        def positive(name: str) -> None:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise BenchInputError(f"--{name.replace('_', '-')} must be >= 1, got {value!r}")

        if not self.train_data:
            raise BenchInputError(
                "--train-data is required (books, text:PATH, pg19:PATH or hf:NAME)"
            )
        from generators.documents import check_document_spec

        for spec in (self.train_data, self.val_data):
            if spec is not None:
                check_document_spec(spec)
        for name in ("segments", "steps", "batch_size", "val_windows", "eval_batch_size"):
            positive(name)
        if not isinstance(self.segment_size, int) or self.segment_size < 2:
            raise BenchInputError(f"--segment-size must be >= 2, got {self.segment_size!r}")
        if self.memory_tokens < 1:
            raise BenchInputError("--memory-tokens must be >= 1 (m = 0 is the baseline, run too)")
        if self.lora_r < 0 or self.warmup < 0:
            raise BenchInputError("--lora-r and --warmup must be >= 0")
        if not self.lr > 0:
            raise BenchInputError(f"--lr must be > 0, got {self.lr!r}")
        if self.train_minutes is not None and not self.train_minutes > 0:
            raise BenchInputError(f"--train-minutes must be > 0, got {self.train_minutes!r}")
        if self.bptt_depth is not None and self.bptt_depth < 1:
            raise BenchInputError(f"--bptt-depth must be >= 1, got {self.bptt_depth!r}")
        if self.max_doc_tokens is not None and self.max_doc_tokens < self.window:
            raise BenchInputError(
                f"--max-doc-tokens {self.max_doc_tokens} is shorter than one window ({self.window})"
            )
        if not str(self.out).strip():
            raise BenchInputError("--out is empty: give a folder for the figure")

    @property
    def window(self) -> int:
        return self.segment_size * self.segments


@dataclass
class LMResult:
    table: Any  # pandas.DataFrame
    png: Path
    csv: Path
    json: Path


def _build(config: LMConfig, memory_tokens: int) -> Any:
    from rmt_bench.backbones import load_backbone
    from rmt_bench.lm.model import RecurrentLM

    backbone = load_backbone(config.backbone, causal_lm=True, seed=config.seed)
    return backbone, RecurrentLM(
        backbone,
        memory_tokens,
        lora_r=config.lora_r,
        lora_alpha=config.lora_alpha,
        seed=config.seed,
    )


def train_variant(model: Any, windows: Any, config: LMConfig, name: str) -> list[float]:
    """``config.steps`` AdamW steps on random windows (the same draws for every variant).

    Returns the training loss of every step taken (fewer than ``steps`` when
    ``config.train_minutes`` ran out).
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise BenchInputError(f"{name}: nothing to train (no memory and --lora-r 0)")
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    warmup = min(config.warmup, config.steps - 1)
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup, config.steps)
    draws = torch.Generator().manual_seed(config.seed)
    losses: list[float] = []
    model.train()
    from tqdm import tqdm

    began = time.perf_counter()
    for _ in tqdm(range(config.steps), desc=f"train {name}", leave=False):
        if config.train_minutes and time.perf_counter() - began > 60 * config.train_minutes:
            log.warning("%s: --train-minutes reached after %d steps", name, len(losses))
            break
        rows = torch.randint(len(windows), (config.batch_size,), generator=draws)
        nll, count = model.segment_nll(windows[rows], config.segment_size, config.bptt_depth)
        loss = nll.sum() / count.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if len(losses) % 10 == 0:
            log.info("%s step %d: loss %.4f", name, len(losses), losses[-1])
    model.eval()
    return losses


def score(model: Any, windows: Any, config: LMConfig, full_context: bool = False) -> Any:
    """(nll (N,), tokens (N,)) summed over ``windows``, without gradients."""
    import torch

    model.eval()
    total = count = None
    with torch.inference_mode():
        for start in range(0, len(windows), config.eval_batch_size):
            batch = windows[start : start + config.eval_batch_size]
            if full_context:
                nll, tokens = model.full_context_nll(batch, config.segment_size)
            else:
                nll, tokens = model.segment_nll(batch, config.segment_size)
            total = nll if total is None else total + nll
            count = tokens if count is None else count + tokens
    return total, count


def _rows(variant: str, nll: Any, tokens: Any) -> list[dict[str, Any]]:
    rows = []
    for k, (loss, n) in enumerate(zip(nll.tolist(), tokens.tolist(), strict=True)):
        rows.append(
            {
                "variant": variant,
                "segment": k + 1,
                "preceding_segments": k,
                "tokens": int(n),
                "nll": loss / n,
                "perplexity": math.exp(loss / n),
            }
        )
    return rows


def run_lm(config: LMConfig) -> LMResult:
    """Train the RMT and the no-memory baseline, score every variant, write PNG/CSV/JSON."""
    import pandas as pd
    import torch

    from generators.owned import check_owned, owned_path
    from reports.plot_lm import plot_lm_perplexity
    from reports.style import save_table
    from rmt_bench.lm.data import document_split

    config.validate()
    out = Path(config.out)
    png, csv, record = out / f"{STEM}.png", out / f"{STEM}.csv", out / "lm_run.json"
    for path in (png, csv, record):
        check_owned(path)  # before the slow work
    timings: dict[str, float] = {}
    began = time.perf_counter()

    backbone, rmt = _build(config, config.memory_tokens)
    if config.segment_size + 2 * config.memory_tokens > backbone.max_positions:
        raise BenchInputError(
            f"--segment-size {config.segment_size} + 2 x {config.memory_tokens} memory tokens "
            f"exceeds the backbone's {backbone.max_positions} positions"
        )
    train, val, documents = document_split(
        config.train_data,
        config.val_data,
        backbone.tokenizer,
        window=config.window,
        max_tokens=config.max_doc_tokens,
        val_windows=config.val_windows,
    )
    timings["data_s"] = time.perf_counter() - began

    rows: list[dict[str, Any]] = []
    losses: dict[str, list[float]] = {}
    weights: dict[str, dict[str, torch.Tensor]] = {}
    for name, memory in (("rmt", config.memory_tokens), ("no-memory", 0)):
        start = time.perf_counter()
        if name == "rmt":
            model, rmt = rmt, None  # the loop's reference is the only one: freed after use
        else:
            model = _build(config, 0)[1]
        trainable = any(p.requires_grad for p in model.parameters())
        if name == "no-memory" and trainable:
            rows += _rows("pretrained", *score(model, val, config))
        # --lora-r 0: the no-memory model has nothing to train, it *is* the pretrained one
        losses[name] = train_variant(model, train, config, name) if trainable else []
        timings[f"train_{name}_s"] = time.perf_counter() - start
        start = time.perf_counter()
        rows += _rows(name, *score(model, val, config))
        if name == "no-memory":
            rows += _rows("full-context", *score(model, val, config, full_context=True))
        timings[f"eval_{name}_s"] = time.perf_counter() - start
        weights[name] = model.trainable_state()
        log.info("%s: memory %d, trained in %.0f s", name, memory, timings[f"train_{name}_s"])
        del model
    table = pd.DataFrame(rows)
    timings["total_s"] = time.perf_counter() - began

    out.mkdir(parents=True, exist_ok=True)
    if config.save:
        from safetensors.torch import save_file

        save = Path(config.save)
        save.mkdir(parents=True, exist_ok=True)
        for name, state in weights.items():
            if not state:
                continue
            with owned_path(save / f"{name}.safetensors") as tmp:
                save_file(state, str(tmp), metadata={"format": "pt"})
    title = (
        f"{config.backbone}: perplexity by segment position, S = {config.segment_size}, "
        f"m = {config.memory_tokens}, {len(losses['rmt'])} steps x batch {config.batch_size}, "
        f"{len(val)} validation windows\n"
        + (
            f"LoRA r = {config.lora_r} in both trained variants"
            if config.lora_r
            else "backbone frozen: only the memory trains; no memory = the pretrained backbone"
        )
    )
    plot_lm_perplexity(table, png, title=title)
    save_table(table, csv)
    summary = {
        "config": asdict(config),
        "documents": documents,
        "train_windows": len(train),
        "validation_windows": len(val),
        "train_losses": losses,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    with owned_path(record) as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return LMResult(table=table, png=png, csv=csv, json=record)
