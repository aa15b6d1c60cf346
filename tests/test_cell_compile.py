"""--compile: the memory cell compiled in place gives the eager answers and the same weights."""

from __future__ import annotations

import logging

import torch

from rmt_bench.cell_compile import compile_memory_cell
from rmt_bench.rmt import RMT, RMTConfig


def test_compiled_cell_matches_eager_and_keeps_parameter_names() -> None:
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16)).eval()
    generator = torch.Generator().manual_seed(0)
    ids = [torch.randint(1000, 5000, (n,), generator=generator) for n in (50, 23)]
    eager = model.stream_logits(ids)
    names = list(model.state_dict())
    # "eager" traces the cell with dynamo but generates no code: seconds, no compiler
    assert compile_memory_cell(model, backend="eager") is True
    assert list(model.state_dict()) == names  # checkpoints stay loadable by eager models
    assert torch.allclose(model.stream_logits(ids), eager, atol=1e-5)


def test_a_model_without_a_memory_cell_runs_eagerly(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="rmt_bench.cell_compile"):
        assert compile_memory_cell(torch.nn.Linear(2, 2)) is False
    assert "no memory cell" in caplog.text
