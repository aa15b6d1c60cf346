"""rmt-bench figures / rmt_bench.pipeline: step order, resume, skip-when-complete, budget."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from generators.errors import BenchInputError
from rmt_bench.pipeline import Pipeline, PipelineConfig, Step
from rmt_bench.work_precision import check_work_precision, work_precisions

TINY_TRAIN = {
    "backbone": "tiny-bert",
    "segment_size": 16,
    "memory_tokens": 2,
    "curriculum": "1,2",
    "steps_per_stage": 1,
    "val_samples": 2,
    "val_every": 1,
    "batch_size": 2,
    "checkpoint_every": 1,
    "log_every": 1,
    "prefetch": 0,
}


def _tiny(work: Path, **changes) -> PipelineConfig:
    values = dict(
        preset="cpu", work=str(work), tasks=("memorize",), num_samples=1, lengths=(16, 32),
        short_up_to=16, grid_segments=(1,), ablation=False, full_attention=False,
        train_overrides=TINY_TRAIN, progress=False, budget_minutes=60.0,
    )  # fmt: skip
    values.update(changes)
    return PipelineConfig(**values)


def test_step_plan_orders_train_short_grid_long_report(tmp_path) -> None:
    config = _tiny(tmp_path, lengths=(16, 32, 64), short_up_to=32, grid_segments=(1, 2), ablation=True,
                   full_attention=True)  # fmt: skip
    names = [step.name for step in Pipeline(config).steps()]
    assert names[:3] == [
        "train rmt-memorize",
        "train rmt-memorize-nocurriculum",
        "train full-attention-memorize",
    ]
    assert names[3:5] == [
        "eval rmt-memorize memorize @ 16 tokens",
        "eval rmt-memorize memorize @ 32 tokens",
    ]
    grid = [
        n for n in names if "stage" in n
    ]  # stage 1 at 2 grid lengths; stage 2 = the final model
    assert grid == [f"eval rmt-memorize-stage1 memorize @ {n} tokens" for n in (16, 32)]
    assert (
        names.count("eval rmt-memorize memorize @ 32 tokens") == 1
    )  # grid length == a main length
    assert names[-2:] == ["eval rmt-memorize memorize @ 64 tokens", "report"]
    assert "eval full-attention-memorize memorize @ 32 tokens" in names
    tiled = [n for n in names if "tiled" in n]  # cpu preset: 8 .. 128 segments of 16 tokens
    assert tiled == [
        f"eval full-attention-memorize-tiled memorize @ {8 * 2**k * 16:,} tokens" for k in range(5)
    ]
    assert names.index(tiled[-1]) < names.index(
        "eval rmt-memorize memorize @ 64 tokens"
    )  # before long


@pytest.mark.parametrize("record", ["eval rows", "training run"])
def test_a_run_resumed_where_auto_gives_another_precision_stops_before_any_work(
    tmp_path, monkeypatch, record
) -> None:
    """Training and evaluation run at --precision auto: on a CPU without native bf16 the
    run's bf16 models would be retrained in fp32 and fp32 rows mixed into its bf16 ones."""
    from rmt_bench import machine

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu avx2\n\n")
    monkeypatch.setattr(machine, "CPUINFO", cpuinfo)
    work = tmp_path / "work"
    if record == "eval rows":
        saved = work / "results" / "rmt-memorize.memorize.config.json"
        payload = {"config_hash": "0", "identity": {"precision": "bf16", "task": "memorize"}}
    else:
        saved = work / "runs" / "rmt-memorize" / "train_config.json"
        payload = {"config": {"precision": "auto"}, "machines": [{"bf16_cpu": "avx512_bf16"}]}
    saved.parent.mkdir(parents=True)
    saved.write_text(json.dumps(payload))
    before = sorted(work.rglob("*"))
    with pytest.raises(BenchInputError, match="computed in bf16, but would go on in fp32") as error:
        Pipeline(_tiny(work)).run()
    assert saved.name in str(error.value)
    assert sorted(work.rglob("*")) == before  # nothing trained, evaluated or written
    with pytest.raises(BenchInputError, match="or pass --precision bf16"):
        check_work_precision(work)  # `figures` takes --precision: the refusal says so
    check_work_precision(work, "bf16")  # ... and with it the run goes on in bf16 here
    cpuinfo.write_text(cpuinfo.read_text().replace("avx2", "avx2 avx512_bf16"))
    check_work_precision(work)  # where auto gives bf16 the run may go on
    with pytest.raises(BenchInputError, match="would go on in fp32 here \\(--precision fp32\\)"):
        check_work_precision(work, "fp32")
    assert work_precisions(work) == [(saved, "bf16")]


