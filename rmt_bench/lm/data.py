"""Token windows for language modelling: documents -> ids -> windows of N segments.

    docs = load_documents("pg19:../shared/data/pg19-train?split=train", tokenizer, max_tokens=200_000)
    windows = cut_windows(docs, window=4 * 128)           # (W, 512) long, never across documents
    train, val, names = document_split(train_spec, val_spec, tokenizer, window=512)

A window is ``window`` consecutive tokens of one document (non-overlapping, from the
start of the document); the tail that does not fill a window is dropped. Training and
validation never share a document: either two specs (``?split=train`` / ``?split=test``)
or, with one spec, every fifth document is held out (``generators.documents``).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch

from generators.documents import iter_documents, split_documents
from generators.errors import BenchInputError
from generators.tokens import encode_text

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 8  # generous: read at most this many characters per wanted token


def load_documents(
    spec: str, tokenizer: Any, max_tokens: int | None = None
) -> list[tuple[str, np.ndarray]]:
    """(name, token ids) of every document of ``spec``; each cut to ``max_tokens`` if given."""
    documents = []
    for name, text in iter_documents(spec):
        if max_tokens is not None:
            text = text[: max_tokens * CHARS_PER_TOKEN]
        ids = encode_text(tokenizer, text)
        if max_tokens is not None:
            ids = ids[:max_tokens]
        documents.append((name, ids))
    if not documents:
        raise BenchInputError(f"no documents in {spec}")
    return documents


def cut_windows(
    documents: list[tuple[str, np.ndarray]], window: int, per_document: int | None = None
) -> torch.Tensor:
    """(W, window) long: consecutive windows of each document, at most ``per_document`` each."""
    rows = []
    for _, ids in documents:
        count = len(ids) // window
        if per_document is not None:
            count = min(count, per_document)
        rows.extend(ids[i * window : (i + 1) * window] for i in range(count))
    if not rows:
        raise BenchInputError(
            f"no document is long enough for one window of {window} tokens "
            "(segment size x segments)"
        )
    return torch.from_numpy(np.stack(rows).astype(np.int64))


def document_split(
    train_spec: str,
    val_spec: str | None,
    tokenizer: Any,
    *,
    window: int,
    max_tokens: int | None = None,
    val_windows: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, dict[str, list[str]]]:
    """Train and validation windows from different documents, and which documents."""
    train_docs = load_documents(train_spec, tokenizer, max_tokens)
    if val_spec is None:
        train_docs, val_docs = split_documents(train_docs)
    else:
        val_docs = load_documents(val_spec, tokenizer, max_tokens)
        shared = {name for name, _ in train_docs} & {name for name, _ in val_docs}
        if shared:
            raise BenchInputError(
                f"training and validation share documents ({sorted(shared)[0]}, ...): use "
                "?split=train / ?split=test, other files, or leave --val-data out"
            )
    names = {"train": [n for n, _ in train_docs], "validation": [n for n, _ in val_docs]}
    train = cut_windows(train_docs, window)
    per_document = None if val_windows is None else -(-val_windows // len(val_docs))
    val = cut_windows(val_docs, window, per_document=per_document)[:val_windows]
    log.info("lm data: %d train windows, %d validation windows", len(train), len(val))
    return train, val, names
