"""Whole documents of a text source, for language modelling (no sentence splitting, no torch).

    for text in iter_documents("pg19:../shared/data/pg19-train?split=train"): ...
    train, held_out = split_documents(names, every=5)      # by document, never by position

Specs as for noise (``generators.noise_sources``): ``books`` (the public-domain books
that pip installs, ``?split=train|test``), ``text:PATH`` and ``pg19:PATH`` (a
file or a folder of ``.txt`` files, ``?split=train|test`` taking alternate files in
name order; PG19 / Gutenberg headers and footers are stripped) and ``hf:NAME[:column]``
(online only). ``builtin`` and ``quality:`` are not document collections here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from generators.errors import BenchInputError
from generators.gutenberg import read_book_file, strip_gutenberg
from generators.noise_books import book_documents
from generators.noise_sources import (
    _hf_texts,
    document_files,
    parse_noise_spec,
    split_argument,
)

DOCUMENT_KINDS = ("books", "text", "pg19", "hf")
T = TypeVar("T")


def check_document_spec(spec: str) -> tuple[str, str]:
    """(kind, argument) of a document source; anything else is one BenchInputError."""
    kind, argument = parse_noise_spec(spec)
    if kind not in DOCUMENT_KINDS:
        raise BenchInputError(
            "language-modelling data must be books, text:PATH, pg19:PATH or hf:NAME[:column], "
            f"got {spec!r}"
        )
    return kind, argument


def iter_documents(spec: str) -> Iterator[tuple[str, str]]:
    """(name, text) of every document of ``spec``, in order (file name order for folders)."""
    kind, argument = check_document_spec(spec)
    if kind == "hf":
        for number, text in enumerate(_hf_texts(argument)):
            yield f"{argument}#{number}", text
        return
    if kind == "books":
        yield from book_documents(split_argument(argument)[1])
        return
    for path in document_files(argument, (".txt",), f"{kind} data"):
        text = read_book_file(path)
        yield path.name, strip_gutenberg(text) if kind == "pg19" else text


def split_documents(items: Sequence[T], every: int = 5) -> tuple[list[T], list[T]]:
    """(train, held out): every ``every``-th document (the 5th, 10th, ...) is held out."""
    if len(items) < 2:
        raise BenchInputError(
            f"a train/validation split by document needs at least 2 documents, got {len(items)}"
        )
    held = {i for i in range(len(items)) if i % every == every - 1} or {len(items) - 1}
    train = [item for i, item in enumerate(items) if i not in held]
    return train, [items[i] for i in sorted(held)]
