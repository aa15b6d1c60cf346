"""The training loop: curriculum stages, validation, best checkpoints, resume, accelerate.

    from rmt_bench.train import resolve_train_config, train
    cfg = resolve_train_config(overrides={"preset": "cpu-tiny", "task": "detect_memorize"})
    result = train(cfg, "runs/dm")                  # a TrainResult; DIR/ is the final model
    result = train(cfg, "runs/dm", resume=True)     # continue after Ctrl-C / kill

One optimizer step consumes a *global* batch of ``cfg.batch_size`` samples, split
over ``P`` processes (``accelerate launch``) and ``cfg.grad_accum`` micro-steps:
each process runs micro-batches of ``batch_size / (P * grad_accum)`` samples, and
gradients are averaged (DDP all-reduce on the last micro-step only). Stage step
``t`` always uses the stage's sample indices ``[t * batch_size, (t + 1) * batch_size)``,
so the data seen does not depend on ``P`` or on interruptions.

Each stage starts from the previous stage's best checkpoint with a fresh AdamW and
warmup schedule. Interrupts (SIGINT / SIGTERM) are honoured at the next step
boundary: the resume state is saved first. A SIGKILL loses the steps since the last
resume checkpoint (every ``checkpoint_every`` steps and at each stage's end).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError, first_line
from generators.locks import is_main_process, writer_lock
from generators.progress import progress_bars
from rmt_bench.backbones import unfused_cpu_attention_reason
from rmt_bench.config import config_hash, config_to_dict
from rmt_bench.train import checkpointing as ckpt
from rmt_bench.train.carried_memory import CarriedMemory
from rmt_bench.train.config import TrainConfig
from rmt_bench.train.curriculum import (
    CurriculumState,
    Stage,
    is_finished,
    plan_stages,
    should_end_stage,
)
from rmt_bench.train.data_stream import (
    DatasetSource,
    GeneratedSource,
    Prefetcher,
    SampleSource,
    read_dataset_rows,
)
from rmt_bench.train.logging_utils import TrainLog
from rmt_bench.train.models import model_kind
from rmt_bench.train.optim import build_optimizer, clip_gradients
from rmt_bench.train.preflight import check_stage_lengths, check_stage_segment_sizes
from rmt_bench.train.runtime import (
    StopFlag,
    make_accelerator,
    quiet_transformers,
    train_precision,
)
from rmt_bench.train.stage_values import value_at

log = logging.getLogger(__name__)


class TrainingInterrupted(KeyboardInterrupt):
    """Raised after an interrupt once the resume state is safely on disk."""


@dataclass
class TrainResult:
    """What a finished run reports."""

    out: Path
    stages: list[dict[str, Any]] = field(default_factory=list)  # one per stage, in order
    seconds: float = 0.0  # wall time of the whole run, all sessions together
    final_accuracy: float | None = None  # best validation accuracy of the last stage
    global_step: int = 0
    processes: int = 1  # data-parallel processes of the last session
    is_main_process: bool = True
    precision: str = "fp32"  # what --precision resolved to: fp32 or bf16 (autocast)


@dataclass
class _Batch:
    """One process's share of one optimizer step: ``grad_accum`` micro-batches."""

    # (input ids list, labels LongTensor, fact token spans per row or None) per micro-step
    micro: list[tuple[list[Any], Any, list[Any] | None]]
    tokens: int  # task tokens in this process's share
    index_start: int  # the step's global sample-stream range
    index_end: int


def _task_labels(task: str) -> tuple[str, ...]:
    from generators import task_labels

    return tuple(task_labels(task))


def _init_weights(model: Any, kind: Any, folder: str) -> None:
    """Copy the weights of checkpoint ``folder`` into ``model`` (``--init-from``)."""
    try:
        source = kind.load(folder)
        missing, unexpected = model.load_state_dict(source.state_dict(), strict=False)
    except RuntimeError as error:  # shapes differ
        raise BenchInputError(
            f"--init-from {folder}: its weights do not fit this model ({first_line(error)})"
        ) from error
    # A memory write gate (--memory-update gated) may be added to a model trained without
    # one: it starts fresh. Any other missing or extra weight means another model.
    from rmt_bench.rmt.memory_gate import STATE_PREFIX as GATE

    absent = sorted(name for name in missing if not name.startswith(GATE))
    if absent or unexpected:
        raise BenchInputError(
            f"--init-from {folder}: its weights do not fit this model "
            f"(missing {absent[:3]}, unexpected {sorted(unexpected)[:3]})"
        )
    log.info("stage 1 starts from the weights of %s", folder)
    if len(absent) < len(missing):
        log.info("the memory write gate starts fresh (%s has none)", folder)


