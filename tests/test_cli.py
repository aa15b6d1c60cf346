"""The CLI group: instant help, discovered commands, one-line user errors."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from rmt_bench.cli import cli


def test_help_lists_commands_and_exits_zero() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_help_does_not_import_torch() -> None:
    code = (
        "import sys; from rmt_bench.cli import cli; "
        "from click.testing import CliRunner; CliRunner().invoke(cli, ['--help']); "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_unknown_command_is_an_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code != 0
    assert "No such command" in result.output
