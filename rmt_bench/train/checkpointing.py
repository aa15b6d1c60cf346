"""What a training run keeps on disk, and how it is written (atomically) and read back.

Layout of ``--out DIR``::

    DIR/train_config.json     the resolved TrainConfig (+ its hash)
    DIR/train_log.jsonl       see logging_utils
    DIR/stage-K/              best checkpoint of stage K (model.save_pretrained)
    DIR/last/                 resume state: model.safetensors, optimizer.{json,safetensors},
                              scheduler.{json,safetensors}, rng-<rank>.{json,safetensors},
                              state.json (curriculum position, counters)
    DIR/config.json, ...      the last stage's best checkpoint, copied up when training
                              ends: ``RMT.from_pretrained(DIR)`` / ``rmt-bench eval --model DIR``

A folder is replaced as a whole: it is written under a temporary name, the old
one is renamed to ``NAME.old``, the new one renamed into place, the old removed.
A reader that finds ``NAME`` missing but ``NAME.old`` present (a kill between
the two renames) uses ``NAME.old``. No pickle anywhere: tensors go to
safetensors, everything else to JSON.

    replace_dir(tmp, DIR / "last");  existing_dir(DIR / "last")
    save_rng_state(folder, rank);     restore_rng_state(folder, rank)
    save_model_weights(model, folder); load_model_weights(model, folder)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

from generators.atomic import TEMP_PREFIX, TEMP_SUFFIX, atomic_path, atomic_write_text
from generators.errors import BenchInputError
from rmt_bench.config import config_hash, config_to_dict
from rmt_bench.machine import machine_record
from rmt_bench.precision import precision_change, run_precision
from rmt_bench.train.state_io import load_tree, save_tree

LAST = "last"
TRAIN_CONFIG = "train_config.json"
TRAIN_LOG = "train_log.jsonl"
STATE = "state.json"
WEIGHTS = "model.safetensors"
TENSORBOARD = "tensorboard"


def replace_dir(tmp: Path, target: Path) -> None:
    """Move the complete folder ``tmp`` onto ``target`` (see the module docstring)."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        shutil.rmtree(old)


def existing_dir(target: Path) -> Path | None:
    """``target`` if present, else a complete ``target.old`` left by a kill, else None."""
    if target.is_dir():
        return target
    old = target.with_name(target.name + ".old")
    return old if old.is_dir() else None


def tmp_dir_name(target: Path) -> Path:
    """The temporary folder beside ``target`` (a name only rmt-bench uses)."""
    return target.with_name(f"{TEMP_PREFIX}{target.name}{TEMP_SUFFIX}")


def fresh_tmp_dir(target: Path) -> Path:
    """An empty temporary folder beside ``target``."""
    tmp = tmp_dir_name(target)
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def save_model_weights(model: Any, folder: Path) -> None:
    """The full state dict of ``model`` (shared tensors once) as safetensors."""
    from safetensors.torch import save_model

    with atomic_path(folder / WEIGHTS) as tmp:
        save_model(model, str(tmp))


def load_model_weights(model: Any, folder: Path) -> None:
    """Load what :func:`save_model_weights` wrote into ``model`` (strict)."""
    from safetensors.torch import load_model

    missing, unexpected = load_model(model, str(folder / WEIGHTS), strict=False)
    if missing or unexpected:
        raise BenchInputError(
            f"resume checkpoint {folder} does not fit the model "
            f"(missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})"
        )


def save_rng_state(folder: Path, rank: int) -> None:
    """Python, NumPy, torch (and CUDA) RNG states of this process."""
    import numpy as np
    import torch

    np_state = np.random.get_state()
    tree: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        tree["cuda"] = torch.cuda.get_rng_state_all()
    save_tree(tree, folder, f"rng-{rank}")