@pytest.mark.parametrize(("flags", "exit_code"), [("fpu avx2 avx512_bf16", 0), ("fpu avx2", 1)])
def test_the_committed_reference_run_goes_on_only_where_auto_gives_bf16(
    tmp_path, monkeypatch, capsys, flags, exit_code
) -> None:
    """resume.sh's check (scripts/same_precision.py) on the committed rows and runs."""
    import importlib.util

    from rmt_bench import machine

    committed = Path(__file__).resolve().parent.parent / "reports" / "rows" / "cpu-run"
    spec = importlib.util.spec_from_file_location(
        "same_precision", committed / "scripts" / "same_precision.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: {flags}\n\n")
    monkeypatch.setattr(machine, "CPUINFO", cpuinfo)
    assert script.main(str(committed)) == exit_code
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert set(report["recorded"]) == {"bf16"} and report["recorded"]["bf16"] >= 8
    assert report["same"] is (exit_code == 0)
    assert ("computed in bf16, but would go on in fp32" in err) is (exit_code == 1)


def test_budget_and_resume_logic_with_fake_steps(tmp_path, monkeypatch) -> None:
    ran: list[str] = []
    outputs: set[str] = set()

    def fake(name: str, phase: str, estimate: float | None = None) -> Step:
        def run() -> None:
            ran.append(name)
            outputs.add(name)

        def run_or_fail() -> None:
            raise BenchInputError("length 16 is too short for task reasoning")

        runner = run_or_fail if name == "eval bad" else run
        return Step(name, phase, lambda: name in outputs, runner, lambda: estimate)

    def steps(self):  # noqa: ANN001
        return [fake("train a", "train"), fake("eval cheap", "eval", 1.0), fake("eval huge", "eval", 1e9),
                fake("eval bad", "eval", 1.0), fake("eval later", "eval", None), fake("report", "report")]  # fmt: skip

    monkeypatch.setattr(Pipeline, "steps", steps)
    first = Pipeline(_tiny(tmp_path, budget_minutes=1.0)).run()
    assert [s.status for s in first.steps] == [
        "done",
        "done",
        "over budget",
        "error",
        "done",
        "done",
    ]
    assert ran == ["train a", "eval cheap", "eval later", "report"]
    state = json.loads((tmp_path / "pipeline_state.json").read_text())
    assert set(state["steps"]) == {"train a", "eval cheap", "eval later", "report"}
    progress = (tmp_path / "progress.txt").read_text()
    assert "over budget" in progress and "too short for task reasoning" in progress
    ran.clear()
    second = Pipeline(_tiny(tmp_path, budget_minutes=1.0)).run()
    statuses = [s.status for s in second.steps]
    assert statuses == ["skipped", "skipped", "over budget", "error", "skipped", "done"]
    assert ran == ["report"]  # the report is always redrawn; complete steps never rerun


