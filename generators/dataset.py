"""Many samples on disk: sharded, resumable, deterministic across process counts.

    out = build_dataset("reasoning", lengths=["4k", "1M"], num_samples=100, seed=0,
                        out="data/reasoning", fmt="parquet", num_proc=4)
    rows = load_samples(out)            # a datasets.Dataset over all shards

Layout of ``out``:

    data/<task>/<length>/shard-00000-of-00004.parquet   (or .jsonl / .arrow)
    metadata.json    resolved config, package versions, shard list, row counts
    README.md        the dataset card: one config per length, a split per task (BABILong's
                     layout), ``label`` as ClassLabel, sources and licences, the command
    dataset_dict.json, <split>/   (``--format arrow`` only) ``load_from_disk(out)`` over the
                     shards in place (no second copy)

``load_dataset(out, "4k")`` and ``load_dataset(out)`` (every length) read it too.

Shard ``s`` of a length holds sample indices ``[s*shard_size, (s+1)*shard_size)``;
its bytes depend only on the config, so ``num_proc=1`` and ``num_proc=4`` give
identical files. An interrupted run is resumed by running the same command:
complete shards are kept, partial ones were never renamed into place and are
rewritten. A different config in an existing ``out`` is refused.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import platform
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from generators.atomic import TEMP_PREFIX, TEMP_SUFFIX, atomic_write_text
from generators.budget import check_generate_budget
from generators.default_noise import TEST_NOISE
from generators.errors import BenchInputError, first_line
from generators.lengths import parse_length
from generators.progress import progress_bars
from generators.writers import FORMATS, write_shard

log = logging.getLogger(__name__)

METADATA = "metadata.json"
DATASET_FORMAT_VERSION = 1
SHARD_TOKENS = 1 << 26  # about 64M tokens (a few hundred MB of text) per shard at most
SHARD_ROWS = 1000
GROUP_TOKENS = 1 << 21  # ~2M tokens (~10 MB of text) per Parquet row group / Arrow batch
_LATER_FIELDS = {"columns": "default"}  # GenerateConfig fields added after format version 1


@dataclass(frozen=True)
class GenerateConfig:
    """Everything a dataset's bytes depend on (no process count, no paths of the output)."""

    task: str
    lengths: tuple[int, ...]
    num_samples: int
    seed: int
    tokenizer: str
    facts: str
    noise: str
    depth: str | None
    format: str
    shard_size: int | None
    with_ids: bool
    columns: str = "default"


@dataclass(frozen=True)
class ShardJob:
    length: int
    shard: int
    of: int
    start: int
    stop: int
    path: str


