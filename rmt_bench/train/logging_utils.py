"""Training logs: ``train_log.jsonl`` (one JSON object per line), optional TensorBoard.

Every record has the same keys, so the file loads straight into a data frame:
``event`` ("train" or "validation"), ``step`` (global optimizer step), ``stage``
(1-based), ``segments``, ``loss``, ``lr``, ``grad_norm``, ``tokens_per_s``,
``val_accuracy``, ``time``. A train record summarises the ``log_every`` steps up
to ``step``: ``loss`` is their mean (all processes), ``tokens_per_s`` their task
tokens (all processes) per wall second, ``lr`` and ``grad_norm`` (global L2 norm
before clipping) those of the last step. Train records also carry ``index_start`` /
``index_end`` (the stage's sample-stream indices the logged steps consumed), which
is how a resumed run can be checked for repeated or skipped samples. Fields that do
not apply to a record are null.

    log = TrainLog(out / "train_log.jsonl", tensorboard_dir=None)
    log.truncate_after(step)          # on resume: drop records past the checkpoint
    log.write(event="train", step=10, stage=1, segments=1, loss=1.7, ...)
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from generators.atomic import atomic_write_text
from generators.errors import BenchInputError

log = logging.getLogger(__name__)

FIELDS = (
    "event",
    "step",
    "stage",
    "segments",
    "loss",
    "lr",
    "grad_norm",
    "tokens_per_s",
    "val_accuracy",
    "val_loss",
    "index_start",
    "index_end",
    "time",
)


class TrainLog:
    """Append-only JSONL log of a run (written by the main process only)."""

    def __init__(
        self, path: str | Path, *, enabled: bool = True, tensorboard_dir: str | Path | None = None
    ) -> None:
        self.path = Path(path)
        self.enabled = enabled
        self._writer = None
        if enabled and tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as error:
                raise BenchInputError(
                    "--tensorboard needs the tensorboard package (pip install tensorboard)"
                ) from error
            self._writer = SummaryWriter(str(tensorboard_dir))

    def truncate_after(self, step: int) -> None:
        """Keep only records up to global step ``step`` (atomically), e.g. on resume."""
        if not self.enabled or not self.path.exists():
            return
        kept = [line for line in read_log_lines(self.path) if json.loads(line)["step"] <= step]
        atomic_write_text(self.path, "".join(line + "\n" for line in kept))

    def write(self, **record: Any) -> dict[str, Any]:
        """Append one record (unknown keys are an error; missing ones are null)."""
        unknown = set(record) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown train-log fields {sorted(unknown)}")
        row = {name: record.get(name) for name in FIELDS}
        row["time"] = row["time"] or round(time.time(), 3)
        if not self.enabled:
            return row
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
            handle.flush()
        if self._writer is not None:
            prefix = "val" if row["event"] == "validation" else "train"
            for key in ("loss", "lr", "grad_norm", "tokens_per_s", "val_accuracy", "val_loss"):
                if row[key] is not None:
                    self._writer.add_scalar(f"{prefix}/{key}", row[key], row["step"])
            self._writer.flush()
        return row

    def close(self) -> None:
        """Close the TensorBoard writer, if any."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def read_log_lines(path: str | Path) -> list[str]:
    """The complete JSON lines of a log (a torn last line from a kill is dropped)."""
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            json.loads(line)
        except ValueError:
            log.warning("dropping a torn line in %s", path)
            continue
        lines.append(line)
    return lines


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """All records of a ``train_log.jsonl``."""
    return [json.loads(line) for line in read_log_lines(path)]
