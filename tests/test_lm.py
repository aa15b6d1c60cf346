"""Language modelling over segments: the NLL matches the backbone's, memory is carried,
documents never cross the train/validation split, and ``rmt-bench lm`` draws its figure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner

from generators.documents import iter_documents, split_documents
from generators.errors import BenchInputError
from generators.noise_builtin import builtin_sentences
from rmt_bench.backbones import load_backbone
from rmt_bench.cli import cli
from rmt_bench.lm.data import cut_windows, document_split
from rmt_bench.lm.model import RecurrentLM
from rmt_bench.lm.run import LMConfig, run_lm

S = 16


@pytest.fixture(scope="module")
def backbone():
    return load_backbone("tiny-gpt2", causal_lm=True, seed=3)


def _lm(backbone, m: int) -> RecurrentLM:
    return RecurrentLM(backbone, m, seed=1).eval()


def _windows(rows: int, segments: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1000, 29000, (rows, segments * S), generator=g)


def _reference(model, ids: torch.Tensor) -> torch.Tensor:
    """Summed NLL of ids[:, 1:] from the plain causal LM (its own forward and head)."""
    logits = model(input_ids=ids).logits[:, :-1].float()
    return F.cross_entropy(logits.flatten(0, 1), ids[:, 1:].flatten(), reduction="sum")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten small text documents of distinct built-in sentences."""
    folder = tmp_path_factory.mktemp("docs")
    sentences = list(builtin_sentences(600))
    for i in range(10):
        (folder / f"doc{i:02d}.txt").write_text(" ".join(sentences[i * 60 : (i + 1) * 60]))
    return folder


def test_without_memory_each_segment_is_the_backbone_alone(backbone) -> None:
    lm, windows = _lm(backbone, 0), _windows(2, 3)
    with torch.no_grad():
        nll, tokens = lm.segment_nll(windows, S)
        for k in range(3):
            expected = _reference(backbone.model, windows[:, k * S : (k + 1) * S])
            torch.testing.assert_close(nll[k], expected, rtol=1e-4, atol=1e-3)
    assert tokens.tolist() == [2 * (S - 1)] * 3


def test_full_context_matches_the_backbone_on_the_whole_window(backbone) -> None:
    lm, windows = _lm(backbone, 0), _windows(2, 3)
    with torch.no_grad():
        nll, _ = lm.full_context_nll(windows, S)
        logits = backbone.model(input_ids=windows).logits.float()
        per_token = F.cross_entropy(
            logits[:, :-1].transpose(1, 2), windows[:, 1:], reduction="none"
        )  # (B, N*S-1): token t+1 from 0..t
        for k in range(3):
            expected = per_token[:, k * S : k * S + S - 1].sum()
            torch.testing.assert_close(nll[k], expected, rtol=1e-4, atol=1e-3)


def test_full_context_slides_when_the_window_exceeds_the_positions(backbone) -> None:
    lm, windows = _lm(backbone, 0), _windows(1, 3)
    lm.max_positions = 2 * S  # pretend: two segments of context at most
    with torch.no_grad():
        nll, _ = lm.full_context_nll(windows, S)
        context = windows[:, S : 3 * S]  # segment 3 sees segments 2 and 3 only
        logits = backbone.model(input_ids=context).logits[:, S : 2 * S - 1].float()
        expected = F.cross_entropy(
            logits.flatten(0, 1), context[:, S + 1 :].flatten(), reduction="sum"
        )
    torch.testing.assert_close(nll[2], expected, rtol=1e-4, atol=1e-3)


def test_memory_carries_earlier_segments_and_bptt_depth_cuts_gradients(backbone) -> None:
    rmt, plain = _lm(backbone, 2), _lm(backbone, 0)
    a = _windows(1, 3)
    b = a.clone()
    b[:, :S] = _windows(1, 1, seed=9)  # only segment 1 differs
    with torch.no_grad():
        rmt_a, rmt_b = rmt.segment_nll(a, S)[0], rmt.segment_nll(b, S)[0]
        plain_a, plain_b = plain.segment_nll(a, S)[0], plain.segment_nll(b, S)[0]
    assert not torch.allclose(rmt_a[2], rmt_b[2])  # segment 3 feels segment 1 via memory
    torch.testing.assert_close(plain_a[1:], plain_b[1:])  # without memory it cannot
    nll, _ = rmt.segment_nll(a, S)
    (grad,) = torch.autograd.grad(nll[2], rmt.cell.memory)
    assert grad.abs().sum() > 0  # full BPTT: segment 3 trains the initial memory
    nll, _ = rmt.segment_nll(a, S, bptt_depth=1)
    (grad,) = torch.autograd.grad(nll[2], rmt.cell.memory, allow_unused=True)
    assert grad is None or grad.abs().sum() == 0


