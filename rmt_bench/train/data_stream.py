"""Training and validation samples for each curriculum stage, as a pure function of the step.

Two sources, one interface (``SampleSource``):

* ``GeneratedSource`` builds samples on the fly with ``generators.build_sample``.
  Sample ``i`` of stage ``k`` is ``build_sample(task, length=stage.length,
  seed=train_seed(run_seed, k), index=i, ...)``; validation samples use
  ``validation_seed(run_seed)`` (see ``rmt_bench.train.seeds``: the three seed
  ranges are disjoint, and test seeds are never touched here). With
  ``segment_mix="uniform"`` training sample ``i`` of a stage of N segments has
  ``n_i`` segments, drawn from 1..N by ``default_rng([run_seed, stage, i, MIX_STREAM])``
  (validation stays at exactly N); a mixed stage (``--curriculum 8-32``) draws from its
  own range, 8..32, the same way, whatever ``segment_mix`` says. ``distractors=N``
  gives training samples (not validation ones) 0..N extra qa1 facts,
  ``noise_distractors=N`` 0..N fact-like noise sentences (``generators.distractors``).
  ``same_axis=P`` (reasoning) draws training samples' two relations on one axis with
  probability P (``generators.world.relation_pair``); validation keeps the natural draw.
* ``DatasetSource`` reads a folder written by ``rmt-bench generate`` (``--data
  DIR``): a stage uses the rows whose token count fills exactly its number of
  segments; the last ``val_samples`` of them (in id order) are held out for
  validation, the rest are cycled through, reshuffled each epoch from
  ``(run_seed, stage, epoch)``.

Global step ``t`` of a stage consumes stream indices ``[t * B, (t + 1) * B)``
(``B`` = global batch), so a resumed run continues exactly where it stopped, and
the partition of a batch over processes / micro-steps does not change its content.

    source = GeneratedSource("detect_memorize", tokenizer="minilm", run_seed=0)
    samples = source.train_samples(stage, start=0, count=16)
    batches = Prefetcher(lambda step: make_batch(step), start=0, stop=100, depth=2)
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from generators.default_noise import TRAIN_NOISE
from generators.errors import BenchInputError
from rmt_bench.train.curriculum import Stage
from rmt_bench.train.seeds import is_test_seed, train_seed, validation_seed

log = logging.getLogger(__name__)

Sample = Mapping[str, Any]
T = TypeVar("T")
MIX_STREAM = 17  # keeps the segment-count draws apart from any other use of these seeds


class SampleSource(Protocol):
    """Where a stage's samples come from."""

    def train_samples(self, stage: Stage, start: int, count: int) -> list[Sample]:
        """Training samples ``start .. start + count - 1`` of ``stage``'s stream."""
        ...

    def validation_samples(self, stage: Stage, count: int) -> list[Sample]:
        """The stage's fixed validation set."""
        ...

    def describe(self) -> dict[str, Any]:
        """JSON-able description (goes into the checkpoint metadata)."""
        ...


