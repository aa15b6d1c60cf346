"""The noise sources rmt-bench uses when none is given: natural text, split by book.

Item 3 of issue 10: a model trained on the built-in generator's English loses 25 to 56
points on real books (docs/experiments.md), so the offline default is natural text that
pip installs (``books``, ``generators.noise_books``), split by document so that a model
trained with the defaults is tested on books it never read:

    TRAIN_NOISE  ``rmt-bench train`` (and the training steps of ``rmt-bench figures``)
    TEST_NOISE   ``rmt-bench generate``, ``eval`` and ``attention``

``builtin`` stays available (``--noise builtin``): fast to prepare for any tokenizer, and
what the test suite uses where the noise text does not matter.
"""

from __future__ import annotations

TRAIN_NOISE = "books?split=train"
TEST_NOISE = "books?split=test"
