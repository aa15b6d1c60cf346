"""Bad input across every subcommand: one clear line, a non-zero exit, nothing touched.

Each case runs the CLI in-process (``CliRunner``) from an empty work folder, next
to a *canary* folder of user files (a ``summary.csv``, a PNG, ``config.json``, a
hidden ``*.tmp``, ``tokenizer/`` and ``last/`` folders). A case passes when:

- the exit status is non-zero and no exception escaped (no traceback);
- stderr holds exactly one ``Error:`` line, and it names the problem (``needle``);
- the canary folder, the work folder and the shared fixtures are byte-for-byte
  unchanged (a failed start leaves nothing behind, no user file is touched).

Every case fails before a model is loaded, so the module runs in seconds. The
cases are data: add a row to ``CASES`` to cover a new bad input.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from rmt_bench.cli import cli

HUGE = str(2**70)

GEN = ["generate", "--task", "memorize", "--length", "300", "--num-samples", "2", "--no-progress"]
TRAIN = ["train", "--task", "memorize", "--preset", "cpu-tiny", "--no-progress", "--out", "run"]
EVAL = ["eval", "--model", "{fx}/model_empty", "--task", "memorize", "--lengths", "300"]
EVAL += ["--num-samples", "2", "--no-progress", "--out", "results"]
ATTN = ["attention", "--model", "{fx}/model_empty", "--task", "detect_memorize"]
ATTN += ["--length", "512", "--out", "figs"]
LM = ["lm", "--train-data", "text:{fx}/empty", "--steps", "1", "--out", "figs"]


def _case(name: str, args: list[str], needle: str, *marks: pytest.MarkDecorator) -> object:
    return pytest.param(args, needle, id=name, marks=marks)


def _with(base: list[str], *extra: str) -> list[str]:
    """``base`` with options replaced or added (the last value of a flag wins)."""
    args = list(base)
    items = list(extra)
    while items:
        flag = items.pop(0)
        value = items.pop(0) if items and not str(items[0]).startswith("--") else None
        if flag in args and value is not None and args.index(flag) + 1 < len(args):
            args[args.index(flag) + 1] = value
        else:
            args += [flag] if value is None else [flag, value]
    return args


def _drop(base: list[str], flag: str) -> list[str]:
    args = list(base)
    at = args.index(flag)
    del args[at : at + 2]
    return args


CASES = [
    # ---------------------------------------------------------------- generate
    _case("gen-task-unknown", _with(GEN, "--task", "nope"), "unknown task"),
    _case("gen-task-babi-qa99", _with(GEN, "--task", "babi:qa99"), "qa99"),
    _case("gen-task-empty", _with(GEN, "--task", ""), "task"),
    _case("gen-length-text", _with(GEN, "--length", "abc"), "bad length"),
    _case("gen-length-zero", _with(GEN, "--length", "0"), "positive"),
    _case("gen-length-negative", _with(GEN, "--length", "-5"), "bad length"),
    _case("gen-length-fraction", _with(GEN, "--length", "1.5k"), "bad length"),
    _case("gen-length-exponent", _with(GEN, "--length", "1e308k"), "bad length"),
    _case("gen-length-empty", _with(GEN, "--length", ""), "--length"),
    _case("gen-length-huge", _with(GEN, "--length", "999G"), "memory"),
    _case("gen-num-samples-zero", _with(GEN, "--num-samples", "0"), "--num-samples"),
    _case("gen-num-samples-negative", _with(GEN, "--num-samples", "-1"), "--num-samples"),
    _case("gen-num-samples-text", _with(GEN, "--num-samples", "abc"), "--num-samples"),
    _case("gen-num-samples-huge", _with(GEN, "--num-samples", "1000000000000"), "disk"),
    _case("gen-seed-negative", _with(GEN, "--seed", "-1"), "--seed"),
    _case("gen-seed-huge", _with(GEN, "--seed", HUGE), "seed"),
    _case("gen-out-empty", _with(GEN, "--out", ""), "--out is empty"),
    _case("gen-out-foreign", _with(GEN, "--out", "{canary}"), "did not write"),
    _case("gen-out-metadata-list", _with(GEN, "--out", "{fx}/data_list"), "metadata"),
    _case("gen-out-metadata-not-utf8", _with(GEN, "--out", "{fx}/data_utf8"), "metadata"),
    _case("gen-out-file", _with(GEN, "--out", "{canary}/notes.txt"), "not a directory"),
    _case("gen-format-unknown", _with(GEN, "--format", "xml"), "--format"),
    _case("gen-num-proc-zero", _with(GEN, "--num-proc", "0"), "--num-proc"),
    _case("gen-shard-size-zero", _with(GEN, "--shard-size", "0"), "--shard-size"),
    _case("gen-facts-unknown", _with(GEN, "--facts", "nope:x"), "nope"),
    _case(
        "gen-facts-babi-missing",
        _with(GEN, "--task", "babi:qa1", "--facts", "babi:{fx}/missing"),
        "not found",
    ),
    _case(
        "gen-facts-babi-not-zip",
        _with(GEN, "--task", "babi:qa1", "--facts", "babi:{fx}/fake.zip"),
        "not a zip",
    ),
    _case(
        "gen-facts-babi-split",
        _with(GEN, "--task", "babi:qa1", "--facts", "babi:{fx}/babi_bad?split=banana"),
        "split",
    ),
    _case(
        "gen-facts-babi-not-utf8",
        _with(GEN, "--task", "babi:qa1", "--facts", "babi:{fx}/babi_bad"),
        "utf-8",
    ),
    _case(
        "gen-facts-babi-empty",
        _with(GEN, "--task", "babi:qa1", "--facts", "babi:{fx}/empty"),
        "qa1",
    ),
    _case("gen-noise-unknown", _with(GEN, "--noise", "nope:x"), "nope"),
    _case("gen-noise-text-missing", _with(GEN, "--noise", "text:{fx}/missing.txt"), "missing"),
    _case(  # read leniently (latin-1), so the file is simply too short
        "gen-noise-text-not-utf8", _with(GEN, "--noise", "text:{fx}/bad_utf8.txt"), "bad_utf8.txt"
    ),
    _case("gen-noise-text-empty-dir", _with(GEN, "--noise", "text:{fx}/empty"), "empty"),
    _case("gen-noise-hf-offline", _with(GEN, "--noise", "hf:nobody/nothing"), "nobody/nothing"),
    _case("gen-tokenizer-missing", _with(GEN, "--tokenizer", "{fx}/no-tokenizer"), "not found"),
    _case("gen-depth-high", _with(GEN, "--depth", "2"), "depth"),
    _case("gen-depth-text", _with(GEN, "--depth", "abc"), "depth"),
    _case("gen-depth-reversed", _with(GEN, "--depth", "0.9:0.1"), "depth"),
    _case("gen-length-too-short", _with(GEN, "--length", "5"), "5"),
    _case("gen-unknown-option", _with(GEN, "--banana", "1"), "--banana"),
    # ------------------------------------------------------------------- train
    _case("train-no-task", _drop(TRAIN, "--task"), "--task"),
    _case("train-task-unknown", _with(TRAIN, "--task", "nope"), "unknown task"),
    _case("train-out-empty", _with(TRAIN, "--out", ""), "--out is empty"),
    _case("train-out-foreign", _with(TRAIN, "--out", "{canary}"), "did not write"),
    _case("train-out-file", _with(TRAIN, "--out", "{canary}/notes.txt"), "notes.txt"),
    _case("train-resume-nothing", _with(TRAIN, "--resume"), "no training run"),
    _case("train-segment-size-zero", _with(TRAIN, "--segment-size", "0"), "--segment-size"),
    _case("train-memory-negative", _with(TRAIN, "--memory-tokens", "-1"), "--memory-tokens"),
    _case("train-distractors-negative", _with(TRAIN, "--distractors", "-1"), "--distractors"),
    _case(
        "train-distractors-reasoning",
        _with(TRAIN, "--task", "reasoning", "--distractors", "2"),
        "--distractors applies to memorize",
    ),
    _case(
        "train-same-axis-high",
        _with(TRAIN, "--task", "reasoning", "--same-axis", "1.5"),
        "--same-axis must be in [0, 1]",
    ),
    _case("train-same-axis-memorize", _with(TRAIN, "--same-axis", "0.5"), "applies to reasoning"),
    _case(
        "train-armt-memory-zero",
        _with(TRAIN, "--model-kind", "armt", "--memory-tokens", "0"),
        "--memory-tokens >= 1",
    ),
    _case(
        "train-armt-key-size-zero",
        _with(TRAIN, "--model-kind", "armt", "--armt-key-size", "0"),
        "--armt-key-size",
    ),
    _case(
        "train-armt-nu-too-big",
        _with(TRAIN, "--model-kind", "armt", "--armt-nu", "64"),
        "--armt-nu",
    ),
    _case("train-armt-flag-on-rmt", _with(TRAIN, "--armt-nu", "2"), "--model-kind armt only"),
    _case("train-lr-zero", _with(TRAIN, "--lr", "0"), "--lr"),
    _case("train-lr-negative", _with(TRAIN, "--lr", "-1"), "--lr"),
    _case("train-lr-text", _with(TRAIN, "--lr", "abc"), "--lr"),
    _case("train-batch-size-zero", _with(TRAIN, "--batch-size", "0"), "--batch-size"),
    _case(
        "train-grad-accum-indivisible",
        _with(TRAIN, "--batch-size", "32", "--grad-accum", "3"),
        "divisible",
    ),
    _case("train-dropout-high", _with(TRAIN, "--dropout", "1.5"), "--dropout"),
    _case(
        "train-attention-dropout-negative",
        _with(TRAIN, "--attention-dropout", "-0.1"),
        "--attention-dropout",
    ),
    _case("train-curriculum-text", _with(TRAIN, "--curriculum", "abc"), "curriculum"),
    _case("train-curriculum-zero", _with(TRAIN, "--curriculum", "0,1"), "curriculum"),
    _case("train-seed-huge", _with(TRAIN, "--seed", HUGE), "seed"),
    _case("train-seed-negative", _with(TRAIN, "--seed", "-1"), "seed"),
    _case("train-config-missing", _with(TRAIN, "--config", "{fx}/missing.yaml"), "not found"),
    _case("train-config-bad-yaml", _with(TRAIN, "--config", "{fx}/bad.yaml"), "cannot parse"),
    _case("train-config-list", _with(TRAIN, "--config", "{fx}/list.yaml"), "mapping"),
    _case("train-config-lr-text", _with(TRAIN, "--config", "{fx}/lr_abc.yaml"), "lr"),
    _case("train-config-unknown-key", _with(TRAIN, "--config", "{fx}/unknown.yaml"), "banana"),
    _case("train-config-not-utf8", _with(TRAIN, "--config", "{fx}/bad_utf8.yaml"), "utf-8"),
    _case(
        "train-config-steps-text",
        _with(TRAIN, "--config", "{fx}/steps_abc.json"),
        "steps_per_stage",
    ),
    _case("train-config-bad-json", _with(TRAIN, "--config", "{fx}/bad.json"), "cannot parse"),
    _case("train-data-missing", _with(TRAIN, "--data", "{fx}/missing"), "missing"),
    _case("train-data-not-generated", _with(TRAIN, "--data", "{fx}/empty"), "metadata.json"),
    _case("train-data-metadata-list", _with(TRAIN, "--data", "{fx}/data_list"), "metadata"),
    _case("train-data-shard-escapes", _with(TRAIN, "--data", "{fx}/data_escape"), "outside"),
    _case("train-data-shard-absolute", _with(TRAIN, "--data", "{fx}/data_absolute"), "outside"),
    _case("train-data-not-utf8", _with(TRAIN, "--data", "{fx}/data_utf8"), "metadata"),
    _case("train-data-incomplete", _with(TRAIN, "--data", "{fx}/data_incomplete"), "incomplete"),
    _case("train-backbone-missing", _with(TRAIN, "--backbone", "{fx}/no-backbone"), "not found"),
    _case("train-model-kind-unknown", _with(TRAIN, "--model-kind", "banana"), "banana"),
    _case("train-preset-unknown", _with(TRAIN, "--preset", "banana"), "--preset"),
    _case("train-advance-at-high", _with(TRAIN, "--advance-at", "2"), "--advance-at"),
    _case("train-patience-zero", _with(TRAIN, "--patience", "0"), "--patience"),
    _case("train-precision-unknown", _with(TRAIN, "--precision", "fp8"), "--precision"),
    _case("train-precision-legacy", _with(TRAIN, "--mixed-precision", "fp8"), "precision"),
    _case("train-val-every-zero", _with(TRAIN, "--val-every", "0"), "--val-every"),
    _case("train-bptt-zero", _with(TRAIN, "--bptt-depth", "0"), "--bptt-depth"),
    _case("train-lora-negative", _with(TRAIN, "--lora-r", "-1"), "--lora-r"),
    _case("train-grad-clip-negative", _with(TRAIN, "--grad-clip", "-1"), "--grad-clip"),
    _case("train-steps-zero", _with(TRAIN, "--steps-per-stage", "0"), "--steps-per-stage"),
    # -------------------------------------------------------------------- eval
    _case("eval-no-model", _drop(EVAL, "--model"), "no model"),
    _case("eval-no-task", _drop(EVAL, "--task"), "no task"),
    _case("eval-task-unknown", _with(EVAL, "--task", "nope"), "unknown task"),
    _case("eval-lengths-text", _with(EVAL, "--lengths", "abc"), "bad length"),
    _case("eval-lengths-fraction", _with(EVAL, "--lengths", "1.5k"), "bad length"),
    _case("eval-lengths-empty-item", _with(EVAL, "--lengths", "4k,,8k"), "empty item"),
    _case("eval-num-samples-zero", _with(EVAL, "--num-samples", "0"), "--num-samples"),
    _case("eval-num-samples-huge", _with(EVAL, "--num-samples", "1000000000000"), "memory"),
    _case("eval-batch-size-zero", _with(EVAL, "--batch-size", "0"), "--batch-size"),
    _case("eval-out-empty", _with(EVAL, "--out", ""), "--out is empty"),
    _case("eval-out-file", _with(EVAL, "--out", "{canary}/notes.txt"), "not a directory"),
    _case("eval-out-foreign-summary", _with(EVAL, "--out", "{canary}"), "summary.csv"),
    _case("eval-out-garbage-rows", _with(EVAL, "--out", "{fx}/res_garbage"), "not valid json"),
    _case("eval-out-rows-not-utf8", _with(EVAL, "--out", "{fx}/res_utf8"), "utf-8"),
    _case("eval-out-row-length-text", _with(EVAL, "--out", "{fx}/res_length"), "length"),
    _case("eval-device-banana", _with(EVAL, "--device", "banana"), "--device"),
    _case("eval-precision-unknown", _with(EVAL, "--precision", "fp16"), "--precision"),
    _case(
        "eval-device-cuda-without-gpu",
        _with(EVAL, "--device", "cuda"),
        "cuda",
        pytest.mark.skipif(
            os.environ.get("CUDA_VISIBLE_DEVICES", "") not in ("", "-1")
            or Path("/dev/nvidia0").exists(),
            reason="a GPU is present",
        ),
    ),
    _case("eval-seed-huge", _with(EVAL, "--seed", HUGE), "seed"),
    _case("eval-name-traversal", _with(EVAL, "--name", "../x"), "--name"),
    _case("eval-config-missing", _with(EVAL, "--config", "{fx}/missing.yaml"), "not found"),
    _case(
        "eval-config-num-text",
        _with(_drop(EVAL, "--num-samples"), "--config", "{fx}/eval_num_abc.yaml"),
        "num_samples",
    ),
    _case("eval-config-seed-huge", _with(EVAL, "--config", "{fx}/eval_seed_huge.yaml"), "seed"),
    _case("eval-config-unknown-key", _with(EVAL, "--config", "{fx}/unknown.yaml"), "banana"),
    _case("eval-config-not-utf8", _with(EVAL, "--config", "{fx}/bad_utf8.yaml"), "utf-8"),
    _case("eval-config-bool-text", _with(EVAL, "--config", "{fx}/eval_bool.yaml"), "chat_template"),
    _case("eval-window-unknown", _with(EVAL, "--window", "middle"), "--window"),
    _case("eval-data-missing", _with(EVAL, "--data", "{fx}/missing"), "missing"),
    _case("eval-data-metadata-list", _with(EVAL, "--data", "{fx}/data_list"), "metadata"),
    _case("eval-data-incomplete", _with(EVAL, "--data", "{fx}/data_incomplete"), "incomplete"),
    _case("eval-threads-zero", _with(EVAL, "--threads", "0"), "--threads"),
    _case("eval-max-new-tokens-zero", _with(EVAL, "--max-new-tokens", "0"), "--max-new-tokens"),
    _case(
        "eval-extend-positions-zero", _with(EVAL, "--extend-positions", "0"), "--extend-positions"
    ),
    _case("eval-model-missing", _with(EVAL, "--model", "{fx}/no-model"), "no-model"),
    _case("eval-model-no-config", _with(EVAL, "--model", "{fx}/model_empty"), "model_empty"),
    _case("eval-model-hf-missing", _with(EVAL, "--model", "hf:{fx}/no-lm"), "not found"),
    # ---------------------------------------------------------------------- ls
    _case("ls-missing", ["ls", "{fx}/missing"], "missing"),
    _case("ls-file", ["ls", "{canary}/notes.txt"], "notes.txt"),
    _case("ls-garbage-rows", ["ls", "{fx}/res_garbage"], "not valid json"),
    _case("ls-rows-not-utf8", ["ls", "{fx}/res_utf8"], "utf-8"),
    _case("ls-row-length-text", ["ls", "{fx}/res_length"], "length"),
    _case("ls-row-length-fraction", ["ls", "{fx}/res_fraction"], "length"),
    _case("ls-row-is-a-list", ["ls", "{fx}/res_list"], "not a result row"),
    _case("ls-no-argument", ["ls"], "folder"),
    # ------------------------------------------------------------------ report
    _case("report-missing", ["report", "{fx}/missing"], "missing"),
    _case("report-out-empty", ["report", "{fx}/res_ok", "--out", ""], "--out is empty"),
    _case("report-out-foreign", ["report", "{fx}/res_ok", "--out", "{canary}"], "summary.csv"),
    _case("report-out-file", ["report", "{fx}/res_ok", "--out", "{canary}/notes.txt"], "notes.txt"),
    _case("report-garbage-rows", ["report", "{fx}/res_garbage", "--out", "figs"], "not valid json"),
    _case("report-rows-not-utf8", ["report", "{fx}/res_utf8", "--out", "figs"], "utf-8"),
    _case("report-row-length-text", ["report", "{fx}/res_length", "--out", "figs"], "length"),
    _case("report-runs-missing", ["report", "{fx}/res_ok", "--runs", "{fx}/missing"], "missing"),
    # ------------------------------------------------------------------- flops
    _case("flops-lengths-fraction", ["flops", "--lengths", "1.5k"], "bad length"),
    _case("flops-lengths-exponent", ["flops", "--lengths", "1e308k"], "bad length"),
    _case("flops-lengths-zero", ["flops", "--lengths", "0"], "positive"),
    _case("flops-lengths-text", ["flops", "--lengths", "abc"], "bad length"),
    _case("flops-models-unknown", ["flops", "--models", "7Q"], "7Q"),
    _case("flops-models-none", ["flops", "--models", ""], "no models"),
    _case("flops-hf-config-missing", ["flops", "--hf-config", "{fx}/missing.json"], "missing"),
    _case("flops-hf-config-list", ["flops", "--hf-config", "{fx}/list.json"], "json object"),
    _case("flops-hf-config-size-text", ["flops", "--hf-config", "{fx}/hf_text"], "whole numbers"),
    _case("flops-hf-config-not-utf8", ["flops", "--hf-config", "{fx}/bad_utf8.json"], "utf-8"),
    _case("flops-hf-config-incomplete", ["flops", "--hf-config", "{fx}/empty.json"], "lacks"),
    _case("flops-hf-config-bad-json", ["flops", "--hf-config", "{fx}/bad.json"], "not valid json"),
    _case("flops-segment-zero", ["flops", "--segment", "0"], "segment"),
    _case("flops-memory-negative", ["flops", "--memory", "-1"], "memory"),
    _case("flops-layout-unknown", ["flops", "--layout", "sideways"], "--layout"),
    _case("flops-counting-unknown", ["flops", "--counting", "mine"], "--counting"),
    # ----------------------------------------------------------------- figures
    _case("figures-preset-unknown", ["figures", "--preset", "banana", "--dry-run"], "--preset"),
    _case("figures-max-length-zero", ["figures", "--max-length", "0"], "--max-length"),
    _case("figures-max-length-short", ["figures", "--max-length", "100"], "--max-length"),
    _case("figures-set-no-equals", ["figures", "--set", "steps_per_stage"], "key=value"),
    _case("figures-set-value-text", ["figures", "--set", "steps_per_stage=abc"], "steps_per_stage"),
    _case("figures-set-unknown-key", ["figures", "--set", "banana=1"], "banana"),
    _case("figures-set-precision", ["figures", "--set", "precision=bf16"], "--precision"),
    _case("figures-precision-unknown", ["figures", "--precision", "fp16"], "--precision"),
    _case("figures-tasks-unknown", ["figures", "--tasks", "nope"], "nope"),
    _case("figures-work-empty", ["figures", "--work", ""], "--work"),
    _case("figures-budget-negative", ["figures", "--budget-minutes", "-1"], "--budget-minutes"),
    _case("figures-num-samples-zero", ["figures", "--num-samples", "0"], "--num-samples"),
    _case(
        "figures-eval-batch-size-zero", ["figures", "--eval-batch-size", "0"], "--eval-batch-size"
    ),
    _case(
        "figures-eval-batch-size-text",
        ["figures", "--eval-batch-size", "many"],
        "--eval-batch-size",
    ),
    _case("figures-model-kinds-unknown", ["figures", "--model-kinds", "rmt,lstm"], "--model-kinds"),
    _case("figures-noise-unknown", ["figures", "--noise", "wikipedia"], "--noise"),
    _case("figures-eval-noise-missing", ["figures", "--eval-noise", "pg19:no?split=test"], "no"),
    # --------------------------------------------------------------- attention
    _case("attn-model-missing", _with(ATTN, "--model", "{fx}/missing"), "not found"),
    _case("attn-model-empty", ATTN, "not a checkpoint"),
    _case("attn-model-not-rmt", _with(ATTN, "--model", "{canary}"), "not an rmt-bench checkpoint"),
    _case("attn-task-unknown", _with(ATTN, "--task", "nope"), "unknown task"),
    _case("attn-length-text", _with(ATTN, "--length", "abc"), "bad length"),
    _case("attn-seed-not-test", _with(ATTN, "--seed", "1000000"), "not a test seed"),
    _case("attn-index-negative", _with(ATTN, "--index", "-1"), "--index"),
    _case("attn-threads-zero", _with(ATTN, "--threads", "0"), "--threads"),
    _case("attn-out-empty", _with(ATTN, "--out", ""), "--out is empty"),
    # ---------------------------------------------------------------------- lm
    _case("lm-segments-zero", _with(LM, "--segments", "0"), "--segments"),
    _case("lm-segment-size-one", _with(LM, "--segment-size", "1"), "--segment-size"),
    _case("lm-memory-zero", _with(LM, "--memory-tokens", "0"), "--memory-tokens"),
    _case("lm-lr-zero", _with(LM, "--lr", "0"), "--lr"),
    _case("lm-data-builtin", _with(LM, "--train-data", "builtin"), "text:PATH"),
    _case("lm-val-data-unknown", _with(LM, "--val-data", "nope:x"), "unknown"),
    _case("lm-out-empty", _with(LM, "--out", ""), "--out is empty"),
    _case("lm-threads-zero", _with(LM, "--threads", "0"), "--threads"),
    # ---------------------------------------------------------------- top level
    _case("cli-unknown-command", ["banana"], "no such command"),
    _case("cli-unknown-option", ["--banana"], "--banana"),
]


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file and folder below ``folder``: content digest (or 'dir') and mode."""
    state: dict[str, tuple[str, int]] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_dir():
            state[key] = ("dir", path.stat().st_mode)
        else:
            state[key] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    return state


