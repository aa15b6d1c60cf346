"""The paper's figures end to end: train each task, evaluate at growing lengths, draw the report.

    from rmt_bench.pipeline import PipelineConfig, run_pipeline
    summary = run_pipeline(PipelineConfig(preset="cpu", work="runs/figures", budget_minutes=120))
    print(summary.text())

    rmt-bench figures --preset cpu --work runs/figures --budget-minutes 120
    rmt-bench figures --preset cpu --model-kinds rmt,armt \
        --noise "pg19:data/pg19?split=train" --eval-noise "pg19:data/pg19?split=test"

Work folder layout (everything resumable, nothing ever recomputed once complete)::

    WORK/runs/<model>/        training runs (rmt_bench.train; DIR/ is the final model,
                              DIR/stage-K/ the best checkpoint after K curriculum stages);
                              <model> is KIND-TASK (rmt-memorize, armt-memorize, ...)
    WORK/results/             result rows (rmt_bench.evaluate), one JSONL per model and task
    WORK/reports/             figures + CSVs (reports.paper), or --report-out
    WORK/pipeline_state.json  finished steps and their wall time
    WORK/progress.txt         the progress summary, rewritten after every step

Training and evaluation run at ``precision`` (``--precision``, default ``auto``, which
resolves per machine); a work folder resumed where it gives another precision than its
rows and training runs record stops before any work (``rmt_bench.work_precision``).

Steps, in order of priority (the evaluation budget cuts from the end of the list):

1. train: each memory kind of ``model_kinds`` (``rmt``, and ``armt`` when asked for) on
   each task with the preset's recipe (curriculum) plus ``model_kind=KIND``, as
   ``KIND-TASK``; then the ablations, RMT only: one task without curriculum (one stage on K
   segments, as many optimizer steps as the RMT curriculum run took to finish its K-segment
   stage) and the full-attention baseline on one task.
2. eval, short lengths: every task's final model of each kind at the preset's lengths up
   to ``short_up_to`` tokens (cpu: 512 .. 4k), all tasks and kinds at one length before
   the next. Lengths are in tokens, so tasks whose recipes use other segment sizes are
   tested on the same lengths.
3. eval, generalization grid: the curriculum stages' checkpoints of each kind (cpu: those
   trained on 1, 2, 4, 8 segments and the last, which is the final model) at the grid's
   segment counts x the task's segment size (cpu: 16 samples each; kinds alternate cell
   by cell), the no-curriculum model and the full-attention baseline at the same
   lengths; then the full-attention
   model with its position table tiled, for time and peak memory past its 512 positions
   (cpu: 4 samples, up to 8k tokens).
4. eval, long lengths: the remaining lengths up to 2M tokens, all tasks and kinds at one
   length before the next (a budget cut stops RMT and ARMT at the same length), while the
   evaluation budget lasts (cpu: 64 samples per length up to 1M tokens and 16 at 2M, the
   sample counts issue 10 asks of the reference run).
5. eval, beyond: the preset's ``beyond`` length past the main ones, for the kinds it names
   (cpu: the ARMT models at 10M tokens, n = 8, issue 16), when the preset's lengths are used
   whole (``beyond`` unset) or ``beyond=True``; ``--max-length`` and explicit ``lengths``
   leave it out unless asked for.
6. report: ``reports.paper.build_report`` over WORK/results and WORK/runs.

Noise: ``noise`` is the noise source of the training samples (the training option
``noise``; unset: ``books?split=train``, ``generators.default_noise``), ``eval_noise``
that of every evaluation step (unset: ``noise``; both unset: ``books?split=test``), so a
run trains on some books and tests on others (also ``pg19:DIR?split=train`` /
``?split=test``). Both are checked before any work.

Samples are generated on the fly by the training and evaluation code (each sample is
a pure function of task, seed, index and length), so there is no separate generate
step: the test samples of every model at a length are the same samples.

A step is skipped when its output is complete: a training run whose final model exists
(``config.json`` and weights in its folder), an evaluation whose rows file holds
``num_samples`` rows at that length. An interrupted step is resumed by the train/eval
code itself; an evaluation the data cannot serve (bad input, e.g. a length too short
for a task's facts) is reported as ``error`` and the rest goes on. Training is never
cut by the budget; evaluation steps are skipped once their estimated time (seconds per
token measured at the longest length so far for the same model kind, scaled with length
for full attention) would exceed what is left of ``budget_minutes``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

from generators.atomic import atomic_write_text
from generators.errors import BenchInputError
from rmt_bench.precision import check_precision
from rmt_bench.work_precision import check_work_precision

log = logging.getLogger(__name__)

TASKS = ("memorize", "detect_memorize", "reasoning")
MODEL_KINDS = ("rmt", "armt")  # memory kinds trained on every task (--model-kinds)

# What each --preset runs. ``lengths`` (the final models' test lengths, short_up_to and
# long_from) are in tokens, the same for every task whatever its recipe's segment size; the
# generalization grid and the tiled full-attention lengths are segment counts x the segment
# size of the task's recipe.
PRESETS: dict[str, dict[str, Any]] = {
    "cpu": {
        "train_preset": "cpu-tiny",
        "lengths": tuple(512 * 2**k for k in range(13)),  # 512 .. 2M tokens
        "short_up_to": 4096,  # tokens: these lengths before the grid
        "grid_segments": (1, 2, 4, 8, 16, 32),
        "grid_train_segments": (1, 2, 4, 8),  # + the last stage; stage checkpoints in the grid
        "grid_num_samples": 32,  # issue 10: n >= 32 per grid cell
        "num_samples": 64,
        "long_num_samples": 16,  # from long_from tokens on
        "long_from": 2**21,
        "budget_minutes": 120.0,
        # samples per forward of the memory models (full attention: 1): against batch 1, the
        # same answers, 1.7x the tokens/s for 64-token segments and 1.02-1.09x for 480-token
        # ones (2 cores, reports/README.md)
        "eval_batch_size": 8,
        "ablation": {"task": "memorize", "segments": 4},
        "full_attention": {"task": "memorize", "curriculum": "1,2,4,7"},
        # The full-attention model again with its position table tiled, for time and memory
        # at lengths past its 512 positions (8k tokens = 128 segments of 64).
        "tiled": {"segments": (8, 16, 32, 64, 128), "num_samples": 4, "max_memory_mb": 8192},
        # Past the main lengths, last: issue 16's ARMT evaluation at 10M tokens (n >= 8). About
        # 4 hours on 2 cores for the three ARMT models; the RMT's (MiniLM) would take 6.
        "beyond": {"length": 10 * 2**20, "num_samples": 8, "model_kinds": ("armt",)},
    },
    "paper": {
        "train_preset": "paper",
        "lengths": tuple(499 * 2**k for k in range(3, 13)),  # 8 .. 4096 segments of 499: 4k .. 2M
        "short_up_to": 64 * 499,
        "grid_segments": (1, 2, 4, 8, 16, 32, 64),
        "grid_train_segments": (1, 2, 3, 4, 5, 6, 7),
        "grid_num_samples": 256,
        "num_samples": 256,
        "long_num_samples": 256,
        "long_from": 4096 * 499,
        "budget_minutes": 24 * 60.0,
        "eval_batch_size": 1,
        "ablation": {"task": "memorize", "segments": 7},
        "full_attention": {"task": "memorize", "curriculum": "1"},
        "tiled": {"segments": (8, 16, 32, 64), "num_samples": 64, "max_memory_mb": None},
        "beyond": {"length": 20480 * 499, "num_samples": 8, "model_kinds": ("armt",)},  # ~10M
    },
}


@dataclass
class PipelineConfig:
    """What ``rmt-bench figures`` runs; unset fields come from ``PRESETS[preset]``."""

    preset: str = "cpu"
    work: str = "runs/figures"
    report_out: str | None = None  # default WORK/reports
    tasks: tuple[str, ...] = TASKS
    budget_minutes: float | None = None
    num_samples: int | None = None
    long_num_samples: int | None = None
    long_from: int | None = None  # tokens
    lengths: tuple[int, ...] | None = None  # tokens
    short_up_to: int | None = None  # tokens
    grid_segments: tuple[int, ...] | None = None
    grid_train_segments: tuple[int, ...] | None = None
    grid_num_samples: int | None = None
    eval_batch_size: int | None = None  # the RMT's and ARMT's evaluations (full attention: 1)
    ablation: bool = True
    full_attention: bool = True
    beyond: bool | None = None  # the preset's ``beyond`` step; None: when ``lengths`` is unset
    train_overrides: dict[str, Any] = field(default_factory=dict)  # on top of the train preset
    progress: bool = True
    model_kinds: tuple[str, ...] = ("rmt",)  # of MODEL_KINDS; each trained on every task
    noise: str | None = None  # training noise source (None: the train preset's)
    eval_noise: str | None = None  # evaluation noise source (None: as ``noise``)
    precision: str = "auto"  # of every training and evaluation (rmt_bench.precision)

    def resolved(self) -> PipelineConfig:
        """A copy with every preset-dependent field filled in."""
        if self.preset not in PRESETS:
            raise BenchInputError(
                f"unknown --preset {self.preset!r}; choose from {', '.join(PRESETS)}"
            )
        base = PRESETS[self.preset]
        values = {
            name: base[name] if getattr(self, name) is None else getattr(self, name)
            for name in (
                "budget_minutes",
                "num_samples",
                "long_num_samples",
                "long_from",
                "lengths",
                "short_up_to",
                "grid_segments",
                "grid_train_segments",
                "grid_num_samples",
                "eval_batch_size",
            )
        }
        unknown = [task for task in self.tasks if task not in TASKS]
        if unknown:
            raise BenchInputError(f"unknown task(s) {unknown}; choose from {', '.join(TASKS)}")
        if values["num_samples"] < 1 or values["budget_minutes"] < 0:
            raise BenchInputError("--num-samples must be >= 1 and --budget-minutes >= 0")
        if values["eval_batch_size"] < 1:
            raise BenchInputError(
                f"--eval-batch-size must be >= 1, got {values['eval_batch_size']}"
            )
        self._check_kinds()
        self._check_noise()
        self._check_precision()
        values["beyond"] = self.lengths is None if self.beyond is None else self.beyond
        values["eval_noise"] = self.noise if self.eval_noise is None else self.eval_noise
        return dataclasses.replace(self, **values)

    def _check_kinds(self) -> None:
        kinds = self.model_kinds
        unknown = [kind for kind in kinds if kind not in MODEL_KINDS]
        if unknown or not kinds or len(set(kinds)) != len(kinds):
            raise BenchInputError(
                f"bad --model-kinds {','.join(kinds)!r}: one or more of {', '.join(MODEL_KINDS)}, "
                "each once"
            )
        if "model_kind" in self.train_overrides:
            raise BenchInputError("use --model-kinds, not --set model_kind=...")

    def _check_precision(self) -> None:
        check_precision(self.precision)
        if "precision" in self.train_overrides or "mixed_precision" in self.train_overrides:
            raise BenchInputError(
                "use --precision (training and evaluation), not --set precision=..."
            )

    def _check_noise(self) -> None:
        """Each given noise source parses and its files exist (one BenchInputError line)."""
        from generators.noise_sources import source_key

        if self.noise is not None and "noise" in self.train_overrides:
            raise BenchInputError("give the training noise once: --noise or --set noise=...")
        for flag, spec in (("--noise", self.noise), ("--eval-noise", self.eval_noise)):
            if spec is None:
                continue
            try:
                source_key(spec)  # parses the spec, finds its files (and ?split= halves)
            except BenchInputError as error:
                raise BenchInputError(f"{flag}: {error}") from None


@dataclass
class Step:
    """One unit of work: ``done()`` says whether its output is complete, ``run()`` makes it."""

    name: str
    phase: str  # train | eval | report
    done: Callable[[], bool]
    run: Callable[[], None]
    estimate: Callable[[], float | None] = lambda: None  # seconds, for eval steps
    status: str = "pending"  # done | skipped (complete) | over budget | error (bad input)
    seconds: float = 0.0
    note: str = ""  # the error of an eval step that could not run


@dataclass
class PipelineSummary:
    """How each step went, for the progress summary."""

    steps: list[Step]
    eval_seconds: float
    budget_seconds: float
    total_seconds: float

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for step in self.steps:
            out[step.status] = out.get(step.status, 0) + 1
        return out

    def text(self) -> str:
        lines = [f"{'step':<58} {'status':<12} {'minutes':>8}"]
        for step in self.steps:
            lines.append(f"{step.name:<58} {step.status:<12} {step.seconds / 60:>8.1f}")
            if step.note:
                lines.append(f"    {step.note}")
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts().items()))
        lines.append(
            f"{counts}; evaluation {self.eval_seconds / 60:.1f} of {self.budget_seconds / 60:.0f} budget "
            f"minutes; this session {self.total_seconds / 60:.1f} minutes"
        )
        return "\n".join(lines)


def _count_rows(path: Path, length: int) -> int:
    """Complete rows at ``length`` in a rows file (a torn last line does not count)."""
    if not path.is_file():
        return 0
    count = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n") or not line.strip():
                continue
            try:
                if int(json.loads(line).get("length", -1)) == length:
                    count += 1
            except (ValueError, AttributeError):
                continue
    return count


def _seconds_per_token(results: Path, kind: str) -> tuple[float, int] | None:
    """Measured evaluation seconds per input token of one kind, and the length it was measured at.

    Taken at the longest length measured so far: shorter samples carry a fixed per-sample
    overhead that would overstate the cost of the next, longer length.
    """
    totals: dict[int, list[float]] = {}  # length -> [seconds, tokens]
    for path in results.glob("*.jsonl"):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    continue
                row = json.loads(line)
                if row.get("kind") == kind and not row.get("skipped") and row.get("seconds"):
                    entry = totals.setdefault(int(row["length"]), [0.0, 0.0])
                    entry[0] += float(row["seconds"])
                    entry[1] += float(row["n_tokens"])
    if not totals:
        return None
    longest = max(totals)
    seconds, tokens = totals[longest]
    return (seconds / tokens, longest) if tokens else None


class Pipeline:
    """Builds the step list of a resolved config and runs it (see the module docstring)."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config.resolved()
        self.work = Path(self.config.work)
        self.runs = self.work / "runs"
        self.results = self.work / "results"
        self.report_out = Path(self.config.report_out or self.work / "reports")
        self.state_path = self.work / "pipeline_state.json"
        self.state: dict[str, Any] = self._read_state()
        self.preset = PRESETS[self.config.preset]

    # ------------------------------------------------------------------ state
    def _read_state(self) -> dict[str, Any]:
        if not self.state_path.is_file():
            return {"steps": {}}
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except ValueError:
            raise BenchInputError(
                f"{self.state_path} is corrupt; move it away to start over"
            ) from None

    def _save_state(self) -> None:
        atomic_write_text(self.state_path, json.dumps(self.state, indent=2, sort_keys=True) + "\n")

    # ------------------------------------------------------------------ train
    def _train_config(self, task: str, extra: dict[str, Any]) -> Any:
        from rmt_bench.train import resolve_train_config

        overrides = {
            "preset": self.preset["train_preset"],
            "task": task,
            **self.config.train_overrides,
        }
        if self.config.noise is not None:
            overrides["noise"] = self.config.noise
        if self.config.precision != "auto":  # auto: the preset's own, as runs before the flag
            overrides["precision"] = self.config.precision
        return resolve_train_config(None, {**overrides, **extra})

    @staticmethod
    def _trained(folder: Path, n_stages: int) -> bool:
        """The run finished: every entry of its last stage's checkpoint was copied up into it.

        Training ends by copying ``stage-N/`` into the run folder entry by entry (config.json,
        weights, backbone/, tokenizer/); a run killed halfway through that lacks some of them.
        """
        last = folder / f"stage-{n_stages}"
        if not last.is_dir() or not (folder / "config.json").is_file():
            return False
        return all((folder / entry.name).exists() for entry in last.iterdir())

    def _train_step(
        self,
        name: str,
        task: str,
        extra: dict[str, Any],
        late: Callable[[], dict[str, Any]] | None = None,
    ) -> Step:
        """Train ``name``; ``late()`` adds options known only when the step runs."""
        folder = self.runs / name

        def run() -> None:
            from rmt_bench.train import train

            cfg = self._train_config(task, {**extra, **(late() if late else {})})
            resume = (folder / "train_config.json").is_file()
            train(cfg, folder, resume=resume, progress=self.config.progress)

        def done() -> bool:
            n_stages = len(self._train_config(task, extra).stage_segments)
            return self._trained(folder, n_stages)

        return Step(f"train {name}", "train", done, run)

    def _matched_steps(self, task: str, stages: list[int]) -> dict[str, Any]:
        """Steps per stage giving the ablation the optimizer steps the curriculum run used.

        The no-curriculum model trains one stage of ``len(stages) * steps_per_stage`` steps;
        this matches the global step the curriculum run of ``task`` had reached at the end of
        its stage ``len(stages)`` (read from its train_log.jsonl), so both saw as many steps.
        Without that log, the preset's own budget is used.
        """
        path = self.runs / f"rmt-{task}" / "train_log.jsonl"
        if not path.is_file():
            return {}
        steps = [
            int(record["step"])
            for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())
            if record.get("step") is not None and int(record.get("stage") or 0) <= len(stages)
        ]
        if not steps:
            return {}
        # steps_from off: its caps would cut the matched budget
        return {"steps_per_stage": max(1, math.ceil(max(steps) / len(stages))), "steps_from": ()}

    def ablation_stages(self, task: str, segments: int) -> list[int | str]:
        """The curriculum stages of ``task``'s recipe up to ``segments`` segments of its final
        segment size (at least the first): the no-curriculum model trains their last alone,
        with all of their steps."""
        recipe = self._train_config(task, {})
        limit = (recipe.final_segment_size, segments)  # sizes only grow: tuples order stages
        chosen = [
            entry
            for entry, (count, size) in zip(recipe.curriculum, recipe.stage_plan, strict=True)
            if (size, count) <= limit
        ]
        return chosen or [recipe.curriculum[0]]

    def segment_size(self, task: str, extra: dict[str, Any] | None = None) -> int:
        """Tokens per segment of ``task``'s final model (its recipe's last stage, with ``extra``
        options, e.g. a model kind)."""
        return int(self._train_config(task, extra or {}).final_segment_size)

    def grid_lengths(self, segment_size: int) -> list[int]:
        """The generalization grid's lengths for a recipe: its segment counts x segment size."""
        return [s * segment_size for s in self.config.grid_segments]

    def check_training(self) -> None:
        """Resolve every kind's training options on every task: a bad one fails before any work."""
        for kind in self.config.model_kinds:
            for task in self.config.tasks:
                self._train_config(task, {"model_kind": kind})

    def training_noise(self) -> str:
        """The noise source the training samples come from (after presets and --set)."""
        return str(self._train_config(self.config.tasks[0], {}).noise)

    # ------------------------------------------------------------------- eval
    def _eval_step(
        self,
        name: str,
        model_dir: Path,
        task: str,
        length: int,
        kind: str,
        n: int | None = None,
        **options: Any,
    ) -> Step:
        """Evaluate ``model_dir`` on ``n`` samples of ``task`` at ``length`` (EvalConfig ``options``)."""
        rows_path = self.results / f"{name}.{task}.jsonl"
        n = n or self.config.num_samples

        if self.config.eval_noise is not None:
            options = {"noise": self.config.eval_noise, **options}
        options = {"precision": self.config.precision, **options}
        if kind in MODEL_KINDS:  # full attention's memory grows with the batch: one at a time
            options = {"batch_size": self.config.eval_batch_size, **options}

        def run() -> None:
            from rmt_bench.evaluate import EvalConfig, evaluate

            evaluate(
                EvalConfig(
                    model=str(model_dir),
                    task=task,
                    lengths=(length,),
                    num_samples=n,
                    out=str(self.results),
                    name=name,
                    progress=self.config.progress,
                    **options,
                )
            )

        def estimate() -> float | None:
            measured = _seconds_per_token(self.results, kind)
            if measured is None:
                return None
            per_token, at_length = measured
            if kind == "full-attention":  # attention grows as length^2: per token, as length
                per_token *= max(1.0, length / at_length)
            return per_token * length * (n - _count_rows(rows_path, length))

        label = f"eval {name} {task} @ {length:,} tokens"
        return Step(label, "eval", lambda: _count_rows(rows_path, length) >= n, run, estimate)

    # ------------------------------------------------------------------ steps
    def steps(self) -> list[Step]:
        cfg = self.config
        lengths = sorted(cfg.lengths)
        short = [n for n in lengths if n <= cfg.short_up_to]
        long = [n for n in lengths if n > cfg.short_up_to]
        ablation = self.preset["ablation"] if cfg.ablation else None
        full = self.preset["full_attention"] if cfg.full_attention else None

        kinds = cfg.model_kinds
        steps = [
            self._train_step(f"{kind}-{task}", task, {"model_kind": kind})
            for kind in kinds
            for task in cfg.tasks
        ]
        if ablation and ablation["task"] in cfg.tasks:
            # The ablation trains on the curriculum's stages up to `segments` (one stage on the
            # largest, with all of their step budget), so it pairs with that stage's checkpoint.
            stages = self.ablation_stages(ablation["task"], ablation["segments"])
            extra = {"no_curriculum": True, "curriculum": ",".join(map(str, stages))}
            task = ablation["task"]
            late = lambda: self._matched_steps(task, stages)  # noqa: E731 - after rmt-{task} trained
            steps.append(self._train_step(f"rmt-{task}-nocurriculum", task, extra, late))
        if full and full["task"] in cfg.tasks:
            extra = self._full_attention_options(full)
            steps.append(self._train_step(f"full-attention-{full['task']}", full["task"], extra))

        for length in short:
            steps += self._final_steps(length, kinds)
        steps += self._grid_steps(ablation, full, lengths)
        if full and full["task"] in cfg.tasks:
            steps += self._tiled_steps(full)
        for length in long:
            # Fewer samples at the longest lengths on CPU (the intervals in the figure show it).
            long_n = min(cfg.long_num_samples, cfg.num_samples)
            n = long_n if length >= cfg.long_from else None
            steps += self._final_steps(length, kinds, n)
        if cfg.beyond:
            steps += self._beyond_steps(max(lengths))
        steps.append(Step("report", "report", lambda: False, self._report))
        return steps

    def _beyond_steps(self, longest: int) -> list[Step]:
        """The preset's ``beyond`` length for the kinds it names, when past the main lengths."""
        beyond = self.preset["beyond"]
        if beyond["length"] <= longest:
            return []
        kinds = [k for k in self.config.model_kinds if k in beyond["model_kinds"]]
        n = min(beyond["num_samples"], self.config.num_samples)
        return self._final_steps(beyond["length"], kinds, n)

    def _final_steps(self, length: int, kinds: Sequence[str], n: int | None = None) -> list[Step]:
        """Every task's final model of each of ``kinds`` at ``length``, task by task."""
        return [
            self._eval_step(f"{k}-{t}", self.runs / f"{k}-{t}", t, length, k, n)
            for t in self.config.tasks
            for k in kinds
        ]

    def _grid_steps(
        self, ablation: dict | None, full: dict | None, main_lengths: list[int]
    ) -> list[Step]:
        cfg = self.config
        steps = []
        grid_n = min(cfg.grid_num_samples, cfg.num_samples)
        for task in cfg.tasks:
            # kinds interleaved (RMT stage 1 @ L, ARMT stage 1 @ L, ...): same curriculum,
            # so a budget cut leaves both with the same cells
            per_kind = [
                self._stage_steps(kind, task, main_lengths, grid_n) for kind in cfg.model_kinds
            ]
            steps += [s for group in zip_longest(*per_kind) for s in group if s is not None]
        if ablation and ablation["task"] in cfg.tasks:
            name = f"rmt-{ablation['task']}-nocurriculum"
            steps += [
                self._eval_step(name, self.runs / name, ablation["task"], n, "rmt", grid_n)
                for n in self.grid_lengths(self.segment_size(ablation["task"]))
            ]
        if full and full["task"] in cfg.tasks:
            name = f"full-attention-{full['task']}"
            size = self.segment_size(full["task"], self._full_attention_options(full))
            grid = self.grid_lengths(size)
            steps += [
                self._eval_step(name, self.runs / name, full["task"], n, "full-attention", grid_n)
                for n in grid
            ]
        return steps

    @staticmethod
    def _full_attention_options(full: dict[str, Any]) -> dict[str, Any]:
        """The training options of the full-attention baseline on top of its task's recipe."""
        return {"model_kind": "full-attention", "curriculum": full["curriculum"]}

    def _stage_steps(self, kind: str, task: str, main_lengths: list[int], n: int) -> list[Step]:
        """The chosen stage checkpoints of run ``KIND-TASK`` at the grid's lengths and at
        each one's own training length."""
        run = f"{kind}-{task}"
        recipe = self._train_config(task, {"model_kind": kind})
        size = recipe.final_segment_size
        stages, grid = recipe.stage_plan, self.grid_lengths(size)
        steps = []
        for index in range(1, len(stages) + 1):
            # The last stage's checkpoint *is* the final model (KIND-TASK): evaluate that,
            # so the headline model has every length and no sample is answered twice. A
            # stage counts in the grid when it trained on segments of the final model's size.
            last = index == len(stages)
            segments, stage_size = stages[index - 1]
            if not last and (segments not in self.config.grid_train_segments or stage_size != size):
                continue
            name = run if last else f"{run}-stage{index}"
            folder = self.runs / run / ("" if last else f"stage-{index}")
            # and at its own training length (the grid's diagonal: 3 or 6 segments is no
            # grid column); every stage kept here trained on segments of ``size``
            for length in sorted({*grid, segments * size}):
                if last and length in main_lengths:
                    continue  # already a short/long-length step of the final model
                steps.append(self._eval_step(name, folder, task, length, kind, n))
        return steps

    def _tiled_steps(self, full: dict[str, Any]) -> list[Step]:
        """The full-attention model with tiled positions, for time and memory past its limit."""
        task = full["task"]
        tiled = self.preset["tiled"]
        size = self.segment_size(task, self._full_attention_options(full))
        lengths = [s * size for s in tiled["segments"]]
        model_dir = self.runs / f"full-attention-{task}"
        options = {"extend_positions": max(lengths) + 16, "max_memory_mb": tiled["max_memory_mb"]}
        n = min(tiled["num_samples"], self.config.num_samples)
        name = f"full-attention-{task}-tiled"
        return [
            self._eval_step(name, model_dir, task, n_tokens, "full-attention", n, **options)
            for n_tokens in lengths
        ]

    def _report(self) -> None:
        from reports.paper import build_report

        report = build_report(self.results, self.report_out, runs=self.runs)
        for line in report.lines():
            log.info("report: %s", line)

    # -------------------------------------------------------------------- run
    def run(
        self, on_step: Callable[[Step, PipelineSummary], None] | None = None
    ) -> PipelineSummary:
        if not self.config.progress:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # the weight-loading bars of every eval step
        steps = self.steps()
        if any(step.phase != "report" and not step.done() for step in steps):
            check_work_precision(self.work, self.config.precision)  # before anything is written
        budget = 60.0 * float(self.config.budget_minutes)
        eval_spent = float(self.state.get("eval_seconds", 0.0))
        start = time.perf_counter()
        for number, step in enumerate(steps, start=1):
            if step.phase != "report" and step.done():
                step.status = "skipped"
                step.seconds = float(self.state["steps"].get(step.name, {}).get("seconds", 0.0))
            elif step.phase == "eval" and not self._within_budget(step, budget - eval_spent):
                step.status = "over budget"
            else:
                log.info("[%d/%d] %s", number, len(steps), step.name)
                began = time.perf_counter()
                try:
                    step.run()
                    step.status = "done"
                except BenchInputError as error:
                    if step.phase != "eval":
                        raise
                    # e.g. a length too short for a task's facts: the rest can still run
                    log.warning("%s: %s", step.name, error)
                    step.status = "error"
                    step.note = str(error)
                step.seconds = time.perf_counter() - began
                if step.phase == "eval":
                    eval_spent += step.seconds
                    self.state["eval_seconds"] = eval_spent
                if step.status == "done":
                    self.state["steps"][step.name] = {"status": "done", "seconds": step.seconds}
                self._save_state()
            summary = PipelineSummary(steps, eval_spent, budget, time.perf_counter() - start)
            atomic_write_text(self.work / "progress.txt", summary.text() + "\n")
            if on_step is not None:
                on_step(step, summary)
        return PipelineSummary(steps, eval_spent, budget, time.perf_counter() - start)

    @staticmethod
    def _within_budget(step: Step, left: float) -> bool:
        if left <= 0:
            return False
        estimate = step.estimate()
        return estimate is None or estimate <= left


def run_pipeline(
    config: PipelineConfig, on_step: Callable[[Step, PipelineSummary], None] | None = None
) -> PipelineSummary:
    """Run (or resume) the whole pipeline; return the per-step summary."""
    return Pipeline(config).run(on_step)
