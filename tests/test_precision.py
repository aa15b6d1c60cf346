"""--precision: the auto choice, bf16 autocast with fp32 memory state and heads, rows, train.

The CPU of this test machine need not have bf16 instructions: the auto choice is
tested with faked ``/proc/cpuinfo`` flags, and bf16 autocast runs (emulated) anyway.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch

from generators.errors import BenchInputError
from rmt_bench import machine
from rmt_bench import precision as prec
from rmt_bench.rmt import RMT, RMTConfig
from rmt_bench.rmt.armt import ARMT, ARMTConfig


def _cpuinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: str) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: {flags}\n\n")
    monkeypatch.setattr(machine, "CPUINFO", path)


@pytest.mark.parametrize(
    ("flags", "chosen"),
    [
        ("fpu sse2 avx2 avx512f amx_tile amx_bf16 amx_int8", "bf16"),
        ("fpu sse2 avx2 avx512f avx512_bf16", "bf16"),
        ("fpu sse2 avx2 avx512f avx512_vnni", "fp32"),  # AVX-512 alone is not enough
        ("", "fp32"),
    ],
)
def test_auto_picks_bf16_only_on_cpus_with_bf16_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog, flags: str, chosen: str
) -> None:
    _cpuinfo(tmp_path, monkeypatch, flags)
    with caplog.at_level(logging.INFO, logger="rmt_bench.precision"):
        assert prec.resolve_precision("auto", "cpu") == chosen
    assert f"precision: {chosen} (auto: the CPU has" in caplog.text
    # an explicit choice is kept whatever the CPU
    assert prec.resolve_precision("fp32", "cpu") == "fp32"
    assert prec.resolve_precision("bf16", "cpu") == "bf16"


def test_unreadable_cpuinfo_means_fp32_and_bf16_without_hardware_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.setattr(machine, "CPUINFO", tmp_path / "missing")
    assert machine.cpu_flags() == frozenset()
    assert prec.resolve_precision("auto", "cpu") == "fp32"
    with caplog.at_level(logging.WARNING, logger="rmt_bench.precision"):
        assert prec.resolve_precision("bf16", "cpu") == "bf16"
    assert "no native bf16" in caplog.text


def test_auto_on_cuda_follows_the_device_bf16_support(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Fake GPU")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert prec.resolve_precision("auto", "cuda:0") == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert prec.resolve_precision("auto", "cuda") == "fp32"


@pytest.mark.parametrize("bad", ["fp16", "BF16", "", "no"])
def test_bad_precision_is_a_user_error(bad: str) -> None:
    with pytest.raises(BenchInputError, match="--precision must be one of fp32, bf16, auto"):
        prec.check_precision(bad)


def test_legacy_values_map_onto_precision() -> None:
    assert [prec.legacy_precision(v) for v in ("no", "bf16", "auto")] == ["fp32", "bf16", "auto"]
    with pytest.raises(BenchInputError, match="mixed_precision"):
        prec.legacy_precision("fp16")


def _ids(*lengths: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return [torch.randint(1000, 5000, (n,), generator=generator) for n in lengths]


def _record_cell(model: RMT) -> list[torch.dtype]:
    """The dtype of the memory entering each cell call; the cell's new memory made bf16.

    A backbone whose last op is a LayerNorm already returns fp32 under CPU autocast;
    casting the cell's output to bf16 stands for one that does not, so the loop's
    own cast back to fp32 is what keeps the carried state fp32.
    """
    seen: list[torch.dtype] = []

    def first(state):
        return state[0] if isinstance(state, tuple) else state

    def before(module, args) -> None:
        seen.append(first(args[0]).dtype)

    def after(module, args, output):
        state, memory = output
        bf16 = lambda t: t.to(torch.bfloat16)  # noqa: E731
        return state, tuple(map(bf16, memory)) if isinstance(memory, tuple) else bf16(memory)

    model.cell.register_forward_pre_hook(before)
    model.cell.register_forward_hook(after)
    return seen


def _linear_dtypes(model: RMT) -> list[torch.dtype]:
    """Output dtypes of the backbone's linear layers (bf16 when autocast is on)."""
    dtypes: list[torch.dtype] = []
    for module in model.cell.backbone.modules():
        if isinstance(module, torch.nn.Linear):
            module.register_forward_hook(lambda m, a, out: dtypes.append(out.dtype))
    return dtypes


