"""Extend a backbone's learned absolute position embeddings beyond its trained limit.

    n_old = extend_positions(model, 1_048_576)   # BERT family and GPT-2; returns the old limit
    model(input_ids, position_ids=torch.arange(n)[None], token_type_ids=zeros)  # pass both

The table is extended by *tiling* (Longformer-style copy initialisation): position
``p`` reads row ``p mod n_old`` of the original table. The tiled table is never
materialised (a 2M x 384 table would take 3 GB): the embedding module is replaced
by ``TiledPositionEmbedding``, which indexes the original weight, so the state
dict and its parameter name are unchanged. Callers must pass ``position_ids``
(and, for BERT, ``token_type_ids``) explicitly, because the models' own cached
``position_ids`` / ``token_type_ids`` buffers stop at the old limit.
"""

from __future__ import annotations

import torch
from torch import nn

from generators.errors import BenchInputError


class TiledPositionEmbedding(nn.Module):
    """``weight[position_ids % n_old]``: the learned table repeated to any length."""

    def __init__(self, original: nn.Embedding) -> None:
        super().__init__()
        self.weight = original.weight  # same Parameter: (n_old, hidden)
        self.num_embeddings = original.num_embeddings

    def forward(self, position_ids: torch.Tensor) -> torch.Tensor:
        # position_ids: (batch, seq) -> (batch, seq, hidden)
        return nn.functional.embedding(position_ids % self.num_embeddings, self.weight)


def _position_module(model: nn.Module) -> tuple[nn.Module, str]:
    """(owner, attribute) of the absolute position embedding of a BERT-like or GPT-2 model."""
    embeddings = getattr(model, "embeddings", None)
    if embeddings is not None and isinstance(
        getattr(embeddings, "position_embeddings", None), (nn.Embedding, TiledPositionEmbedding)
    ):
        return embeddings, "position_embeddings"
    if isinstance(getattr(model, "wpe", None), (nn.Embedding, TiledPositionEmbedding)):
        return model, "wpe"
    raise BenchInputError(
        f"cannot extend the positions of a {type(model).__name__}: only learned absolute "
        "position tables (BERT family, GPT-2) are supported"
    )


def extend_positions(model: nn.Module, max_positions: int) -> int:
    """Let ``model`` (a bare ``AutoModel``) read ``max_positions`` positions; return the old limit.

    The model's config is left as it was (it still describes the saved weights);
    the caller tracks the new limit.
    """
    owner, name = _position_module(model)
    table = getattr(owner, name)
    n_old = int(table.num_embeddings)
    if max_positions <= n_old:
        return n_old
    if isinstance(table, nn.Embedding):
        if table.padding_idx not in (None, 0):  # RoBERTa-style offset position ids
            raise BenchInputError(
                f"cannot tile the positions of {type(model).__name__}: its position ids are offset"
            )
        setattr(owner, name, TiledPositionEmbedding(table))
    return n_old
