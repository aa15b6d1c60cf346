"""A prepared noise source: pre-tokenized sentences on disk, assembled by index arithmetic.

    pool = load_pool("builtin", tokenizer)       # prepared once per (source, tokenizer), cached
    end = pool.run_end(start, budget)            # longest run of sentences from ``start``
    pool.span_text(start, end), pool.span_ids(start, end)

Layout of a cache entry (a directory, written atomically):

    text.bin          UTF-8: " s0 s1 s2 ..." (every sentence preceded by one space)
    byte_offsets.npy  int64 [n + 1]  sentence i is text[byte_offsets[i]:byte_offsets[i+1]]
    ids.bin           int32 [T]      raw little-endian ids of " s0", " s1", ... (continuation form)
    tok_offsets.npy   int64 [n + 1]  sentence i has ids[tok_offsets[i]:tok_offsets[i+1]]
    meta.json         source, tokenizer fingerprint, counts, format version

Sentences are used in document order, wrapping around: the *virtual* index
``j >= n`` is sentence ``j % n`` on lap ``j // n``, so a run of a million tokens
is a handful of slices. Because the tokenizer is additive at spaces (checked),
joining these slices gives exactly the concatenated ids. The cache directory is
``$RMT_BENCH_CACHE`` or ``~/.cache/rmt-bench`` (subfolder ``noise/``).
"""

from __future__ import annotations

import array
import json
import logging
import mmap
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from generators.atomic import temporary_dir
from generators.errors import BenchInputError
from generators.tokens import _backend, check_additive, encode_batch, tokenizer_fingerprint

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
CACHE_ENV = "RMT_BENCH_CACHE"
BATCH = 4096  # sentences tokenized per call while preparing
GROUP = 64  # sentences joined into one string (one encoding) while preparing