@pytest.mark.parametrize("kind", ["rmt", "armt"])
def test_bf16_memory_state_stays_fp32_across_segments(kind: str) -> None:
    if kind == "rmt":
        model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16)).eval()
    else:
        model = ARMT(ARMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16)).eval()
    seen = _record_cell(model)
    linear = _linear_dtypes(model)
    with prec.autocast("bf16", "cpu"), torch.no_grad():
        logits = model(_ids(60, 40)).logits  # 4 segments, rows starting at different steps
    assert linear and set(linear) == {torch.bfloat16}  # the backbone computed in bf16 ...
    assert seen == [torch.float32] * 4  # ... every segment received fp32 memory
    assert logits.dtype == torch.float32 and torch.isfinite(logits).all()
    if kind == "armt":
        with prec.autocast("bf16", "cpu"):
            memory, _ = model.stream_memory(_ids(60))
        assert all(part.dtype == torch.float32 for part in memory)


def test_bf16_changes_the_backbone_but_little_of_the_logits() -> None:
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16)).eval()
    ids = _ids(50)
    fp32 = model.stream_logits(ids)
    with prec.autocast("bf16", "cpu"):
        bf16 = model.stream_logits(ids)
    assert not torch.equal(fp32, bf16)  # autocast really ran the backbone in bf16
    assert torch.allclose(fp32, bf16, atol=0.05)


def test_classification_head_computes_in_fp32_under_autocast() -> None:
    model = RMT(RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=16)).eval()
    assert model.head is not None
    dtypes: list[torch.dtype] = []
    for layer in (model.head.dense, model.head.out):
        layer.register_forward_hook(lambda m, args, out: dtypes.extend([args[0].dtype, out.dtype]))
    with prec.autocast("bf16", "cpu"), torch.no_grad():
        model(_ids(40))
    assert dtypes == [torch.float32] * 4  # inputs and outputs of both linear layers


def test_lm_head_computes_in_fp32_under_autocast() -> None:
    config = RMTConfig(
        backbone="tiny-gpt2", memory_tokens=2, segment_size=16, head="generate", labels=("a", "b")
    )
    model = RMT(config).eval()
    dtypes: list[torch.dtype] = []
    model.lm_head.register_forward_hook(lambda m, args, out: dtypes.append(out.dtype))
    with prec.autocast("bf16", "cpu"):
        out = model(_ids(40), labels=torch.tensor([1]))
        model.generate_answers(_ids(40), max_new_tokens=2)
    assert dtypes and all(dtype == torch.float32 for dtype in dtypes)
    assert out.logits.dtype == torch.float32 and torch.isfinite(out.loss)


def test_fp32_autocast_is_no_context_and_other_values_are_refused() -> None:
    with prec.autocast("fp32", "cpu"):
        assert not torch.is_autocast_enabled("cpu")
    with prec.autocast("bf16", "cpu"):
        assert torch.is_autocast_enabled("cpu")
        with prec.full_precision("cpu"):
            assert not torch.is_autocast_enabled("cpu")
    with pytest.raises(BenchInputError):
        prec.autocast("auto", "cpu")


def test_train_reads_the_old_mixed_precision_option(tmp_path: Path) -> None:
    from rmt_bench.train.config import resolve_train_config

    base = {"task": "memorize", "preset": "cpu-tiny"}
    assert resolve_train_config(overrides=base).precision == "auto"
    assert resolve_train_config(overrides={**base, "mixed_precision": "no"}).precision == "fp32"
    config = tmp_path / "train.yaml"
    config.write_text("mixed-precision: bf16\n")
    assert resolve_train_config(str(config), base).precision == "bf16"
    assert resolve_train_config(str(config), {**base, "precision": "bf16"}).precision == "bf16"
    with pytest.raises(BenchInputError, match="disagree"):
        resolve_train_config(overrides={**base, "mixed_precision": "no", "precision": "bf16"})
    with pytest.raises(BenchInputError, match="--precision must be one of"):
        resolve_train_config(overrides={**base, "precision": "fp16"})


