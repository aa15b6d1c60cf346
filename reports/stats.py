"""Binomial confidence intervals for accuracies, and a paired test of two models.

    low, high = wilson_interval(correct=58, n=64)     # 95% Wilson score interval, in [0, 1]
    p = sign_test(gained=13, lost=4)                  # two-sided exact sign test: 0.049

The Wilson interval (Wilson 1927) stays inside [0, 1] and keeps its coverage near
0% and 100% accuracy, where the normal ("Wald") interval collapses to a point.
"""

from __future__ import annotations

import math

Z_95 = 1.959963984540054  # two-sided 95% quantile of the standard normal


def wilson_interval(correct: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of ``correct`` successes in ``n`` trials; (nan, nan) if n == 0."""
    if n <= 0:
        return math.nan, math.nan
    if not 0 <= correct <= n:
        raise ValueError(f"correct={correct} is outside 0..{n}")
    p = correct / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if correct == 0 else max(0.0, centre - half)  # exact 0 / 1 at the ends, where
    high = 1.0 if correct == n else min(1.0, centre + half)  # rounding leaves ~1e-17 residues
    return low, high


def sign_test(gained: int, lost: int) -> float:
    """Two-sided exact sign test of two models on the same samples.

    ``gained``: samples the second model gets right and the first wrong; ``lost``: the
    reverse. Ties (both right or both wrong) carry no information and are left out. The
    p value is twice the smaller binomial tail at 1/2, capped at 1; 1.0 when they never
    differ.
    """
    if gained < 0 or lost < 0:
        raise ValueError(f"gained={gained} and lost={lost} must not be negative")
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)
