"""``rmt-bench flops``: forward FLOPs of full attention vs RMT, and the paper's x295 / x29 check.

    rmt-bench flops                                   # OPT family, 512 ... 2M tokens, the paper's counting
    rmt-bench flops --models 125M,175B --lengths 4k,1M,2M --memory 10 --special-tokens 3
    rmt-bench flops --hf-config path/to/config.json --counting chinchilla --json
    rmt-bench flops --models 125M --lengths 2M --verify     # + FlopCounterMode on tiny models
    rmt-bench flops --memory 10 --armt-key-size 32          # + an ARMT column (rmt_bench.flops_armt)

Lengths: plain integers or powers-of-two labels (``4k`` = 4,096, ``1M`` = 1,048,576,
``2M`` = 2,097,152). The model is :mod:`rmt_bench.flops` (Chinchilla appendix F).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from generators.errors import BenchInputError
from generators.lengths import parse_length  # the one length parser (re-exported)

__all__ = ["command", "parse_length"]

DEFAULT_LENGTHS = "512,1k,4k,32k,128k,512k,1M,2M"


def _read_hf_config(item: str) -> tuple[dict, Path]:
    """The mapping in a config.json (or a folder holding one); one line for any bad file."""
    path = Path(item)
    path = path / "config.json" if path.is_dir() else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BenchInputError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise BenchInputError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise BenchInputError(f"{path} must hold a JSON object (a model config)")
    return data, path


def _format_bytes(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"


def _format_flops(value: float) -> str:
    return f"{value:.3e}"


@click.command("flops")
@click.option(
    "--models",
    default="125M,350M,1.3B,2.7B,6.7B,13B,30B,66B,175B",
    show_default=True,
    help="OPT sizes (comma-separated); empty for none.",
)
@click.option(
    "--hf-config",
    "hf_configs",
    multiple=True,
    type=click.Path(dir_okay=True),
    help="A Hugging Face config.json (or a folder holding one) to add; repeatable. [default: none]",
)
@click.option(
    "--lengths",
    default=DEFAULT_LENGTHS,
    show_default=True,
    help="Input lengths in tokens (k = 1024, M = 1024**2).",
)
@click.option(
    "--segment",
    "segment_tokens",
    type=int,
    default=512,
    show_default=True,
    help="Task tokens per RMT segment.",
)
@click.option(
    "--memory",
    "memory_tokens",
    type=int,
    default=0,
    show_default=True,
    help="Memory tokens m (encoder: m positions, decoder: 2m).",
)
@click.option(
    "--layout", type=click.Choice(["encoder", "decoder"]), default="encoder", show_default=True
)
@click.option(
    "--special-tokens",
    type=int,
    default=0,
    show_default=True,
    help="Special tokens per segment (3 for [CLS] [SEP] [SEP]).",
)
@click.option(
    "--counting",
    type=click.Choice(["paper", "chinchilla"]),
    default="paper",
    show_default=True,
    help="paper: Chinchilla without vocabulary logits (reproduces x295/x29); chinchilla: all terms.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document instead of the table."
)
@click.option(
    "--verify",
    is_flag=True,
    help="Also count FLOPs with torch's FlopCounterMode on tiny eager models and compare.",
)
@click.option(
    "--armt-key-size",
    type=int,
    default=0,
    show_default=True,
    help="Also count ARMT (associative memory with this key size per layer); 0: no ARMT.",
)
@click.option("--armt-nu", type=int, default=3, show_default=True, help="ARMT's DPFP order.")
def command(
    models: str,
    hf_configs: tuple[str, ...],
    lengths: str,
    segment_tokens: int,
    memory_tokens: int,
    layout: str,
    special_tokens: int,
    counting: str,
    as_json: bool,
    verify: bool,
    armt_key_size: int,
    armt_nu: int,
) -> None:
    """Forward FLOPs of full attention vs RMT by input length, and the paper's claim."""
    from rmt_bench.flops import (
        CHINCHILLA,
        PAPER,
        PAPER_CLAIM,
        PAPER_LENGTH,
        RMTLayout,
        TransformerShape,
        compare,
        paper_comparison,
    )
    from rmt_bench.opt_family import opt_shape

    shapes = [opt_shape(size) for size in models.split(",") if size.strip()]
    for item in hf_configs:
        data, path = _read_hf_config(item)
        name = path.parent.name or path.stem
        try:
            shapes.append(TransformerShape.from_hf_config(data, name=name))
        except (TypeError, ValueError) as error:
            if isinstance(error, BenchInputError):
                raise
            raise BenchInputError(f"{path}: sizes must be whole numbers ({error})") from None
    if not shapes:
        raise BenchInputError("no models: give --models and/or --hf-config")
    length_values = [parse_length(text) for text in lengths.split(",") if text.strip()]
    rmt_layout = RMTLayout(segment_tokens, memory_tokens, layout, special_tokens)  # type: ignore[arg-type]
    count = PAPER if counting == "paper" else CHINCHILLA
    rows = compare(shapes, length_values, rmt_layout, count)
    variants = paper_comparison()
    checks = []
    if verify:
        from rmt_bench.flop_check import agreement_rows, armt_agreement_rows

        checks = agreement_rows()
        if armt_key_size:
            checks += armt_agreement_rows(key_size=armt_key_size, nu=armt_nu)
    armt: dict[tuple[str, int], float] = {}
    if armt_key_size:
        from rmt_bench.flops_armt import armt_flops

        for shape in shapes:
            for length in length_values:
                armt[(shape.name, length)] = armt_flops(
                    shape, length, rmt_layout, armt_key_size, armt_nu, count
                )

    if as_json:
        document = {
            "counting": counting,
            "layout": rmt_layout.__dict__,
            "rows": [
                {**row.__dict__, **({"armt_flops": armt[(row.model, row.length)]} if armt else {})}
                for row in rows
            ],
            "paper_claim": {"length": PAPER_LENGTH, "ratios": PAPER_CLAIM},
            "paper_comparison": [
                {"name": v.name, "description": v.description, "ratios": v.ratios} for v in variants
            ],
            "verify": checks,
        }
        click.echo(json.dumps(document, indent=2))
        return

    click.echo(
        f"Forward FLOPs, {counting} counting; RMT: {segment_tokens} task tokens + "
        f"{rmt_layout.memory_slots} memory + {special_tokens} special per segment ({layout})."
    )
    header = (
        f"{'model':<10} {'length':>9} {'segments':>8} {'full attn':>11} {'RMT':>11} {'ratio':>9}"
        f"  {'scores/layer full':>17} {'RMT':>9}"
    ) + (f" {'ARMT':>11} {'ARMT/RMT':>8}" if armt else "")
    click.echo(header)
    click.echo("-" * len(header))
    for row in rows:
        click.echo(
            f"{row.model:<10} {row.length:>9,} {row.segments:>8,} {_format_flops(row.full_attention_flops):>11} "
            f"{_format_flops(row.rmt_flops):>11} {row.ratio:>8.1f}x"
            f"  {_format_bytes(row.full_attention_scores_bytes):>17} {_format_bytes(row.rmt_scores_bytes):>9}"
            + (
                f" {_format_flops(armt[(row.model, row.length)]):>11}"
                f" {armt[(row.model, row.length)] / row.rmt_flops:>7.3f}x"
                if armt
                else ""
            )
        )
    click.echo("(FLOPs of one forward; scores/layer: one layer's eager attention scores in fp16)")
    click.echo("")
    claim = ", ".join(f"x{ratio:g} vs OPT-{size}" for size, ratio in PAPER_CLAIM.items())
    click.echo(f"Paper: RMT (segment 512) needs {claim} at {PAPER_LENGTH:,} tokens. We get:")
    for v in variants:
        got = ", ".join(f"x{ratio:.1f} vs OPT-{size}" for size, ratio in v.ratios.items())
        click.echo(f"  {v.name:<12} {got}   ({v.description})")
    if checks:
        click.echo("")
        click.echo("Analytic (matmul terms) vs FlopCounterMode, tiny eager models:")
        for row in checks:
            click.echo(
                f"  {row['case']:<58} analytic {row['analytic']:.4e}  counted {row['counted']:.4e}  "
                f"diff {row['difference_pct']:+.3f}%"
            )
