"""``--armt-gate-supervision``: loss + lambda x BCE(write gate, its segment holds a fact)."""

from __future__ import annotations

import pytest
import torch
from tiny_armt import IDS, LABELS, TINY_OPTIONS, gates_by_step, tiny_armt  # tests/ on sys.path

from generators import build_sample
from generators.errors import BenchInputError
from generators.tokens import encode_batch
from rmt_bench.data import fact_token_spans, sample_input_ids
from rmt_bench.rmt.armt import ARMT
from rmt_bench.rmt.gate_objectives import WriteGateTally, fact_targets
from rmt_bench.train.config import resolve_train_config
from rmt_bench.train.models import model_kind
from rmt_bench.train.summary import run_summary

# row 0: 4 segments [0,8) [8,16) [16,24) [24,32), a fact at tokens 10-12 (segment 1);
# row 1: 3 segments [0,3) [3,11) [11,19) (right-aligned), a fact across 9-13 (segments 1, 2)
SPANS = [[(10, 13)], [(9, 14)]]
# per step (aligned at the last segment): which rows run, and whether each holds a fact
FACT_BY_STEP = [{0: False}, {0: True, 1: False}, {0: False, 1: True}, {0: False, 1: True}]


def _expected_bce(model: ARMT, steps: range) -> torch.Tensor:
    fact: list[torch.Tensor] = []
    noise: list[torch.Tensor] = []
    for step, layers in enumerate(gates_by_step(model)):
        if step not in steps:
            continue
        for beta in layers:
            for position, is_fact in enumerate(FACT_BY_STEP[step].values()):
                gates = beta[position]
                if is_fact:
                    fact.append(-torch.log(gates))
                else:
                    noise.append(-torch.log(1 - gates))
    return (torch.cat(fact).mean() + torch.cat(noise).mean()) / 2


def test_the_loss_grows_by_lambda_times_the_balanced_bce() -> None:
    model = tiny_armt().train()
    plain = model(IDS, labels=LABELS).loss
    model.gate_supervision = 0.5
    supervised = model(IDS, labels=LABELS, fact_spans=SPANS).loss
    expected = plain + 0.5 * _expected_bce(model, range(4))
    torch.testing.assert_close(supervised, expected, rtol=1e-5, atol=1e-6)
    assert model.cell.tally is None  # released after the pass


def test_only_the_bptt_window_is_supervised() -> None:
    model = tiny_armt(bptt_depth=2).train()
    plain = model(IDS, labels=LABELS).loss
    model.gate_supervision = 2.0
    supervised = model(IDS, labels=LABELS, fact_spans=SPANS).loss
    torch.testing.assert_close(
        supervised, plain + 2.0 * _expected_bce(model, range(2, 4)), rtol=1e-5, atol=1e-6
    )


def test_descending_it_raises_fact_gates_and_lowers_the_others() -> None:
    model = tiny_armt(bptt_depth=1).train()
    model.gate_supervision = 1.0
    # window = the last step: row 0 holds no fact there, row 1 does; with one class per
    # row the gradient on each layer's gate bias is the difference of the two terms
    only_noise = [[(10, 13)], [(0, 1)]]
    model(IDS, labels=LABELS, fact_spans=only_noise).loss.backward()
    for unit in model.cell.associative:
        assert unit.beta.bias.grad is not None and (unit.beta.bias.grad > 0).all()
    model.zero_grad()
    only_fact = [[(24, 25)], [(11, 19)]]
    model(IDS, labels=LABELS, fact_spans=only_fact).loss.backward()
    for unit in model.cell.associative:
        assert unit.beta.bias.grad is not None and (unit.beta.bias.grad < 0).all()


def test_evaluation_and_no_grad_never_pay_it_nor_need_spans() -> None:
    model = tiny_armt().train()
    with torch.no_grad():
        plain = model(IDS, labels=LABELS).loss
    model.gate_supervision = 3.0
    with torch.no_grad():
        torch.testing.assert_close(model(IDS, labels=LABELS).loss, plain)
    model.eval()
    torch.testing.assert_close(model(IDS, labels=LABELS).loss, plain)


