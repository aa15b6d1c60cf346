"""``rmt-bench figures``: the paper's pipeline end to end (train, evaluate, report), resumable.

    rmt-bench figures --preset cpu --work runs/figures --budget-minutes 120
    rmt-bench figures --preset paper --work /data/figures --report-out reports/
    rmt-bench figures --preset cpu --tasks memorize --max-length 4k --set steps_per_stage=50
    rmt-bench figures --preset cpu --work runs/figures --dry-run     # the plan, and what is done
    rmt-bench figures --preset cpu --work runs/pg19 --model-kinds rmt,armt \
        --noise "pg19:../shared/data/pg19-train?split=train" \
        --eval-noise "pg19:../shared/data/pg19-train?split=test"  # natural text, RMT and ARMT

Re-running the same command resumes: finished steps are skipped, interrupted ones
continue. ``--budget-minutes`` bounds the evaluation time (training always finishes).
``--model-kinds rmt,armt`` trains and evaluates the ARMT beside the RMT (runs ``armt-TASK``);
``--noise`` / ``--eval-noise`` pick the noise of the training / test samples (natural text:
``pg19:DIR?split=train`` to train on half of the books, ``?split=test`` to test on the rest).
See ``rmt_bench.pipeline`` for the steps and the work folder's layout.
"""

from __future__ import annotations

import json

import click

from generators.default_noise import TEST_NOISE, TRAIN_NOISE
from generators.errors import BenchInputError


def _parse_set(items: tuple[str, ...]) -> dict[str, object]:
    """``KEY=VALUE`` pairs (VALUE read as JSON when it parses, else as a string)."""
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BenchInputError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            out[key.strip().replace("-", "_")] = json.loads(value)
        except ValueError:
            out[key.strip().replace("-", "_")] = value
    return out


