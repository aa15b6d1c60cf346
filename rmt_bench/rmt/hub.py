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

from generators.errors import BenchInputError

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
    if repo_id.count("/") > 1 or not repo_id.strip("/"):
        raise BenchInputError(f"bad hub repo {repo_id!r}: give NAME or OWNER/NAME")
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    try:
        url = api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        api.upload_folder(
            folder_path=str(directory),
            repo_id=repo_id,
            repo_type="model",
            ignore_patterns=[".*"],
            commit_message="rmt-bench checkpoint",
        )
    except Exception as error:  # the network boundary: HTTP, auth and connection errors
        raise BenchInputError(
            f"push to the hub repo {repo_id!r} failed: {type(error).__name__}: {error}"
        ) from error
    log.info("pushed %s to %s", directory, url)
    return str(url)
