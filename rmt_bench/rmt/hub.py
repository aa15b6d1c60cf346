"""Upload an RMT checkpoint directory (weights, config, card) to a Hugging Face model repo.

    url = push_checkpoint("ckpt/dm", "me/rmt-dm", private=True)   # a folder already saved
    url = model.push_to_hub("me/rmt-dm")                          # saves, then uploads

The folder goes up as saved by ``save_pretrained`` (``config.json`` with
``model_type = "rmt"``, ``rmt.safetensors``, ``backbone/``, ``tokenizer/``,
``README.md``), so ``AutoModel.from_pretrained("me/rmt-dm")`` loads it after
``import rmt_bench``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from generators.hub import upload_folder

log = logging.getLogger(__name__)


def push_checkpoint(
    directory: str | os.PathLike[str],
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
) -> str:
    """Create (or reuse) model repo ``repo_id`` and upload ``directory``; returns its URL."""
    from rmt_bench.rmt.checkpoint import read_meta

    directory = Path(directory)
    read_meta(directory)  # an RMT checkpoint, or one clear error
    url = upload_folder(
        directory,
        repo_id,
        repo_type="model",
        private=private,
        token=token,
        ignore=[".*"],
        message="rmt-bench checkpoint",
    )
    log.info("pushed %s to %s", directory, url)
    return str(url)
