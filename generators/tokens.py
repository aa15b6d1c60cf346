"""Exact, fast tokenization for the generators (any Hugging Face tokenizer, no torch).

    tok, name = resolve_tokenizer("minilm")        # cached; a tokenizer object passes through
    ids = encode_text(tok, long_text)              # == tok(text, add_special_tokens=False).input_ids
    ids_list = encode_batch(tok, ["a.", " b."])    # many short texts at once
    ids = sample_token_ids(tok, row)               # context ids then question ids

Long text is cut at single spaces between two non-space characters and the pieces
are tokenized separately, so memory stays flat in the text length. That is exact
for tokenizers that are *additive at spaces*: ``enc(a + " " + b) == enc(a) +
enc(" " + b)`` (BERT WordPiece, byte-level BPE with ``add_prefix_space=False``,
SentencePiece Metaspace with ``prepend_scheme="first"``); ``check_additive`` tests
it on probe strings and the generators refuse tokenizers that fail it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from generators.errors import BenchInputError

CHUNK_CHARS = 1 << 16  # ~64k characters per piece: ~15k tokens, a few MB of encoder state
_LOCK = threading.Lock()
_BACKENDS: dict[int, Any] = {}
_FINGERPRINTS: dict[int, tuple[Any, str]] = {}

_PROBES = (
    ("Mary moved to the bathroom.", "Where is Mary?"),
    ("The hallway is east of the bathroom.", "The bedroom is west of the bathroom."),
    ("It was 1887, and nobody knew.", "“Well,” she said, “we'll see.”"),
    ("Mr. O'Neil paid $3.50 for it!", "Then—quite suddenly—it rained."),
    ("naïve café façade", "déjà vu, über-cool; x2"),
    ("Lines\nbreak here.", "Tabs\tand  double  spaces."),
)


def resolve_tokenizer(tokenizer: Any = "minilm") -> tuple[Any, str]:
    """(tokenizer object, name to record); strings are loaded once per process."""
    if isinstance(tokenizer, str):
        from generators.pretrained import load_tokenizer

        return load_tokenizer(tokenizer), tokenizer
    name = getattr(tokenizer, "name_or_path", None) or type(tokenizer).__name__
    return tokenizer, str(name)


def _backend(tokenizer: Any) -> Any | None:
    """A copy of the fast tokenizer's Rust backend without padding/truncation (or None)."""
    key = id(tokenizer)
    backend = _BACKENDS.get(key)
    if backend is not None:
        return backend[1]
    raw = (
        getattr(tokenizer, "backend_tokenizer", None)
        if getattr(tokenizer, "is_fast", False)
        else None
    )
    copy = None
    if raw is not None:
        from tokenizers import Tokenizer

        copy = Tokenizer.from_str(raw.to_str())
        copy.no_padding()
        copy.no_truncation()
    with _LOCK:
        _BACKENDS[key] = (tokenizer, copy)  # keep the tokenizer alive so id() stays unique
    return copy


def encode_batch(tokenizer: Any, texts: Sequence[str]) -> list[np.ndarray]:
    """Token ids (int32, no special tokens) of each text, as the tokenizer itself gives them."""
    if isinstance(tokenizer, str):
        tokenizer, _ = resolve_tokenizer(tokenizer)
    backend = _backend(tokenizer)
    if backend is not None:
        encodings = backend.encode_batch(list(texts), add_special_tokens=False)
        return [np.asarray(enc.ids, dtype=np.int32) for enc in encodings]
    return [
        np.asarray(tokenizer(text, add_special_tokens=False)["input_ids"], dtype=np.int32)
        for text in texts
    ]


def _cut_points(text: str, chunk_chars: int) -> list[int]:
    """Offsets of single spaces (non-space on both sides) about every ``chunk_chars``."""
    cuts = [0]
    start = 0
    n = len(text)
    while n - start > chunk_chars:
        pos = start + chunk_chars
        found = -1
        while pos < n - 1:
            pos = text.find(" ", pos, n - 1)
            if pos < 0:
                break
            if not text[pos - 1].isspace() and not text[pos + 1].isspace():
                found = pos
                break
            pos += 1
        if found < 0:
            break
        cuts.append(found)
        start = found
    return cuts


