"""``rmt-bench ls results/``: what a results folder holds (model, task, lengths, accuracy).

rmt-bench ls results/
"""

from __future__ import annotations

import click


@click.command(name="ls")
@click.argument("folder", type=click.Path())
def command(folder: str) -> None:
    """List the result files in FOLDER with samples and accuracy per length."""
    from rmt_bench.evaluate.listing import list_results

    click.echo(list_results(folder))
