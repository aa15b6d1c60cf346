"""Where evaluation samples come from: generated on the fly, or a generated dataset folder.

    source = open_samples(config, model_tokenizer="minilm")   # checks tokenizers match
    refs = source.refs(length=4096, num_samples=64)           # cheap: ids, no text built yet
    sample = source.load(refs[0])                             # one row (text + token ids)
    source.identity()                                         # goes into the config hash

On the fly, sample ``i`` at length ``L`` is ``build_sample(task, length=L,
seed=seed, index=i, with_ids=True)`` with a *test* seed (disjoint from the
trainer's seeds, ``rmt_bench.train.seeds``); its id is known before it is built,
so resuming skips finished samples without generating them. Samples are built
one at a time and dropped after use, so memory does not grow with their number;
for a model that streams ids (``streams_token_ids``) they are built without text,
their ids views of the noise pool, so memory does not grow with their length either.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Protocol

from generators.default_noise import TEST_NOISE
from generators.errors import BenchInputError

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SampleRef:
    """A sample to answer, before its text is built or read."""

    sample_id: str
    length: int
    index: int
    seed: int | None
    position: Any = None  # where a dataset keeps the row


class SampleSource(Protocol):
    def refs(self, length: int, num_samples: int) -> list[SampleRef]: ...

    def load(self, ref: SampleRef) -> dict[str, Any]: ...

    def identity(self) -> dict[str, Any]: ...


def same_tokenizer(a: str, b: str) -> bool:
    """True when two tokenizer names denote the same tokenizer (by name or definition)."""
    if a == b:
        return True
    from generators.pretrained import resolve_pretrained

    if resolve_pretrained(a) == resolve_pretrained(b):
        return True
    from generators.tokens import resolve_tokenizer, tokenizer_fingerprint

    return tokenizer_fingerprint(resolve_tokenizer(a)[0]) == tokenizer_fingerprint(
        resolve_tokenizer(b)[0]
    )


def default_test_seed() -> int:
    """The evaluator's default seed: the first seed of the test range."""
    from rmt_bench.train.seeds import TEST_SEED_BASE

    return TEST_SEED_BASE


def check_test_seed(seed: int) -> None:
    """Refuse seeds that training or validation may use."""
    from rmt_bench.train.seeds import TEST_SEEDS, is_test_seed

    if not is_test_seed(seed):
        raise BenchInputError(
            f"--seed {seed} is not a test seed: evaluation samples use seeds in "
            f"[{TEST_SEEDS.start}, {TEST_SEEDS.stop}) so they never overlap training data"
        )


class GeneratedSamples:
    """Samples built on the fly by ``generators.build.build_sample``."""

    def __init__(
        self,
        task: str,
        tokenizer: str,
        *,
        facts: str = "builtin",
        noise: str = TEST_NOISE,
        seed: int = 0,
        depth: Any = None,
        text: bool = True,
    ) -> None:
        check_test_seed(seed)
        self.text = text  # False: rows without text, ids as pool views (streaming models)
        self.task = task
        self.tokenizer = tokenizer
        self.facts = facts
        self.noise = noise
        self.seed = seed
        self.depth = depth

    def refs(self, length: int, num_samples: int) -> list[SampleRef]:
        return [
            SampleRef(f"{self.task}-{length}-{self.seed}-{index}", length, index, self.seed)
            for index in range(num_samples)
        ]

    def load(self, ref: SampleRef) -> dict[str, Any]:
        from generators.build import build_sample

        sample = build_sample(
            self.task,
            length=ref.length,
            seed=self.seed,
            index=ref.index,
            tokenizer=self.tokenizer,
            facts=self.facts,
            noise=self.noise,
            depth=self.depth,
            with_ids=True,  # ids come from the pre-tokenized noise: no re-tokenizing
            text=self.text,
        )
        if sample["id"] != ref.sample_id:  # pragma: no cover - the id contract
            raise RuntimeError(f"built sample {sample['id']!r}, expected {ref.sample_id!r}")
        return sample

    def identity(self) -> dict[str, Any]:
        # The same for a generated dataset of these sources: its rows are these samples.
        return {
            "facts": self.facts,
            "noise": self.noise,
            "seed": self.seed,
            "depth": None if self.depth is None else str(self.depth),
        }


def open_samples(
    config: Any, model_tokenizer: str, labels: Any = None, *, streamed: bool = False
) -> SampleSource:
    """The sample source of an ``EvalConfig``, checked against the model's tokenizer.

    ``streamed``: the model streams token ids (``streams_token_ids``), so generated
    samples are built without text and their memory stays flat with length.

    ``--data`` is a folder of ``rmt-bench generate`` (it has ``metadata.json``) or
    another suite's file (BABILong / RULER shapes, ``evaluate/foreign.py``), whose
    targets are mapped onto ``labels`` (the model's; default: the task's).
    """
    if config.tokenizer is not None and not same_tokenizer(config.tokenizer, model_tokenizer):
        raise BenchInputError(
            f"--tokenizer {config.tokenizer!r} differs from the model's tokenizer "
            f"{model_tokenizer!r}; token counts would not match what the model reads"
        )
    if config.data is not None:
        from rmt_bench.evaluate.dataset import DatasetSamples

        if config.seed is not None or config.depth is not None:
            raise BenchInputError("--seed and --depth come from the --data folder; drop them")
        from pathlib import Path

        from generators.dataset import METADATA

        if not (Path(config.data) / METADATA).is_file():
            from generators.tasks import task_labels
            from rmt_bench.evaluate.foreign import ForeignSamples

            return ForeignSamples(
                config.data,
                task=config.task,
                model_tokenizer=model_tokenizer,
                labels=labels if labels is not None else task_labels(config.task, config.facts),
                lengths=config.length_values(),
            )
        source = DatasetSamples(config.data, config.task, model_tokenizer)
        for flag, mine, theirs in (
            ("--facts", None if config.facts == "builtin" else config.facts, source.config.facts),
            ("--noise", config.noise, source.config.noise),
        ):
            if mine is not None and mine != theirs:
                raise BenchInputError(
                    f"{flag} {mine!r} differs from the --data folder's {theirs!r}"
                )
        return source
    seed = default_test_seed() if config.seed is None else int(config.seed)
    return GeneratedSamples(
        config.task,
        config.tokenizer or model_tokenizer,
        facts=config.facts,
        noise=TEST_NOISE if config.noise is None else config.noise,
        seed=seed,
        depth=config.depth,
        text=not streamed,
    )