def test_a_run_saved_with_mixed_precision_still_resumes(tmp_path: Path) -> None:
    from rmt_bench.config import config_hash, config_to_dict
    from rmt_bench.train import checkpointing as ckpt
    from rmt_bench.train.config import resolve_train_config

    cfg = resolve_train_config(overrides={"task": "memorize", "preset": "cpu-tiny"})
    old = config_to_dict(cfg)  # as an earlier version wrote it: no precision, no compile
    del old["precision"], old["compile"]
    old["mixed_precision"] = "auto"
    out = tmp_path / "run"
    out.mkdir()
    ckpt.write_json(out / ckpt.TRAIN_CONFIG, {"config": old, "hash": config_hash(old)})
    (out / ckpt.TRAIN_LOG).write_text('{"event": "train", "step": 1}\n')
    ckpt.check_out(out, cfg, resume=True)  # same recipe in today's terms: accepted
    bf16 = resolve_train_config(overrides={**config_to_dict(cfg), "precision": "bf16"})
    ckpt.check_out(out, bf16, resume=True, precision="bf16")  # no machine record: untold
    old["mixed_precision"] = "no"  # an fp32 run: bf16 is another recipe
    ckpt.write_json(out / ckpt.TRAIN_CONFIG, {"config": old, "hash": config_hash(old)})
    with pytest.raises(BenchInputError, match="differs.*precision"):
        ckpt.check_out(out, bf16, resume=True, precision="bf16")


@pytest.mark.parametrize(
    ("record", "requested", "computed"),
    [
        ({"bf16_cpu": "avx512_bf16"}, "auto", "bf16"),
        ({"bf16_cpu": "amx_bf16,avx512_bf16"}, "auto", "bf16"),
        ({"bf16_cpu": "none"}, "auto", "fp32"),
        ({"bf16_cpu": "none"}, "bf16", "bf16"),  # asked for: emulated, but bf16
        ({"bf16_cpu": "avx512_bf16", "precision": "fp32"}, "auto", "fp32"),  # as recorded
        ({"bf16_cpu": "none", "accelerator": "Fake GPU"}, "auto", None),  # auto on a GPU
        ({}, "auto", None),  # a record from before the machine was recorded
    ],
)
def test_the_precision_of_a_machine_record(record: dict, requested: str, computed) -> None:
    assert prec.recorded_precision(record, requested) == computed


def test_the_precision_of_a_training_run_is_its_latest_start_that_tells() -> None:
    bf16_cpu, plain_cpu = {"bf16_cpu": "avx512_bf16"}, {"bf16_cpu": "none"}
    run = {"config": {"precision": "auto"}, "machines": [bf16_cpu, {}]}
    assert prec.run_precision(run) == "bf16"  # the second start's record tells nothing
    run["machines"].append({**plain_cpu, "precision": "bf16"})  # resumed with --precision bf16
    assert prec.run_precision(run) == "bf16"
    legacy = {"config": {"mixed_precision": "no"}, "machines": [bf16_cpu]}
    assert prec.run_precision(legacy) == "fp32"  # the old option, read as today's
    assert prec.run_precision({"config": {}, "machines": [plain_cpu]}) == "fp32"
    assert prec.run_precision({}) is None


def test_a_resume_on_another_cpu_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rmt_bench.train import checkpointing as ckpt
    from rmt_bench.train.config import resolve_train_config

    cfg = resolve_train_config(overrides={"task": "memorize", "preset": "cpu-tiny"})
    _cpuinfo(tmp_path, monkeypatch, "fpu avx2 avx512f avx512_bf16")
    out = tmp_path / "run"
    ckpt.write_train_config(out, cfg, "bf16")  # started on a CPU with native bf16
    (out / ckpt.TRAIN_LOG).write_text('{"event": "train", "step": 1}\n')
    ckpt.check_out(out, cfg, resume=True, precision="bf16")
    _cpuinfo(tmp_path, monkeypatch, "fpu avx2")  # resumed on one without
    with pytest.raises(BenchInputError) as error:
        ckpt.check_out(out, cfg, resume=True, precision="fp32")
    message = str(error.value)
    assert "\n" not in message and "computed in bf16, but would go on in fp32" in message
    assert "none of amx_bf16, avx512_bf16" in message and "--precision bf16" in message
    ckpt.record_resume_machine(out, "bf16")  # went on with --precision bf16: recorded
    machines = ckpt.read_json(out / ckpt.TRAIN_CONFIG)["machines"]
    assert [m["precision"] for m in machines] == ["bf16", "bf16"]
    assert [m["bf16_cpu"] for m in machines] == ["avx512_bf16", "none"]


