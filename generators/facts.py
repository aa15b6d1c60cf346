"""Fact sources: where a sample's facts, question and answer come from.

    source = fact_source("builtin")                      # the built-in bAbI world (default)
    source = fact_source("babi:/data/tasks_1-20_v1-2?lang=en-10k&split=test")
    source = fact_source("babi:hub")                     # the release from the HF hub (online)
    draw = source.draw("qa1", rng)   # Draw(facts=("Mary moved to the bathroom.",), question, answer)
    draw = source.draw("qa4", rng)   # two relation facts (kept in order), question, answer
    draw = source.draw(7, rng)       # real bAbI only: a whole qa7 story, its question, answer
    draw = source.draw("qa1", rng, distractors=3)  # + 0..3 other moves (generators.distractors)

Kinds: ``"qa1"`` (one movement fact, for memorize / detect_memorize), ``"qa4"``
(two relation facts, for reasoning) and an integer N (a whole bAbI qaN story, for
the ``babi:qaN`` tasks). Real bAbI answers are the file's; built-in answers are
computed from the facts by the pure functions of ``generators.world``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np

from generators.babi import (
    BabiFileMissing,
    babi_answers,
    download_babi,
    load_babi,
    read_babi_file,
)
from generators.distractors import (
    DISTRACTOR_KINDS,
    built_in_distractors,
    check_answer,
    story_distractors,
)
from generators.errors import BenchInputError
from generators.world import (
    ROOMS,
    answer_relation,
    answer_where,
    asked_person,
    movement_fact,
    relation_pair,
)

FACTS_HELP = (
    "builtin | babi:PATH[?lang=en|en-10k|...&split=train|test] (folder, .zip or .tar.gz; "
    "PATH 'hub' downloads the release from the HF hub)"
)


@dataclass(frozen=True)
class Draw:
    """The facts of one sample (in order), its question and its answer."""

    facts: tuple[str, ...]
    question: str
    answer: str
    answer_fact: int = 0  # index in ``facts`` of the fact that answers a qa1 question


@dataclass(frozen=True)
class FactSource:
    """A parsed ``--facts`` spec."""

    spec: str
    path: str | None = None  # None: the built-in world
    lang: str = "en"
    split: str = "train"

    def draw(
        self,
        kind: str | int,
        rng: np.random.Generator,
        distractors: int = 0,
        same_axis: float | None = None,
    ) -> Draw:
        """The facts, question and answer of one sample; ``distractors``: up to that many
        extra qa1 facts (0..N, drawn per sample) that leave the answer unchanged;
        ``same_axis``: built-in qa4 only, the share of pairs whose outer rooms lie on one
        axis (``generators.world.relation_pair``; None: the natural one in three)."""
        if distractors and kind not in DISTRACTOR_KINDS:
            raise BenchInputError(
                f"distractors apply to qa1 facts (memorize, detect_memorize), not {kind!r}"
            )
        if same_axis is not None and (kind != "qa4" or self.path is not None):
            raise BenchInputError(
                f"same_axis applies to the built-in qa4 facts (reasoning), not {kind!r} "
                f"from {self.spec!r}"
            )
        if kind == "qa1":
            return self._qa1(rng, distractors)
        if kind == "qa4":
            return self._qa4(rng, same_axis)
        if isinstance(kind, int):
            return self._story(kind, rng)
        raise BenchInputError(f"unknown fact kind {kind!r}")

    def labels(self, kind: str | int) -> tuple[str, ...]:
        """The answer classes for ``kind``: six rooms for qa1/qa4, the file's answers for qaN."""
        if kind in ("qa1", "qa4"):
            return ROOMS
        if self.path is None:
            raise BenchInputError(f"bAbI story tasks need --facts babi:PATH ({FACTS_HELP})")
        return babi_answers(self.path, int(kind), self.lang)

    def _examples(self, task: int):  # noqa: ANN202 - tuple of BabiExample
        assert self.path is not None
        return load_babi(self.path, task, self.lang, self.split)

    def _qa1(self, rng: np.random.Generator, distractors: int = 0) -> Draw:
        if self.path is None:
            fact, question = movement_fact(rng)
            answer = answer_where([fact], asked_person(question))
            if not distractors:
                return Draw((fact,), question, answer)
            facts, at = built_in_distractors(
                fact, question, answer, int(rng.integers(distractors + 1)), rng
            )
        else:
            examples = _single_fact_examples(self.path, self.lang, self.split)
            example = examples[int(rng.integers(len(examples)))]
            question, answer = example.question, example.answer
            if not distractors:
                return Draw((example.story[example.supporting[0]],), question, answer)
            facts, at = story_distractors(
                example.story, example.supporting[0], int(rng.integers(distractors + 1)), rng
            )
        check_answer(facts, question, answer)
        return Draw(facts, question, answer, at)

    def _qa4(self, rng: np.random.Generator, same_axis: float | None = None) -> Draw:
        if self.path is None:
            facts, question = relation_pair(rng, same_axis)
            return Draw(facts, question, answer_relation(facts, question))
        examples = self._examples(4)
        example = examples[int(rng.integers(len(examples)))]
        return Draw(tuple(example.story), example.question, example.answer)

    def _story(self, task: int, rng: np.random.Generator) -> Draw:
        if self.path is None:
            raise BenchInputError(f"task babi:qa{task} needs --facts babi:PATH ({FACTS_HELP})")
        examples = self._examples(task)
        example = examples[int(rng.integers(len(examples)))]
        return Draw(tuple(example.story), example.question, example.answer)


@functools.lru_cache(maxsize=16)
def _single_fact_examples(path: str, lang: str, split: str) -> tuple:
    """qa1 questions whose answer rests on one supporting statement (all of them in v1.2)."""
    examples = tuple(e for e in load_babi(path, 1, lang, split) if len(e.supporting) == 1)
    if not examples:
        raise BenchInputError(f"no single-supporting-fact questions in qa1 of {path}")
    return examples


@functools.lru_cache(maxsize=64)
def fact_source(spec: str) -> FactSource:
    """Parse ``builtin`` or ``babi:PATH[?lang=..&split=..]``; bad specs are a BenchInputError."""
    if spec == "builtin":
        return FactSource(spec)
    kind, _, rest = spec.partition(":")
    if kind != "babi" or not rest:
        raise BenchInputError(f"unknown fact source {spec!r}: use {FACTS_HELP}")
    path, _, query = rest.partition("?")
    if path in ("hub", "hf"):  # the release archive from the Hugging Face hub (online)
        path = download_babi()
    options = {key: values[-1] for key, values in parse_qs(query).items()}
    unknown = set(options) - {"lang", "split"}
    if unknown:
        raise BenchInputError(f"unknown option(s) {sorted(unknown)} in fact source {spec!r}")
    if options.get("split", "train") not in ("train", "test"):
        raise BenchInputError(f"?split= must be train or test, got {options['split']!r}")
    if not Path(path).expanduser().exists():
        raise BenchInputError(f"bAbI path not found: {path}")
    source = FactSource(spec, path, options.get("lang", "en"), options.get("split", "train"))
    _check_readable(source)
    return source


def _check_readable(source: FactSource) -> None:
    """Parse the first qaN file that the source holds, so malformed files fail early."""
    for task in range(1, 21):
        try:
            read_babi_file(source.path, task, source.lang, source.split)  # type: ignore[arg-type]
        except BabiFileMissing:
            continue  # this qaN is not there
        load_babi(source.path, task, source.lang, source.split)  # type: ignore[arg-type]
        return
    raise BenchInputError(
        f"no bAbI qa1..qa20 {source.split} files for language {source.lang!r} in {source.path}"
    )
