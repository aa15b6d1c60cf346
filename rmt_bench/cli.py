"""The ``rmt-bench`` command line: a thin click group over the Python API.

Sub-commands live in ``rmt_bench/commands/<name>.py`` (each exposes ``command``)
and are found by name, so adding a command never touches this file. User errors
(``BenchInputError`` and unreadable/unwritable paths) become one line on stderr
and exit status 2; a real bug still shows its traceback.

    rmt-bench --help
    rmt-bench generate --task reasoning --length 1M
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import click

from generators.errors import BenchInputError
from rmt_bench import __version__, commands
from rmt_bench.commands._help import explain_defaults

USER_ERRORS = (
    BenchInputError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
    FileExistsError,
)


class UserError(click.ClickException):
    """A one-line error for the user, exit status 2."""

    exit_code = 2


class CommandGroup(click.Group):
    """A group that discovers commands in ``rmt_bench.commands`` and reports user errors."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = [info.name for info in pkgutil.iter_modules(commands.__path__)]
        return sorted(name.replace("_", "-") for name in names if not name.startswith("_"))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = cmd_name.replace("-", "_")
        if module_name not in {info.name for info in pkgutil.iter_modules(commands.__path__)}:
            return None
        module = importlib.import_module(f"rmt_bench.commands.{module_name}")
        return explain_defaults(module.command)  # every option's help shows its default

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as error:
            raise UserError(_one_line(error)) from None


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename is not None:
        reason = error.strerror or type(error).__name__
        return f"{reason}: {error.filename}"
    text = " ".join(str(error).split())
    return text or type(error).__name__


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rmt-bench")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Long-context memory benchmark: generate samples, train RMT, evaluate, report."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rmt-bench")


if __name__ == "__main__":
    main()