def test_training_without_the_spans_is_one_clear_error() -> None:
    model = tiny_armt().train()
    model.gate_supervision = 1.0
    with pytest.raises(BenchInputError, match="fact spans of every row"):
        model(IDS, labels=LABELS)
    with pytest.raises(BenchInputError, match="fact spans of every row"):
        model(IDS, labels=LABELS, fact_spans=SPANS[:1])


@pytest.mark.parametrize(
    ("spans", "bounds", "expected"),
    [
        ([[(10, 13)]], [(8, 16)], [1.0]),
        ([[(10, 13)]], [(13, 21)], [0.0]),  # the span ends where the segment starts
        ([[(10, 13)]], [(0, 10)], [0.0]),
        ([[(10, 13)]], [(12, 20)], [1.0]),  # the fact's last token
        ([[]], [(0, 8)], [0.0]),  # no fact
        ([[(0, 2), (30, 34)]], [(28, 36)], [1.0]),
    ],
)
def test_fact_targets(spans: list, bounds: list, expected: list) -> None:
    torch.testing.assert_close(fact_targets(spans, [0], bounds), torch.tensor(expected))


def test_tally_balances_the_two_classes() -> None:
    tally = WriteGateTally()
    tally.open = True
    tally.targets = torch.tensor([1.0, 0.0, 0.0])
    beta = torch.tensor([[0.5, 0.5], [0.1, 0.1], [0.3, 0.3]])
    tally.add(beta)
    fact = -torch.log(torch.tensor(0.5))
    noise = -(torch.log(torch.tensor(0.9)) + torch.log(torch.tensor(0.7))) / 2
    torch.testing.assert_close(tally.supervision(), (fact + noise) / 2)
    tally.targets = torch.tensor([0.0])
    tally.add(torch.tensor([[1.0]]))  # a saturated gate: large but finite
    assert torch.isfinite(tally.supervision())
    assert WriteGateTally().supervision() is None


def test_fact_token_spans_point_at_the_facts_tokens() -> None:
    sample = build_sample("reasoning", length=600, seed=3, index=1)
    ids = sample_input_ids("minilm", sample).numpy()
    spans = fact_token_spans("minilm", sample)
    assert len(spans) == len(sample["facts"]) > 1
    for (start, end), fact in zip(spans, sample["facts"], strict=True):
        want = encode_batch("minilm", [fact if start == 0 else " " + fact])[0]
        assert list(ids[start:end]) == list(want)
    broken = {**sample, "facts": sample["facts"][:-1]}
    with pytest.raises(BenchInputError, match="facts but"):
        fact_token_spans("minilm", broken)


def test_the_flag_reaches_the_model_and_the_summary() -> None:
    cfg = resolve_train_config(
        overrides={**TINY_OPTIONS, "model_kind": "armt", "armt_gate_supervision": 0.5}
    )
    model = model_kind("armt").build(cfg, ("a", "b"))
    assert model.gate_supervision == 0.5
    assert "loss + 0.5 x BCE(write gate, segment holds a fact)" in run_summary(cfg, model, [])


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"armt_gate_supervision": -1.0}, "--armt-gate-supervision must be a finite number >= 0"),
        ({"armt_gate_supervision": float("nan")}, "--armt-gate-supervision must be a finite"),
        (
            {"model_kind": "rmt", "armt_gate_supervision": 0.1},
            "--armt-gate-supervision applies to --model-kind armt only",
        ),
    ],
)
def test_bad_weight_is_one_clear_error(values: dict, needle: str) -> None:
    with pytest.raises(BenchInputError) as error:
        resolve_train_config(overrides={**TINY_OPTIONS, "model_kind": "armt", **values})
    assert needle in str(error.value) and "\n" not in str(error.value)
