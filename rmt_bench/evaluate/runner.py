"""Run an evaluation: every (length, sample) answered once, one row per sample.

    table = evaluate(EvalConfig(model="ckpt/", task="memorize", lengths="4k,1M", num_samples=8))
    table = evaluate(config, model=my_model)     # an already loaded AnswerModel

Order of work: check everything cheap (lengths, task, output folder), load the
model, check its tokenizer and labels against the samples, refuse a results
file of another configuration, then per length: the samples not yet in the
rows (resume), this process's share of them (``accelerate launch``), in batches
of ``batch_size``; each answered batch is timed (``MemoryWatch``) and its rows
are appended and flushed at once. ``--precision bf16`` runs ``predict`` under
bf16 autocast (``rmt_bench.precision``); every row names the precision used.
At the end rank 0 merges the shards' rows and rewrites ``summary.csv``.
Returns the summary records of this model/task.
The harness only calls the ``AnswerModel`` contract; it never looks at the kind.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError
from generators.progress import progress_bars
from rmt_bench.evaluate.config import EvalConfig
from rmt_bench.evaluate.rows import RowsFile
from rmt_bench.evaluate.samples import SampleRef, open_samples
from rmt_bench.evaluate.sharding import Shard, current_shard

log = logging.getLogger(__name__)


def check_out_dir(out: str | os.PathLike[str]) -> Path:
    """Refuse an output folder that could not be created or written; create nothing yet."""
    if not str(out).strip():
        raise BenchInputError("--out is empty: give a results folder")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise BenchInputError(f"--out {path} exists and is not a directory")
    # the nearest existing ancestor decides whether the folder can be created
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise BenchInputError(f"cannot create --out {path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BenchInputError(f"--out {path} is not writable")
    return path


def check_existing_results(out: Path) -> None:
    """Before the model loads: every rows file in ``out`` must be readable, and the
    summary rmt-bench rewrites at the end must be its own (or ``--overwrite``)."""
    from rmt_bench.evaluate.rows import read_rows, result_files
    from rmt_bench.evaluate.summary import check_summary

    if not out.is_dir():
        return
    check_summary(out)
    for path in result_files(out):
        read_rows(path)


def prepare_out_dir(out: str | os.PathLike[str]) -> Path:
    """Create the output folder once ``check_out_dir`` has passed and the model is loaded."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BenchInputError(f"cannot create --out {path}: {error.strerror or error}") from None
    return path


