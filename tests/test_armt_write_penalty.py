"""``--armt-write-penalty``: loss + lambda x mean write gate over the BPTT window, training only."""

from __future__ import annotations

import pytest
import torch
from tiny_armt import IDS, LABELS, TINY_OPTIONS, gates_by_step, tiny_armt  # tests/ on sys.path

from generators.errors import BenchInputError
from rmt_bench.rmt.gate_objectives import WriteGateTally
from rmt_bench.rmt.wrapper import bptt_window_start
from rmt_bench.train.config import resolve_train_config
from rmt_bench.train.models import model_kind
from rmt_bench.train.summary import run_summary


def test_the_loss_grows_by_lambda_times_the_mean_gate() -> None:
    model = tiny_armt().train()
    plain = model(IDS, labels=LABELS).loss
    model.write_penalty = 0.5
    penalized = model(IDS, labels=LABELS).loss
    # expected: the mean over every (segment, layer) write of that write's mean gate
    means = [g.float().mean() for step in gates_by_step(model) for g in step]
    expected = plain + 0.5 * torch.stack(means).mean()
    torch.testing.assert_close(penalized, expected, rtol=1e-5, atol=1e-6)
    assert model.cell.tally is None  # released after the pass


def test_only_the_bptt_window_is_tallied() -> None:
    model = tiny_armt(bptt_depth=1).train()
    plain = model(IDS, labels=LABELS).loss
    model.write_penalty = 2.0
    penalized = model(IDS, labels=LABELS).loss
    steps = gates_by_step(model)
    # the batch is aligned at its last segment: the last step runs both rows, and it is
    # the only step inside a window of depth 1
    expected = plain + 2.0 * torch.stack([g.float().mean() for g in steps[-1]]).mean()
    torch.testing.assert_close(penalized, expected, rtol=1e-5, atol=1e-6)


def test_the_penalty_pushes_every_gate_down() -> None:
    model = tiny_armt(bptt_depth=1).train()
    model.write_penalty = 1.0
    model(IDS, labels=LABELS).loss.backward()
    with_penalty = {n: p.grad.clone() for n, p in model.named_parameters() if ".beta." in n}
    model.zero_grad()
    model.write_penalty = 0.0
    model(IDS, labels=LABELS).loss.backward()
    # with depth 1 the task loss cannot reach the gates (the write acts on later segments);
    # the penalty alone does, and descending it lowers every bias
    for name, grad in with_penalty.items():
        plain = model.get_parameter(name).grad
        assert plain is None or torch.count_nonzero(plain) == 0, name
        if name.endswith("bias"):
            assert (grad > 0).all(), name


def test_evaluation_and_no_grad_never_pay_it() -> None:
    model = tiny_armt().train()
    model.write_penalty = 3.0
    with torch.no_grad():
        no_grad = model(IDS, labels=LABELS).loss
    model.write_penalty = 0.0
    with torch.no_grad():
        plain = model(IDS, labels=LABELS).loss
    torch.testing.assert_close(no_grad, plain)
    model.eval()
    torch.testing.assert_close(model(IDS, labels=LABELS).loss, plain)
    model.write_penalty = 3.0
    torch.testing.assert_close(model(IDS, labels=LABELS).loss, plain)  # eval mode
    model.train()
    assert model(IDS).loss is None  # no labels, nothing to add to


def test_recompute_gives_the_same_penalized_gradients() -> None:
    grads = []
    for recompute in (False, True):
        torch.manual_seed(0)
        model = tiny_armt(recompute_segments=recompute).train()
        model.write_penalty = 1.0
        model(IDS, labels=LABELS).loss.backward()
        grads.append({n: p.grad for n, p in model.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys()
    for name in grads[0]:
        torch.testing.assert_close(grads[1][name], grads[0][name], rtol=1e-5, atol=1e-7)


def test_tally_records_only_while_open() -> None:
    tally = WriteGateTally()
    tally.add(torch.ones(2, 3))
    assert tally.count == 0 and tally.mean() is None
    tally.open = True
    tally.add(torch.full((2, 3), 0.2))
    tally.add(torch.tensor([[0.4, 0.4], [0.4, 0.4]]))
    assert tally.count == 2
    torch.testing.assert_close(tally.mean(), torch.tensor(0.3))


@pytest.mark.parametrize(
    ("step", "steps", "depth", "inside"),
    [(0, 4, None, True), (0, 4, 1, False), (3, 4, 1, True), (1, 4, 3, True), (0, 4, 3, False)],
)
def test_bptt_window(step: int, steps: int, depth: int | None, inside: bool) -> None:
    assert (step >= bptt_window_start(steps, depth)) is inside


def test_the_flag_reaches_the_model_and_the_summary() -> None:
    cfg = resolve_train_config(
        overrides={**TINY_OPTIONS, "model_kind": "armt", "armt_write_penalty": 0.25}
    )
    model = model_kind("armt").build(cfg, ("a", "b"))
    assert model.write_penalty == 0.25
    assert "loss + 0.25 x mean write gate" in run_summary(cfg, model, [])
    plain = resolve_train_config(overrides={**TINY_OPTIONS, "model_kind": "armt"})
    assert model_kind("armt").build(plain, ("a", "b")).write_penalty == 0.0


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"armt_write_penalty": -0.1}, "--armt-write-penalty must be a finite number >= 0"),
        ({"armt_write_penalty": float("nan")}, "--armt-write-penalty must be a finite number"),
        ({"armt_write_penalty": float("inf")}, "--armt-write-penalty must be a finite number"),
        (
            {"model_kind": "rmt", "armt_write_penalty": 0.1},
            "--armt-write-penalty applies to --model-kind armt only",
        ),
    ],
)
def test_bad_penalty_is_one_clear_error(values: dict, needle: str) -> None:
    with pytest.raises(BenchInputError) as error:
        resolve_train_config(overrides={**TINY_OPTIONS, "model_kind": "armt", **values})
    assert needle in str(error.value) and "\n" not in str(error.value)
