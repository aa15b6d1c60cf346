"""ARMT's forward FLOPs: the RMT's (``rmt_bench.flops``) plus the associative memory's terms.

    from rmt_bench.flops import RMTLayout, TransformerShape
    from rmt_bench.flops_armt import armt_extra, armt_flops
    layout = RMTLayout.encoder_for_input(512, 10)
    extra = armt_extra(shape, 2**21, layout, key_size=32, nu=3)     # ARMTExtra (read, write)
    total = armt_flops(shape, 2**21, layout, key_size=32, nu=3)     # RMT + extra

ARMT (``rmt_bench.rmt.armt``) runs the RMT's segments and, in each of the
``n`` layers, reads its associative memory at every one of the ``T`` backbone
positions of a segment (``layout.input_size``) and writes the ``m`` memory
tokens' states into it. With width ``d``, key size ``k`` and ``P = 2 k nu``
DPFP features, a multiply-add being 2 FLOPs, per layer and segment:

    read   W_Q x              2 T d k
           A phi(q)           2 T d P
           z^T phi(q)         2 T P
    write  W_K m, W_V m       2 m d k + 2 m d d
           W_beta m           2 m d
           A phi(k)           2 m d P       (v_old)
           z^T phi(k)         2 * 2 m P     (once for v_old, once for gamma)
           A update           2 m d P       (sum over m of beta (v - v_old) phi(k)^T)

    extra = n * segments-weighted sum of (read + write)

Every term is a matrix product, so ``Counting`` (embeddings, softmax, logits)
does not change them, and ``torch.utils.flop_counter.FlopCounterMode`` sees
exactly these (``rmt_bench.flop_check.armt_agreement_rows``: ARMT minus the
same RMT, counted, equals ``extra`` to the FLOP). Element-wise work is not
counted, as Chinchilla leaves out norms and biases: DPFP's ReLU and products,
the divisions, beta's sigmoid, ``||phi(k)||^2``, gamma, the ``z`` update and the
residual add of the read. The write also runs on the last segment (its result
is unused by the classifier) and the read on the first (the state is zero
there), as the implementation does.
"""

from __future__ import annotations

from dataclasses import dataclass

from generators.errors import BenchInputError
from rmt_bench.flops import (
    CHINCHILLA,
    Counting,
    RMTLayout,
    TransformerShape,
    rmt_flops,
    segment_sizes,
)


@dataclass(frozen=True)
class ARMTExtra:
    """FLOPs ARMT adds to the RMT over one sample (all layers and segments summed)."""

    read: float = 0.0
    write: float = 0.0

    @property
    def total(self) -> float:
        return self.read + self.write


def armt_extra(
    shape: TransformerShape, length: int, layout: RMTLayout, key_size: int = 32, nu: int = 3
) -> ARMTExtra:
    """The associative memory's FLOPs over ``length`` task tokens (see the module docstring)."""
    if key_size < 1 or nu < 1:
        raise BenchInputError(f"ARMT key_size and nu must be >= 1, got {key_size}, {nu}")
    d, k, n, m = shape.hidden, key_size, shape.layers, layout.memory_tokens
    P = 2 * k * nu
    read = write = 0.0
    for tokens, count in segment_sizes(length, layout.segment_tokens):
        T = layout.input_size(tokens)
        read += count * n * (2 * T * d * k + 2 * T * d * P + 2 * T * P)
        write += count * n * (2 * m * d * (k + d + 1) + 2 * 2 * m * d * P + 4 * m * P)
    return ARMTExtra(read=float(read), write=float(write))


def armt_flops(
    shape: TransformerShape,
    length: int,
    layout: RMTLayout,
    key_size: int = 32,
    nu: int = 3,
    counting: Counting = CHINCHILLA,
) -> float:
    """FLOPs of one ARMT forward over ``length`` task tokens: the RMT's plus ``armt_extra``."""
    return (
        rmt_flops(shape, length, layout, counting)
        + armt_extra(shape, length, layout, key_size, nu).total
    )