def encode_text(tokenizer: Any, text: str, chunk_chars: int = CHUNK_CHARS) -> np.ndarray:
    """Token ids (int32, no special tokens) of ``text``, tokenized in pieces of ~64k chars.

    ``tokenizer`` is a tokenizer object or a name for ``resolve_tokenizer`` ("minilm").
    """
    if isinstance(tokenizer, str):
        tokenizer, _ = resolve_tokenizer(tokenizer)
    if len(text) <= chunk_chars:
        return encode_batch(tokenizer, [text])[0]
    check_additive(tokenizer)
    cuts = _cut_points(text, chunk_chars) + [len(text)]
    pieces: list[np.ndarray] = []
    batch = 8  # a few pieces per call: the Rust side encodes them in parallel
    for first in range(0, len(cuts) - 1, batch):
        spans = list(
            zip(cuts[first : first + batch], cuts[first + 1 : first + batch + 1], strict=False)
        )
        pieces.extend(encode_batch(tokenizer, [text[a:b] for a, b in spans]))
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)


def check_additive(tokenizer: Any) -> None:
    """Raise BenchInputError unless ``enc(a + " " + b) == enc(a) + enc(" " + b)`` on probes."""
    if not _is_additive(tokenizer):
        name = getattr(tokenizer, "name_or_path", type(tokenizer).__name__)
        raise BenchInputError(
            f"tokenizer {name!r} does not tokenize text joined at a space as the sum of its parts; "
            "exact sample lengths need one that does (BERT WordPiece, GPT-2 style BPE, ...)"
        )


def _is_additive(tokenizer: Any) -> bool:
    cached = getattr(_is_additive, "_cache", None)
    if cached is None:
        cached = _is_additive._cache = {}  # type: ignore[attr-defined]
    key = id(tokenizer)
    if key not in cached:
        texts = []
        for a, b in _PROBES:
            texts += [a + " " + b, a, " " + b]
        ids = encode_batch(tokenizer, texts)
        ok = all(
            np.array_equal(ids[i], np.concatenate([ids[i + 1], ids[i + 2]]))
            for i in range(0, len(ids), 3)
        )
        cached[key] = (tokenizer, ok)
    return cached[key][1]


@functools.lru_cache(maxsize=32)
def _fingerprint_of(serialized: str) -> str:
    return hashlib.sha256(serialized.encode("utf-8")).hexdigest()[:16]


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """A short hash of the tokenizer's full definition (vocab, merges, normalizer, ...)."""
    known = _FINGERPRINTS.get(id(tokenizer))
    if known is not None and known[0] is tokenizer:
        return known[1]
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        digest = _fingerprint_of(backend.to_str())
    else:
        digest = _fingerprint_of(
            type(tokenizer).__name__ + repr(sorted(tokenizer.get_vocab().items()))
        )
    _FINGERPRINTS[id(tokenizer)] = (tokenizer, digest)
    return digest


def sample_token_ids(tokenizer: Any, sample: dict[str, Any]) -> np.ndarray:
    """Context ids then question ids (int32, no special tokens) of one sample row.

    Uses the row's stored ``context_ids`` / ``question_ids`` when present (see
    ``build_sample(..., with_ids=True)``), else tokenizes the text.
    """
    tokenizer, _ = resolve_tokenizer(tokenizer)
    context = sample.get("context_ids")
    question = sample.get("question_ids")
    if context is None:
        context = encode_text(tokenizer, sample["context"])
    if question is None:
        question = encode_text(tokenizer, sample["question"])
    return np.concatenate(
        [np.asarray(context, dtype=np.int32), np.asarray(question, dtype=np.int32)]
    )
