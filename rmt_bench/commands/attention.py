"""``rmt-bench attention``: the memory write/read attention maps of an RMT checkpoint.

    rmt-bench attention --model ckpt/dm --task detect_memorize --length 512 --out reports/figures
    rmt-bench attention --model ckpt/dm --task memorize --length 1k --index 3 --layers 0,-1 \\
        --noise pg19:../shared/data/pg19

Builds one test sample, runs it with eager attention and writes
``memory_attention_<task>.png`` and ``.csv`` into ``--out``: which inputs the memory
write positions attend to in the segment holding the fact, and which inputs (memory
slots included) the answer and question positions attend to in the last segment.
Python: ``rmt_bench.attention_figure.draw_memory_attention``.
"""

from __future__ import annotations

import click

from generators.default_noise import TEST_NOISE


@click.command("attention")
@click.option(
    "--model",
    "model_dir",
    required=True,
    type=click.Path(),
    help="RMT checkpoint folder.",
)
@click.option("--task", required=True, help="memorize | detect_memorize | reasoning | babi:qaN.")
@click.option(
    "--length",
    required=True,
    help="Sample length in tokens; k = 1024 (512, 1k, 4k).",
)
@click.option(
    "--out",
    default="reports/figures",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the PNG and CSV.",
)
@click.option("--noise", default=TEST_NOISE, show_default=True, help="Noise source (as generate).")
@click.option("--facts", default="builtin", show_default=True, help="Fact source (as generate).")
@click.option("--seed", default=0, show_default=True, type=int, help="Test seed of the sample.")
@click.option(
    "--index",
    type=int,
    default=None,
    help="Sample index [default: the first whose fact lies before the last segment].",
)
@click.option(
    "--layers",
    default=None,
    help="Comma-separated backbone layers, -1 = last [default: all, or 4 spread out "
    "when there are more than 6].",
)
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option(
    "--overwrite", is_flag=True, help="Replace files in --out that rmt-bench did not write."
)
def command(
    model_dir: str,
    task: str,
    length: str,
    out: str,
    noise: str,
    facts: str,
    seed: int,
    index: int | None,
    layers: str | None,
    threads: int | None,
    overwrite: bool,
) -> None:
    """Draw the memory write/read attention maps of one sample (PNG + CSV)."""
    from generators.errors import BenchInputError
    from generators.owned import allow_overwrite

    if not out.strip():
        raise BenchInputError("--out is empty: give a folder for the figure")
    if index is not None and index < 0:
        raise BenchInputError(f"--index must be >= 0, got {index}")
    if threads is not None:
        if threads < 1:
            raise BenchInputError(f"--threads must be >= 1, got {threads}")
        import torch

        torch.set_num_threads(threads)
    from rmt_bench.attention_figure import draw_memory_attention

    with allow_overwrite(overwrite):
        result = draw_memory_attention(
            model_dir,
            task=task,
            length=length,
            out=out,
            noise=noise,
            facts=facts,
            seed=seed,
            index=index,
            layers=layers,
        )
    verdict = "correct" if result.correct else "wrong"
    click.echo(
        f"sample {result.sample_id}: fact in segment {result.fact_segment} of "
        f"{result.segments}, predicted {result.prediction!r} ({verdict})"
    )
    click.echo(f"wrote {result.png}")
    click.echo(f"wrote {result.csv}")
