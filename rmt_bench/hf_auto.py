"""RMT checkpoints through transformers' Auto classes (``model_type = "rmt"``), no remote code.

    import rmt_bench                                   # registers (see rmt_bench/auto_hook.py)
    from transformers import AutoConfig, AutoModel
    AutoConfig.from_pretrained("ckpt/dm")              # RMTHFConfig: kind, config, extra, ...
    model = AutoModel.from_pretrained("ckpt/dm")       # an rmt_bench.rmt.RMT, ready to predict

``RMTHFConfig`` is a ``PreTrainedConfig`` view of a checkpoint's ``config.json``;
``RMTAutoModel`` is the class registered with ``AutoModel``: its ``from_pretrained``
loads the directory (or a hub repo, downloaded first) with ``RMT.from_pretrained``,
so the checkpoint layout stays the one in ``checkpoint.py``. Nothing here imports
torch at module level; ``trust_remote_code`` is never needed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from transformers import PreTrainedConfig

log = logging.getLogger(__name__)

MODEL_TYPE = "rmt"


class RMTHFConfig(PreTrainedConfig):
    """The ``config.json`` of an RMT checkpoint as a transformers config."""

    model_type = MODEL_TYPE

    def __init__(
        self,
        kind: str = "rmt",
        format: int = 1,  # noqa: A002 - the checkpoint's key
        config: dict[str, Any] | None = None,
        segment_size: int | None = None,
        tokenizer: str | None = None,
        extra: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.kind = kind
        self.format = format
        self.config = dict(config or {})
        self.segment_size = segment_size
        self.tokenizer = tokenizer
        self.extra = dict(extra or {})
        super().__init__(**kwargs)

    def rmt_config(self) -> Any:
        """The ``RMTConfig`` this checkpoint rebuilds."""
        from rmt_bench.rmt.config import RMTConfig

        return RMTConfig.from_dict(self.config)


def _local_directory(name: str | os.PathLike[str], **hub_kwargs: Any) -> Path:
    """A local folder of the checkpoint: ``name`` itself, or a hub repo downloaded."""
    path = Path(name)
    if path.is_dir():
        return path
    from huggingface_hub import snapshot_download

    wanted = {k: hub_kwargs[k] for k in ("revision", "token", "cache_dir") if hub_kwargs.get(k)}
    return Path(snapshot_download(str(name), **wanted))


class RMTAutoModel:
    """What ``AutoModel`` calls for ``model_type = "rmt"``: returns an ``RMT``."""

    config_class = RMTHFConfig

    @classmethod
    def model_class(cls) -> Any:
        """The memory model this checkpoint type loads (subclasses return their own)."""
        from rmt_bench.rmt.wrapper import RMT

        return RMT

    @classmethod
    def from_pretrained(
        cls, pretrained_model_name_or_path: str | os.PathLike[str], *args: Any, **kwargs: Any
    ) -> Any:
        model_class = cls.model_class()
        if kwargs.get("trust_remote_code"):
            log.info(
                "trust_remote_code is not needed for %s checkpoints and is ignored",
                model_class.__name__,
            )
        directory = _local_directory(pretrained_model_name_or_path, **kwargs)
        device = kwargs.get("device_map")
        return model_class.from_pretrained(
            directory, device=device if isinstance(device, str) else None
        )

    @classmethod
    def from_config(cls, config: RMTHFConfig, **kwargs: Any) -> Any:
        """A fresh (untrained) model of the config's own config class."""
        return cls.model_class()(config.rmt_config())

    @classmethod
    def _from_config(cls, config: RMTHFConfig, **kwargs: Any) -> Any:
        """What ``AutoModel.from_config`` calls (transformers 5)."""
        return cls.from_config(config, **kwargs)


def register_configuration() -> None:
    """Register ``model_type = "rmt"`` with ``AutoConfig`` (idempotent)."""
    from transformers import AutoConfig

    AutoConfig.register(MODEL_TYPE, RMTHFConfig, exist_ok=True)


def register_model() -> None:
    """Register ``RMTAutoModel`` with ``AutoModel`` (idempotent)."""
    from transformers import AutoModel

    register_configuration()
    AutoModel.register(RMTHFConfig, RMTAutoModel, exist_ok=True)
