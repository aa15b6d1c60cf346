"""Sample generators: bAbI facts hidden in long noise text, exact in tokens, no torch.

Public API (imported lazily, so ``import generators`` is instant):

    from generators import build_sample, build_dataset, parse_length, encode_text
    row = build_sample("reasoning", length="4k", seed=0, index=0)   # one row (a dict)
    ids = sample_token_ids("minilm", row)      # context ids + question ids, len == row["length"]
    task_labels("memorize")                    # the six rooms, in a fixed order

See ``docs/interfaces.md`` for the row fields and ``generators/build.py`` for the layout.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "parse_length": "generators.lengths",
    "format_length": "generators.lengths",
    "encode_text": "generators.tokens",
    "encode_batch": "generators.tokens",
    "sample_token_ids": "generators.tokens",
    "resolve_tokenizer": "generators.tokens",
    "task_labels": "generators.tasks",
    "get_task": "generators.tasks",
    "TaskSpec": "generators.tasks",
    "TASKS": "generators.tasks",
    "build_sample": "generators.build",
    "verify_sample": "generators.build",
    "build_dataset": "generators.dataset",
    "load_samples": "generators.dataset",
    "load_pool": "generators.noise_sources",
    "BenchInputError": "generators.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'generators' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
