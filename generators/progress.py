"""Silence the progress bars of the Hugging Face libraries for a block (``--no-progress``).

    with progress_bars(enabled=False):     # no "Generating train split", "Saving the
        rows = load_samples("data/dm")     # dataset", "Map" or download bars in here

rmt-bench's own bars take ``disable=not progress``; the libraries' bars (``datasets``,
``huggingface_hub``, ``transformers``) follow process-wide switches, which this turns
off inside the block and restores after it. ``enabled=True`` changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def progress_bars(enabled: bool) -> Iterator[None]:
    """With ``enabled`` False, no library progress bar shows inside the block."""
    if enabled:
        yield
        return
    import datasets
    from huggingface_hub import utils as hub_utils

    restore = []
    if datasets.is_progress_bar_enabled():
        datasets.disable_progress_bars()
        restore.append(datasets.enable_progress_bars)
    if not hub_utils.are_progress_bars_disabled():
        hub_utils.disable_progress_bars()
        restore.append(hub_utils.enable_progress_bars)
    from transformers.utils import logging as transformers_logging

    if transformers_logging.is_progress_bar_enabled():
        transformers_logging.disable_progress_bar()
        restore.append(transformers_logging.enable_progress_bar)
    try:
        yield
    finally:
        for undo in reversed(restore):
            undo()
