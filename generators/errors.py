"""The one exception type for bad user input, shared by every package.

Raise ``BenchInputError("what is wrong, and how to fix it")`` for anything the
user can correct (a bad flag, length, path, file or checkpoint). The CLI turns
it into one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations


class BenchInputError(ValueError):
    """Bad input that the user can fix; its message is shown as one line."""


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