class GeneratedSource:
    """Samples built on the fly from the generators, per-stage disjoint seeds."""

    def __init__(
        self,
        task: str,
        *,
        tokenizer: str = "minilm",
        facts: str = "builtin",
        noise: str = TRAIN_NOISE,
        run_seed: int = 0,
        segment_mix: str = "exact",
        distractors: int = 0,
        noise_distractors: int = 0,
        same_axis: float | None = None,
    ) -> None:
        self.task = task
        self.segment_mix = segment_mix
        self.distractors = distractors
        self.noise_distractors = noise_distractors
        self.same_axis = same_axis
        self.tokenizer = tokenizer
        self.facts = facts
        self.noise = noise
        self.run_seed = run_seed

    def _build(self, length: int, seed: int, index: int, train: bool = False) -> Sample:
        from generators import build_sample

        # with_ids: the row carries its token ids, so they are not tokenized twice;
        # verify=False: the generators' own tests check exactness, training skips the re-check
        return build_sample(
            self.task,
            length=length,
            seed=seed,
            index=index,
            tokenizer=self.tokenizer,
            facts=self.facts,
            noise=self.noise,
            with_ids=True,
            verify=False,
            distractors=self.distractors if train else 0,
            noise_distractors=self.noise_distractors if train else 0,
            same_axis=self.same_axis if train else None,
        )

    def sample_length(self, stage: Stage, index: int) -> int:
        """Tokens of training sample ``index`` of ``stage`` (see ``segment_mix``; a mixed
        stage's own range wins over it)."""
        if stage.fewest_segments is not None:
            fewest = stage.fewest_segments
        else:
            fewest = 1 if self.segment_mix == "uniform" else stage.segments
        if fewest >= stage.segments:
            return stage.length
        import numpy as np

        rng = np.random.default_rng([self.run_seed, stage.index, index, MIX_STREAM])
        segments = int(rng.integers(fewest, stage.segments + 1))
        return segments * (stage.length // stage.segments)

    def train_samples(self, stage: Stage, start: int, count: int) -> list[Sample]:
        seed = train_seed(self.run_seed, stage.index)
        return [
            self._build(self.sample_length(stage, i), seed, i, train=True)
            for i in range(start, start + count)
        ]

    def validation_samples(self, stage: Stage, count: int) -> list[Sample]:
        seed = validation_seed(self.run_seed)
        return [self._build(stage.length, seed, i) for i in range(count)]

    def describe(self) -> dict[str, Any]:
        return {
            "source": "generated",
            "task": self.task,
            "tokenizer": self.tokenizer,
            "facts": self.facts,
            "noise": self.noise,
            "segment_mix": self.segment_mix,
            "train_seeds": [train_seed(self.run_seed, 0), "+ stage"],
            "validation_seed": validation_seed(self.run_seed),
            **({"distractors": self.distractors} if self.distractors else {}),
            **({"noise_distractors": self.noise_distractors} if self.noise_distractors else {}),
            **({"same_axis": self.same_axis} if self.same_axis is not None else {}),
        }


class DatasetSource:
    """Samples read from a generated dataset folder (``--data DIR``)."""

    def __init__(
        self,
        rows: Sequence[Sample],
        *,
        segment_size: int,
        val_samples: int,
        run_seed: int = 0,
        origin: str = "",
    ) -> None:
        from rmt_bench.data import num_segments

        self.origin = origin
        self.run_seed = run_seed
        self.val_samples = val_samples
        self.by_segments: dict[int, list[Sample]] = {}
        for row in sorted(rows, key=lambda r: str(r.get("id", ""))):
            n = num_segments(int(row["n_tokens"]), segment_size)
            self.by_segments.setdefault(n, []).append(row)
        if any(is_test_seed(int(row.get("seed", -1))) for row in rows):
            log.warning(
                "--data %s holds samples with test-range seeds (< 1,000,000); "
                "evaluate on other seeds than these",
                origin,
            )

    def _rows(self, stage: Stage) -> tuple[list[Sample], list[Sample]]:
        rows = self.by_segments.get(stage.segments)
        if not rows:
            have = ", ".join(str(n) for n in sorted(self.by_segments)) or "none"
            raise BenchInputError(
                f"--data {self.origin} has no samples of {stage.segments} segments "
                f"(stage {stage.index + 1}); it has segment counts: {have}"
            )
        if len(rows) <= self.val_samples:
            raise BenchInputError(
                f"--data {self.origin}: {len(rows)} samples of {stage.segments} segments, "
                f"need more than --val-samples {self.val_samples}"
            )
        return rows[: -self.val_samples], rows[-self.val_samples :]

    def train_samples(self, stage: Stage, start: int, count: int) -> list[Sample]:
        import numpy as np

        train, _ = self._rows(stage)
        out: list[Sample] = []
        orders: dict[int, Any] = {}
        for i in range(start, start + count):
            epoch, offset = divmod(i, len(train))
            if epoch not in orders:
                rng = np.random.default_rng([self.run_seed, stage.index, epoch])
                orders[epoch] = rng.permutation(len(train))
            out.append(train[int(orders[epoch][offset])])
        return out

    def validation_samples(self, stage: Stage, count: int) -> list[Sample]:
        _, held_out = self._rows(stage)
        return list(held_out[:count])

    def describe(self) -> dict[str, Any]:
        return {"source": "dataset", "data": self.origin}


def read_dataset_rows(folder: str | Path, tokenizer: str) -> list[Sample]:
    """All rows of a folder written by ``rmt-bench generate`` (any of its formats).

    The rows must be tokenized with the model's tokenizer (token counts decide the
    stage a row belongs to), else this is a user error.
    """
    from generators.dataset import load_samples

    folder = Path(folder)
    if not folder.is_dir():
        raise BenchInputError(f"--data {folder} is not a folder")
    rows = list(load_samples(folder).to_list())
    if not rows:
        raise BenchInputError(f"--data {folder} holds no samples")
    missing = {"n_tokens", "label", "context", "question", "tokenizer"} - set(rows[0])
    if missing:
        raise BenchInputError(f"--data {folder}: rows lack {', '.join(sorted(missing))}")
    used = {str(row["tokenizer"]) for row in rows}
    if used != {tokenizer}:
        raise BenchInputError(
            f"--data {folder} was tokenized with {', '.join(sorted(used))} but the model reads "
            f"{tokenizer!r}; generate it with --tokenizer {tokenizer}"
        )
    return rows


class Prefetcher(Iterator[T]):
    """Yield ``fn(step)`` for ``step in range(start, stop)``, computed ``depth`` steps ahead.

    A single background thread keeps order; tokenizers release the GIL, so sample
    building overlaps with the training step. ``depth=0`` computes inline.
    """

    def __init__(self, fn: Callable[[int], T], start: int, stop: int, depth: int = 2) -> None:
        self.fn = fn
        self.next_step = start
        self.stop = stop
        self.depth = depth
        self._executor = ThreadPoolExecutor(max_workers=1) if depth > 0 else None
        self._pending: deque[Future[T]] = deque()
        self._submitted = start

    def _fill(self) -> None:
        assert self._executor is not None
        while self._submitted < self.stop and len(self._pending) < self.depth:
            self._pending.append(self._executor.submit(self.fn, self._submitted))
            self._submitted += 1

    def __next__(self) -> T:
        if self.next_step >= self.stop:
            self.close()
            raise StopIteration
        self.next_step += 1
        if self._executor is None:
            return self.fn(self.next_step - 1)
        self._fill()
        result = self._pending.popleft().result()
        self._fill()
        return result

    def close(self) -> None:
        """Stop the background thread (pending work is dropped)."""
        if self._executor is not None:
            for future in self._pending:
                future.cancel()
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            self._pending.clear()
