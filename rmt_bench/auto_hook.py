"""Register the RMT with transformers' Auto classes without importing transformers ourselves.

    install()      # called by ``import rmt_bench``; cheap

``import rmt_bench`` must stay instant (``rmt-bench --help``), but after it
``AutoConfig.from_pretrained(ckpt)`` and ``AutoModel.from_pretrained(ckpt)`` must
know ``model_type = "rmt"`` (and ``"armt"``, ``rmt_bench/hf_auto_armt.py``). So: if transformers' auto modules are already
imported, register now; otherwise a meta-path finder waits for them and
registers right after each one finishes loading (``configuration_auto`` ->
AutoConfig, ``modeling_auto`` -> AutoModel). It touches nothing else.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

CONFIG_MODULE = "transformers.models.auto.configuration_auto"
MODEL_MODULE = "transformers.models.auto.modeling_auto"


def _register_configuration(_module: ModuleType | None = None) -> None:
    from rmt_bench import hf_auto, hf_auto_armt

    hf_auto.register_configuration()
    hf_auto_armt.register_configuration()


def _register_model(_module: ModuleType | None = None) -> None:
    from rmt_bench import hf_auto, hf_auto_armt

    hf_auto.register_model()
    hf_auto_armt.register_model()


HOOKS: dict[str, Callable[[ModuleType | None], None]] = {
    CONFIG_MODULE: _register_configuration,
    MODEL_MODULE: _register_model,
}


class _ThenRegister(importlib.abc.Loader):
    """A loader that runs the real one, then the registration hook."""

    def __init__(self, loader: Any, hook: Callable[[ModuleType | None], None]) -> None:
        self.loader = loader
        self.hook = hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        try:
            self.hook(module)
        except Exception:  # never break the user's transformers import
            log.warning("could not register the RMT with transformers' Auto classes", exc_info=True)

    def __getattr__(self, name: str) -> Any:  # get_source, get_code, ... for tracebacks
        return getattr(self.loader, name)


class _AutoFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of transformers' two auto modules."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        hook = HOOKS.get(fullname)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _ThenRegister(spec.loader, hook)
                return spec
        return None


def install() -> None:
    """Register now where transformers is loaded, else when it is (idempotent)."""
    if any(isinstance(finder, _AutoFinder) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, _AutoFinder())
    for name, hook in HOOKS.items():
        if name in sys.modules:
            hook(sys.modules[name])
