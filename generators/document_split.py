"""The train / test split by document: alternate documents in their fixed order.

train = alternate_half(files, "train")   # documents 0, 2, 4, ...
test = alternate_half(files, "test")     # documents 1, 3, 5, ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

DOCUMENT_SPLITS = ("train", "test")
T = TypeVar("T")


def alternate_half(items: Sequence[T], split: str) -> list[T]:
    """Documents 0, 2, 4, ... for ``train`` and 1, 3, 5, ... for ``test``."""
    return list(items[0::2] if split == "train" else items[1::2])
