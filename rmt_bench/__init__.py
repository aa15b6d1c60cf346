"""rmt-bench: a long-context memory benchmark built around the Recurrent Memory Transformer.

Importing this package is cheap: heavy libraries (torch, transformers) are
imported by the modules that need them, never at import time here.
"""

__version__ = "0.1.0"