def check_device(requested: str) -> None:
    """A ``--device`` that torch knows and this machine has (``auto`` always passes)."""
    if requested == "auto":
        return
    import torch

    try:
        device = torch.device(requested)
    except (RuntimeError, ValueError, TypeError):
        raise BenchInputError(
            f"--device {requested!r} is not a device: use auto, cpu, cuda or cuda:N"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise BenchInputError(f"--device {requested}: no CUDA GPU here; use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise BenchInputError(
                f"--device {requested}: only {torch.cuda.device_count()} CUDA device(s)"
            )
    elif device.type not in ("cpu", "mps"):
        raise BenchInputError(f"--device {requested!r}: use auto, cpu, cuda or cuda:N")


def resolve_device(requested: str, shard: Shard) -> str:
    """``auto``: accelerate's device for this process, else CUDA if present, else CPU."""
    if requested != "auto":
        return requested
    if shard.device is not None:
        return shard.device
    from rmt_bench.precision import local_device

    return local_device()


def _batches(items: Sequence[SampleRef], size: int) -> Iterator[list[SampleRef]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _model_fields(model: Any, path: str) -> dict[str, Any]:
    """Row fields that describe the model (path, training, recurrence; None when not known)."""
    from rmt_bench import __version__

    description = model.describe()
    extra = dict(getattr(model, "extra", None) or {})
    inner = description.get("inner") or {}
    return {
        "train_segments": extra.get("trained_segments", extra.get("train_segments")),
        "curriculum": extra.get("curriculum"),
        "memory_tokens": description.get("memory_tokens", inner.get("memory_tokens")),
        "segment_size": description.get("segment_size", inner.get("segment_size")),
        "model_path": path,
        "rmt_bench_version": __version__,
    }


def _check_labels(model: Any, task: str, labels: Sequence[str]) -> None:
    if tuple(model.labels) != tuple(labels):
        raise BenchInputError(
            f"the model answers {list(model.labels)} but task {task!r} has labels {list(labels)}"
        )
    trained = (getattr(model, "extra", None) or {}).get("task")
    if trained and trained != task:  # same labels, other task: allowed, but say so
        log.warning("the model was trained on task %r, not %r", trained, task)


def _task_labels_or_none(config: EvalConfig) -> tuple[str, ...] | None:
    """The task's answer classes; None for another suite's ``--data`` where the task's
    classes need a fact source (``babi:qaN`` without ``--facts``): the model's labels
    decide there, and the file's targets are checked against them."""
    from generators.dataset import METADATA
    from generators.tasks import task_labels

    try:
        return task_labels(config.task, config.facts)
    except BenchInputError:
        if config.data is None or (Path(config.data) / METADATA).is_file():
            raise
        return None


def _row(
    *,
    name: str,
    model: Any,
    sample: dict[str, Any],
    prediction: Any,
    seconds: float,
    peak_mb: float,
    rss_mb: float,
    model_mb: float | None,
    config_hash: str,
    fields: dict[str, Any],
    precision: str,
) -> dict[str, Any]:
    n_tokens = int(sample["n_tokens"])
    skipped = prediction.skipped
    if prediction.label is not None:
        predicted = model.labels[prediction.label]
    else:
        predicted = prediction.text[:200] if prediction.text else None
    return {
        "model": name,
        "kind": model.kind,
        "task": sample["task"],
        "length": int(sample["length"]),
        "n_tokens": n_tokens,
        "segments": int(model.num_segments(n_tokens)),
        "sample_id": sample["id"],
        "index": int(sample["index"]),
        "prediction": None if skipped else predicted,
        "answer": sample["answer"],
        "correct": None if skipped else prediction.label == int(sample["label"]),
        "skipped": skipped,
        "seconds": round(seconds, 6),
        "tokens_per_s": None if skipped or seconds <= 0 else round(n_tokens / seconds, 3),
        "peak_memory_mb": None if skipped else round(peak_mb, 1),
        "seed": sample.get("seed"),
        "config_hash": config_hash,
        **fields,
        # where the answer was hidden and what the sample was made of (None: not known)
        "depths": _plain(sample.get("depths")),
        "fact_positions": _plain(sample.get("fact_positions")),
        "facts_source": sample.get("facts_source"),
        "noise_source": sample.get("noise_source"),
        "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        # Process RSS beside the model's own peak (CUDA allocator; None on CPU, where torch
        # keeps no allocator statistics): reports draw both.
        "rss_peak_mb": None if skipped else round(rss_mb, 1),
        "model_peak_mb": None if skipped or model_mb is None else round(model_mb, 1),
        "precision": precision,  # fp32, or bf16 (autocast over the backbone)
    }


def _plain(value: Any) -> Any:
    """Lists (numpy arrays from Arrow rows included) as JSON-able lists."""
    return None if value is None else [v.item() if hasattr(v, "item") else v for v in value]


def evaluate(
    config: EvalConfig,
    *,
    model: Any = None,
    shard: Shard | None = None,
) -> list[dict[str, Any]]:
    """Evaluate ``config.model`` on ``config.task`` at every length; return its summary."""
    from generators.budget import check_sample_count
    from generators.dataset import METADATA
    from generators.locks import writer_lock
    from generators.tasks import get_task
    from rmt_bench.registry import model_name

    config.validate()
    config = dataclasses.replace(config, task=get_task(config.task).name)
    lengths = config.length_values()
    check_sample_count(num_samples=config.num_samples, n_lengths=len(lengths))
    labels = _task_labels_or_none(config)
    out = check_out_dir(config.out)  # before the (slow) model load
    check_device(config.device)
    check_existing_results(out)
    if config.data is not None and (Path(config.data) / METADATA).is_file():
        from generators.dataset import read_metadata  # a generated folder: checked before load

        read_metadata(config.data)
    shard = shard or current_shard()
    name = config.name or model_name(config.model)
    # one writer per results file: a second run on the same file fails at once
    guard = writer_lock(out / f"{name}.{config.task}.jsonl") if shard.is_main else nullcontext()
    with guard, progress_bars(config.progress):  # no progress: the libraries' bars too
        return _run(config, model=model, shard=shard, name=name, lengths=lengths, labels=labels)


def _run(
    config: EvalConfig,
    *,
    model: Any,
    shard: Shard,
    name: str,
    lengths: list[int],
    labels: Sequence[str] | None,
) -> list[dict[str, Any]]:
    """``evaluate`` once the cheap checks passed and the results file is locked."""
    from rmt_bench.config import config_hash as hash_of
    from rmt_bench.config import config_to_dict
    from rmt_bench.evaluate.progress import LengthProgress
    from rmt_bench.evaluate.summary import write_summary
    from rmt_bench.machine import describe_machine
    from rmt_bench.precision import autocast, resolve_precision
    from rmt_bench.profiling import MemoryWatch, release_freed_memory
    from rmt_bench.registry import ModelOptions, load_answer_model

    device = resolve_device(config.device, shard)
    if config.threads is not None:
        import torch

        torch.set_num_threads(config.threads)

    if model is None:
        options = ModelOptions(
            device=device,
            labels=labels,
            extend_positions=config.extend_positions,
            max_memory_mb=config.max_memory_mb,
            window=config.window,
            chat_template=config.chat_template,
            max_new_tokens=config.max_new_tokens,
        )
        model = load_answer_model(config.model, options)
    if config.compile:
        from rmt_bench.cell_compile import compile_memory_cell

        compile_memory_cell(model)
    model_device = str(getattr(model, "device", device))
    precision = resolve_precision(config.precision, model_device)  # logged
    if labels is not None:
        _check_labels(model, config.task, labels)
    streamed = bool(getattr(model, "streams_token_ids", False))
    source = open_samples(config, model.tokenizer_name, labels=model.labels, streamed=streamed)
    refs = {length: source.refs(length, config.num_samples) for length in lengths}  # checks all
    source.load(refs[min(lengths)][0])  # a length too short for the facts fails here, not mid-run
    identity = config.identity(model.describe(), model.tokenizer_name, source.identity(), precision)
    digest = hash_of(identity)
    out = prepare_out_dir(config.out)
    rows = RowsFile(out, f"{name}.{config.task}")
    resolved = {
        "identity": identity,
        "run": config_to_dict(config),
        "model_name": name,
        "machine": describe_machine(),  # of this run; not hashed
    }
    rows.check_config(digest, resolved, write=shard.is_main)
    if shard.is_main:
        rows.merge_parts()  # leftovers of an interrupted sharded run
    shard.wait()

    done = rows.done_ids()
    # Peak memory of the device the model runs on: CUDA allocations, else process RSS;
    # without what earlier work in this process (a training run, say) freed and the
    # allocator kept.
    release_freed_memory()
    on_cuda = model_device.startswith("cuda")
    fields = _model_fields(model, config.model)
    part = shard.index if shard.sharded else None
    with rows.writer(part) as write:
        for length in lengths:
            # Shard the full list, then drop finished samples: each sample's owner is
            # fixed by its position, whatever another rank has already written.
            mine = [ref for ref in shard.take(refs[length]) if ref.sample_id not in done]
            with LengthProgress(
                config.task, length, total=len(mine), enabled=config.progress and shard.is_main
            ) as progress:
                for batch in _batches(mine, config.batch_size):
                    samples = [source.load(ref) for ref in batch]
                    with MemoryWatch() as watch, autocast(precision, model_device):
                        predictions = model.predict(samples)
                    if len(predictions) != len(samples):
                        raise RuntimeError(
                            f"{type(model).__name__}.predict returned {len(predictions)} "
                            f"answers for {len(samples)} samples"
                        )
                    cuda_peak = watch.peak_cuda_mb if on_cuda else None
                    peak = cuda_peak if cuda_peak is not None else watch.peak_rss_mb
                    total_tokens = sum(int(s["n_tokens"]) for s in samples) or 1
                    for sample, prediction in zip(samples, predictions, strict=True):
                        share = int(sample["n_tokens"]) / total_tokens  # batch time by tokens
                        write(
                            _row(
                                name=name,
                                model=model,
                                sample=sample,
                                prediction=prediction,
                                seconds=watch.seconds * share,
                                peak_mb=peak,
                                rss_mb=watch.peak_rss_mb,
                                model_mb=cuda_peak,
                                config_hash=digest,
                                fields=fields,
                                precision=precision,
                            )
                        )
                    del samples, predictions
                    progress.update(len(batch))
    shard.wait()
    if not shard.is_main:
        return []
    rows.merge_parts()
    table = write_summary(out)
    return [record for record in table if record["model"] == name and record["task"] == config.task]