def _seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_source(cfg: TrainConfig, tokenizer: str) -> SampleSource:
    """On-the-fly generation, or the rows of ``--data DIR``."""
    if cfg.data is None:
        return GeneratedSource(
            cfg.task or "",
            tokenizer=tokenizer,
            facts=cfg.facts,
            noise=cfg.noise,
            run_seed=cfg.seed,
            segment_mix=cfg.segment_mix,
            distractors=cfg.distractors,
            noise_distractors=cfg.noise_distractors,
            same_axis=cfg.same_axis,
        )
    return DatasetSource(
        read_dataset_rows(cfg.data, tokenizer),
        segment_size=cfg.segment_size,
        val_samples=cfg.val_samples,
        run_seed=cfg.seed,
        origin=cfg.data,
    )


class Trainer:
    """Runs a configured training to the end (or to an interrupt). See the module docstring."""

    def __init__(
        self,
        cfg: TrainConfig,
        out: str | Path,
        *,
        resume: bool = False,
        tensorboard: bool = False,
        progress: bool = True,
        on_step: Callable[[CurriculumState], None] | None = None,
        source: SampleSource | None = None,
    ) -> None:
        import torch

        if not str(out).strip():
            raise BenchInputError("--out is empty: give an output folder")
        cfg.validate()
        quiet_transformers()
        self.cfg = cfg
        self.out = Path(out)
        self.progress = progress
        self.on_step = on_step  # test hook, called after every optimizer step
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.precision = train_precision(cfg)  # fp32 | bf16, logged
        self.accelerator = make_accelerator(cfg, self.precision)
        acc = self.accelerator
        self.world = acc.num_processes
        if cfg.batch_size % (self.world * cfg.grad_accum):
            raise BenchInputError(
                f"--batch-size {cfg.batch_size} must be divisible by processes ({self.world}) "
                f"x --grad-accum ({cfg.grad_accum})"
            )
        self.micro_batch = cfg.batch_size // (self.world * cfg.grad_accum)
        ckpt.check_out(self.out, cfg, resume, self.precision, acc.device.type)
        if cfg.data is not None and source is None:  # cheap checks of --data before the load
            from generators.dataset import read_metadata, shard_files

            shard_files(cfg.data, read_metadata(cfg.data))

        _seed_everything(cfg.seed)
        self.kind = model_kind(cfg.model_kind)
        self.labels = tuple(getattr(source, "labels", None) or _task_labels(cfg.task or ""))
        model = self.kind.build(cfg, self.labels)
        if cfg.init_from and not resume:
            _init_weights(model, self.kind, cfg.init_from)
        slow_attention = unfused_cpu_attention_reason(model, acc.device)
        if slow_attention and acc.is_main_process:
            log.warning("%s", slow_attention)
        self.tokenizer_name = str(getattr(model, "tokenizer_name", "minilm"))
        self.source = source if source is not None else make_source(cfg, self.tokenizer_name)
        self.stages = plan_stages(
            cfg.stage_segments,
            cfg.stage_segment_sizes,
            cfg.stage_steps,
            cfg.stage_fewest_segments,
        )
        check_stage_lengths(model, self.stages, cfg.segment_size)  # before anything is written
        check_stage_segment_sizes(model, self.stages)
        self.state = CurriculumState()
        self._resume_dir = ckpt.existing_dir(self.out / ckpt.LAST) if resume else None
        if self._resume_dir is not None:
            self.state = CurriculumState.from_json(ckpt.read_json(self._resume_dir / ckpt.STATE))
            ckpt.load_model_weights(model, self._resume_dir)
            log.info(
                "resuming at global step %d (stage %d)",
                self.state.global_step,
                self.state.stage + 1,
            )
        # Everything is checked and loaded: only now is anything written to --out.
        acc.wait_for_everyone()  # every process checked before the main one writes
        if acc.is_main_process and not resume:
            ckpt.write_train_config(self.out, cfg, self.precision)
        elif acc.is_main_process:
            ckpt.record_resume_machine(self.out, self.precision)
        acc.wait_for_everyone()
        if cfg.compile:
            from rmt_bench.cell_compile import compile_memory_cell

            compile_memory_cell(model)
        self.model = acc.prepare(model)
        self.log = TrainLog(
            self.out / ckpt.TRAIN_LOG,
            enabled=acc.is_main_process,
            tensorboard_dir=self.out / "tensorboard" if tensorboard else None,
        )
        if acc.is_main_process:
            self.log.truncate_after(self.state.global_step)
        self.carried = CarriedMemory(cfg.carry_memory, cfg.seed, acc.process_index)
        self._val_cache: dict[int, list[Any]] = {}
        self._session_start = time.perf_counter()
        self._elapsed_before = self.state.elapsed

    # -- small helpers -------------------------------------------------------------

    @property
    def unwrapped(self) -> Any:
        return self.accelerator.unwrap_model(self.model)

    def _tensors(self, samples: list[Any]) -> tuple[list[Any], Any, int]:
        import torch

        from generators.pretrained import load_tokenizer
        from rmt_bench.data import sample_input_ids

        tokenizer = getattr(self.unwrapped, "tokenizer", None) or load_tokenizer(
            self.tokenizer_name
        )
        device = self.accelerator.device
        ids = [sample_input_ids(tokenizer, s).to(device) for s in samples]
        labels = torch.tensor([int(s["label"]) for s in samples], dtype=torch.long, device=device)
        return ids, labels, sum(int(x.numel()) for x in ids)

    def _fact_spans(self, samples: list[Any]) -> list[Any] | None:
        """Each row's fact token spans, when the ARMT's gate supervision needs them."""
        if not self.cfg.armt_gate_supervision:
            return None
        from generators.pretrained import load_tokenizer
        from rmt_bench.data import fact_token_spans

        tokenizer = getattr(self.unwrapped, "tokenizer", None) or load_tokenizer(
            self.tokenizer_name
        )
        return [fact_token_spans(tokenizer, s) for s in samples]

    def _batch(self, stage: Stage, step: int) -> _Batch:
        """This process's micro-batches of stage step ``step`` (see the module docstring)."""
        rank, b = self.accelerator.process_index, self.micro_batch
        # global stream indices of this step: [base, base + batch_size); micro-step m of
        # process r takes the slice starting at base + (m * world + r) * b
        base = step * self.cfg.batch_size
        micro, tokens = [], 0
        for m in range(self.cfg.grad_accum):
            start = base + (m * self.world + rank) * b
            samples = self.source.train_samples(stage, start, b)
            ids, labels, n = self._tensors(samples)
            micro.append((ids, labels, self._fact_spans(samples)))
            tokens += n
        return _Batch(micro, tokens, base, base + self.cfg.batch_size)

    def _reduce(self, values: list[float], op: str = "sum") -> list[float]:
        import torch

        if self.world == 1:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=self.accelerator.device)
        return self.accelerator.reduce(tensor, reduction=op).tolist()

    # -- validation and checkpoints -----------------------------------------------

    def validate(self, stage: Stage) -> tuple[float, float]:
        """Accuracy and mean loss on the stage's validation set (sharded over processes)."""
        import torch

        acc = self.accelerator
        if stage.index not in self._val_cache:
            self._val_cache[stage.index] = list(
                self.source.validation_samples(stage, self.cfg.val_samples)
            )
        mine = self._val_cache[stage.index][acc.process_index :: self.world]
        model = self.unwrapped
        was_training = model.training
        model.eval()
        correct = loss_sum = 0.0
        batch = max(1, self.cfg.batch_size // self.world)
        with torch.no_grad(), acc.autocast():
            for start in range(0, len(mine), batch):
                ids, labels, _ = self._tensors(mine[start : start + batch])
                output = model(input_ids=ids, labels=labels)
                correct += float((output.logits.argmax(-1) == labels).sum())
                loss_sum += float(output.loss) * len(ids)
        model.train(was_training)
        correct, loss_sum, count = self._reduce([correct, loss_sum, float(len(mine))])
        return correct / max(count, 1.0), loss_sum / max(count, 1.0)

    def _stage_extra(self, stage: Stage, accuracy: float) -> dict[str, Any]:
        return {
            "trained_segments": stage.segments,
            "curriculum": not self.cfg.no_curriculum,
            "task": self.cfg.task,
            "train_config_hash": config_hash(self.cfg),
            "train_config": config_to_dict(self.cfg),
            "stage": stage.index + 1,
            "stage_step": self.state.step_in_stage,
            "global_step": self.state.global_step,
            "val_accuracy": accuracy,
            "segment_size": stage.segment_size,
            "processes": self.world,
            "precision": self.precision,
            "data": self.source.describe(),
        }

    def save_stage_best(self, stage: Stage, accuracy: float) -> None:
        acc = self.accelerator
        if acc.is_main_process:
            target = self.out / stage.dirname
            tmp = ckpt.fresh_tmp_dir(target)
            model, extra = self.unwrapped, self._stage_extra(stage, accuracy)
            if isinstance(getattr(model, "extra", None), dict):
                model.extra = {**model.extra, **extra}  # save_pretrained writes it
                model.save_pretrained(tmp)
            else:
                model.save_pretrained(tmp)
                ckpt.set_checkpoint_extra(tmp, extra)
            ckpt.replace_dir(tmp, target)
        acc.wait_for_everyone()

    def _stage_best_accuracy(self, stage: Stage) -> float | None:
        folder = ckpt.existing_dir(self.out / stage.dirname)
        if folder is None:
            return None
        extra = ckpt.read_json(folder / "config.json").get("extra") or {}
        return extra.get("val_accuracy")

    def save_resume(self, optimizer: Any, scheduler: Any) -> None:
        """Model, optimizer, scheduler, every process's RNG, curriculum state -> DIR/last."""
        from rmt_bench.train.state_io import save_tree

        acc = self.accelerator
        target = self.out / ckpt.LAST
        tmp = ckpt.tmp_dir_name(target)
        if acc.is_main_process:
            tmp = ckpt.fresh_tmp_dir(target)
        acc.wait_for_everyone()
        ckpt.save_rng_state(tmp, acc.process_index)
        self.carried.save(tmp)
        if acc.is_main_process:
            ckpt.save_model_weights(self.unwrapped, tmp)
            if optimizer is not None:
                save_tree(optimizer.state_dict(), tmp, "optimizer")
                save_tree(scheduler.state_dict(), tmp, "scheduler")
            self.state.elapsed = self._elapsed_now()
            ckpt.write_json(tmp / ckpt.STATE, self.state.to_json())
        acc.wait_for_everyone()
        if acc.is_main_process:
            ckpt.replace_dir(tmp, target)
        acc.wait_for_everyone()

    def _elapsed_now(self) -> float:
        return self._elapsed_before + time.perf_counter() - self._session_start

    # -- the loop -------------------------------------------------------------------

    def _start_stage(self, stage: Stage) -> tuple[Any, Any]:
        """Load the stage's start weights (fresh start) or its resume state; build the optimizer."""
        from rmt_bench.train.state_io import load_tree

        resuming = self._resume_dir is not None and self.state.stage_started
        if self.cfg.changes_segment_size:  # --curriculum with NxS stages
            self.unwrapped.set_segment_size(stage.segment_size)
            log.info("stage %d: segments of %d tokens", stage.index + 1, stage.segment_size)
        if not resuming and stage.index > 0:
            previous = self.stages[stage.index - 1]
            folder = ckpt.existing_dir(self.out / previous.dirname)
            if folder is None:
                raise BenchInputError(f"stage {previous.index + 1} left no best checkpoint")
            best = self.kind.load(str(folder))
            self.unwrapped.load_state_dict(best.state_dict())
            log.info("stage %d starts from %s", stage.index + 1, folder)
        lr = value_at(self.cfg.lr, self.cfg.lr_from, stage.segments)
        if self.cfg.lr_from:
            log.info("stage %d trains at lr %g", stage.index + 1, lr)
        optimizer, scheduler = build_optimizer(self.unwrapped, self.cfg, stage.max_steps, lr=lr)
        if self._resume_dir is not None:
            ckpt.restore_rng_state(self._resume_dir, self.accelerator.process_index)
        self.carried.reset()  # carried states belong to the weights they were made with
        if resuming:
            assert self._resume_dir is not None
            self.carried.load(self._resume_dir)
            optimizer.load_state_dict(load_tree(self._resume_dir, "optimizer"))
            scheduler.load_state_dict(load_tree(self._resume_dir, "scheduler"))
            on_disk = self._stage_best_accuracy(stage)
            if on_disk is not None and on_disk > self.state.best_accuracy:
                self.state.best_accuracy = on_disk  # a best saved after the resume point
        else:
            self.state.stage_started = True
        self._resume_dir = None
        return optimizer, scheduler

    def _train_step(self, batch: _Batch, optimizer: Any, scheduler: Any) -> tuple[float, float]:
        """One optimizer step on this process's micro-batches; (mean loss, grad norm)."""
        acc, model = self.accelerator, self.model
        model.train()
        loss_total = 0.0
        for m, (ids, labels, spans) in enumerate(batch.micro):
            facts = {} if spans is None else {"fact_spans": spans}
            last = m == len(batch.micro) - 1
            sync = contextlib.nullcontext() if last else acc.no_sync(model)
            with sync:
                if self.carried.enabled:
                    start = self.carried.start_state(
                        self.unwrapped, m, len(ids), self.state.global_step
                    )
                    output = model(input_ids=ids, labels=labels, start_state=start, **facts)
                    self.carried.update(m, output.state)
                else:
                    output = model(input_ids=ids, labels=labels, **facts)
                loss = output.loss / len(batch.micro)
                acc.backward(loss)
            loss_total += float(loss.detach())
        grad_norm = clip_gradients(model.parameters(), self.cfg)
        if math.isfinite(grad_norm):
            optimizer.step()
        else:  # an inf/nan gradient (e.g. a bf16 overflow) would poison the weights: skip
            log.warning(
                "non-finite gradient norm at step %d: update skipped", self.state.global_step + 1
            )
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        return loss_total, grad_norm

    def _run_stage(self, stage: Stage, stop: StopFlag) -> None:
        cfg, acc, state = self.cfg, self.accelerator, self.state
        optimizer, scheduler = self._start_stage(stage)
        advance_at = cfg.stage_advance_at(stage.segments)  # None: a --steps-from stage
        if should_end_stage(state, stage, advance_at, cfg.patience):
            return
        batches = Prefetcher(
            lambda step: self._batch(stage, step),
            state.step_in_stage,
            stage.max_steps,
            cfg.prefetch,
        )
        bar = _progress_bar(stage, state, enabled=self.progress and acc.is_local_main_process)
        window = {"loss": 0.0, "tokens": 0.0, "seconds": 0.0, "steps": 0, "start": None}
        tick = time.perf_counter()
        try:
            for batch in batches:
                loss, grad_norm = self._train_step(batch, optimizer, scheduler)
                state.step_in_stage += 1
                state.global_step += 1
                now = time.perf_counter()
                window["loss"] += loss
                window["tokens"] += batch.tokens
                window["seconds"] += now - tick
                window["steps"] += 1
                window["start"] = batch.index_start if window["start"] is None else window["start"]
                tick = now
                end_of_budget = state.step_in_stage >= stage.max_steps
                if state.step_in_stage % cfg.log_every == 0 or end_of_budget:
                    self._log_train(stage, window, grad_norm, scheduler, batch.index_end, bar)
                    window = {"loss": 0.0, "tokens": 0.0, "seconds": 0.0, "steps": 0, "start": None}
                if state.step_in_stage % cfg.val_every == 0 or end_of_budget:
                    self._validate_and_keep(stage, bar)
                bar.update(1)
                stopping = self._stop_requested(stop)
                if stopping or state.global_step % cfg.checkpoint_every == 0:
                    self.save_resume(optimizer, scheduler)
                if stopping:
                    raise TrainingInterrupted(
                        f"interrupted at step {state.global_step}; continue with --resume"
                    )
                if self.on_step is not None:
                    self.on_step(state)
                if should_end_stage(state, stage, advance_at, cfg.patience):
                    break
                tick = time.perf_counter()
        finally:
            batches.close()
            bar.close()

    def _stop_requested(self, stop: StopFlag) -> bool:
        flag = float(stop.raised)
        if self.world > 1:
            flag = self._reduce([flag], "sum")[0]
        return flag > 0

    def _log_train(
        self,
        stage: Stage,
        window: dict[str, Any],
        grad_norm: float,
        scheduler: Any,
        index_end: int,
        bar: Any,
    ) -> None:
        loss, tokens = self._reduce([window["loss"], window["tokens"]])
        loss /= self.world * window["steps"]
        row = self.log.write(
            event="train",
            step=self.state.global_step,
            stage=stage.index + 1,
            segments=stage.segments,
            loss=round(loss, 6),
            lr=scheduler.get_last_lr()[0],
            grad_norm=round(grad_norm, 6) if math.isfinite(grad_norm) else None,
            tokens_per_s=round(tokens / max(window["seconds"], 1e-9), 1),
            index_start=window["start"],
            index_end=index_end,
        )
        bar.set_postfix(loss=f"{row['loss']:.3f}", refresh=False)

    def _validate_and_keep(self, stage: Stage, bar: Any) -> None:
        accuracy, val_loss = self.validate(stage)
        state = self.state
        improved = accuracy > state.best_accuracy
        if improved:
            state.best_accuracy, state.best_step = accuracy, state.step_in_stage
            state.stale_validations = 0
            self.save_stage_best(stage, accuracy)
        else:
            state.stale_validations += 1
        self.log.write(
            event="validation",
            step=state.global_step,
            stage=stage.index + 1,
            segments=stage.segments,
            val_accuracy=round(accuracy, 6),
            val_loss=round(val_loss, 6),
        )
        bar.set_postfix(val=f"{accuracy:.3f}", best=f"{state.best_accuracy:.3f}", refresh=False)
        log.info(
            "stage %d step %d: val accuracy %.4f (best %.4f)",
            stage.index + 1,
            state.step_in_stage,
            accuracy,
            state.best_accuracy,
        )

    def run(self) -> TrainResult:
        """Train every remaining stage, publish the final checkpoint, return the summary."""
        if self.accelerator.is_main_process and not is_finished(self.state, self.stages):
            from rmt_bench.train.summary import log_run_summary

            log_run_summary(self.cfg, self.unwrapped, self.stages, self.precision)
        with StopFlag() as stop:
            while not is_finished(self.state, self.stages):
                stage = self.stages[self.state.stage]
                stage_start = self._elapsed_now()
                self._run_stage(stage, stop)
                self.state.history.append(
                    {
                        "stage": stage.index + 1,
                        "segments": stage.segments,
                        "segment_size": stage.segment_size,
                        "steps": self.state.step_in_stage,
                        "best_accuracy": self.state.best_accuracy,
                        "best_step": self.state.best_step,
                        "elapsed": self._elapsed_now(),
                        "stage_seconds": self._elapsed_now() - stage_start,
                    }
                )
                self.state.start_stage(self.state.stage + 1)
                self.save_resume(None, None)
        return self._finish()

    def _finish(self) -> TrainResult:
        acc = self.accelerator
        last = self.stages[-1]
        best = ckpt.existing_dir(self.out / last.dirname)
        if best is None:
            raise BenchInputError(f"the last stage left no checkpoint in {self.out}")
        if acc.is_main_process:
            ckpt.publish_final(best, self.out)
        acc.wait_for_everyone()
        self.log.close()
        history = self.state.history
        return TrainResult(
            out=self.out,
            stages=history,
            seconds=float(history[-1]["elapsed"]) if history else 0.0,
            final_accuracy=history[-1]["best_accuracy"] if history else None,
            global_step=self.state.global_step,
            processes=self.world,
            is_main_process=acc.is_main_process,
            precision=self.precision,
        )


def _progress_bar(stage: Stage, state: CurriculumState, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=stage.max_steps,
        initial=state.step_in_stage,
        desc=f"stage {stage.index + 1} ({stage.segments} seg)",
        disable=not enabled,
        dynamic_ncols=True,
        leave=True,
    )


def train(
    cfg: TrainConfig,
    out: str | Path,
    *,
    resume: bool = False,
    tensorboard: bool = False,
    progress: bool = True,
    on_step: Callable[[CurriculumState], None] | None = None,
    source: SampleSource | None = None,
) -> TrainResult:
    """Train per ``cfg`` into ``out`` (see the module docstring); return the summary.

    ``source`` replaces the samples of ``cfg`` (any ``SampleSource``; it may carry
    ``labels``); ``on_step`` is called after every optimizer step (tests, monitoring).
    """
    if not str(out).strip():
        raise BenchInputError("--out is empty: give an output folder")
    # one training per folder: a second one fails at once (rank 0 of a launch holds it)
    main = is_main_process()
    guard = writer_lock(out) if main else contextlib.nullcontext()
    with guard, progress_bars(progress):  # progress=False: the libraries' bars too
        created = not Path(out).exists()
        try:
            trainer = Trainer(
                cfg,
                out,
                resume=resume,
                tensorboard=tensorboard,
                progress=progress,
                on_step=on_step,
                source=source,
            )
            return trainer.run()
        except BaseException:
            if main and not resume and Path(out).is_dir():
                ckpt.remove_failed_start(Path(out), created)  # a failed start leaves nothing
            raise
