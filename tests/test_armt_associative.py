"""One layer's associative memory (``rmt_bench.rmt.associative``): DPFP, delta rule, guards."""

from __future__ import annotations

import torch

from rmt_bench.rmt.associative import AssociativeMemory, associative_read, delta_write, dpfp


def test_dpfp_follows_the_formula() -> None:
    x = torch.tensor([0.5, -2.0, 1.5])
    nu = 2
    r = torch.relu(torch.cat([x, -x]))  # [0.5, 0, 1.5, 0, 2, 0]
    expected = [r[i] * r[(i + j) % 6] for j in range(1, nu + 1) for i in range(6)]
    assert torch.equal(dpfp(x, nu), torch.stack(expected))
    batch = torch.randn(2, 5, 4)
    phi = dpfp(batch, 3)
    assert phi.shape == (2, 5, 2 * 4 * 3) and bool((phi >= 0).all())


def _orthogonal_keys(count: int, size: int) -> torch.Tensor:
    """Keys whose DPFP features are orthogonal: disjoint pairs of neighbouring positive entries."""
    keys = torch.zeros(count, size)
    for i in range(count):
        keys[i, 4 * i : 4 * i + 2] = torch.tensor([1.0 + i, 0.5])
    return keys


def test_orthogonal_keys_are_stored_and_recalled_exactly() -> None:
    keys = _orthogonal_keys(3, 16)
    phi = dpfp(keys, 3).unsqueeze(0)  # (1, 3, P)
    gram = phi[0] @ phi[0].T
    assert torch.count_nonzero(gram - torch.diag(torch.diagonal(gram))) == 0  # orthogonal
    values = torch.randn(1, 3, 8)
    A, z = torch.zeros(1, 8, phi.shape[-1]), torch.zeros(1, phi.shape[-1])
    A, z = delta_write(A, z, phi, values, beta=torch.ones(1, 3))
    torch.testing.assert_close(associative_read(A, z, phi), values, rtol=1e-6, atol=1e-6)
    # one key at a time gives the same state (the batched write is exact for orthogonal keys)
    A1, z1 = torch.zeros_like(A), torch.zeros_like(z)
    for i in range(3):
        A1, z1 = delta_write(A1, z1, phi[:, i : i + 1], values[:, i : i + 1], torch.ones(1, 1))
    torch.testing.assert_close(A1, A)
    torch.testing.assert_close(z1, z)


def test_the_delta_rule_replaces_a_value_and_beta_gates_the_write() -> None:
    phi = dpfp(_orthogonal_keys(1, 8), 3).unsqueeze(0)  # (1, 1, P)
    v1, v2 = torch.randn(1, 1, 4), torch.randn(1, 1, 4)
    A, z = torch.zeros(1, 4, phi.shape[-1]), torch.zeros(1, phi.shape[-1])
    A, z = delta_write(A, z, phi, v1, torch.ones(1, 1))
    A, z = delta_write(A, z, phi, v2, torch.ones(1, 1))
    torch.testing.assert_close(associative_read(A, z, phi), v2)  # not v1 + v2
    torch.testing.assert_close(z, phi[:, 0])  # gamma = 0 for a key already stored
    half_A, half_z = delta_write(
        torch.zeros_like(A), torch.zeros_like(z), phi, v1, torch.full((1, 1), 0.5)
    )
    torch.testing.assert_close(associative_read(half_A, half_z, phi), 0.5 * v1)


def test_zero_state_and_unknown_keys_read_exactly_zero_with_finite_gradients() -> None:
    unit = AssociativeMemory(hidden_size=12, key_size=6, nu=3, seed=0)
    x = torch.randn(2, 5, 12, requires_grad=True)
    A, z = unit.zero_state(2)
    A.requires_grad_(True)
    out = unit.read(A, z, x)
    assert torch.equal(out, torch.zeros_like(out))
    assert torch.equal(x + out, x)  # the layer sees its plain input
    (out.sum() + (x + out).pow(2).sum()).backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(A.grad).all()
    # a stored key that shares no DPFP feature with the query also reads 0
    keys = _orthogonal_keys(2, 16)
    phi = dpfp(keys, 3)
    A2, z2 = delta_write(torch.zeros(1, 3, phi.shape[-1]), torch.zeros(1, phi.shape[-1]),
                         phi[None, :1], torch.randn(1, 1, 3), torch.ones(1, 1))  # fmt: skip
    assert torch.equal(associative_read(A2, z2, phi[None, 1:]), torch.zeros(1, 1, 3))


def test_module_write_then_read_recalls_through_its_projections() -> None:
    size = 16
    unit = AssociativeMemory(hidden_size=size, key_size=size, nu=3, seed=1)
    with torch.no_grad():
        unit.query.weight.copy_(torch.eye(size))
        unit.key.weight.copy_(torch.eye(size))
        unit.beta.weight.zero_()
        unit.beta.bias.fill_(40.0)  # sigmoid(40) == 1.0 in float32
    memory = _orthogonal_keys(3, size).unsqueeze(0)  # (1, 3, H)
    A, z = unit.write(*unit.zero_state(1), memory)
    recalled = unit.read(A, z, memory)
    torch.testing.assert_close(recalled, unit.value(memory), rtol=1e-5, atol=1e-6)


def test_z_stays_non_negative_under_random_writes() -> None:
    unit = AssociativeMemory(hidden_size=8, key_size=4, nu=2, seed=2)
    A, z = unit.zero_state(3)
    for _ in range(20):
        A, z = unit.write(A, z, torch.randn(3, 4, 8) * 3)
    assert bool((z >= 0).all()) and torch.isfinite(A).all()
    assert torch.isfinite(unit.read(A, z, torch.randn(3, 6, 8))).all()