def test_ablation_gets_the_steps_the_curriculum_run_used(tmp_path) -> None:
    run = tmp_path / "runs" / "rmt-memorize"
    run.mkdir(parents=True)
    log = [
        {"step": step, "stage": stage}
        for stage, last in ((1, 40), (2, 70), (3, 130))
        for step in (last - 5, last)
    ]
    (run / "train_log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in log))
    pipeline = Pipeline(_tiny(tmp_path))
    assert pipeline._matched_steps("memorize", [1, 2]) == {
        "steps_per_stage": 35,
        "steps_from": (),  # a recipe's caps of long stages would cut the matched budget
    }  # 70 steps / 2 stages
    assert pipeline._matched_steps("memorize", [1, 2, 3]) == {
        "steps_per_stage": 44,
        "steps_from": (),
    }  # ceil(130 / 3)
    assert pipeline._matched_steps("reasoning", [1]) == {}  # no run yet: the preset's budget


def test_long_lengths_use_fewer_samples_on_cpu(tmp_path) -> None:
    config = _tiny(tmp_path, lengths=(16, 32, 64), short_up_to=16, num_samples=5, long_num_samples=2,
                   long_from=64)  # fmt: skip
    pipeline = Pipeline(config)
    steps = {s.name: s for s in pipeline.steps()}
    (tmp_path / "results").mkdir()
    rows = [{"length": 64, "sample_id": str(i)} for i in range(2)] + [
        {"length": 32, "sample_id": "0"}
    ]
    (tmp_path / "results" / "rmt-memorize.memorize.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows)
    )
    assert steps["eval rmt-memorize memorize @ 64 tokens"].done()  # 2 of 2 long samples
    assert not steps["eval rmt-memorize memorize @ 32 tokens"].done()  # 1 of 5


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_tiny_pipeline_end_to_end_resumes_after_interrupt(tmp_path) -> None:
    """Real training + evaluation + report on a 2-layer model; interrupted, then resumed."""
    pytest.importorskip("torch")

    class Stop(Exception):
        pass

    def stop_after_first_eval(step: Step, summary) -> None:  # noqa: ANN001
        if step.phase == "eval" and step.status == "done":
            raise Stop

    with pytest.raises(Stop):
        Pipeline(_tiny(tmp_path)).run(on_step=stop_after_first_eval)
    rows_file = tmp_path / "results" / "rmt-memorize.memorize.jsonl"
    assert [r["length"] for r in _rows(rows_file)] == [16]
    assert (tmp_path / "runs" / "rmt-memorize" / "stage-2").is_dir()

    summary = Pipeline(_tiny(tmp_path)).run()
    status = {step.name: step.status for step in summary.steps}
    assert status["train rmt-memorize"] == "skipped"
    assert status["eval rmt-memorize memorize @ 16 tokens"] == "skipped"
    assert status["eval rmt-memorize memorize @ 32 tokens"] == "done"
    assert status["eval rmt-memorize-stage1 memorize @ 16 tokens"] == "done"
    rows = _rows(rows_file)
    assert sorted(r["length"] for r in rows) == [16, 32]  # nothing evaluated twice
    assert {
        r["train_segments"]
        for r in _rows(tmp_path / "results" / "rmt-memorize-stage1.memorize.jsonl")
    } == {1}
    reports = tmp_path / "reports"
    for name in ("accuracy_vs_length", "generalization_grid", "flops_vs_length", "training_curves"):
        assert (reports / f"{name}.png").is_file() and (reports / f"{name}.csv").is_file()
    grid = pd.read_csv(reports / "generalization_grid.csv")
    # stage 1 at 1 segment; 2 segments (stage 2 and the final model, its copy) at 1 and 2 segments,
    # each sample counted once.
    cells = list(zip(grid["train_segments"], grid["segments"], grid["n"], strict=True))
    assert cells == [(1, 1, 1), (2, 1, 1), (2, 2, 1)]

    again = Pipeline(_tiny(tmp_path)).run()
    assert {s.status for s in again.steps if s.name != "report"} == {"skipped"}


def test_grid_keeps_the_chosen_stages_and_the_final_model(tmp_path) -> None:
    config = _tiny(tmp_path, grid_segments=(1, 4), grid_train_segments=(2,), grid_num_samples=1)
    names = [step.name for step in Pipeline(config).steps()]
    assert not any(
        "stage" in name for name in names
    )  # stage 1 left out; stage 2 is the final model
    assert (
        "eval rmt-memorize memorize @ 64 tokens" in names
    )  # the final model at the grid's 4 segments


def test_grid_evaluates_each_checkpoint_at_its_own_training_length(tmp_path) -> None:
    train = {**TINY_TRAIN, "curriculum": "1,3"}  # 3 segments: no grid column
    config = _tiny(tmp_path, lengths=(16, 32), grid_segments=(1, 2, 4), grid_train_segments=(1,),
                   grid_num_samples=1, train_overrides=train)  # fmt: skip
    names = [step.name for step in Pipeline(config).steps()]
    assert "eval rmt-memorize memorize @ 48 tokens" in names  # the final model's 3 x 16
    stage1 = [n for n in names if "stage1" in n]
    assert stage1 == [f"eval rmt-memorize-stage1 memorize @ {n} tokens" for n in (16, 32, 64)]


def test_tasks_with_other_segment_sizes_share_the_token_lengths(tmp_path) -> None:
    # the cpu-tiny recipes: Detect & Memorize on 480-token segments, Reasoning on 64
    train = {key: value for key, value in TINY_TRAIN.items() if key != "segment_size"}
    config = _tiny(tmp_path, tasks=("reasoning", "detect_memorize"), lengths=(512, 1024),
                   short_up_to=512, grid_segments=(1, 2), train_overrides=train)  # fmt: skip
    pipeline = Pipeline(config)
    assert pipeline.segment_size("reasoning") == 64  # the preset's own
    assert pipeline.segment_size("detect_memorize") == 480
    names = [step.name for step in pipeline.steps()]
    for task in ("reasoning", "detect_memorize"):  # the final models: the same token lengths
        assert {f"eval rmt-{task} {task} @ {n:,} tokens" for n in (512, 1024)} <= set(names)
    # the grid: each task's segment counts x its own segment size
    assert [n for n in names if "detect_memorize-stage1" in n] == [
        f"eval rmt-detect_memorize-stage1 detect_memorize @ {n} tokens" for n in (480, 960)
    ]
    assert [n for n in names if "rmt-reasoning-stage1" in n] == [
        f"eval rmt-reasoning-stage1 reasoning @ {n} tokens" for n in (64, 128)
    ]


def test_a_curriculum_that_changes_segment_size_grids_at_the_final_size(tmp_path) -> None:
    # 16-token segments for 1 and 2 segments, then 1 and 2 segments of 32 tokens
    train = {**TINY_TRAIN, "curriculum": "1,2,1x32,2x32"}
    config = _tiny(tmp_path, lengths=(16, 32), grid_segments=(1, 2), grid_train_segments=(1, 2),
                   ablation=True, train_overrides=train)  # fmt: skip
    pipeline = Pipeline(config)
    assert pipeline.segment_size("memorize") == 32  # the final model's
    names = [step.name for step in pipeline.steps()]
    # only stage 3 (1 x 32) joins the grid: stages 1 and 2 trained on 16-token segments
    assert [n for n in names if "-stage" in n] == [
        f"eval rmt-memorize-stage3 memorize @ {n} tokens" for n in (32, 64)
    ]
    assert "eval rmt-memorize memorize @ 64 tokens" in names  # the final model, 2 x 32
    # the ablation: the stages up to N segments of the final size, trained as one
    assert pipeline.ablation_stages("memorize", 1) == [1, 2, "1x32"]
    assert pipeline.ablation_stages("memorize", 4) == [1, 2, "1x32", "2x32"]


def test_cost_estimate_uses_the_longest_measured_length(tmp_path) -> None:
    from rmt_bench.pipeline import _seconds_per_token

    rows = [
        {"kind": "rmt", "length": 64, "n_tokens": 64, "seconds": 1.0, "skipped": None},  # overhead
        {"kind": "rmt", "length": 1024, "n_tokens": 1024, "seconds": 2.0, "skipped": None},
        {
            "kind": "full-attention",
            "length": 2048,
            "n_tokens": 2048,
            "seconds": 100.0,
            "skipped": None,
        },
        {"kind": "rmt", "length": 4096, "n_tokens": 4096, "seconds": None, "skipped": "too_long"},
    ]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert _seconds_per_token(tmp_path, "rmt") == (pytest.approx(2.0 / 1024), 1024)
    assert _seconds_per_token(tmp_path, "truncated") is None


def test_a_run_is_trained_only_once_its_final_model_is_fully_copied(tmp_path) -> None:
    run = tmp_path / "run"
    (run / "stage-2" / "backbone").mkdir(parents=True)
    for name in ("config.json", "rmt.safetensors"):
        (run / "stage-2" / name).write_text("x")
    assert not Pipeline._trained(run, 2)
    (run / "config.json").write_text("x")
    (run / "rmt.safetensors").write_text("x")
    assert not Pipeline._trained(run, 2)  # backbone/ not copied yet (killed mid-publish)
    (run / "backbone").mkdir()
    assert Pipeline._trained(run, 2) and not Pipeline._trained(run, 3)


def test_figures_dry_run_lists_the_plan(tmp_path) -> None:
    from click.testing import CliRunner

    from rmt_bench.cli import cli

    args = ["figures", "--preset", "cpu", "--work", str(tmp_path / "w"), "--tasks", "memorize", "--dry-run",
            "--max-length", "8k", "--budget-minutes", "5"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split() == ["1", "to", "run", "train", "rmt-memorize"]
    assert lines[-1].endswith("steps; evaluation budget 5 minutes")
    assert not (tmp_path / "w").exists()  # a dry run writes nothing
    bad = CliRunner().invoke(
        cli, ["figures", "--tasks", "sorting", "--dry-run", "--work", str(tmp_path)]
    )
    assert bad.exit_code == 2 and "unknown task" in bad.output


def test_armt_beside_rmt_trains_each_task_and_evaluates_at_the_same_lengths(tmp_path) -> None:
    config = _tiny(tmp_path, lengths=(16, 32, 64), short_up_to=32, grid_segments=(1, 2), ablation=True,
                   full_attention=True, model_kinds=("rmt", "armt"))  # fmt: skip
    steps = Pipeline(config).steps()
    names = [step.name for step in steps]
    assert names[:4] == [
        "train rmt-memorize",
        "train armt-memorize",
        "train rmt-memorize-nocurriculum",  # the ablations stay RMT only
        "train full-attention-memorize",
    ]
    assert not any("armt-memorize-nocurriculum" in n or "armt-memorize-tiled" in n for n in names)
    main = [n for n in names if n.startswith("eval ") and "memorize memorize @" in n]
    main = [n for n in main if n.split()[1] in ("rmt-memorize", "armt-memorize")]
    # short 16, 32; long 64: at each length RMT then ARMT, before the next length
    assert main == [f"eval {k}-memorize memorize @ {n} tokens" for n in (16, 32, 64) for k in ("rmt", "armt")]  # fmt: skip
    assert [n for n in names if "stage" in n] == [  # the grid alternates kinds too
        f"eval {k}-memorize-stage1 memorize @ {n} tokens" for n in (16, 32) for k in ("rmt", "armt")
    ]
    assert names[-3:-1] == [f"eval {k}-memorize memorize @ 64 tokens" for k in ("rmt", "armt")]


def test_armt_steps_train_armt_and_estimate_from_armt_rows(tmp_path) -> None:
    pipeline = Pipeline(_tiny(tmp_path, model_kinds=("rmt", "armt")))
    assert pipeline._train_config("memorize", {"model_kind": "armt"}).model_kind == "armt"
    steps = {s.name: s for s in pipeline.steps()}
    (tmp_path / "results").mkdir()
    rows = [{"kind": "rmt", "length": 16, "n_tokens": 16, "seconds": 1.0},
            {"kind": "armt", "length": 16, "n_tokens": 16, "seconds": 3.0}]  # fmt: skip
    (tmp_path / "results" / "x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    rmt = steps["eval rmt-memorize memorize @ 32 tokens"].estimate()
    armt = steps["eval armt-memorize memorize @ 32 tokens"].estimate()
    assert (rmt, armt) == (pytest.approx(2.0), pytest.approx(6.0))


def test_default_config_keeps_its_step_names(tmp_path) -> None:
    config = _tiny(tmp_path, lengths=(16, 32, 64), short_up_to=32, grid_segments=(1, 2), ablation=True,
                   full_attention=True)  # fmt: skip
    names = [step.name for step in Pipeline(config).steps()]
    assert not any("armt" in name for name in names)
    assert [n for n in names if n.startswith("train ")] == [
        "train rmt-memorize", "train rmt-memorize-nocurriculum", "train full-attention-memorize",
    ]  # fmt: skip
    assert [n for n in names if n.startswith("eval rmt-memorize ")] == [
        f"eval rmt-memorize memorize @ {n} tokens" for n in (16, 32, 64)
    ]


def test_noise_reaches_training_and_every_evaluation(tmp_path, monkeypatch) -> None:
    import rmt_bench.evaluate

    books = tmp_path / "books"
    books.mkdir()
    for i in range(4):
        (books / f"{i}.txt").write_text("A sentence of a book. Another one.\n")
    train_spec, test_spec = f"pg19:{books}?split=train", f"pg19:{books}?split=test"
    seen: list = []
    monkeypatch.setattr(rmt_bench.evaluate, "evaluate", seen.append)

    pipeline = Pipeline(_tiny(tmp_path / "w", noise=train_spec, eval_noise=test_spec))
    assert pipeline._train_config("memorize", {"model_kind": "armt"}).noise == train_spec
    assert pipeline.training_noise() == train_spec
    evals = [s for s in pipeline.steps() if s.phase == "eval"]
    for step in evals:
        step.run()
    assert len(seen) == len(evals) and {cfg.noise for cfg in seen} == {test_spec}

    same = Pipeline(_tiny(tmp_path / "w", noise=train_spec))  # --eval-noise defaults to --noise
    assert same.config.eval_noise == train_spec
    seen.clear()
    next(s for s in same.steps() if s.phase == "eval").run()
    assert seen[0].noise == train_spec
    default = Pipeline(_tiny(tmp_path / "w"))  # neither: the two halves of the books
    assert default.config.eval_noise is None and default.training_noise() == "books?split=train"
    seen.clear()
    next(s for s in default.steps() if s.phase == "eval").run()
    assert seen[0].noise is None  # EvalConfig's default: books?split=test


def test_precision_reaches_training_and_every_evaluation(tmp_path, monkeypatch) -> None:
    import rmt_bench.evaluate

    seen: list = []
    monkeypatch.setattr(rmt_bench.evaluate, "evaluate", seen.append)
    pipeline = Pipeline(_tiny(tmp_path / "w", precision="fp32"))
    assert pipeline._train_config("memorize", {}).precision == "fp32"
    evals = [s for s in pipeline.steps() if s.phase == "eval"]
    for step in evals:
        step.run()
    assert len(seen) == len(evals) and {cfg.precision for cfg in seen} == {"fp32"}
    default = Pipeline(_tiny(tmp_path / "w"))  # auto: the train preset's own option, unset
    assert default._train_config("memorize", {}) == pipeline._train_config(
        "memorize", {"precision": "auto"}
    )


def test_eval_batch_size_reaches_the_memory_models_not_full_attention(
    tmp_path, monkeypatch
) -> None:
    import rmt_bench.evaluate

    seen: list = []
    monkeypatch.setattr(rmt_bench.evaluate, "evaluate", seen.append)
    changes = {"full_attention": True, "model_kinds": ("rmt", "armt"), "eval_batch_size": 4}
    pipeline = Pipeline(_tiny(tmp_path / "w", **changes))
    for step in pipeline.steps():
        if step.phase == "eval":
            step.run()
    by_model = {(cfg.name, cfg.batch_size) for cfg in seen}
    assert {"rmt-memorize", "armt-memorize", "full-attention-memorize"} <= {n for n, _ in by_model}
    for name, batch_size in by_model:
        assert batch_size == (1 if name.startswith("full-attention") else 4), name
    seen.clear()
    next(s for s in Pipeline(_tiny(tmp_path / "w")).steps() if s.phase == "eval").run()
    assert seen[0].batch_size == 8  # the cpu preset's


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"eval_batch_size": 0}, "--eval-batch-size must be >= 1, got 0"),
        ({"model_kinds": ("rmt", "lstm")}, "bad --model-kinds"),
        ({"model_kinds": ()}, "bad --model-kinds"),
        ({"model_kinds": ("armt", "armt")}, "bad --model-kinds"),
        ({"train_overrides": {**TINY_TRAIN, "model_kind": "armt"}}, "use --model-kinds"),
        ({"noise": "wikipedia"}, "--noise: unknown noise source"),
        ({"eval_noise": "pg19:/no/such/books?split=test"}, "--eval-noise: "),
        ({"noise": "builtin", "train_overrides": {**TINY_TRAIN, "noise": "builtin"}}, "once"),
        ({"train_overrides": {**TINY_TRAIN, "precision": "bf16"}}, "use --precision"),
        ({"precision": "fp16"}, "--precision must be one of"),
    ],
)
def test_bad_kinds_and_noise_sources_fail_before_any_work(tmp_path, changes, message) -> None:
    with pytest.raises(BenchInputError, match=message.replace("-", r"\-")):
        Pipeline(_tiny(tmp_path / "w", **changes))
    assert not (tmp_path / "w").exists()