@click.command("figures")
@click.option(
    "--preset",
    type=click.Choice(["cpu", "paper"]),
    default="cpu",
    show_default=True,
    help="cpu: cpu-tiny training, 512..2M tokens; paper: the paper's recipe, 4k..2M tokens.",
)
@click.option(
    "--work",
    default="runs/figures",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Work folder: runs/, results/, reports/, pipeline_state.json.",
)
@click.option(
    "--report-out",
    default=None,
    type=click.Path(file_okay=False),
    help="Where the figures go (default WORK/reports).",
)
@click.option(
    "--tasks", default=",".join(("memorize", "detect_memorize", "reasoning")), show_default=True
)
@click.option(
    "--budget-minutes", type=float, default=None, help="Evaluation time budget (preset default)."
)
@click.option(
    "--num-samples", type=int, default=None, help="Test samples per length (preset default)."
)
@click.option(
    "--long-num-samples",
    type=int,
    default=None,
    help="Samples per length at the longest lengths (cpu: 16 at 2M tokens, 64 before; "
    "paper: as --num-samples).",
)
@click.option(
    "--eval-batch-size",
    type=int,
    default=None,
    help="Test samples per forward of the RMT and ARMT evaluations (full attention: one); "
    "not part of the rows' identity, so a resumed run may change it. "
    "[default: cpu 8, paper 1]",
)
@click.option(
    "--max-length",
    default=None,
    help="Evaluate the final models up to this many tokens, e.g. 64k. "
    "[default: all of the preset's lengths]",
)
@click.option(
    "--model-kinds",
    default="rmt",
    show_default=True,
    help="Memory kinds trained on every task and evaluated side by side, comma-separated: "
    "rmt, armt (runs KIND-TASK; the ablation and full-attention baseline stay RMT only).",
)
@click.option(
    "--noise",
    default=None,
    help="Noise source of the training samples, as in `generate`: books | builtin | text:PATH "
    "| pg19:PATH | quality:PATH | hf:NAME[:column]; books and a text:/pg19: folder take "
    f"?split=train|test (alternate documents). [default: {TRAIN_NOISE}]",
)
@click.option(
    "--eval-noise",
    default=None,
    help="Noise source of every evaluation's test samples, as --noise (e.g. the ?split=test "
    f"half of the training books). [default: as --noise; neither given: {TEST_NOISE}]",
)
@click.option(
    "--precision",
    type=click.Choice(["fp32", "bf16", "auto"]),
    default="auto",
    show_default=True,
    help="Precision of every training and evaluation: auto is bf16 where the CPU or GPU "
    "computes it natively, else fp32. A work folder keeps the precision it started in.",
)
@click.option("--no-ablation", is_flag=True, help="Skip the no-curriculum model.")
@click.option("--no-full-attention", is_flag=True, help="Skip the full-attention baseline.")
@click.option(
    "--beyond/--no-beyond",
    default=None,
    help="Evaluate the ARMT models at 10M tokens (n = 8; paper: 20,480 segments of 499) after "
    "every main length (about 4 hours on 2 cores). [default: on, off with --max-length]",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Training option on top of the preset (e.g. steps_per_stage=50); repeatable. "
    "[default: none]",
)
@click.option("--no-progress", is_flag=True, help="No progress bars.")
@click.option("--dry-run", is_flag=True, help="List the steps (and which are complete) and stop.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace figures/CSVs in the report folder not written by rmt-bench.",
)
def command(
    preset: str,
    work: str,
    report_out: str | None,
    tasks: str,
    budget_minutes: float | None,
    num_samples: int | None,
    long_num_samples: int | None,
    eval_batch_size: int | None,
    max_length: str | None,
    model_kinds: str,
    noise: str | None,
    eval_noise: str | None,
    precision: str,
    no_ablation: bool,
    no_full_attention: bool,
    beyond: bool | None,
    sets: tuple[str, ...],
    no_progress: bool,
    dry_run: bool,
    overwrite: bool,
) -> None:
    """Train each task, evaluate at growing lengths within a budget, draw the report."""
    from rmt_bench.pipeline import PRESETS, Pipeline, PipelineConfig, run_pipeline

    if not work.strip() or (report_out is not None and not report_out.strip()):
        raise BenchInputError("--work and --report-out must not be empty")
    lengths = None
    if max_length is not None:
        from generators.lengths import parse_length

        try:
            most = parse_length(max_length)
        except BenchInputError as error:
            raise BenchInputError(f"--max-length: {error}") from None
        lengths = tuple(n for n in PRESETS[preset]["lengths"] if n <= most)
        if not lengths:
            raise BenchInputError(
                f"--max-length {max_length} is below the preset's shortest length "
                f"({min(PRESETS[preset]['lengths']):,} tokens)"
            )
    config = PipelineConfig(
        preset=preset,
        work=work,
        report_out=report_out,
        tasks=tuple(t.strip() for t in tasks.split(",") if t.strip()),
        budget_minutes=budget_minutes,
        num_samples=num_samples,
        long_num_samples=long_num_samples,
        eval_batch_size=eval_batch_size,
        lengths=lengths,
        ablation=not no_ablation,
        full_attention=not no_full_attention,
        beyond=beyond,
        train_overrides=_parse_set(sets),
        progress=not no_progress,
        model_kinds=tuple(k.strip() for k in model_kinds.split(",") if k.strip()),
        noise=noise,
        eval_noise=eval_noise,
        precision=precision,
    )

    # checks kinds and noise sources and resolves every training option now: a bad --set,
    # --model-kinds or --noise fails here, before any work
    pipeline = Pipeline(config)
    pipeline.check_training()
    if dry_run:
        steps = pipeline.steps()
        for number, step in enumerate(steps, start=1):
            state = "complete" if step.phase != "report" and step.done() else "to run"
            click.echo(f"{number:>4} {state:<9} {step.name}")
        click.echo(
            f"models {', '.join(pipeline.config.model_kinds)}; training noise "
            f"{pipeline.training_noise()}; evaluation noise {pipeline.config.eval_noise or TEST_NOISE}"
        )
        click.echo(
            f"{len(steps)} steps; evaluation budget {pipeline.config.budget_minutes:g} minutes"
        )
        return

    def show(step, summary) -> None:  # noqa: ANN001
        done = sum(1 for s in summary.steps if s.status != "pending")
        click.echo(f"[{done}/{len(summary.steps)}] {step.status:<11} {step.name}", err=True)

    from generators.owned import allow_overwrite

    with allow_overwrite(overwrite):
        summary = run_pipeline(config, on_step=show)
    click.echo(summary.text())
    click.echo(f"figures and CSVs: {report_out or f'{work}/reports'}; results: {work}/results")
