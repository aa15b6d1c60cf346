"""A long id sequence kept as pieces (mostly views of the mmapped noise pool), never joined.

    ids = TokenPieces([pool_view, fact_ids, pool_view, question_ids])
    len(ids)            # total tokens
    ids[4096:4595]      # int32 copy of that range only
    ids.value_range()   # (min, max) without joining
    np.asarray(ids)     # the whole sequence, joined (what a short sample may afford)

A 10M-token sample over a 2M-token pool is a few dozen views of the pool's
``ids.bin`` plus the facts and the question: its memory is the number of pieces,
not the number of tokens. The evaluator hands such a sample to a model that
streams segment by segment (``rmt_bench.data.StreamedIds``), so peak memory
stays flat with sample length.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


class TokenPieces:
    """An immutable int32 sequence stored as a list of 1-D pieces; slices copy only their range."""

    def __init__(self, pieces: Iterable[Any]) -> None:
        kept: list[np.ndarray] = []
        for piece in pieces:
            array = np.asarray(piece)
            if array.ndim != 1:
                raise ValueError("every piece of a TokenPieces must be one-dimensional")
            if len(array):
                kept.append(array)
        self.pieces: tuple[np.ndarray, ...] = tuple(kept)
        # starts[i]: offset of piece i; starts[-1]: the total length
        self.starts = np.cumsum([0, *(len(p) for p in kept)], dtype=np.int64)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __repr__(self) -> str:
        return f"TokenPieces({len(self)} tokens in {len(self.pieces)} pieces)"

    def __add__(self, other: Any) -> TokenPieces:
        extra = other.pieces if isinstance(other, TokenPieces) else (other,)
        return TokenPieces((*self.pieces, *extra))

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError("TokenPieces supports slices only, e.g. ids[start:end]")
        start, stop, step = key.indices(len(self))
        if step != 1:
            raise ValueError("TokenPieces slices must have step 1")
        if stop <= start:
            return np.zeros(0, dtype=np.int32)
        first = int(np.searchsorted(self.starts, start, side="right")) - 1
        last = int(np.searchsorted(self.starts, stop, side="left")) - 1
        parts = []
        for i in range(first, last + 1):
            base = int(self.starts[i])
            parts.append(self.pieces[i][max(start - base, 0) : stop - base])
        return np.concatenate(parts).astype(np.int32, copy=False)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        joined = self[0 : len(self)]
        return joined if dtype is None else joined.astype(dtype, copy=False)

    def value_range(self) -> tuple[int, int] | None:
        """(smallest, largest) id, or None when empty, scanning the pieces without joining."""
        if not self.pieces:
            return None
        return min(int(p.min()) for p in self.pieces), max(int(p.max()) for p in self.pieces)