def test_beyond_evaluates_the_named_kinds_last_and_only_when_asked(tmp_path, monkeypatch) -> None:
    from rmt_bench import pipeline as module

    beyond = {"length": 128, "num_samples": 3, "model_kinds": ("armt",)}
    monkeypatch.setitem(module.PRESETS["cpu"], "beyond", beyond)
    kinds = ("rmt", "armt")
    asked = Pipeline(_tiny(tmp_path, model_kinds=kinds, num_samples=5, beyond=True)).steps()
    names = [s.name for s in asked]
    assert names[-2:] == ["eval armt-memorize memorize @ 128 tokens", "report"]
    assert not any("rmt-memorize memorize @ 128" in n and "armt" not in n for n in names)
    (tmp_path / "results").mkdir()
    rows = [{"length": 128, "sample_id": str(i)} for i in range(3)]
    (tmp_path / "results" / "armt-memorize.memorize.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows)
    )
    assert asked[-2].done()  # 3 samples, not num_samples' 5
    # explicit lengths (as --max-length gives) leave it out unless asked for
    plain = [s.name for s in Pipeline(_tiny(tmp_path, model_kinds=kinds)).steps()]
    assert not any("@ 128 tokens" in n for n in plain)
    # a beyond length the main lengths already reach adds nothing
    monkeypatch.setitem(module.PRESETS["cpu"], "beyond", {**beyond, "length": 32})
    within = [s.name for s in Pipeline(_tiny(tmp_path, model_kinds=kinds, beyond=True)).steps()]
    assert within == plain