def make_canary(folder: Path) -> Path:
    """A folder of user files that no bad command may change."""
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "summary.csv").write_text("mine,not,rmt-bench\n1,2,3\n")
    (folder / "accuracy_vs_length.png").write_bytes(b"\x89PNG user figure")
    (folder / "config.json").write_text('{"user": true}\n')
    (folder / ".draft.tmp").write_text("a hidden temporary of the user's editor\n")
    (folder / "tokenizer").mkdir()
    (folder / "tokenizer" / "vocab.txt").write_text("user vocabulary\n")
    (folder / "last").mkdir()
    (folder / "last" / "keep.bin").write_bytes(b"\x00\x01")
    return folder


def _row(length: object) -> str:
    row = {"model": "x", "kind": "rmt", "task": "memorize", "length": length, "n_tokens": 300}
    row.update(sample_id="memorize-300-0-0", correct=True, skipped=False, seconds=0.1)
    return json.dumps(row) + "\n"


def _metadata(**changes: object) -> str:
    meta = {"config": {"format": "jsonl", "task": "memorize"}, "complete": True, "shards": []}
    meta.update(changes)
    return json.dumps(meta)


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read-only bad files shared by the cases (``{fx}`` in their arguments)."""
    fx = tmp_path_factory.mktemp("fixtures")
    files: dict[str, str | bytes] = {
        "bad_utf8.txt": b"\xff\xfe not UTF-8 \xc3\x28\n",
        "fake.zip": "this is not a zip file\n",
        "babi_bad/en/qa1_single-supporting-fact_train.txt": b"1 Mary \xff\xfe went.\n",
        "babi_bad/en/qa1_single-supporting-fact_test.txt": b"1 Mary \xff\xfe went.\n",
        "bad.yaml": "a: [1, 2\n",
        "bad.json": "{not json\n",
        "list.yaml": "- 1\n- 2\n",
        "list.json": "[1, 2]\n",
        "empty.json": "{}\n",
        "lr_abc.yaml": "lr: abc\n",
        "unknown.yaml": "banana: 1\n",
        "bad_utf8.yaml": b"task: \xff\xfe\n",
        "bad_utf8.json": b'{"hidden_size": "\xff"}\n',
        "steps_abc.json": '{"steps_per_stage": "abc"}\n',
        "eval_num_abc.yaml": "num_samples: abc\n",
        "eval_seed_huge.yaml": f"seed: {HUGE}\n",
        "eval_bool.yaml": "chat_template: maybe\n",
        "hf_text/config.json": json.dumps(
            {"hidden_size": "big", "num_hidden_layers": 2, "num_attention_heads": 2}
            | {"vocab_size": 10}
        ),
        "escape.jsonl": '{"secret": 1}\n',
        "data_list/metadata.json": "[1, 2]\n",
        "data_escape/metadata.json": _metadata(shards=["../escape.jsonl"]),
        "data_absolute/metadata.json": _metadata(shards=["/etc/passwd"]),
        "data_utf8/metadata.json": b'{"config": "\xff"}\n',
        "data_incomplete/metadata.json": _metadata(complete=False),
        "res_garbage/x.memorize.jsonl": "garbage\n",
        "res_utf8/x.memorize.jsonl": b"\xff\xfe\n",
        "res_length/x.memorize.jsonl": _row("abc"),
        "res_fraction/x.memorize.jsonl": _row(1.5),
        "res_list/x.memorize.jsonl": "[1, 2]\n",
        "res_ok/x.memorize.jsonl": _row(300),
    }
    for name, content in files.items():
        path = fx / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    for folder in ("empty", "model_empty"):
        (fx / folder).mkdir()
    return fx


@pytest.fixture()
def sandbox(
    tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, Path]:
    """(work folder = cwd, canary folder, fixtures); caches kept outside all three."""
    work = tmp_path / "work"
    work.mkdir()
    canary = make_canary(tmp_path / "canary")
    monkeypatch.chdir(work)
    monkeypatch.setenv("RMT_BENCH_CACHE", str(fixtures.parent / "cache"))  # shared, outside
    return work, canary, fixtures


def run_cli(args: list[str]) -> object:
    """Invoke the CLI in-process; stderr is kept apart from stdout."""
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def assert_one_clear_line(result: object, needle: str) -> None:
    """Non-zero exit, no escaped exception, exactly one ``Error:`` line naming ``needle``."""
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code != 0, f"accepted: {result.output}"  # type: ignore[attr-defined]
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # type: ignore[attr-defined]
    assert "Traceback" not in result.output, result.output  # type: ignore[attr-defined]
    errors = [line for line in stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, stderr
    assert needle.lower() in errors[0].lower(), errors[0]


@pytest.mark.parametrize(("args", "needle"), CASES)
def test_bad_input_gives_one_line_and_touches_nothing(
    sandbox: tuple[Path, Path, Path], args: list[str], needle: str
) -> None:
    work, canary, fx = sandbox
    before = (_snapshot(work), _snapshot(canary), _snapshot(fx))
    result = run_cli([arg.format(fx=fx, canary=canary) for arg in args])
    assert_one_clear_line(result, needle)
    assert (_snapshot(work), _snapshot(canary), _snapshot(fx)) == before


def test_the_table_is_large_and_names_are_unique() -> None:
    names = [case.id for case in CASES]  # type: ignore[attr-defined]
    assert len(names) == len(set(names)) >= 100
