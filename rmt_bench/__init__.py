"""rmt-bench: a long-context memory benchmark built around the Recurrent Memory Transformer.

Importing this package is cheap: heavy libraries (torch, transformers) are
imported by the modules that need them, never at import time here. It does
make RMT and ARMT checkpoints loadable with ``transformers.AutoConfig`` / ``AutoModel``
(``model_type = "rmt"`` / ``"armt"``), registered when transformers' auto classes load.
"""

__version__ = "0.1.0"


def _install_auto_classes() -> None:
    # model_type "rmt" / "armt" for transformers' AutoConfig / AutoModel, registered when they load
    from rmt_bench.auto_hook import install

    install()


_install_auto_classes()
