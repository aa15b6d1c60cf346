"""Project Gutenberg files: the book text between the licence header and footer.

    raw = read_book_file(path)         # UTF-8, or Latin-1 for the old files
    text = strip_gutenberg(raw)        # one book: between START and END, credits removed
    books = gutenberg_books(raw)       # a file of several books: each START..END span

Old and new marker styles are recognised; a text without markers comes back whole
(line ends normalised, outer blank lines removed).
"""

from __future__ import annotations

import re
from pathlib import Path

# Project Gutenberg header/footer markers (old and new styles).
_PG_START = re.compile(r"\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG[^*]*\*{3}", re.I)
_PG_END = re.compile(
    r"^\s*(\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG|End of (the )?Project Gutenberg)",
    re.I | re.M,
)
_PG_PRODUCED = re.compile(r"^\s*(E-text prepared|Produced) by\b.*?(\n\s*\n)", re.I | re.M | re.S)


def read_book_file(path: Path) -> str:
    """A text file's contents: UTF-8, or Latin-1 where it is not (older Gutenberg files)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _without_credits(text: str) -> str:
    produced = _PG_PRODUCED.match(text.lstrip("\n"))
    if produced:
        text = text.lstrip("\n")[produced.end() :]
    return text.strip()


def strip_gutenberg(text: str) -> str:
    """The book between Project Gutenberg's START and END markers, credits line removed."""
    text = _normalise(text)
    start = _PG_START.search(text)
    if start:
        text = text[start.end() :]
    end = _PG_END.search(text)
    if end:
        text = text[: end.start()]
    return _without_credits(text)


def gutenberg_books(text: str) -> list[str]:
    """Every book of a file that holds several Gutenberg books one after another.

    Each START marker opens a book that the next END marker (or the next START) closes;
    what lies between one book's END and the next START (licences, catalogues, code) is
    dropped. A file without a START marker is one book (``strip_gutenberg``).
    """
    text = _normalise(text)
    starts = list(_PG_START.finditer(text))
    if not starts:
        stripped = strip_gutenberg(text)
        return [stripped] if stripped else []
    books = []
    for number, start in enumerate(starts):
        stop = starts[number + 1].start() if number + 1 < len(starts) else len(text)
        body = text[start.end() : stop]
        end = _PG_END.search(body)
        if end:
            body = body[: end.start()]
        body = _without_credits(body)
        if body:
            books.append(body)
    return books
