"""``rmt-bench train``: train an RMT (or another trainable kind) with the paper's curriculum.

    rmt-bench train --preset cpu-tiny --task detect_memorize --out runs/dm
    rmt-bench train --config train.yaml --lr 2e-5 --out runs/x          # CLI beats the file
    rmt-bench train --out runs/dm --resume                                # after Ctrl-C / kill
    accelerate launch -m rmt_bench.cli train --preset paper --task memorize --out runs/m

Options left unset fall back to the config file, then the preset, then the
defaults of ``rmt_bench.train.config.TrainConfig``. Heavy libraries are imported
only when the command runs, so ``rmt-bench --help`` stays instant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from generators.default_noise import TRAIN_NOISE
from rmt_bench.commands._help import preset_help, show_defaults
from rmt_bench.precision import PRECISIONS
from rmt_bench.train.config import TrainConfig
from rmt_bench.train.models import model_kinds
from rmt_bench.train.presets import PRESETS

_PRESETS = tuple(PRESETS)


def _options(func: Any) -> Any:
    opts = [
        click.option(
            "--task",
            help="memorize, detect_memorize, reasoning, ... "
            "[required: here, in --config or in a resumed run]",
        ),
        click.option(
            "--preset",
            type=click.Choice(_PRESETS),
            help=preset_help() + " [default: none]",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="YAML/JSON file of options (CLI flags override it). [default: none]",
        ),
        click.option(
            "--model-kind", type=click.Choice(model_kinds()), help="The trainable model kind."
        ),
        click.option("--backbone", help="HF id/path, minilm, smollm2, tiny-bert, small-bert."),
        click.option("--segment-size", type=int, help="Task tokens per segment."),
        click.option("--memory-tokens", type=int, help="Memory size m."),
        click.option(
            "--armt-key-size",
            type=int,
            help="ARMT: key size d_key of the associative memory [default: 32].",
        ),
        click.option(
            "--armt-nu",
            type=int,
            help="ARMT: DPFP order nu; d_phi = 2 x key size x nu per layer [default: 3].",
        ),
        click.option(
            "--armt-write-penalty",
            type=float,
            help="ARMT: add this x the mean write gate (over the BPTT window) to the loss, "
            "so that the memory learns to write little except facts [default: 0].",
        ),
        click.option(
            "--armt-gate-supervision",
            type=float,
            help="ARMT: add this x the class-balanced BCE between each write gate (over the "
            "BPTT window) and whether its segment holds a fact token (the samples' "
            "fact_positions; training only) [default: 0].",
        ),
        click.option(
            "--armt-fresh-memory-tokens",
            is_flag=True,
            default=None,
            help="ARMT: start every segment's memory tokens from the learned memory instead "
            "of the previous segment's outputs, so that only the associative matrices carry "
            "state (as in the ARMT authors' code) [default: carried, as in the RMT].",
        ),
        click.option(
            "--bptt-depth",
            type=int,
            help="Backpropagate through the last k segments. [default: all segments]",
        ),
        click.option("--loss-on", type=click.Choice(["last", "all"])),
        click.option(
            "--recompute-segments/--no-recompute-segments",
            default=None,
            help="Recompute each segment in the backward pass (less memory). "
            "[default: no-recompute-segments]",
        ),
        click.option("--lora-r", type=int, help="LoRA rank (0: full fine-tuning)."),
        click.option(
            "--dropout",
            type=float,
            help="Override the backbone's dropout. [default: the backbone's own]",
        ),
        click.option(
            "--attention-dropout",
            type=float,
            help="Attention-probability dropout (default: --dropout). 0 keeps CPU attention fused.",
        ),
        click.option(
            "--extend-positions",
            type=int,
            help="full-attention only: tile the position table to this many positions, to "
            "train on stages longer than the backbone's (saved with the checkpoint). "
            "[default: the backbone's own]",
        ),
        click.option(
            "--curriculum",
            help="Segments per stage, e.g. 1,2,3,4; NxS: N segments of S tokens; A-B: "
            "samples of A..B segments, validated at B (1,2,4,2x480,2-8x480 moves to "
            "480-token segments after 4 of --segment-size).",
        ),
        click.option(
            "--no-curriculum",
            is_flag=True,
            default=None,
            help="Ablation: one stage, the curriculum's last (its longest), with all its steps.",
        ),
        click.option(
            "--segment-mix",
            type=click.Choice(["exact", "uniform"]),
            help="Training samples of stage N: exactly N segments (paper) or 1..N uniformly.",
        ),
        click.option(
            "--memory-update",
            type=click.Choice(["replace", "gated"]),
            help="How the memory changes after a segment: replaced by the backbone's new "
            "memory states (paper) or gated, keeping part of the old memory per feature "
            "(RMT only). [default: replace]",
        ),
        click.option(
            "--memory-gate-bias",
            type=float,
            help="--memory-update gated: the fresh gate's bias; sigmoid(bias) of the new "
            "memory is written at the start (negative: mostly keep the old memory). "
            "[default: 2]",
        ),
        click.option(
            "--carry-memory",
            type=float,
            help="Probability that a training row starts from the memory it ended the "
            "previous step with (detached), so training sees memory after many segments; "
            "0: every sample starts from the learned memory (paper). [default: 0]",
        ),
        click.option(
            "--distractors",
            type=int,
            help="Training samples of memorize / detect_memorize hold 0..N extra movement "
            "facts (earlier moves of the asked person, moves of others) that leave the "
            "answer unchanged; validation keeps the paper's one fact. [default: 0]",
        ),
        click.option(
            "--noise-distractors",
            type=int,
            help="Training samples of memorize / detect_memorize hold 0..N fact-like "
            "sentences of the noise (someone going somewhere, a room named) besides the "
            "fact. [default: 0]",
        ),
        click.option(
            "--same-axis",
            type=float,
            help="Reasoning: the share (0..1) of training samples whose two relations lie "
            "on one axis, the outer rooms on opposite sides of the shared room, where only "
            "the direction and the order of the rooms tell them apart; validation keeps "
            "the natural draw. [default: the natural one in three]",
        ),
        click.option(
            "--init-from",
            type=click.Path(exists=True, file_okay=False),
            help="Start stage 1 from this checkpoint's weights (same model shape). "
            "[default: fresh weights]",
        ),
        click.option("--steps-per-stage", type=int),
        click.option(
            "--advance-at",
            type=float,
            help="Validation accuracy that ends a stage. [default: off, every step runs]",
        ),
        click.option(
            "--patience",
            type=int,
            help="Validations without improvement that end a stage. [default: off]",
        ),
        click.option("--val-every", type=int, help="Steps between validations."),
        click.option("--val-samples", type=int),
        click.option("--batch-size", type=int, help="Global batch per optimizer step."),
        click.option("--grad-accum", type=int, help="Micro-steps per optimizer step."),
        click.option("--lr", type=float),
        click.option(
            "--lr-from",
            help="Another lr for the long stages: SEGMENTS:LR pairs, e.g. 16:1e-4 trains "
            "every stage of 16 or more segments (of any size: a 2x480 stage has 2) at 1e-4. "
            "[default: --lr for every stage]",
        ),
        click.option(
            "--steps-from",
            help="A fixed step budget for the long stages: SEGMENTS:STEPS pairs, e.g. 32:30 "
            "runs every stage of 32 or more segments for 30 steps (--advance-at does not "
            "end them early). [default: --steps-per-stage for every stage]",
        ),
        click.option("--warmup", type=int, help="Linear warmup steps (per stage)."),
        click.option("--weight-decay", type=float),
        click.option("--grad-clip", type=float, help="Clip threshold (0: no clipping)."),
        click.option("--grad-clip-mode", type=click.Choice(["value", "norm"])),
        click.option(
            "--precision",
            type=click.Choice(PRECISIONS),
            help="bf16: autocast over the backbone (memory state and head stay fp32); "
            "auto: bf16 on CUDA with bf16 and on AMX-BF16/AVX512-BF16 CPUs, else fp32.",
        ),
        click.option(
            "--mixed-precision", type=click.Choice(["auto", "no", "bf16"]), hidden=True
        ),  # deprecated: read as --precision (no -> fp32)
        click.option(
            "--compile/--no-compile",
            default=None,
            help="torch.compile the memory cell (off by default; pays off on long runs).",
        ),
        click.option("--seed", type=int),
        click.option(
            "--data",
            type=click.Path(file_okay=False),
            help="Train on a folder written by rmt-bench generate. "
            "[default: samples generated on the fly]",
        ),
        click.option("--facts", help="Fact source for generated samples (default builtin)."),
        click.option(
            "--noise",
            help=f"Noise source of the generated samples, as in `generate` [default: {TRAIN_NOISE}].",
        ),
        click.option("--prefetch", type=int, help="Batches built ahead in a thread."),
        click.option("--checkpoint-every", type=int, help="Steps between resume checkpoints."),
        click.option("--log-every", type=int),
        click.option(
            "--threads", type=int, help="torch.set_num_threads. [default: torch's choice]"
        ),
    ]
    for option in reversed(opts):
        func = option(func)
    return func


@click.command(name="train")
@_options
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Output folder: DIR/stage-K/ per stage, DIR/ is the final model.",
)
@click.option("--resume", is_flag=True, help="Continue the run in --out.")
@click.option("--tensorboard", is_flag=True, help="Also log to DIR/tensorboard.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def command(
    config_file: str | None,
    out: str,
    resume: bool,
    tensorboard: bool,
    no_progress: bool,
    **flags: Any,
) -> None:
    """Train with curriculum stages, validation and resumable checkpoints."""
    import logging

    from rmt_bench.train.checkpointing import TRAIN_CONFIG, read_json
    from rmt_bench.train.config import resolve_train_config
    from rmt_bench.train.loop import train

    # the start-up summary (backbone, parameters, stages, lr, batch, tokens) shows without -v
    logging.getLogger("rmt_bench.train.summary").setLevel(logging.INFO)
    logging.getLogger("rmt_bench.precision").setLevel(logging.INFO)  # what --precision chose
    if flags.get("mixed_precision") is not None:
        logging.getLogger(__name__).warning("--mixed-precision is deprecated: use --precision")
    overrides = {key: value for key, value in flags.items() if value is not None}
    saved = Path(out) / TRAIN_CONFIG
    if resume and not saved.is_file():
        from generators.errors import BenchInputError

        raise BenchInputError(f"--resume: {out} holds no training run ({TRAIN_CONFIG})")
    if resume and config_file is None:
        # resume with the run's own config; flags given again must agree (checked by hash)
        overrides = {**read_json(saved)["config"], **overrides}
    cfg = resolve_train_config(config_file, overrides)
    result = train(cfg, out, resume=resume, tensorboard=tensorboard, progress=not no_progress)
    if not result.is_main_process:
        return
    summary = {
        "out": str(result.out),
        "processes": result.processes,
        "global_step": result.global_step,
        "seconds": round(result.seconds, 1),
        "final_val_accuracy": result.final_accuracy,
        "precision": result.precision,
        "stages": [
            {key: stage[key] for key in ("stage", "segments", "steps", "best_accuracy")}
            for stage in result.stages
        ],
    }
    click.echo(json.dumps(summary))


show_defaults(
    command, TrainConfig, note="Defaults shown are used unless a --preset or --config sets them."
)