def test_figures_dry_run_adds_armt_at_10m_to_the_whole_preset(tmp_path) -> None:
    from click.testing import CliRunner

    from rmt_bench.cli import cli

    args = ["figures", "--work", str(tmp_path / "w"), "--tasks", "memorize", "--dry-run",
            "--model-kinds", "rmt,armt"]  # fmt: skip
    whole = CliRunner().invoke(cli, args)
    assert whole.exit_code == 0, whole.output
    at_10m = [
        line.split(maxsplit=3)[3] for line in whole.output.splitlines() if "10,485,760" in line
    ]
    assert at_10m == ["eval armt-memorize memorize @ 10,485,760 tokens"]
    for extra, expected in ((["--max-length", "4k"], 0), (["--max-length", "4k", "--beyond"], 1),
                            (["--no-beyond"], 0)):  # fmt: skip
        result = CliRunner().invoke(cli, [*args, *extra])
        assert result.exit_code == 0, result.output
        assert result.output.count("@ 10,485,760 tokens") == expected, extra


def test_figures_dry_run_shows_armt_and_noise(tmp_path) -> None:
    from click.testing import CliRunner

    from rmt_bench.cli import cli

    args = ["figures", "--work", str(tmp_path / "w"), "--tasks", "memorize", "--dry-run", "--max-length", "4k",
            "--model-kinds", "rmt,armt", "--noise", "builtin"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    names = [" ".join(line.split()[3:]) for line in result.output.splitlines()]
    assert "train armt-memorize" in names and "eval armt-memorize memorize @ 512 tokens" in names
    assert "models rmt, armt; training noise builtin; evaluation noise builtin" in result.output
    default = CliRunner().invoke(cli, args[:-2])
    assert "training noise books?split=train; evaluation noise books?split=test" in default.output
    bad = CliRunner().invoke(cli, [*args[:-2], "--noise", "pg19:" + str(tmp_path / "none")])
    assert bad.exit_code == 2 and "--noise: pg19 noise path not found" in bad.output
    bad = CliRunner().invoke(cli, [*args[:-4], "--model-kinds", "rmt,gpt"])
    assert bad.exit_code == 2 and "bad --model-kinds" in bad.output


@pytest.mark.slow
def test_tiny_armt_pipeline_writes_armt_rows(tmp_path, monkeypatch) -> None:
    """Real ARMT training + evaluation (no report): its rows carry kind armt, its estimate key."""
    pytest.importorskip("torch")
    monkeypatch.setattr(Pipeline, "_report", lambda self: None)
    config = _tiny(tmp_path, model_kinds=("armt",), lengths=(16,), noise="builtin")
    summary = Pipeline(config).run()
    status = {step.name: step.status for step in summary.steps}
    assert status == {
        "train armt-memorize": "done",
        "eval armt-memorize memorize @ 16 tokens": "done",
        "eval armt-memorize-stage1 memorize @ 16 tokens": "done",
        "eval armt-memorize memorize @ 32 tokens": "done",  # its own 2 training segments
        "report": "done",
    }
    rows = _rows(tmp_path / "results" / "armt-memorize.memorize.jsonl")
    assert [(r["kind"], r["length"]) for r in rows] == [("armt", 16), ("armt", 32)]
    saved = json.loads((tmp_path / "runs" / "armt-memorize" / "config.json").read_text())
    assert saved["kind"] == "armt"
