"""``rmt-bench eval``: evaluate a model at many lengths; rows to JSONL, summary to CSV.

    rmt-bench eval --model ckpt/ --task detect_memorize --lengths 4k,32k,256k,1M,2M \\
        --num-samples 64 --out results/
    rmt-bench eval --model hf:Qwen/Qwen2.5-0.5B-Instruct --chat-template --task memorize ...
    accelerate launch --num_processes 4 -m rmt_bench.cli eval --model ckpt/ ...

Re-running the same command resumes: samples already in the rows are skipped.
"""

from __future__ import annotations

import click

from generators.default_noise import TEST_NOISE
from rmt_bench.precision import PRECISIONS

MODEL_HELP = (
    "Checkpoint directory (its config.json 'kind': rmt, armt or full-attention), "
    "hf:NAME_OR_PATH (a prompted causal LM), or truncated:DIR (one window only)."
)


@click.command(name="eval")
@click.option("--model", "model", help=MODEL_HELP + " [required: here or in --config]")
@click.option(
    "--task",
    help="memorize | detect_memorize | reasoning | babi:qaN. [required: here or in --config]",
)
@click.option(
    "--lengths",
    help="Comma-separated lengths in tokens; k = 1024, M = 1024**2 (4k = 4096, 1M = 1048576).",
)
@click.option("--num-samples", type=int, help="Samples per length (default 64).")
@click.option("--out", help="Results folder (default results/).")
@click.option("--name", help="Name of the result file (default: the model folder's name).")
@click.option(
    "--data",
    type=click.Path(),
    help="A dataset folder from `rmt-bench generate`, or another suite's data: BABILong "
    "(input, question, target; HF folder or .parquet/.jsonl) or RULER JSONL (input, outputs, "
    "length). Its answers must be the model's labels. [default: samples generated on the fly]",
)
@click.option("--batch-size", type=int, help="Samples per predict call (default 1).")
@click.option("--seed", type=int, help="Test seed of generated samples (default 0).")
@click.option("--facts", help="Fact source as in `generate` (default builtin).")
@click.option(
    "--noise", help=f"Noise source as in `generate` [default: {TEST_NOISE}; --data: the folder's]."
)
@click.option("--tokenizer", help="Tokenizer of generated samples (default: the model's).")
@click.option(
    "--depth",
    help="Fact depth in [0, 1] or a range lo:hi, for generated samples. "
    "[default: the task's own placement]",
)
@click.option("--device", help="cpu, cuda, cuda:1, ... (default auto).")
@click.option("--threads", type=int, help="torch CPU threads (default: torch's choice).")
@click.option(
    "--precision",
    type=click.Choice(PRECISIONS),
    help="bf16: autocast over the backbone (memory state and head stay fp32); auto: bf16 on "
    "CUDA with bf16 and on AMX-BF16/AVX512-BF16 CPUs, else fp32.",
)
@click.option(
    "--compile/--no-compile",
    default=None,
    help="torch.compile the memory cell (off by default; pays off on long samples).",
)
@click.option(
    "--extend-positions",
    type=int,
    help="full-attention only: tile the position table to this many positions. "
    "[default: the checkpoint's own]",
)
@click.option(
    "--max-memory-mb",
    type=float,
    help="full-attention: skip as 'oom' above this. [default: the free memory]",
)
@click.option("--window", type=click.Choice(["last", "first"]), help="truncated:DIR: which window.")
@click.option(
    "--chat-template/--no-chat-template",
    default=None,
    help="hf: models: use the chat template. [default: no-chat-template]",
)
@click.option("--max-new-tokens", type=int, help="hf: models: answer budget (default 8).")
@click.option("--no-progress", is_flag=True, default=None, help="No progress bars.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(),
    help="YAML/JSON file of these options. [default: none]",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace a summary.csv in --out that rmt-bench did not write."
)
def command(
    config_file: str | None, no_progress: bool | None, overwrite: bool, **flags: object
) -> None:
    """Evaluate a model on a task at many lengths (resumable, one JSONL row per sample)."""
    import logging
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger("rmt_bench.precision").setLevel(logging.INFO)  # what --precision chose
    from transformers.utils import logging as hf_logging

    from generators.owned import allow_overwrite
    from rmt_bench.config import resolve_config
    from rmt_bench.evaluate import EvalConfig, evaluate
    from rmt_bench.evaluate.listing import format_summary

    hf_logging.disable_progress_bar()
    overrides = dict(flags)
    if no_progress:
        overrides["progress"] = False
    config = resolve_config(EvalConfig, config_file, overrides)
    with allow_overwrite(overwrite):
        table = evaluate(config)
    if table:
        click.echo(format_summary(table))


def _show_defaults() -> None:
    from rmt_bench.commands._help import show_defaults
    from rmt_bench.evaluate.config import EvalConfig

    show_defaults(command, EvalConfig)


_show_defaults()