def shard_size_for(length: int, requested: int | None) -> int:
    """Rows per shard: ``requested``, else at most 1000 rows and ~64M tokens."""
    if requested is not None:
        return requested
    return max(1, min(SHARD_ROWS, SHARD_TOKENS // length))


def _slug(task: str) -> str:
    from generators.hf_layout import task_slug

    return task_slug(task)


def plan_shards(config: GenerateConfig, out: Path) -> list[ShardJob]:
    """All shard jobs of a config, in a fixed order."""
    ext = FORMATS[config.format]
    jobs = []
    for length in config.lengths:
        size = shard_size_for(length, config.shard_size)
        count = max(1, -(-config.num_samples // size))
        for shard in range(count):
            start, stop = shard * size, min(config.num_samples, (shard + 1) * size)
            name = f"shard-{shard:05d}-of-{count:05d}{ext}"
            path = out / "data" / _slug(config.task) / str(length) / name
            jobs.append(ShardJob(length, shard, count, start, stop, str(path)))
    return jobs


def _versions() -> dict[str, str]:
    from importlib import metadata

    versions = {"python": platform.python_version(), "dataset_format": str(DATASET_FORMAT_VERSION)}
    for package in ("rmt-bench", "numpy", "tokenizers", "transformers", "pyarrow", "datasets"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


def _run_shard(
    config: GenerateConfig, job: ShardJob, on_row: Callable[[int], Any] | None = None
) -> int:
    """Build the rows of one shard and stream them into its file (atomically)."""
    from generators.build import build_sample
    from generators.hf_layout import rename_columns

    def rows() -> Iterator[dict[str, Any]]:
        for index in range(job.start, job.stop):
            sample = build_sample(
                config.task,
                length=job.length,
                seed=config.seed,
                index=index,
                tokenizer=config.tokenizer,
                facts=config.facts,
                noise=config.noise,
                depth=config.depth,
                with_ids=config.with_ids,
            )
            yield rename_columns(sample, config.columns)
            if on_row is not None:
                on_row(1)

    return write_shard(
        rows(), job.path, config.format, group_rows=max(1, GROUP_TOKENS // job.length)
    )


def _worker(args: tuple[GenerateConfig, ShardJob]) -> int:
    return _run_shard(*args)


def _prepare_out(out: Path, config: GenerateConfig) -> None:
    """Create ``out`` (or accept it if it holds the same config); check that it is writable."""
    meta_path = out / METADATA
    if meta_path.is_file():
        try:
            previous = json.loads(meta_path.read_text(encoding="utf-8"))["config"]
            if not isinstance(previous, dict):
                raise TypeError("config is not a mapping")
        except (ValueError, KeyError, TypeError) as error:
            raise BenchInputError(f"{meta_path} is not a metadata file of rmt-bench") from error
        mine = json.loads(json.dumps(asdict(config)))
        previous = {**_LATER_FIELDS, **previous}  # folders written before those fields existed
        if previous != mine:
            changed = sorted(k for k in mine if previous.get(k) != mine[k])
            raise BenchInputError(
                f"{out} already holds a dataset with a different config ({', '.join(changed)}); "
                "choose another --out"
            )
    elif out.exists() and not out.is_dir():
        raise BenchInputError(f"output path {out} exists and is not a directory")
    elif out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if not p.name.startswith(TEMP_PREFIX))
        if foreign:  # never write shards among files rmt-bench did not write
            raise BenchInputError(
                f"{out} holds {foreign[0]!r}, which rmt-bench did not write; "
                "choose an empty or new --out"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".rmt-bench-write-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise BenchInputError(
            f"cannot write to output directory {out}: {error.strerror}"
        ) from error
    from generators.card import check_card_writable

    check_card_writable(out)
    for stale in out.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):  # an interrupted run's own temporaries
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def _sources(config: GenerateConfig) -> dict[str, Any]:
    """What the samples were drawn from: tokenizer fingerprint and the noise pool's size."""
    from generators.noise_sources import load_pool
    from generators.tokens import resolve_tokenizer, tokenizer_fingerprint

    tokenizer, _ = resolve_tokenizer(config.tokenizer)
    pool = load_pool(config.noise, tokenizer)
    return {
        "tokenizer_fingerprint": tokenizer_fingerprint(tokenizer),
        "noise_sentences": pool.n,
        "noise_tokens": pool.total_tokens,
    }


def _metadata(config: GenerateConfig, jobs: Sequence[ShardJob], out: Path) -> dict[str, Any]:
    return {
        "config": json.loads(json.dumps(asdict(config))),
        "sources": _sources(config),
        "versions": _versions(),
        "rows": config.num_samples * len(config.lengths),
        "shards": [str(Path(job.path).relative_to(out)) for job in jobs],
        "length_convention": "k = 1024, M = 1024**2",
        "complete": False,
    }


def build_dataset(
    task: str,
    *,
    lengths: Sequence[int | str] | int | str,
    num_samples: int,
    seed: int = 0,
    out: str | os.PathLike[str],
    fmt: str = "parquet",
    num_proc: int = 1,
    tokenizer: str = "minilm",
    facts: str = "builtin",
    noise: str = TEST_NOISE,
    depth: float | str | None = None,
    shard_size: int | None = None,
    with_ids: bool = False,
    progress: bool = True,
    columns: str = "default",
    on_resume: Callable[[int, int], Any] | None = None,
) -> Path:
    """Generate ``num_samples`` rows per length into ``out``; returns ``out`` as a Path.

    ``on_resume(already, total)`` is called when rows of an earlier run are kept.
    """
    from generators.build import build_sample, parse_depth
    from generators.tasks import get_task

    if not str(out).strip():
        raise BenchInputError("--out is empty: give an output folder")
    if isinstance(lengths, (int, str)):
        lengths = [lengths]
    parsed = tuple(dict.fromkeys(parse_length(length) for length in lengths))
    if not parsed:
        raise BenchInputError("give at least one --length")
    if fmt not in FORMATS:
        raise BenchInputError(f"unknown format {fmt!r}: choose {' | '.join(FORMATS)}")
    if num_samples < 1 or num_proc < 1 or (shard_size is not None and shard_size < 1):
        raise BenchInputError("--num-samples, --num-proc and --shard-size must be >= 1")
    if not 0 <= seed < 2**63:
        raise BenchInputError(f"--seed must be in [0, 2**63), got {seed}")
    from generators.hf_layout import check_columns

    check_columns(columns)
    spec = get_task(task)
    parse_depth(depth, spec)
    depth_text = None if depth is None else str(depth)
    config = GenerateConfig(
        spec.name,
        parsed,
        num_samples,
        seed,
        str(tokenizer),
        facts,
        noise,
        depth_text,
        fmt,
        shard_size,
        with_ids,
        columns,
    )
    check_generate_budget(
        lengths=parsed, num_samples=num_samples, out=Path(out).expanduser(), with_ids=with_ids
    )
    with progress_bars(progress):  # --no-progress silences the libraries' bars too
        # Validate sources, tokenizer and the shortest length before anything is written.
        build_sample(
            spec.name,
            length=min(parsed),
            seed=seed,
            index=0,
            tokenizer=tokenizer,
            facts=facts,
            noise=noise,
            depth=depth_text,
        )

        out = Path(out).expanduser()
        created = not out.exists()
        _prepare_out(out, config)
        jobs = plan_shards(config, out)
        try:
            _generate(config, jobs, out, num_proc, progress, on_resume)
        except BaseException:
            if created and not any(Path(job.path).is_file() for job in jobs):
                shutil.rmtree(out, ignore_errors=True)  # nothing useful was written: leave no trace
            raise
    return out


def _generate(
    config: GenerateConfig,
    jobs: Sequence[ShardJob],
    out: Path,
    num_proc: int,
    progress: bool,
    on_resume: Callable[[int, int], Any] | None = None,
) -> None:
    from tqdm import tqdm

    meta = _metadata(config, jobs, out)
    atomic_write_text(out / METADATA, json.dumps(meta, indent=2) + "\n")
    todo = [job for job in jobs if not Path(job.path).is_file()]
    total = sum(job.stop - job.start for job in jobs)
    done_rows = total - sum(job.stop - job.start for job in todo)
    if done_rows:
        log.info("resumed: %d of %d rows already there in %s", done_rows, total, out)
        if on_resume is not None:
            on_resume(done_rows, total)
    bar = tqdm(
        total=total, initial=done_rows, unit="sample", disable=not progress, desc=config.task
    )
    try:
        if num_proc == 1 or len(todo) <= 1:
            for job in todo:
                _run_shard(config, job, bar.update)
        else:
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            with multiprocessing.get_context(method).Pool(min(num_proc, len(todo))) as pool:
                for count in pool.imap_unordered(_worker, [(config, job) for job in todo]):
                    bar.update(count)
    finally:
        bar.close()

    if config.format == "arrow":
        from generators.hf_layout import write_arrow_state

        write_arrow_state(out, config, [job.path for job in jobs])
    from generators.card import write_card

    write_card(out, config, meta)
    meta["complete"] = True
    atomic_write_text(out / METADATA, json.dumps(meta, indent=2) + "\n")


def read_config(meta: dict[str, Any]) -> GenerateConfig:
    """The GenerateConfig stored in a ``metadata.json`` (older folders lack later fields)."""
    raw = {**_LATER_FIELDS, **meta["config"]}
    return GenerateConfig(**{**raw, "lengths": tuple(raw["lengths"])})


def read_metadata(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``metadata.json`` of a complete generated folder; BenchInputError otherwise."""
    out = Path(out)
    meta_path = out / METADATA
    if not out.is_dir():
        raise BenchInputError(f"--data {out} is not a folder")
    if not meta_path.is_file():
        raise BenchInputError(f"no {METADATA} in {out}: not a generated dataset")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        fmt = meta["config"]["format"]
        complete = meta.get("complete")
        [str(name) for name in meta["shards"]]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BenchInputError(f"{meta_path} is not a metadata file of rmt-bench") from error
    if not complete:
        raise BenchInputError(f"dataset in {out} is incomplete: rerun the generate command")
    if fmt not in FORMATS:
        raise BenchInputError(f"{meta_path}: unknown format {fmt!r}")
    return meta


def shard_files(out: str | os.PathLike[str], meta: dict[str, Any]) -> list[Path]:
    """The shard files named in ``meta``, each confined to ``out`` (no ``../x``, no ``/etc``)."""
    out = Path(out)
    root = out.resolve()
    files = []
    for name in meta["shards"]:
        path = (out / str(name)).resolve()
        if not path.is_relative_to(root) or path == root:
            raise BenchInputError(f"{out / METADATA}: shard {str(name)!r} lies outside {out}")
        files.append(path)
    return files


def load_samples(out: str | os.PathLike[str]) -> Any:
    """All rows of a generated folder as one ``datasets.Dataset`` (any format).

    ``label`` is a ``ClassLabel`` of the task's answers; columns are as stored
    (``input``/``target`` for ``--columns babilong``).
    """
    import datasets

    from generators.hf_layout import dataset_features, split_name

    out = Path(out)
    meta = read_metadata(out)
    files = [str(path) for path in shard_files(out, meta)]  # confined before anything is read
    fmt = meta["config"]["format"]
    try:
        config: GenerateConfig | None = read_config(meta)
    except (KeyError, TypeError, ValueError):  # a metadata file without the full config
        config = None
    try:
        if fmt == "arrow" and config is not None and (out / "dataset_dict.json").is_file():
            return datasets.load_from_disk(str(out))[split_name(config.task)]
        if fmt == "arrow" and (out / "dataset" / "state.json").is_file():
            return datasets.load_from_disk(str(out / "dataset"))  # older rmt-bench: a copy
        builder = {"jsonl": "json"}.get(fmt, fmt)
        features = None if config is None else dataset_features(config)
        return datasets.load_dataset(
            builder, data_files=files, split="train", features=features, trust_remote_code=False
        )
    except BenchInputError:
        raise
    except Exception as error:  # a torn or foreign shard: datasets raises many types
        raise BenchInputError(f"cannot read the samples in {out}: {first_line(error)}") from None