def test_bad_shapes_and_encoders_are_refused(backbone) -> None:
    with pytest.raises(BenchInputError, match="segment_size"):
        _lm(backbone, 2).segment_nll(_windows(1, 2)[:, :-1], S)
    with pytest.raises(BenchInputError, match="positions"):
        _lm(backbone, 2).segment_nll(torch.zeros((1, 1024), dtype=torch.long), 512)
    with pytest.raises(BenchInputError, match="decoder"):
        RecurrentLM(load_backbone("tiny-bert"), 2)


def test_documents_split_by_document(corpus: Path) -> None:
    names = [name for name, _ in iter_documents(f"text:{corpus}")]
    train, held = split_documents(names)
    assert held == ["doc04.txt", "doc09.txt"] and not set(train) & set(held)
    train_w, val_w, used = document_split(
        f"text:{corpus}", None, load_backbone("tiny-gpt2").tokenizer, window=64, val_windows=3
    )
    assert used["validation"] == held and len(val_w) == 3 and train_w.shape[1] == 64
    with pytest.raises(BenchInputError, match="share documents"):
        document_split(f"text:{corpus}", f"text:{corpus}/doc03.txt", "minilm", window=64)
    with pytest.raises(BenchInputError, match="at least 2"):
        split_documents(["only"])
    with pytest.raises(BenchInputError, match="long enough"):
        cut_windows([("a", np.arange(10))], window=64)
    rows = cut_windows([("a", np.arange(130)), ("b", np.arange(1000, 1100))], window=64)
    assert rows.shape == (3, 64) and int(rows[2, 0]) == 1000  # b starts its own window


def test_run_lm_trains_both_variants_and_draws_the_figure(corpus: Path, tmp_path: Path) -> None:
    config = LMConfig(
        train_data=f"text:{corpus}",
        backbone="tiny-gpt2",
        segment_size=S,
        segments=3,
        steps=12,
        lr=1e-2,
        val_windows=4,
        out=str(tmp_path / "figs"),
        save=str(tmp_path / "weights"),
    )
    result = run_lm(config)
    table = pd.read_csv(result.csv)
    assert set(table["variant"]) == {"rmt", "no-memory", "full-context", "pretrained"}
    assert sorted(table["segment"].unique()) == [1, 2, 3]
    assert result.png.read_bytes()[:4] == b"\x89PNG"
    ppl = table.set_index(["variant", "segment"])["perplexity"]
    # fine-tuning helps on held-out documents, for every segment position
    assert all(ppl["no-memory", k] < ppl["pretrained", k] for k in (1, 2, 3))
    assert (tmp_path / "weights" / "rmt.safetensors").is_file()
    losses = json.loads(result.json.read_text())["train_losses"]
    assert len(losses["rmt"]) == len(losses["no-memory"]) == 12


def test_frozen_backbone_trains_only_the_memory(corpus: Path, tmp_path: Path) -> None:
    val = tmp_path / "val.txt"
    val.write_text(" ".join(list(builtin_sentences(700))[600:]))  # a book of its own
    config = LMConfig(
        train_data=f"text:{corpus}",
        val_data=f"text:{val}",
        segment_size=S,
        segments=2,
        steps=2,
        lora_r=0,
        val_windows=2,
        out=str(tmp_path / "figs"),
    )
    result = run_lm(config)
    assert set(result.table["variant"]) == {"rmt", "no-memory", "full-context"}
    record = json.loads(result.json.read_text())
    assert record["documents"]["validation"] == ["val.txt"]
    assert len(record["train_losses"]["rmt"]) == 2 and record["train_losses"]["no-memory"] == []


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--segments", "0"], "--segments"),
        (["--memory-tokens", "0"], "--memory-tokens"),
        (["--train-data", "text:/nonexistent/x"], "/nonexistent/x"),
        (["--train-data", "builtin"], "text:PATH"),
        (["--backbone", "tiny-bert"], "decoder"),
        (["--threads", "0"], "--threads"),
        (["--train-minutes", "0"], "--train-minutes"),
    ],
)
def test_cli_bad_input_is_one_line(corpus: Path, tmp_path: Path, extra, needle) -> None:
    args = ["lm", "--train-data", f"text:{corpus}", "--segment-size", "16", "--steps", "1"]
    args += ["--out", str(tmp_path / "figs"), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert not (tmp_path / "figs").exists()