def cache_root() -> Path:
    """``$RMT_BENCH_CACHE`` or ``~/.cache/rmt-bench``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rmt-bench"


@dataclass
class NoisePool:
    """Pre-tokenized sentences of one noise source for one tokenizer (read-only, mmapped)."""

    source: str
    directory: Path
    text: Any  # mmap.mmap or bytes: " s0 s1 ..."
    byte_offsets: np.ndarray  # int64 [n + 1]
    ids: np.ndarray  # int32 [T]
    tok_offsets: np.ndarray  # int64 [n + 1]
    lengths: np.ndarray = field(init=False)  # int64 [n] tokens per sentence
    _order: np.ndarray = field(init=False)  # sentence indices sorted by length
    _bucket: np.ndarray = field(init=False)  # _order[_bucket[l]:_bucket[l+1]] have length l
    _counts: np.ndarray = field(init=False)  # _counts[l]: sentences of exactly l tokens

    def __post_init__(self) -> None:
        self.lengths = np.diff(self.tok_offsets)
        self._order = np.argsort(self.lengths, kind="stable")
        top = int(self.lengths.max()) + 2 if len(self.lengths) else 2
        self._bucket = np.searchsorted(self.lengths[self._order], np.arange(top), side="left")
        self._counts = np.diff(self._bucket)

    @property
    def n(self) -> int:
        return len(self.byte_offsets) - 1

    @property
    def total_tokens(self) -> int:
        return int(self.tok_offsets[-1])

    def cum(self, j: int) -> int:
        """Tokens in virtual sentences [0, j) (laps of the whole pool, then a prefix)."""
        lap, i = divmod(j, self.n)
        return lap * self.total_tokens + int(self.tok_offsets[i])

    def run_end(self, start: int, budget: int) -> int:
        """Largest virtual ``end >= start`` with ``cum(end) - cum(start) <= budget``."""
        target = self.cum(start) + budget
        lap, rest = divmod(target, self.total_tokens)
        i = int(np.searchsorted(self.tok_offsets, rest, side="right")) - 1
        return max(start, lap * self.n + min(i, self.n))

    def boundary_near(self, start: int, end: int, tokens: float) -> int:
        """The virtual boundary in [start, end] whose token offset from ``start`` is nearest."""
        if end <= start:
            return start
        lo = self.run_end(start, int(max(tokens, 0)))
        lo = min(lo, end)
        hi = min(lo + 1, end)
        base = self.cum(start)
        if abs(self.cum(hi) - base - tokens) < abs(self.cum(lo) - base - tokens):
            return hi
        return lo

    def _spans(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        """Physical [a, b) sentence ranges covering virtual [start, end)."""
        j = start
        while j < end:
            i = j % self.n
            stop = min(self.n, i + (end - j))
            yield i, stop
            j += stop - i

    def span_text(self, start: int, end: int) -> list[bytes]:
        """UTF-8 pieces of sentences [start, end), each sentence with its leading space."""
        return [
            self.text[int(self.byte_offsets[a]) : int(self.byte_offsets[b])]
            for a, b in self._spans(start, end)
        ]

    def span_ids(self, start: int, end: int) -> list[np.ndarray]:
        """Token-id pieces (continuation form) of sentences [start, end)."""
        return [
            self.ids[int(self.tok_offsets[a]) : int(self.tok_offsets[b])]
            for a, b in self._spans(start, end)
        ]

    def sentence(self, j: int) -> str:
        """Virtual sentence ``j`` as text, without its leading space."""
        i = j % self.n
        raw = self.text[int(self.byte_offsets[i]) : int(self.byte_offsets[i + 1])]
        return bytes(raw).decode("utf-8")[1:]

    def length_of(self, j: int) -> int:
        return int(self.lengths[j % self.n])

    def count_of_length(self, length: int) -> int:
        if length <= 0 or length >= len(self._counts):
            return 0
        return int(self._counts[length])

    def pick_of_length(
        self,
        rng: np.random.Generator,
        length: int,
        avoid: tuple[int, int] | None = None,
        taken: frozenset[int] | set[int] = frozenset(),
    ) -> int | None:
        """A random sentence index with exactly ``length`` tokens, or None.

        Where possible the index lies outside the virtual run ``avoid = (start, end)``
        and outside ``taken`` (so a filler never repeats a sentence of its sample): one
        random draw picks a place in the length bucket, the first free index from
        there on (wrapping) is taken; if none is free, the drawn one.
        """
        count = self.count_of_length(length)
        if count == 0:
            return None
        base = int(self._bucket[length])
        first = int(rng.integers(count))
        for step in range(count):
            index = int(self._order[base + (first + step) % count])
            if index not in taken and not self.in_run(index, avoid):
                return index
        return int(self._order[base + first])

    def in_run(self, index: int, run: tuple[int, int] | None) -> bool:
        """True when physical sentence ``index`` is used by the virtual run ``[start, end)``."""
        if run is None:
            return False
        start, end = run
        return end - start >= self.n or (index - start) % self.n < end - start

    def decompose(
        self,
        rng: np.random.Generator,
        tokens: int,
        max_parts: int = 3,
        avoid: tuple[int, int] | None = None,
    ) -> list[int]:
        """Sentence indices whose lengths sum to ``tokens`` exactly ([] for 0); raise if none.

        The sentences are distinct and, where the pool allows, outside ``avoid``.
        """
        if tokens == 0:
            return []
        free = self._free_counts(avoid)
        found = None if free is None else self._decompose(rng, tokens, max_parts, free)
        if found is None:
            found = self._decompose(rng, tokens, max_parts, self._counts)
        if found is None:
            raise LookupError(tokens)
        picked: list[int] = []
        for length in found:
            index = self.pick_of_length(rng, length, avoid, set(picked))
            assert index is not None  # found only holds lengths that occur
            picked.append(index)
        return picked

    def _free_counts(self, run: tuple[int, int] | None) -> np.ndarray | None:
        """Sentences per token length outside the virtual ``run`` (None: no run given)."""
        if run is None:
            return None
        start, end = run
        size = len(self._counts)
        used = end - start
        if used >= self.n:
            return np.zeros(size, dtype=np.int64)
        if used <= self.n // 2:
            inside = self.lengths[np.arange(start, end) % self.n]
            return self._counts - np.bincount(inside, minlength=size)[:size]
        outside = self.lengths[np.arange(end, start + self.n) % self.n]
        return np.bincount(outside, minlength=size)[:size]

    def _decompose(
        self, rng: np.random.Generator, tokens: int, parts: int, counts: np.ndarray
    ) -> list[int] | None:
        """Lengths (each with ``counts[length] > 0``) that sum to ``tokens``, or None."""
        if 0 < tokens < len(counts) and counts[tokens] > 0:
            return [tokens]
        if parts == 1:
            return None
        available = np.flatnonzero(counts > 0)  # lengths that occur
        candidates = available[(available > 0) & (available < tokens)]
        for first in rng.permutation(candidates)[:64]:
            rest = self._decompose(rng, tokens - int(first), parts - 1, counts)
            if rest is not None:
                return [int(first), *rest]
        return None


# ---------------------------------------------------------------- preparing and caching


def _clean(sentence: str) -> str:
    return " ".join(sentence.split())


def prepare_pool(
    source: str,
    sentences: Iterable[str],
    tokenizer: Any,
    directory: Path,
    *,
    small_vocabulary: bool = False,
) -> None:
    """Tokenize ``sentences`` (continuation form) and write a cache entry to ``directory``.

    ``small_vocabulary``: the sentences reuse a few thousand words (the built-in
    grammar), so each word is encoded once and a sentence's ids are its words' ids
    joined (see ``WordCache``); every batch checks a group against the tokenizer.
    """
    check_additive(tokenizer)
    words = WordCache(tokenizer) if small_vocabulary else None
    started = time.perf_counter()
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_dir(directory.parent, directory.name)  # mode as for mkdir (umask)
    try:
        n_sentences = n_tokens = n_bytes = 0
        byte_offsets = array.array("q", [0])  # compact: corpora can hold 10^8 sentences
        tok_offsets = array.array("q", [0])
        with open(tmp / "text.bin", "wb") as text_out, open(tmp / "ids.bin", "wb") as ids_out:
            batch: list[str] = []

            def flush() -> None:
                nonlocal n_sentences, n_tokens, n_bytes
                encoded = words.encode(batch) if words is not None else None
                for text, ids in encoded if encoded is not None else _verified(tokenizer, batch):
                    data = text.encode("utf-8")
                    text_out.write(data)
                    ids_out.write(ids.astype("<i4", copy=False).tobytes())
                    n_bytes += len(data)
                    n_tokens += len(ids)
                    n_sentences += 1
                    byte_offsets.append(n_bytes)
                    tok_offsets.append(n_tokens)
                batch.clear()

            for sentence in sentences:
                cleaned = _clean(sentence)
                if cleaned:
                    batch.append(" " + cleaned)
                if len(batch) >= BATCH:
                    flush()
            flush()
        if n_sentences == 0:
            raise BenchInputError(f"noise source {source!r} holds no text")
        np.save(tmp / "byte_offsets.npy", np.frombuffer(byte_offsets, dtype=np.int64))
        np.save(tmp / "tok_offsets.npy", np.frombuffer(tok_offsets, dtype=np.int64))
        meta = {
            "source": source,
            "tokenizer": tokenizer_fingerprint(tokenizer),
            "sentences": n_sentences,
            "tokens": n_tokens,
            "bytes": n_bytes,
            "format": FORMAT_VERSION,
            "prepare_seconds": round(time.perf_counter() - started, 3),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        try:
            os.replace(tmp, directory)
        except OSError:  # another process finished the same entry first: keep theirs
            if not (directory / "meta.json").is_file():
                raise
        log.info("prepared noise %s: %d sentences, %d tokens", source, n_sentences, n_tokens)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _verified(tokenizer: Any, batch: list[str]) -> list[tuple[str, np.ndarray]]:
    """(text, ids) of each sentence, cut from encodings of groups of joined sentences.

    Sentences (each " s") are joined in groups of ``GROUP`` and encoded together;
    a token belongs to the sentence its character offset starts in. If a token
    crosses a sentence boundary (or the tokenizer has no offsets), the group
    falls back to checking sentences one by one against their neighbour.
    """
    backend = _backend(tokenizer)
    if backend is None:
        return _verified_slow(tokenizer, batch)
    groups = [batch[i : i + GROUP] for i in range(0, len(batch), GROUP)]
    encodings = backend.encode_batch(["".join(group) for group in groups], add_special_tokens=False)
    result: list[tuple[str, np.ndarray]] = []
    for group, encoding in zip(groups, encodings, strict=True):
        bounds = np.cumsum([0] + [len(text) for text in group])  # char offsets of sentences
        ids = np.asarray(encoding.ids, dtype=np.int32)
        offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
        owner = np.searchsorted(bounds, offsets[:, 0], side="right") - 1
        if len(ids) and not np.all(offsets[:, 1] <= bounds[owner + 1]):
            result.extend(_verified_slow(tokenizer, group))
            continue
        cuts = np.searchsorted(owner, np.arange(len(group) + 1), side="left")
        result.extend(
            (text, ids[cuts[i] : cuts[i + 1]])
            for i, text in enumerate(group)
            if cuts[i + 1] > cuts[i]
        )
    return result


class WordCache:
    """Sentence ids as the join of cached per-word ids (for a small-vocabulary source).

    Valid for tokenizers that split at spaces before anything else (WordPiece,
    byte-level BPE, metaspace). Each batch's first ``GROUP`` sentences are also
    encoded by the tokenizer itself; on any difference the cache switches itself
    off and ``encode`` returns None (the caller then tokenizes normally).
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.ids: dict[str, list[int]] = {}
        self.enabled = True

    def encode(self, batch: list[str]) -> list[tuple[str, np.ndarray]] | None:
        """(text, ids) per sentence " s", or None once the cache disagreed with the tokenizer."""
        if not self.enabled or not batch:
            return None
        split = [text[1:].split(" ") for text in batch]  # every sentence starts with " "
        new = sorted({word for words in split for word in words} - self.ids.keys())
        if new:
            encoded = encode_batch(self.tokenizer, [" " + word for word in new])
            self.ids.update((word, ids.tolist()) for word, ids in zip(new, encoded, strict=True))
        lookup = self.ids
        flat: list[int] = []
        ends: list[int] = []
        for words in split:
            for word in words:
                flat.extend(lookup[word])
            ends.append(len(flat))
        pieces = np.split(np.asarray(flat, dtype=np.int32), ends[:-1])
        probe = batch[:GROUP]
        reference = _verified(self.tokenizer, probe)
        if [text for text, _ in reference] != probe or not all(
            np.array_equal(ids, pieces[i]) for i, (_, ids) in enumerate(reference)
        ):
            log.info("word-level ids differ from the tokenizer's: tokenizing whole sentences")
            self.enabled = False
            return None
        return [(text, ids) for text, ids in zip(batch, pieces, strict=True) if len(ids)]


