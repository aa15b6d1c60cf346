"""ARMT checkpoints through transformers' Auto classes (``model_type = "armt"``), no remote code.

    import rmt_bench                                   # registers "rmt" and "armt"
    from transformers import AutoConfig, AutoModel
    AutoConfig.from_pretrained("ckpt/armt")            # ARMTHFConfig: kind, config, extra, ...
    model = AutoModel.from_pretrained("ckpt/armt")     # an rmt_bench.rmt.armt.ARMT

The RMT's registration (``rmt_bench/hf_auto.py``) with ARMT's classes: an ARMT
checkpoint directory is an RMT one with ``"kind": "armt"`` and
``"model_type": "armt"`` (``rmt_bench/rmt/checkpoint.py``), loaded with
``ARMT.from_pretrained``. Registered by ``rmt_bench/auto_hook.py`` when
transformers' auto modules load; nothing here imports torch at module level.
"""

from __future__ import annotations

import logging
from typing import Any

from rmt_bench.hf_auto import RMTAutoModel, RMTHFConfig

log = logging.getLogger(__name__)

MODEL_TYPE = "armt"


class ARMTHFConfig(RMTHFConfig):
    """The ``config.json`` of an ARMT checkpoint as a transformers config."""

    model_type = MODEL_TYPE

    def __init__(self, kind: str = "armt", **kwargs: Any) -> None:
        super().__init__(kind=kind, **kwargs)

    def rmt_config(self) -> Any:
        """The ``ARMTConfig`` this checkpoint rebuilds (key size, nu and the RMT's options)."""
        from rmt_bench.rmt.armt import ARMTConfig

        return ARMTConfig.from_dict(self.config)


class ARMTAutoModel(RMTAutoModel):
    """What ``AutoModel`` calls for ``model_type = "armt"``: returns an ``ARMT``."""

    config_class = ARMTHFConfig

    @classmethod
    def model_class(cls) -> Any:
        from rmt_bench.rmt.armt import ARMT

        return ARMT


def register_configuration() -> None:
    """Register ``model_type = "armt"`` with ``AutoConfig`` (idempotent)."""
    from transformers import AutoConfig

    AutoConfig.register(MODEL_TYPE, ARMTHFConfig, exist_ok=True)


def register_model() -> None:
    """Register ``ARMTAutoModel`` with ``AutoModel`` (idempotent)."""
    from transformers import AutoModel

    register_configuration()
    AutoModel.register(ARMTHFConfig, ARMTAutoModel, exist_ok=True)
