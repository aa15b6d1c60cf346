"""``--compile``: ``torch.compile`` the memory cell (one segment step) of a recurrent model.

    compiled = compile_memory_cell(model)    # True if the model has a memory cell (RMT, ARMT)

The cell is compiled in place (``nn.Module.compile``), so parameter names,
``state_dict`` and saved checkpoints stay those of the eager model; shapes are
marked dynamic because the first segment of a sample is shorter than the rest.
Compilation happens on the first call and costs seconds to minutes: it pays
off only on long inputs. ``benchmarks/bench_compile.py`` measures compile time
and throughput against eager. Off by default.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def compile_memory_cell(model: Any, backend: str = "inductor") -> bool:
    """Compile ``model.cell`` in place; False (and a warning) when the model has no cell.

    ``backend`` is torch.compile's (``"eager"`` traces without generating code: tests).
    """
    from torch import nn

    cell = getattr(model, "cell", None)
    if not isinstance(cell, nn.Module):
        log.warning("--compile: a %s has no memory cell; running eagerly", type(model).__name__)
        return False
    cell.compile(dynamic=True, backend=backend)
    log.info("--compile: the memory cell compiles on its first segment")
    return True