def _verified_slow(tokenizer: Any, batch: list[str]) -> list[tuple[str, np.ndarray]]:
    """Per-sentence encodings, keeping only sentences whose ids add up with their neighbour."""
    if not batch:
        return []
    ids = encode_batch(tokenizer, batch)
    keep = [(text, i) for text, i in zip(batch, ids, strict=True) if len(i)]
    joined = encode_batch(tokenizer, ["".join(text for text, _ in keep)])[0]
    if not keep or np.array_equal(joined, np.concatenate([i for _, i in keep])):
        return keep
    # Rare: some sentence does not join cleanly (odd Unicode); keep only the clean ones.
    good: list[tuple[str, np.ndarray]] = []
    for text, i in keep:
        if good:
            prev_text, prev_ids = good[-1]
            pair = encode_batch(tokenizer, [prev_text + text])[0]
            if not np.array_equal(pair, np.concatenate([prev_ids, i])):
                continue
        good.append((text, i))
    return _verified_slow(tokenizer, [t for t, _ in good]) if len(good) < len(keep) else good


def _open_ids(path: Path) -> np.ndarray:
    if path.stat().st_size == 0:
        return np.zeros(0, dtype="<i4")
    return np.memmap(path, dtype="<i4", mode="r")


def open_pool(source: str, directory: Path) -> NoisePool:
    """Memory-map a prepared cache entry."""
    with open(directory / "text.bin", "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        text: Any = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    return NoisePool(
        source=source,
        directory=directory,
        text=text,
        byte_offsets=np.load(directory / "byte_offsets.npy"),
        ids=_open_ids(directory / "ids.bin"),
        tok_offsets=np.load(directory / "tok_offsets.npy"),
    )
