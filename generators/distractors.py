"""Distractor facts: other movement facts around a qa1 sample's answer-bearing fact.

The paper's Memorize and Detect & Memorize samples hold one fact. A model trained on
them never sees a second fact, so it never learns that a later fact about the asked
person replaces an earlier one, and natural text is full of fact-like passages
("...going to the valley with Nick"). ``train --distractors N`` gives training samples
0..N extra qa1 facts (drawn per sample), as in a bAbI qa1 story:

* a fact about the asked person moving to another room, always placed *before* the
  answer-bearing fact (the last move counts, so the answer stays the same);
* a fact about another person, before or after it.

``train --noise-distractors N`` adds 0..N *fact-like noise* sentences: sentences of the
sample's own noise source in which someone goes somewhere ("he ran back to the house")
or a room is named, none naming a bAbI person, at random positions among the facts. In
the noise they come every few hundred segments, too rarely for a training sample of a
few segments to hold one, yet a model that stores one of them as the fact answers with
its room (docs/experiments.md, "latched fact").

    draw = add_distractors(draw, count=3, rng=rng, source_story=None)
    # Draw(facts=("Mary went to the office.", "John moved to the garden.",
    #             "Mary journeyed to the kitchen."), question="Where is Mary?", answer="kitchen")

With real bAbI facts (``source_story`` given) the distractors are the example's own
other statements, kept in story order, so the file's answer still holds. The answer is
re-derived from the facts by ``answer_where`` and checked: a distractor never changes it.
Evaluation samples never have distractors (the paper's task).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from generators.world import PEOPLE, ROOMS, answer_where, asked_person, move_of

DISTRACTOR_KINDS = ("qa1",)  # fact kinds that take distractors
FACT_LIKE_MAX_TOKENS = 48  # longer pool sentences are never picked as fact-like noise
_MOVES_TO = re.compile(
    r"\b(?:went|go|goes|going|gone|moved|moves|moving|journeyed|journey|travell?ed|travel|"
    r"came|come|coming|returned|return|walked|walk|ran|run|hurried|back)\b (?:back )?"
    r"(?:in|un)?to (?:the|his|her|their|my|our) \w+",
    re.IGNORECASE,
)
_ROOMS = re.compile(r"\b(?:" + "|".join(ROOMS) + r")\b", re.IGNORECASE)
_PEOPLE = re.compile(r"\b(?:" + "|".join(PEOPLE) + r")\b", re.IGNORECASE)


def is_fact_like(sentence: str) -> bool:
    """Someone goes somewhere, or a room is named, and no bAbI person is."""
    if _PEOPLE.search(sentence):
        return False
    return bool(_MOVES_TO.search(sentence) or _ROOMS.search(sentence))


_FACT_LIKE: dict[str, np.ndarray] = {}  # pool directory -> its fact-like sentences
_FACT_LIKE_LOCK = threading.Lock()


def _fact_like_indices(pool: Any) -> np.ndarray:
    """Indices of the pool's fact-like sentences (one scan per pool and process)."""
    key = str(pool.directory)
    with _FACT_LIKE_LOCK:
        if key not in _FACT_LIKE:
            keep = [
                j
                for j in range(pool.n)
                if pool.length_of(j) <= FACT_LIKE_MAX_TOKENS and is_fact_like(pool.sentence(j))
            ]
            _FACT_LIKE[key] = np.asarray(keep, dtype=np.int64)
        return _FACT_LIKE[key]


def fact_like_noise(pool: Any, count: int, budget: int, rng: np.random.Generator) -> list[str]:
    """Up to ``count`` fact-like sentences of ``pool`` (0..count drawn), at most ``budget``
    tokens together; none when the pool holds none."""
    indices = _fact_like_indices(pool)
    wanted = int(rng.integers(count + 1))
    if not len(indices) or not wanted:
        return []
    picked: list[str] = []
    for j in rng.choice(indices, size=wanted):
        budget -= pool.length_of(int(j))
        if budget < 0:
            break
        picked.append(pool.sentence(int(j)))
    return picked


def interleave(
    facts: Sequence[str], answer_fact: int, extra: Sequence[str], rng: np.random.Generator
) -> tuple[tuple[str, ...], int]:
    """``extra`` sentences at random places among ``facts``; the answer fact's new index."""
    out = list(facts)
    for sentence in extra:
        at = int(rng.integers(len(out) + 1))
        out.insert(at, sentence)
        if at <= answer_fact:
            answer_fact += 1
    return tuple(out), answer_fact


def built_in_distractors(
    fact: str, question: str, answer: str, count: int, rng: np.random.Generator
) -> tuple[tuple[str, ...], int]:
    """``count`` generated distractors around ``fact``: (facts in order, index of ``fact``)."""
    who = asked_person(question)
    others = [p for p in PEOPLE if p != who]
    other_rooms = [r for r in ROOMS if r != answer]
    before: list[str] = []
    after: list[str] = []
    for _ in range(count):
        if rng.integers(2) == 0:  # the asked person, earlier, somewhere else
            before.append(move_of(who, rng, other_rooms))
        else:
            person = others[int(rng.integers(len(others)))]
            (before if rng.integers(2) == 0 else after).append(move_of(person, rng))
    return (*before, fact, *after), len(before)


def story_distractors(
    story: Sequence[str], supporting: int, count: int, rng: np.random.Generator
) -> tuple[tuple[str, ...], int]:
    """``count`` of a bAbI story's other statements (story order) around its supporting one."""
    others = [i for i in range(len(story)) if i != supporting]
    count = min(count, len(others))
    chosen = sorted(int(i) for i in rng.choice(others, size=count, replace=False))
    kept = sorted([*chosen, supporting])
    return tuple(story[i] for i in kept), kept.index(supporting)


def check_answer(facts: Sequence[str], question: str, answer: str) -> None:
    """Raise if the facts no longer answer ``question`` with ``answer`` (an internal check)."""
    found = answer_where(facts, asked_person(question))
    if found != answer:  # pragma: no cover - the construction above rules it out
        raise RuntimeError(f"distractors changed the answer of {question!r}: {found} != {answer}")
