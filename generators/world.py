"""The built-in bAbI world: qa1-style movement facts and qa4-style relation pairs.

Vocabulary is bAbI's own (tasks qa1 and qa4), answers are computed by pure
functions of the facts, never stored beside them:

    fact, question = movement_fact(rng)          # "Mary moved to the bathroom.", "Where is Mary?"
    answer_where(fact_sentences, "Mary")         # "bathroom"
    facts, question = relation_pair(rng)         # two qa4 facts sharing one room, a question
    relation_pair(rng, same_axis=1.0)            # the two outer rooms on opposite sides
    answer_relation(facts, question)             # the room the question asks for

All three paper tasks share the six answer classes ``ROOMS`` (in this order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from generators.errors import BenchInputError

PEOPLE = ("Mary", "John", "Daniel", "Sandra")
MOVES = ("moved", "went", "went back", "journeyed", "travelled")
ROOMS = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")
DIRECTIONS = ("north", "south", "east", "west")
OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}

_MOVE = re.compile(
    r"^(?P<who>\w+) (?:moved|went back|went|journeyed|travelled) to the (?P<where>\w+)\.$"
)
_RELATION = re.compile(r"^The (?P<a>\w+) is (?P<dir>north|south|east|west) of the (?P<b>\w+)\.$")
_WHAT_IS_DIR_OF = re.compile(r"^What is (?P<dir>north|south|east|west) of the (?P<b>\w+)\?$")
_WHAT_IS_B_DIR_OF = re.compile(r"^What is the (?P<a>\w+) (?P<dir>north|south|east|west) of\?$")


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def movement_fact(rng: np.random.Generator) -> tuple[str, str]:
    """One qa1 fact and its question: ("Sandra journeyed to the garden.", "Where is Sandra?")."""
    who = _pick(rng, PEOPLE)
    return move_of(who, rng), f"Where is {who}?"


def move_of(who: str, rng: np.random.Generator, rooms: Sequence[str] = ROOMS) -> str:
    """A qa1 movement fact about ``who`` to one of ``rooms``: "Mary went to the office."."""
    move, room = _pick(rng, MOVES), _pick(rng, rooms)
    return f"{who} {move} to the {room}."


def asked_person(question: str) -> str:
    """The person a qa1 question asks about: "Where is Mary?" -> "Mary"."""
    if not (question.startswith("Where is ") and question.endswith("?")):
        raise BenchInputError(f"expected a qa1 question (Where is ...?), got {question!r}")
    return question[len("Where is ") : -1]


def answer_where(facts: Sequence[str], who: str) -> str:
    """Where ``who`` is after the movement facts (the last one about them counts)."""
    place = None
    for sentence in facts:
        match = _MOVE.match(sentence.strip())
        if match and match.group("who") == who:
            place = match.group("where")
    if place is None:
        raise BenchInputError(f"no movement fact about {who!r} in {list(facts)!r}")
    return place


def check_same_axis(share: object, name: str = "same_axis") -> None:
    """Raise ``BenchInputError`` unless ``share`` is a number in [0, 1] (``name``: the
    option to name in the message)."""
    if not (isinstance(share, (int, float)) and 0.0 <= share <= 1.0):
        raise BenchInputError(f"{name} must be in [0, 1], got {share}")


def relation_pair(
    rng: np.random.Generator, same_axis: float | None = None
) -> tuple[tuple[str, str], str]:
    """Two qa4 facts around one shared room and a question about one of the relations.

    As in bAbI qa4: "The hallway is east of the bathroom." + "The bedroom is west
    of the bathroom." The question picks one relation "a is <dir> of b" and asks
    for either side of it in one of bAbI's two forms: "What is <dir> of the b?" /
    "What is the b <opposite dir> of?" (answer a), or "What is <opposite dir> of
    the a?" / "What is the a <dir> of?" (answer b). The two outer rooms sit on
    different sides of the shared room, so every question has exactly one answer
    (the shared room itself can be the answer, as in bAbI).

    ``same_axis``: None draws the second side uniformly from the three left, so one
    pair in three has its outer rooms on opposite sides of the shared room, on one axis
    ("east of" and "west of" the hub), where only the direction and the order of the
    rooms tell them apart. A share in [0, 1] draws that geometry with that probability
    instead (a training lever, ``rmt-bench train --same-axis``); other rooms and the
    question are drawn as before, but from another random stream than None's.
    """
    if same_axis is not None:
        check_same_axis(same_axis)
    hub, first, second = (ROOMS[i] for i in rng.choice(len(ROOMS), size=3, replace=False))
    d1 = _pick(rng, DIRECTIONS)
    if same_axis is None:
        d2 = _pick(rng, [d for d in DIRECTIONS if d != d1])  # two different sides of the hub
    elif rng.random() < same_axis:
        d2 = OPPOSITE[d1]
    else:
        d2 = _pick(rng, [d for d in DIRECTIONS if d not in (d1, OPPOSITE[d1])])
    facts = []
    relations = []  # (a, dir, b): "The a is dir of the b."
    for room, direction in ((first, d1), (second, d2)):
        flip = bool(rng.integers(2))  # "room is dir of hub" or "hub is opposite of room"
        relation = (hub, OPPOSITE[direction], room) if flip else (room, direction, hub)
        relations.append(relation)
        facts.append(f"The {relation[0]} is {relation[1]} of the {relation[2]}.")
    a, direction, b = relations[int(rng.integers(2))]
    form = int(rng.integers(4))
    question = (
        f"What is {direction} of the {b}?",  # -> a
        f"What is the {b} {OPPOSITE[direction]} of?",  # -> a
        f"What is {OPPOSITE[direction]} of the {a}?",  # -> b
        f"What is the {a} {direction} of?",  # -> b
    )[form]
    return (facts[0], facts[1]), question


def answer_relation(facts: Sequence[str], question: str) -> str:
    """The room a qa4 question asks for, from relation facts ("X is <dir> of Y")."""
    relations: set[tuple[str, str, str]] = set()  # (a, dir, b): a is dir of b
    for sentence in facts:
        match = _RELATION.match(sentence.strip())
        if match:
            a, direction, b = match.group("a"), match.group("dir"), match.group("b")
            relations.add((a, direction, b))
            relations.add((b, OPPOSITE[direction], a))
    query = question.strip()
    if match := _WHAT_IS_DIR_OF.match(query):  # What is <dir> of the <b>?  -> a
        found = {a for a, d, b in relations if d == match.group("dir") and b == match.group("b")}
    elif match := _WHAT_IS_B_DIR_OF.match(query):  # What is the <a> <dir> of? -> b
        found = {b for a, d, b in relations if a == match.group("a") and d == match.group("dir")}
    else:
        raise BenchInputError(f"not a qa4 question: {question!r}")
    if len(found) != 1:
        raise BenchInputError(f"facts {list(facts)!r} do not answer {question!r} uniquely")
    return found.pop()
