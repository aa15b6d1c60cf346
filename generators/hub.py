"""Upload a generated dataset folder to the Hugging Face hub, layout and card included.

    url = push_dataset("data/dm", "me/rmt-dm", private=True)   # needs `hf auth login` or HF_TOKEN

The folder is uploaded as it is (``data/``, ``README.md``, ``metadata.json``), so the
card's configs work on the hub: ``load_dataset("me/rmt-dm", "4k")``. Only complete
folders written by ``rmt-bench generate`` are pushed; temporaries are left out.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from generators.errors import BenchInputError

log = logging.getLogger(__name__)

IGNORE = [".*.tmp", ".*.tmp-dir/**", ".rmt-bench-*"]


def upload_folder(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    repo_type: str,
    private: bool,
    token: str | None,
    ignore: list[str],
    message: str,
) -> str:
    """Create (or reuse) hub repo ``repo_id`` of ``repo_type`` and upload ``folder``; its URL.

    The one network boundary of rmt-bench's hub uploads (datasets and checkpoints):
    a bad repo id or any HTTP, auth or connection error is one BenchInputError.
    """
    if repo_id.count("/") > 1 or not repo_id.strip("/"):
        raise BenchInputError(f"bad hub repo {repo_id!r}: give NAME or OWNER/NAME")
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    try:
        url = api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            repo_type=repo_type,
            ignore_patterns=ignore,
            commit_message=message,
        )
    except Exception as error:  # the network boundary: HTTP, auth and connection errors
        raise BenchInputError(
            f"push to the hub repo {repo_id!r} failed: {type(error).__name__}: {error}"
        ) from error
    return str(url)


def push_dataset(
    out: str | os.PathLike[str], repo_id: str, *, private: bool = False, token: str | None = None
) -> str:
    """Create (or reuse) dataset repo ``repo_id`` and upload ``out``; returns the repo URL."""
    from generators.dataset import METADATA

    out = Path(out)
    meta_path = out / METADATA
    if not meta_path.is_file():
        raise BenchInputError(f"{out} is not a generated dataset (no {METADATA}); nothing pushed")
    if not json.loads(meta_path.read_text(encoding="utf-8")).get("complete"):
        raise BenchInputError(f"{out} is incomplete: rerun its generate command before pushing")
    url = upload_folder(
        out,
        repo_id,
        repo_type="dataset",
        private=private,
        token=token,
        ignore=IGNORE,
        message="rmt-bench generate",
    )
    log.info("pushed %s to %s", out, url)
    return str(url)