class _AutocastProbe:
    """An AnswerModel that records whether bf16 autocast was on while it answered."""

    kind = "probe"
    tokenizer_name = "minilm"

    def __init__(self) -> None:
        from generators.tasks import task_labels

        self.labels = task_labels("memorize")
        self.autocast: list[bool] = []

    def describe(self) -> dict:
        return {"kind": self.kind}

    def num_segments(self, n_tokens: int) -> int:
        return 1

    def predict(self, samples):
        from rmt_bench.contract import Prediction

        self.autocast.append(torch.is_autocast_enabled("cpu"))
        return [Prediction(label=int(s["label"]), text="") for s in samples]


def _evaluate(out: Path, precision: str, model: _AutocastProbe | None = None) -> list[dict]:
    from rmt_bench.evaluate import EvalConfig, evaluate, read_rows

    config = EvalConfig(
        model="probe", name="probe", task="memorize", lengths="128", num_samples=2,
        out=str(out), progress=False, device="cpu", precision=precision,
    )  # fmt: skip
    evaluate(config, model=model or _AutocastProbe())
    return read_rows(out / "probe.memorize.jsonl")


def test_result_rows_name_the_precision_and_bf16_answers_get_their_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cpuinfo(tmp_path, monkeypatch, "fpu avx2")  # auto -> fp32 here
    probe = _AutocastProbe()
    rows = _evaluate(tmp_path / "auto", "auto", probe)
    assert [r["precision"] for r in rows] == ["fp32", "fp32"] and probe.autocast == [False] * 2
    # an fp32 file keeps the hash it had before --precision existed
    fp32 = _evaluate(tmp_path / "auto", "fp32")
    assert {r["config_hash"] for r in fp32} == {rows[0]["config_hash"]}
    probe = _AutocastProbe()
    bf16 = _evaluate(tmp_path / "bf16", "bf16", probe)
    assert [r["precision"] for r in bf16] == ["bf16", "bf16"] and probe.autocast == [True] * 2
    assert bf16[0]["config_hash"] != rows[0]["config_hash"]
    with pytest.raises(BenchInputError, match="precision fp32 -> bf16.*--precision fp32 to add"):
        _evaluate(tmp_path / "auto", "bf16")  # never mixed into the fp32 rows
    with pytest.raises(BenchInputError, match="--precision"):
        _evaluate(tmp_path / "bad", "fp16")
    assert not (tmp_path / "bad").exists()


def test_eval_cli_bf16_logs_the_choice_and_writes_it_into_rows(tmp_path: Path, caplog) -> None:
    from click.testing import CliRunner

    from generators.tasks import task_labels
    from rmt_bench.cli import cli
    from rmt_bench.evaluate import read_rows

    labels = tuple(task_labels("memorize"))
    config = RMTConfig(backbone="tiny-bert", memory_tokens=2, segment_size=60, labels=labels)
    RMT(config).save_pretrained(tmp_path / "ckpt")
    args = ["eval", "--model", str(tmp_path / "ckpt"), "--task", "memorize", "--lengths", "128"]
    args += ["--num-samples", "1", "--no-progress", "--out", str(tmp_path / "res")]
    result = CliRunner().invoke(cli, [*args, "--precision", "bf16"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "precision: bf16" in caplog.text  # the CLI shows rmt_bench.precision without -v
    (row,) = read_rows(tmp_path / "res" / "ckpt.memorize.jsonl")
    assert row["precision"] == "bf16" and row["prediction"] in labels
