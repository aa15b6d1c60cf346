"""Diagnose an ARMT checkpoint's associative writes (docs/experiments.md, session 7).

    python docs/experiments-scripts/armt_write_gates.py trace  CKPT TASK LENGTH N OUT
    python docs/experiments-scripts/armt_write_gates.py shift  CKPT TASK LENGTHS N OUT NAME S
    python docs/experiments-scripts/armt_write_gates.py oracle CKPT TASK LENGTHS N OUT NAME MODE
    python docs/experiments-scripts/armt_write_gates.py tokens CKPT TASK LENGTH N OUT
    python docs/experiments-scripts/armt_write_gates.py threshold CKPT TASK LENGTHS N OUT NAME T
    python docs/experiments-scripts/armt_write_gates.py collapse CKPT TASK LENGTH N OUT
    python docs/experiments-scripts/armt_write_gates.py keys CKPT TASK LENGTH N OUT

``trace`` evaluates N samples in one batch and prints each layer's mean write gate
beta at the fact's segment, around it and over all segments. ``shift`` evaluates
with every gate replaced by sigmoid(W_beta m + S) (S < 0: every write weaker).
``oracle`` evaluates one sample at a time with the writes switched off after the
fact's segment and the next (MODE ``after``) or before the fact's segment (MODE
``before``); it reads the fact's position from the sample, so it is a diagnosis,
not a model. ``tokens`` prints, per layer, each memory token's gate quantiles at the
fact's segment against every other segment. ``threshold`` evaluates with every gate
below T set to zero (a hard write threshold). ``collapse`` prints, per layer, the
mean cosine similarity between the memory tokens' states that write the memory
(1 = the m tokens carry one vector). ``keys`` prints, per layer, how much the
writes after the fact's segment overlap the fact's keys: the cosine between each
later segment's write keys phi(W_K m) and the fact segment's (each the mean over the
memory tokens), its quantiles, and the gate-weighted sum over the later segments (a
proxy for how far the delta rule moves the fact's stored value). OUT must be a fresh folder for ``trace``,
``tokens`` and ``collapse`` (evaluation resumes from rows already there). Rows go to OUT as ``rmt-bench eval`` writes them (noise: the two
PG19 test books, batch 8 unless said, 2 threads). This script patches
``AssociativeMemory.gate`` (``keys``: ``AssociativeMemory.write``) in its own process
only; nothing in rmt-bench changes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch

from rmt_bench.cli import cli
from rmt_bench.data import first_segment_length, sample_input_ids
from rmt_bench.rmt import associative, wrapper

ORIGINAL_GATE = associative.AssociativeMemory.gate
NOISE = "pg19:../shared/data/pg19"


def _eval(model: str, task: str, lengths: str, n: str, out: str, name: str, batch: str) -> None:
    args = ["eval", "--model", model, "--task", task, "--noise", NOISE, "--lengths", lengths]
    args += ["--num-samples", n, "--batch-size", batch, "--threads", "2", "--no-progress"]
    try:
        cli([*args, "--out", out, "--name", name])
    except SystemExit as done:
        if done.code:
            raise


def trace(model: str, task: str, length: str, n: str, out: str) -> None:
    log: list[torch.Tensor] = []

    def gate(self: Any, states: torch.Tensor) -> torch.Tensor:
        beta = ORIGINAL_GATE(self, states)
        log.append(beta.float().mean(-1).detach())  # (B,)
        return beta

    associative.AssociativeMemory.gate = gate
    _eval(model, task, length, n, out, "trace", n)
    lines = Path(out, f"trace.{task}.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    layers = len(log) // rows[0]["segments"]  # one length: every row has as many segments
    gates = torch.stack(log).view(-1, layers, len(rows))  # (segments, layers, batch)
    for i, row in enumerate(rows):
        segment = _fact_segment(row["n_tokens"], row["fact_positions"][0], row["segment_size"])
        trace = gates[:, :, i]
        around = {s: trace[s].tolist() for s in range(segment - 1, segment + 2) if s < len(trace)}
        print(
            json.dumps(
                {
                    "answer": row["answer"],
                    "prediction": row["prediction"],
                    "fact_segment": segment,
                    "segments": len(trace),
                    "gates_around_fact": {s: [round(v, 3) for v in g] for s, g in around.items()},
                    "median_gates": [round(v, 3) for v in trace.median(0).values.tolist()],
                }
            )
        )


def shift(model: str, task: str, lengths: str, n: str, out: str, name: str, by: str) -> None:
    offset = float(by)

    def gate(self: Any, states: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.beta(states) + offset).squeeze(-1)

    associative.AssociativeMemory.gate = gate
    _eval(model, task, lengths, n, out, name, "8")


def _fact_segment(n_tokens: int, position: int, segment_size: int) -> int:
    """The segment holding token ``position``, segments cut as the RMT cuts them."""
    first = first_segment_length(n_tokens, segment_size)
    return 0 if position < first else 1 + (position - first) // segment_size


def oracle(model: str, task: str, lengths: str, n: str, out: str, name: str, mode: str) -> None:
    if mode not in ("before", "after"):
        raise SystemExit(f"MODE must be before or after, got {mode!r}")
    now = {"fact": 0, "step": -1, "layer": 0, "layers": 1}

    def gate(self: Any, states: torch.Tensor) -> torch.Tensor:
        beta = ORIGINAL_GATE(self, states)
        if now["layer"] == 0:
            now["step"] += 1
        now["layer"] = (now["layer"] + 1) % now["layers"]
        off = now["step"] < now["fact"] if mode == "before" else now["step"] > now["fact"] + 1
        return beta * 0 if off else beta

    original_predict = wrapper.RMT.predict

    def predict(self: Any, samples: Any) -> Any:
        (sample,) = samples  # batch 1: one fact position per pass
        n_tokens = len(sample_input_ids(self.tokenizer, sample))
        fact = _fact_segment(n_tokens, sample["fact_positions"][0], self.segment_size)
        now.update(fact=fact, step=-1, layer=0, layers=len(self.cell.associative))
        return original_predict(self, samples)

    associative.AssociativeMemory.gate = gate
    wrapper.RMT.predict = predict
    _eval(model, task, lengths, n, out, name, "1")


def tokens(model: str, task: str, length: str, n: str, out: str) -> None:
    log: list[torch.Tensor] = []

    def gate(self: Any, states: torch.Tensor) -> torch.Tensor:
        beta = ORIGINAL_GATE(self, states)
        log.append(beta.float().detach())  # (B, M)
        return beta

    associative.AssociativeMemory.gate = gate
    _eval(model, task, length, n, out, "tokens", n)
    lines = Path(out, f"tokens.{task}.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    layers = len(log) // rows[0]["segments"]
    gates = torch.stack(log).view(-1, layers, len(rows), log[0].shape[-1])  # (S, L, B, M)
    is_fact = torch.zeros(gates.shape[0], len(rows), dtype=torch.bool)
    for i, row in enumerate(rows):
        segment = _fact_segment(row["n_tokens"], row["fact_positions"][0], row["segment_size"])
        is_fact[segment, i] = True
    quantiles = torch.tensor([0.5, 0.9, 0.99, 1.0])
    for layer in range(layers):
        per_layer = gates[:, layer].permute(0, 1, 2)  # (S, B, M)
        fact = per_layer[is_fact]  # (B, M)
        noise = per_layer[~is_fact]  # (S*B - B, M)
        print(
            json.dumps(
                {
                    "layer": layer,
                    "fact_max_per_sample": [round(v, 3) for v in fact.max(-1).values.tolist()],
                    "fact_per_token_median": [round(v, 3) for v in fact.median(0).values.tolist()],
                    "noise_q50_q90_q99_max": [
                        round(v, 3) for v in torch.quantile(noise.flatten(), quantiles).tolist()
                    ],
                    "noise_per_token_q99": [
                        round(v, 3) for v in torch.quantile(noise, 0.99, dim=0).tolist()
                    ],
                }
            )
        )


def collapse(model: str, task: str, length: str, n: str, out: str) -> None:
    similarity: list[float] = []
    units: set[int] = set()

    def gate(self: Any, states: torch.Tensor) -> torch.Tensor:
        units.add(id(self))
        unit = torch.nn.functional.normalize(states.float(), dim=-1)
        cosine = unit @ unit.transpose(-1, -2)  # (B, M, M)
        m = cosine.shape[-1]
        similarity.append(float(((cosine.sum((-1, -2)) - m) / (m * m - m)).mean()))
        return ORIGINAL_GATE(self, states)

    associative.AssociativeMemory.gate = gate
    _eval(model, task, length, n, out, "collapse", n)
    layers = len(units)
    for layer in range(layers):
        values = similarity[layer::layers]
        print(
            json.dumps(
                {
                    "layer": layer,
                    "first_segment": round(values[0], 4),
                    "mean_over_segments": round(sum(values) / len(values), 4),
                }
            )
        )


def threshold(model: str, task: str, lengths: str, n: str, out: str, name: str, at: str) -> None:
    floor = float(at)

    def gate(self: Any, states: torch.Tensor) -> torch.Tensor:
        beta = ORIGINAL_GATE(self, states)
        return beta * (beta >= floor)

    associative.AssociativeMemory.gate = gate
    _eval(model, task, lengths, n, out, name, "8")


def keys(model: str, task: str, length: str, n: str, out: str) -> None:
    log: list[tuple[torch.Tensor, torch.Tensor]] = []
    original_write = associative.AssociativeMemory.write

    def write(self: Any, A: Any, z: Any, states: torch.Tensor, beta: Any = None) -> Any:
        phi = associative.dpfp(self.key(states).float(), self.nu).mean(1)  # (B, P)
        gates = self.gate(states) if beta is None else beta
        log.append((phi.detach(), gates.float().mean(-1).detach()))
        return original_write(self, A, z, states, gates)  # the gates computed once

    associative.AssociativeMemory.write = write
    _eval(model, task, length, n, out, "keys", n)
    lines = Path(out, f"keys.{task}.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    layers = len(log) // rows[0]["segments"]
    phis = torch.stack([phi for phi, _ in log]).view(-1, layers, len(rows), log[0][0].shape[-1])
    betas = torch.stack([beta for _, beta in log]).view(-1, layers, len(rows))
    for layer in range(layers):
        cosines, pressure = [], []
        for i, row in enumerate(rows):
            fact = _fact_segment(row["n_tokens"], row["fact_positions"][0], row["segment_size"])
            unit = torch.nn.functional.normalize(phis[:, layer, i], dim=-1)  # (S, P)
            later = unit[fact + 1 :] @ unit[fact]  # (S - fact - 1,)
            cosines.append(later)
            pressure.append(float((later * betas[fact + 1 :, layer, i]).sum()))
        every = torch.cat(cosines)
        quantiles = torch.tensor([0.1, 0.5, 0.9])
        print(
            json.dumps(
                {
                    "layer": layer,
                    "later_cosine_q10_q50_q90": [
                        round(v, 3) for v in torch.quantile(every, quantiles).tolist()
                    ],
                    "gate_weighted_overlap_per_sample": [round(v, 2) for v in pressure],
                }
            )
        )


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    commands = {"trace": trace, "shift": shift, "oracle": oracle, "tokens": tokens}
    commands.update(threshold=threshold, collapse=collapse, keys=keys)
    commands[command](*arguments)
