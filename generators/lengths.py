"""Sample lengths: parse ``4k`` / ``128k`` / ``1M`` / ``2M`` labels and plain integers.

Labels use powers of two: ``k`` = 1024, ``M`` = 1024**2, ``G`` = 1024**3
(``4k`` = 4,096; ``1M`` = 1,048,576; ``2M`` = 2,097,152). Every row stores the integer.

    parse_length("2M")    # 2097152
    parse_length(700)     # 700
    format_length(4096)   # "4k"
"""

from __future__ import annotations

import re

from generators.errors import BenchInputError

UNITS = {"": 1, "k": 1024, "K": 1024, "m": 1024**2, "M": 1024**2, "g": 1024**3, "G": 1024**3}
LENGTH_HELP = "k = 1024, M = 1024**2 (powers of two): 4k = 4096, 1M = 1048576, 2M = 2097152"
_PATTERN = re.compile(r"^\s*(\d+)\s*([kKmMgG]?)\s*$")


def parse_length(text: str | int) -> int:
    """A positive number of tokens from an integer or a label such as ``4k`` or ``2M``."""
    if isinstance(text, bool):
        raise BenchInputError(
            f"bad length {text!r}: give a positive integer or a label like 4k, 1M"
        )
    if isinstance(text, int):
        value = text
    else:
        match = _PATTERN.match(str(text))
        if match is None:
            raise BenchInputError(
                f"bad length {text!r}: give a positive integer or a label like 4k, 128k, 1M, 2M "
                f"({LENGTH_HELP})"
            )
        value = int(match.group(1)) * UNITS[match.group(2)]
    if value <= 0:
        raise BenchInputError(f"bad length {text!r}: it must be a positive number of tokens")
    return value


def format_length(value: int) -> str:
    """The shortest exact label of ``value`` (``4096`` -> ``"4k"``, ``700`` -> ``"700"``)."""
    for suffix, unit in (("G", 1024**3), ("M", 1024**2), ("k", 1024)):
        if value >= unit and value % unit == 0:
            return f"{value // unit}{suffix}"
    return str(value)