def restore_rng_state(folder: Path, rank: int) -> bool:
    """Restore this process's RNG states; False if none were saved for ``rank``."""
    import numpy as np
    import torch

    if not (folder / f"rng-{rank}.json").is_file():
        return False
    tree = load_tree(folder, f"rng-{rank}")
    random.setstate(tree["python"])
    name, keys, *rest = tree["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), *rest))
    torch.set_rng_state(tree["torch"])
    if "cuda" in tree and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(tree["cuda"])
    return True


def write_json(path: Path, data: Any) -> None:
    """Indented JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_json(path: Path) -> Any:
    """Read a JSON file; a missing or broken one is a user error naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BenchInputError(f"missing {path}") from error
    except ValueError as error:
        raise BenchInputError(f"cannot parse {path}: {error}") from error


def set_checkpoint_extra(folder: Path, extra: dict[str, Any]) -> None:
    """Merge training metadata into the ``extra`` dict of a checkpoint's config.json."""
    path = folder / "config.json"
    data = read_json(path)
    data["extra"] = {**(data.get("extra") or {}), **extra}
    write_json(path, data)


def publish_final(best: Path, out: Path) -> None:
    """Copy checkpoint folder ``best`` into ``out`` itself, entry by entry, atomically each."""
    for entry in sorted(best.iterdir()):
        target = out / entry.name
        if entry.is_dir():
            tmp = fresh_tmp_dir(target)
            shutil.rmtree(tmp)
            shutil.copytree(entry, tmp)
            replace_dir(tmp, target)
        else:
            with atomic_path(target) as tmp:
                shutil.copyfile(entry, tmp)


def never_started(out: Path) -> bool:
    """True if ``out`` holds only the config of a run that stopped before its first step."""
    if not (out / TRAIN_CONFIG).is_file():
        return False
    log_path = out / TRAIN_LOG
    if log_path.is_file() and log_path.stat().st_size > 0:
        return False
    own = {TRAIN_CONFIG, TRAIN_LOG, TENSORBOARD}
    return all(entry.name in own or entry.name.startswith(TEMP_PREFIX) for entry in out.iterdir())


def remove_failed_start(out: Path, created: bool) -> None:
    """Undo a start that failed before its first step: the corrected command then just runs.

    Only what rmt-bench wrote is removed (``never_started`` checks that nothing else is
    there); the folder itself goes too if this run created it.
    """
    if not never_started(out):
        return
    for entry in out.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    if created:
        with contextlib.suppress(OSError):
            out.rmdir()


def check_out(
    out: Path, cfg: Any, resume: bool, precision: str | None = None, device: str = "cpu"
) -> None:
    """Check ``--out`` against ``--resume`` (read-only: every process runs it first).

    A new run needs a new or empty folder (rmt-bench's own temporaries aside), or
    one left by a run that failed before its first step: files rmt-bench did not
    write are never replaced or deleted. A resume must compute in the precision the
    run computed in so far (``precision``: this start's, resolved on ``device``); an
    explicit ``--precision`` may continue a ``--precision auto`` run in that precision.
    """
    if out.exists() and not out.is_dir():
        raise BenchInputError(f"--out {out} exists and is not a folder")
    saved = out / TRAIN_CONFIG
    has_run = saved.is_file()
    if resume and not has_run:
        raise BenchInputError(f"--resume: {out} holds no training run ({TRAIN_CONFIG})")
    if not has_run and out.is_dir():
        foreign = sorted(e.name for e in out.iterdir() if not e.name.startswith(TEMP_PREFIX))
        if foreign:
            raise BenchInputError(
                f"--out {out} holds {foreign[0]!r}, which rmt-bench did not write; "
                "choose an empty or new folder"
            )
    if has_run and not resume and never_started(out):
        return  # a failed start of ours: the corrected command may start afresh
    if has_run and not resume:
        raise BenchInputError(
            f"{out} already holds a training run; pass --resume to continue it or choose "
            "another --out"
        )
    if has_run:
        from rmt_bench.train.config import saved_options

        previous = read_json(saved)
        before = saved_options(previous.get("config", {}), str(saved))
        compared = cfg
        if before.get("precision") == "auto" and cfg.precision != "auto":
            compared = dataclasses.replace(cfg, precision="auto")  # checked below instead
        if not same_recipe(previous, compared, str(saved)):
            # name what differs, with the saved run's options in today's terms
            changed = sorted(
                key for key, value in config_to_dict(compared).items() if before.get(key) != value
            )
            raise BenchInputError(
                f"--resume: the configuration differs from the one in {saved} "
                f"({', '.join(changed) or 'hash'}); resume with the same options"
            )
        so_far = run_precision(previous)
        if precision is not None and so_far not in (None, precision):
            what = f"--resume: {out} was trained and"
            raise BenchInputError(precision_change(what, so_far, precision, cfg.precision, device))


def same_recipe(previous: dict[str, Any], cfg: Any, origin: str = TRAIN_CONFIG) -> bool:
    """True when ``cfg`` is the run saved in ``previous`` (a ``train_config.json``).

    The saved options are read in today's terms first (``saved_options``): renamed ones
    under their new names, options added to ``TrainConfig`` since at their defaults, so
    an upgrade does not stop a resume while the new options keep their defaults.
    """
    from rmt_bench.train.config import saved_options

    if previous.get("hash") == config_hash(cfg):
        return True
    saved = previous.get("config")
    if not isinstance(saved, dict):
        return False
    return config_hash(saved_options(saved, origin)) == config_hash(cfg)


def write_train_config(out: Path, cfg: Any, precision: str) -> None:
    """A new run's ``train_config.json``: its options, their hash and this machine.

    The machine record names ``precision``, the one ``cfg.precision`` resolved to here.
    """
    out.mkdir(parents=True, exist_ok=True)
    write_json(
        out / TRAIN_CONFIG,
        {
            "config": config_to_dict(cfg),
            "hash": config_hash(cfg),
            "machines": [{**machine_record(resumed=False), "precision": precision}],
        },
    )


def record_resume_machine(out: Path, precision: str) -> None:
    """Append this machine to ``train_config.json``'s ``machines`` (a ``--resume``).

    Timings differ between machines, so a run resumed elsewhere says where each part
    ran, and in which ``precision``; the options and their hash are left as they are.
    """
    path = out / TRAIN_CONFIG
    saved = read_json(path)
    machines = saved.get("machines") if isinstance(saved.get("machines"), list) else []
    saved["machines"] = [*machines, {**machine_record(resumed=True), "precision": precision}]
    write_json(path, saved)
