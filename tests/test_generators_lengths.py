"""Length labels: powers of two, plain integers, and one-line errors for bad input."""

from __future__ import annotations

import pytest

from generators import BenchInputError, format_length, parse_length


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4k", 4096),
        ("128k", 131072),
        ("1M", 1048576),
        ("2M", 2097152),
        ("700", 700),
        (700, 700),
        ("16K", 16384),
        (" 2m ", 2097152),
        ("1G", 1024**3),
    ],
)
def test_parse_length_labels_and_integers(text: str | int, value: int) -> None:
    assert parse_length(text) == value


@pytest.mark.parametrize("text", ["1.5Q", "-3", "0", 0, -3, "", "k", "1.5k", "4kb", True, "1e6"])
def test_parse_length_rejects_bad_input(text: object) -> None:
    with pytest.raises(BenchInputError) as info:
        parse_length(text)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("value", [1, 700, 4096, 131072, 2097152, 3 * 1024**2, 1025])
def test_format_length_round_trips(value: int) -> None:
    assert parse_length(format_length(value)) == value


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, generators; generators.parse_length('4k'); "
        "print(sorted(m for m in ('numpy', 'transformers', 'torch', 'datasets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
