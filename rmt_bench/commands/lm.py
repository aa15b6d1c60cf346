"""``rmt-bench lm``: the paper's language-modelling figure, perplexity vs preceding segments.

    rmt-bench lm --backbone tiny-gpt2 --train-data "text:notes/" --steps 20 --out figs/
    rmt-bench lm --backbone smollm2 --train-data "pg19:../shared/data/pg19-train?split=train" \\
        --val-data "pg19:../shared/data/pg19-train?split=test" --segment-size 128 \\
        --segments 4 --steps 60 --threads 2 --out reports/figures

Trains a decoder with m memory tokens (LoRA) on windows of N segments, and the same
recipe without memory; scores the RMT, the no-memory model, that model over the full
window, and the backbone before training, on held-out documents; writes
``lm_perplexity_vs_segments.png`` / ``.csv`` and ``lm_run.json`` into ``--out``.
Python: ``rmt_bench.lm.run_lm``.
"""

from __future__ import annotations

import click

from rmt_bench.lm.run import LMConfig

D = LMConfig()


@click.command("lm")
@click.option(
    "--train-data",
    required=True,
    help="books[?split=train] | text:PATH | pg19:PATH[?split=train] | hf:NAME.",
)
@click.option(
    "--val-data",
    default=None,
    help="Validation documents (other books, e.g. ?split=test) [default: every fifth "
    "--train-data document, held out].",
)
@click.option("--backbone", default=D.backbone, show_default=True, help="A decoder backbone.")
@click.option("--memory-tokens", default=D.memory_tokens, show_default=True, type=int)
@click.option("--segment-size", default=D.segment_size, show_default=True, type=int)
@click.option("--segments", default=D.segments, show_default=True, type=int, help="N per window.")
@click.option("--steps", default=D.steps, show_default=True, type=int, help="Per variant.")
@click.option("--batch-size", default=D.batch_size, show_default=True, type=int)
@click.option("--lr", default=D.lr, show_default=True, type=float)
@click.option("--warmup", default=D.warmup, show_default=True, type=int)
@click.option("--lora-r", default=D.lora_r, show_default=True, type=int, help="0 = frozen.")
@click.option("--bptt-depth", default=None, type=int, help="[default: all N segments]")
@click.option("--val-windows", default=D.val_windows, show_default=True, type=int)
@click.option("--eval-batch-size", default=D.eval_batch_size, show_default=True, type=int)
@click.option("--max-doc-tokens", default=D.max_doc_tokens, show_default=True, type=int)
@click.option(
    "--train-minutes",
    default=None,
    type=float,
    help="Stop each variant's training after this many minutes [default: no limit].",
)
@click.option("--seed", default=D.seed, show_default=True, type=int)
@click.option("--out", default=D.out, show_default=True, type=click.Path(file_okay=False))
@click.option("--save", default=None, type=click.Path(file_okay=False), help="Trained weights.")
@click.option("--threads", default=None, type=int, help="torch CPU threads.")
@click.option(
    "--overwrite", is_flag=True, help="Replace files in --out that rmt-bench did not write."
)
def command(threads: int | None, overwrite: bool, **options: object) -> None:
    """Train RMT and no-memory decoders; draw perplexity by segment position (PNG + CSV)."""
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from generators.errors import BenchInputError
    from generators.owned import allow_overwrite
    from rmt_bench.lm.run import run_lm

    config = LMConfig(**options)  # type: ignore[arg-type]
    config.validate()
    if threads is not None:
        if threads < 1:
            raise BenchInputError(f"--threads must be >= 1, got {threads}")
        import torch

        torch.set_num_threads(threads)
    with allow_overwrite(overwrite):
        result = run_lm(config)
    table = result.table.pivot(index="segment", columns="variant", values="perplexity")
    click.echo(table.to_string(float_format=lambda v: f"{v:.2f}"))
    click.echo(f"wrote {result.png}")
    click.echo(f"wrote {result.csv}")
    click.echo(f"wrote {result.json}")
