"""Evaluation samples from other suites' files: BABILong and RULER shapes (``--data PATH``).

    source = ForeignSamples("babilong-4k-qa1.parquet", task="babi:qa1",
                            model_tokenizer="minilm", labels=model.labels, lengths=[4096])
    refs = source.refs(length=4096, num_samples=64)
    sample = source.load(refs[0])         # a row in the sample contract (ids in the model's tokens)

Accepted shapes (columns), read with Hugging Face ``datasets``:
- BABILong: ``input`` (the context), ``question``, ``target``;
- RULER: ``input`` (context and question in one), ``outputs`` (a one-item list), ``length``;
- rmt-bench columns without a ``metadata.json``: ``context``, ``question``, ``answer``.
``PATH`` is a ``.parquet`` / ``.jsonl`` / ``.json`` / ``.arrow`` file, a folder saved
with ``save_to_disk``, or a data folder ``load_dataset`` understands (a hub clone).

Targets are mapped onto the model's labels (case and surrounding space and dots
ignored); a file whose targets are not all among them is refused with one line.
Rows with a ``length`` column are grouped by it (``--lengths`` picks groups); rows
without one are all of the one ``--lengths`` value given. Text is tokenized with the
model's tokenizer, so ``n_tokens`` is what the model reads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError, first_line
from rmt_bench.evaluate.samples import SampleRef

log = logging.getLogger(__name__)

SHAPES = {
    "babilong": ("input", "question", "target"),
    "ruler": ("input", None, "outputs"),
    "rmt-bench": ("context", "question", "answer"),
}
SHAPES_HELP = (
    "BABILong (input, question, target), RULER (input, outputs, length) "
    "or rmt-bench (context, question, answer)"
)


def _normal(text: Any) -> str:
    return str(text).strip().strip(".").strip().lower()


def _read(path: Path, split: str) -> Any:
    """The rows of ``path`` as one ``datasets.Dataset`` (no progress bars while reading)."""
    import datasets

    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        return _read_quietly(path, split)
    finally:
        if bars:
            datasets.enable_progress_bars()


def _read_quietly(path: Path, split: str) -> Any:
    import datasets

    try:
        if path.is_file():
            suffix = path.suffix.lower()
            if suffix == ".arrow":
                return datasets.Dataset.from_file(str(path))
            builder = {".parquet": "parquet", ".jsonl": "json", ".json": "json"}.get(suffix)
            if builder is None:
                raise BenchInputError(
                    f"--data {path}: unknown file type {suffix!r} (.parquet, .jsonl, .json, .arrow)"
                )
            return datasets.load_dataset(
                builder, data_files=[str(path)], split="train", trust_remote_code=False
            )
        if (path / "dataset_dict.json").is_file() or (path / "state.json").is_file():
            loaded = datasets.load_from_disk(str(path))
        else:
            loaded = datasets.load_dataset(str(path), trust_remote_code=False)
    except BenchInputError:
        raise
    except Exception as error:  # datasets raises many types for unreadable data
        raise BenchInputError(
            f"--data {path}: cannot read it as a dataset ({type(error).__name__}: {first_line(error)})"
        ) from error
    if isinstance(loaded, datasets.DatasetDict):
        names = list(loaded)
        for choice in (split, "test"):
            if choice in loaded:
                return loaded[choice]
        if len(names) == 1:
            return loaded[names[0]]
        raise BenchInputError(
            f"--data {path} has splits {names} and none is {split!r}: give one split's file"
        )
    return loaded


class ForeignSamples:
    """A BABILong- or RULER-shaped dataset as a sample source, answers on the model's labels."""

    def __init__(
        self,
        path: str | Path,
        *,
        task: str,
        model_tokenizer: str,
        labels: Sequence[str],
        lengths: Sequence[int],
    ) -> None:
        from generators.hf_layout import split_name

        self.path = Path(path)
        if not self.path.exists():
            raise BenchInputError(f"--data {self.path} does not exist")
        self.task = task
        self.tokenizer = model_tokenizer
        self.labels = tuple(labels)
        self.rows = _read(self.path, split_name(task))
        columns = set(self.rows.column_names)
        self.shape = next(
            (
                name
                for name, (text, _, answer) in SHAPES.items()
                if text in columns and answer in columns
            ),
            None,
        )
        if self.shape is None:
            raise BenchInputError(
                f"--data {self.path} has columns {sorted(columns)}; expected {SHAPES_HELP}"
            )
        self.text_column, self.question_column, self.answer_column = SHAPES[self.shape]
        if self.question_column not in columns:
            self.question_column = None
        self._label_of = self._map_labels()
        self.has_lengths = "length" in columns
        if not self.has_lengths and len(lengths) != 1:
            raise BenchInputError(
                f"--data {self.path} has no 'length' column: give the one length its rows "
                "were made for (e.g. --lengths 4k)"
            )
        self._by_length: dict[int, list[int]] = {}
        if self.has_lengths:
            for position, value in enumerate(self.rows["length"]):
                self._by_length.setdefault(int(value), []).append(position)
        else:
            self._by_length[int(lengths[0])] = list(range(self.rows.num_rows))

    def _answer(self, value: Any) -> str:
        if self.shape == "ruler":
            if not isinstance(value, list) or len(value) != 1:
                raise BenchInputError(
                    f"--data {self.path}: RULER rows need one item in 'outputs', got {value!r}"
                )
            value = value[0]
        return str(value)

    def _map_labels(self) -> dict[str, int]:
        """Normalized target -> label index; refuses targets the model cannot answer."""
        index = {_normal(label): i for i, label in enumerate(self.labels)}
        targets = {self._answer(value) for value in self.rows[self.answer_column]}
        unknown = sorted(t for t in targets if _normal(t) not in index)
        if unknown:
            shown = ", ".join(repr(t) for t in unknown[:6]) + (" ..." if len(unknown) > 6 else "")
            raise BenchInputError(
                f"--data {self.path}: targets {shown} are not among the model's labels "
                f"{list(self.labels)}; evaluate it with a model trained on its answers"
            )
        return index

    def refs(self, length: int, num_samples: int) -> list[SampleRef]:
        positions = self._by_length.get(length)
        if positions is None:
            held = ", ".join(str(n) for n in sorted(self._by_length))
            raise BenchInputError(
                f"--data {self.path} has no rows of length {length} (it holds {held})"
            )
        if num_samples > len(positions):
            raise BenchInputError(
                f"--data {self.path} holds {len(positions)} rows of length {length}, "
                f"--num-samples asks for {num_samples}"
            )
        stem = self.path.stem or self.path.name
        return [
            SampleRef(f"{stem}-{length}-{position}", length, position, None, position)
            for position in positions[:num_samples]
        ]

    def load(self, ref: SampleRef) -> dict[str, Any]:
        from generators.tokens import encode_text, resolve_tokenizer

        row = self.rows[int(ref.position)]
        context = str(row[self.text_column])
        question = "" if self.question_column is None else str(row[self.question_column])
        answer = self._answer(row[self.answer_column])
        tokenizer, _ = resolve_tokenizer(self.tokenizer)
        context_ids = encode_text(tokenizer, context)
        question_ids = encode_text(tokenizer, question)
        return {
            "id": ref.sample_id,
            "task": self.task,
            "length": ref.length,
            "n_tokens": len(context_ids) + len(question_ids),
            "tokenizer": self.tokenizer,
            "seed": None,
            "index": ref.index,
            "context": context,
            "question": question,
            "answer": answer,
            "label": self._label_of[_normal(answer)],
            "context_ids": context_ids,
            "question_ids": question_ids,
        }

    def identity(self) -> dict[str, Any]:
        return {"data": str(self.path), "shape": self.shape, "rows": self.rows.num_rows}
