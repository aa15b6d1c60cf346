"""One layer's associative memory of ARMT (Rodkin et al. 2024): DPFP keys, delta-rule writes.

    unit = AssociativeMemory(hidden_size=64, key_size=32, nu=3, seed=0)
    A, z = unit.zero_state(batch=2)               # A (B, H, P), z (B, P); P = 2 * key_size * nu
    x = x + unit.read(A, z, x)                    # x (B, T, H): every token entering the layer
    A, z = unit.write(A, z, memory_states)        # memory_states (B, M, H) after a segment

The state of one layer is a matrix ``A`` (d_model x d_phi) and a normalisation
vector ``z`` (d_phi), both zero at the start of a sample:

    phi(k)   = DPFP_nu(k): r = ReLU([k, -k]) in R^(2d), phi_(i,j) = r_i * r_((i+j) mod 2d),
               j = 1..nu, so d_phi = 2 d nu (``dpfp``)
    read     q = W_Q x;  x <- x + A phi(q) / (z^T phi(q))              (``associative_read``)
    write    k = W_K m, v = W_V m, beta = sigmoid(W_beta m) for each memory state m:
             v_old = A phi(k) / (z^T phi(k))
             A <- A + beta (v - v_old) phi(k)^T                        (delta rule)
             gamma = 1 - z^T phi(k) / ||phi(k)||^2;  z <- z + gamma phi(k)   (``delta_write``)

Guards: where ``z^T phi`` is 0 (the zero state, or a key that shares no feature
with anything stored) a read returns exactly 0, so a zero state leaves the layer
input, and so the plain layer output, bit for bit unchanged. ``gamma`` is clipped
to [0, 1] (as in the authors' code) so that ``z`` stays non-negative and the
denominators, sums of products of non-negative features, are never negative.
The M memory states of one segment are written together: every ``v_old`` and
``gamma`` is taken against the state before the segment's write (for orthogonal
keys that equals writing them one by one).

Only ``einsum``/``Linear`` calls do matrix work here (the FLOPs model in
``rmt_bench.flops_armt`` counts exactly those); norms, gates and sums are
element-wise.
"""

from __future__ import annotations

import math

import torch
from torch import nn

# Denominators at or below this are "nothing stored for this key": the read is 0.
_EMPTY = 1e-12


def dpfp(x: torch.Tensor, nu: int = 3) -> torch.Tensor:
    """Deterministic parameter-free projection: (..., d) -> (..., 2 d nu), non-negative.

    Feature ``(j - 1) * 2d + i`` is ``r_i * r_((i+j) mod 2d)``, ``r = ReLU([x, -x])``.
    """
    r = torch.relu(torch.cat([x, -x], dim=-1))  # (..., 2d)
    width = r.shape[-1]
    wrapped = torch.cat([r, r[..., :nu]], dim=-1)  # (..., 2d + nu): r_(k mod 2d)
    partners = wrapped.unfold(-1, width, 1)[..., 1:, :]  # (..., nu, 2d): windows from j = 1..nu
    return (r.unsqueeze(-2) * partners).flatten(-2)


def _guarded_ratio(numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
    """numerator (..., H) / denominator (...), exactly 0 where the denominator is ~0."""
    scale = torch.where(denominator > _EMPTY, denominator.clamp_min(_EMPTY).reciprocal(), 0.0)
    return numerator * scale.unsqueeze(-1)


def associative_read(A: torch.Tensor, z: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """A phi / (z^T phi) for A (B, H, P), z (B, P), phi (B, T, P) -> (B, T, H)."""
    numerator = torch.einsum("bhp,btp->bth", A, phi)
    denominator = torch.einsum("bp,btp->bt", z, phi)
    return _guarded_ratio(numerator, denominator)


def delta_write(
    A: torch.Tensor, z: torch.Tensor, phi: torch.Tensor, v: torch.Tensor, beta: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The new (A, z) after writing keys phi (B, M, P) with values v (B, M, H), gates beta (B, M).

    Returns new tensors (the inputs are not modified).
    """
    v_old = associative_read(A, z, phi)  # (B, M, H): what the keys recall now
    A = A + torch.einsum("bmh,bmp->bhp", beta.unsqueeze(-1) * (v - v_old), phi)
    recalled = torch.einsum("bp,bmp->bm", z, phi)  # z^T phi(k), (B, M)
    norm = phi.pow(2).sum(-1)  # ||phi(k)||^2, element-wise (no matmul)
    has_key = norm > _EMPTY
    gamma = torch.where(has_key, 1 - recalled / torch.where(has_key, norm, 1.0), 0.0)
    z = z + (gamma.clamp(0.0, 1.0).unsqueeze(-1) * phi).sum(1)
    return A, z


class AssociativeMemory(nn.Module):
    """The projections of one layer's associative memory; the state is passed in and out."""

    def __init__(self, hidden_size: int, key_size: int = 32, nu: int = 3, seed: int = 0) -> None:
        super().__init__()
        self.hidden_size, self.key_size, self.nu = hidden_size, key_size, nu
        self.phi_size = 2 * key_size * nu
        self.query = nn.Linear(hidden_size, key_size, bias=False)  # W_Q
        self.key = nn.Linear(hidden_size, key_size, bias=False)  # W_K
        self.value = nn.Linear(hidden_size, hidden_size, bias=False)  # W_V
        self.beta = nn.Linear(hidden_size, 1)  # W_beta (with bias: beta = 0.5 at init)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            # keys and queries of unit scale; small values so that a fresh model's reads
            # barely move the residual stream (as the backbone's own 0.02 init)
            for layer, std in (
                (self.query, 1 / math.sqrt(hidden_size)),
                (self.key, 1 / math.sqrt(hidden_size)),
                (self.value, 0.02),
                (self.beta, 0.02),
            ):
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * std)
            self.beta.bias.zero_()

    def zero_state(
        self, batch: int, dtype: torch.dtype | None = None, device: torch.device | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A (B, H, P) and z (B, P), all zero."""
        dtype = dtype or self.value.weight.dtype
        device = device or self.value.weight.device
        return (
            torch.zeros(batch, self.hidden_size, self.phi_size, dtype=dtype, device=device),
            torch.zeros(batch, self.phi_size, dtype=dtype, device=device),
        )

    def read(self, A: torch.Tensor, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """What the memory adds to x (B, T, H): A phi(W_Q x) / (z^T phi(W_Q x)), in x's dtype."""
        phi = dpfp(self.query(x), self.nu).to(A.dtype)
        return associative_read(A, z, phi).to(x.dtype)

    def gate(self, memory_states: torch.Tensor) -> torch.Tensor:
        """The write gates beta = sigmoid(W_beta m), (B, M), for memory_states (B, M, H)."""
        return torch.sigmoid(self.beta(memory_states)).squeeze(-1)

    def write(
        self,
        A: torch.Tensor,
        z: torch.Tensor,
        memory_states: torch.Tensor,
        beta: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The new (A, z) after writing memory_states (B, M, H) (delta rule, see the module).

        ``beta`` (B, M): the gates if already computed (``gate``), else computed here.
        """
        phi = dpfp(self.key(memory_states), self.nu).to(A.dtype)
        v = self.value(memory_states).to(A.dtype)
        beta = self.gate(memory_states) if beta is None else beta
        return delta_write(A, z, phi, v, beta.to(A.dtype))
