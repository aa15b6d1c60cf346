"""The evaluation configuration: what to evaluate, on which samples, where rows go.

    cfg = resolve_config(EvalConfig, "eval.yaml", {"model": "ckpt/", "task": "memorize"})
    cfg = EvalConfig(model="ckpt/", task="memorize", lengths=("4k", "1M"), num_samples=8)
    lengths = cfg.length_values()          # [4096, 1048576]
    identity = cfg.identity(model.describe(), model.tokenizer_name, source.identity())

``identity`` is the part of the configuration that decides *which* answers a
result file holds (model, task, sample sources, seed, model options). It is
hashed into every row's ``config_hash`` (with the precision when it is not
fp32). Lengths, sample counts, batch size, device and output folder are not in
it: evaluating more lengths or more samples with the same model appends to the
same file.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from generators.errors import BenchInputError
from rmt_bench.precision import check_precision

WINDOW_SIDES = ("last", "first")


@dataclasses.dataclass
class EvalConfig:
    """Every option of ``rmt-bench eval`` (defaults < config file < CLI flags)."""

    model: str = ""
    task: str = ""
    lengths: tuple[str | int, ...] | list[str | int] | str = ("4k",)
    num_samples: int = 64
    out: str = "results"
    name: str | None = None
    data: str | None = None
    batch_size: int = 1
    seed: int | None = None
    facts: str = "builtin"
    noise: str | None = None  # None: generators.default_noise.TEST_NOISE (a --data folder: its own)
    tokenizer: str | None = None
    depth: float | str | None = None
    device: str = "auto"
    threads: int | None = None  # torch CPU threads (None = torch's default)
    precision: str = "auto"  # fp32 | bf16 | auto (rmt_bench.precision)
    compile: bool = False  # torch.compile the memory cell
    extend_positions: int | None = None
    window: str = "last"
    chat_template: bool = False
    max_new_tokens: int = 8
    max_memory_mb: float | None = None
    progress: bool = True

    def length_values(self) -> list[int]:
        """The lengths as exact integers (``4k`` = 4096), in the given order, no repeats."""
        from generators import parse_length

        raw = self.lengths
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        values: list[int] = []
        for item in items:
            text = str(item).strip()
            if not text:
                raise BenchInputError(f"bad --lengths {raw!r}: empty item")
            value = parse_length(text)
            if value not in values:
                values.append(value)
        if not values:
            raise BenchInputError("no lengths given (e.g. --lengths 4k,32k,1M)")
        return values

    def validate(self) -> None:
        """Check the options that need no model or data (one clear error each)."""
        if not self.model:
            raise BenchInputError("no model given (--model DIR or --model hf:NAME_OR_PATH)")
        if not self.task:
            raise BenchInputError("no task given (--task memorize|detect_memorize|reasoning)")
        if self.num_samples < 1:
            raise BenchInputError(f"--num-samples must be >= 1, got {self.num_samples}")
        if self.batch_size < 1:
            raise BenchInputError(f"--batch-size must be >= 1, got {self.batch_size}")
        if self.window not in WINDOW_SIDES:
            raise BenchInputError(f"--window must be one of {WINDOW_SIDES}, got {self.window!r}")
        if self.extend_positions is not None and self.extend_positions < 1:
            raise BenchInputError(f"--extend-positions must be >= 1, got {self.extend_positions}")
        check_precision(self.precision)
        if self.threads is not None and self.threads < 1:
            raise BenchInputError(f"--threads must be >= 1, got {self.threads}")
        if self.max_new_tokens < 1:
            raise BenchInputError(f"--max-new-tokens must be >= 1, got {self.max_new_tokens}")
        if self.name is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", self.name):
            raise BenchInputError(
                f"--name {self.name!r} must be letters, digits and . _ + - (it names files)"
            )
        self.length_values()

    def identity(
        self,
        model: dict[str, Any],
        tokenizer: str,
        source: dict[str, Any],
        precision: str = "fp32",
    ) -> dict[str, Any]:
        """What the rows' answers depend on; its hash is the rows' ``config_hash``.

        ``precision`` is the resolved one; fp32 adds nothing, so files written
        before ``--precision`` existed keep their hash, and bf16 answers never
        mix with fp32 ones in one file.
        """
        identity = {"model": model, "task": self.task, "tokenizer": tokenizer, "source": source}
        if precision != "fp32":
            identity["precision"] = precision
        return identity


def identity_precision(identity: dict[str, Any]) -> str:
    """The precision rows of ``identity`` were answered in (fp32 adds no key: see identity)."""
    return str(identity.get("precision", "fp32"))


def identity_changes(saved: Any, now: Any) -> str:
    """``: precision bf16 -> fp32, ...``: where two hashed identities differ ('' if unknown).

    A file's rows were answered under ``saved``; ``now`` is this run's. Nested keys read
    ``model.memory_tokens``; at most three are named.
    """
    if not isinstance(saved, dict) or not isinstance(now, dict):
        return ""
    saved = {**saved, "precision": identity_precision(saved)}
    now = {**now, "precision": identity_precision(now)}
    found: list[str] = []

    def walk(a: dict[str, Any], b: dict[str, Any], path: str) -> None:
        for key in sorted(set(a) | set(b)):
            left, right = a.get(key), b.get(key)
            if isinstance(left, dict) and isinstance(right, dict):
                walk(left, right, f"{path}{key}.")
            elif left != right:
                found.append(f"{path}{key} {left} -> {right}")

    walk(saved, now, "")
    if not found:
        return ""
    more = f", and {len(found) - 3} more" if len(found) > 3 else ""
    return ": " + ", ".join(found[:3]) + more


def precision_of_rows(saved: Any, now: Any) -> str | None:
    """The precision of ``saved``'s rows where it is all that ``now`` changes, else None.

    Such a file can be continued: with ``--precision`` set to that precision, this run's
    identity is the file's (what ``identity_changes`` names otherwise).
    """
    if not isinstance(saved, dict) or not isinstance(now, dict):
        return None
    before, after = identity_precision(saved), identity_precision(now)
    rest = {k: v for k, v in saved.items() if k != "precision"}
    same_rest = rest == {k: v for k, v in now.items() if k != "precision"}
    return before if same_rest and before != after else None
