"""The built-in noise: varied, natural-looking English from a deterministic grammar.

    sentences = builtin_sentences(n=160000)    # same list on every machine and run

The ``n`` sentences are pairwise distinct (a repeat drawn from the grammar is
skipped), so a run of consecutive pool sentences never repeats a sentence: the
default pool (160,000 sentences, about 2.4M MiniLM tokens) covers a 2M-token sample
without a repeat.

The text reads like plain narrative prose: people and places are mentioned,
sentences start with a capital letter and end with ".", "!" or "?", and their
lengths range from two words to long compound sentences, so a fact
("Mary moved to the bathroom.") is not findable by its formatting. The
fact vocabulary appears too, as in real text, so a fact is not findable by its words
alone: about one sentence in sixteen mentions one of the bAbI people (Mary, John,
Daniel, Sandra) doing something that does not move them, or one of the six rooms
with nobody in it ("Nobody had swept the kitchen for 12 days."). A bAbI person and a
room never share a sentence, no sentence says someone went, moved, journeyed or
travelled to a place, and none says "<room> is <direction> of", so noise never
changes a sample's answer. Nothing is copied from any corpus.
"""

from __future__ import annotations

import random
from string import Formatter

SEED = 20240411  # fixed: the built-in pool is part of the benchmark definition

NAMES = (
    "Margaret",
    "Thomas",
    "Elena",
    "Victor",
    "Agnes",
    "Henry",
    "Clara",
    "Oliver",
    "Beatrice",
    "Samuel",
    "Lucy",
    "Arthur",
    "Helen",
    "Walter",
    "Rosa",
    "Edmund",
    "Ida",
    "Felix",
    "Martha",
    "George",
    "Alice",
    "Frederick",
    "Nora",
    "Isaac",
    "Louisa",
    "Peter",
    "Harriet",
    "Jonah",
    "Eleanor",
    "Hugo",
    "Miriam",
    "Lewis",
    "Vera",
    "Simon",
    "Esther",
    "Albert",
    "Judith",
    "Paul",
)
TITLED = (
    "Mrs. Ashford",
    "Mr. Pell",
    "Dr. Okafor",
    "Captain Reyes",
    "Miss Lindqvist",
    "old Mr. Barrow",
    "Professor Kent",
    "Father Doyle",
    "Mrs. Whitcombe",
    "Sergeant Hale",
    "Madame Roux",
)
GROUPS = (
    "the farmers",
    "the two brothers",
    "the council",
    "the sailors",
    "the children",
    "her neighbours",
    "the old fisherman",
    "the schoolmaster",
    "the stranger",
    "my aunt",
    "the miller's wife",
    "a young clerk",
    "the doctor",
    "the widow",
    "the boys from the mill",
)
PLACES = (
    "Lisbon",
    "Bristol",
    "the harbour",
    "the market square",
    "the village",
    "the chapel",
    "the mill",
    "the river bank",
    "the railway station",
    "the lighthouse",
    "Vienna",
    "the valley",
    "the orchard",
    "the library",
    "the old bridge",
    "the north road",
    "the coast",
    "Dublin",
    "the inn",
    "the customs house",
    "the quarry",
    "the farmhouse",
    "the town hall",
    "the forest",
    "Marseille",
    "the bakery",
    "the courthouse",
    "the shipyard",
    "the meadow",
    "Edinburgh",
)
TIMES = (
    "In the autumn of that year",
    "Later that evening",
    "At dawn",
    "By the end of the week",
    "Some years before",
    "On the following morning",
    "During the long winter",
    "After supper",
    "Before the harvest",
    "Towards midnight",
    "In those days",
    "Once the rain had stopped",
    "When the bells rang",
    "For a while",
    "Early in the spring",
    "At last",
)
OBJECTS = (
    "a letter",
    "the old map",
    "a basket of apples",
    "his coat",
    "a small wooden box",
    "the accounts",
    "a lantern",
    "the newspaper",
    "a loaf of bread",
    "her grandmother's ring",
    "the keys",
    "a bundle of papers",
    "an umbrella",
    "the ledger",
    "a pair of boots",
    "a silver watch",
    "the telegram",
    "a jar of honey",
    "the photograph",
    "a heavy trunk",
)
ADJ = (
    "quiet",
    "cold",
    "crowded",
    "strange",
    "pleasant",
    "narrow",
    "bright",
    "grey",
    "busy",
    "empty",
    "warm",
    "noisy",
    "peaceful",
    "dusty",
    "green",
    "ancient",
    "lonely",
    "familiar",
)
FEELINGS = (
    "tired",
    "hopeful",
    "uneasy",
    "cheerful",
    "worried",
    "amused",
    "restless",
    "grateful",
    "surprised",
    "patient",
    "angry",
    "content",
    "nervous",
    "proud",
)
ACTIONS = (
    "read {obj} twice",
    "wrote {obj} by candlelight",
    "sold {obj} for a few coins",
    "hid {obj} under the floor",
    "carried {obj} all the way home",
    "forgot {obj} on the table",
    "mended {obj} with great care",
    "found {obj} behind the door",
    "gave {obj} to {person}",
    "asked {person} about {obj}",
    "waited for {person} at {place}",
    "spoke with {person}",
    "visited {place}",
    "walked along {place}",
    "painted a picture of {place}",
    "laughed at the idea",
    "said nothing at all",
    "counted the money again",
    "looked out of the window",
    "closed the shutters",
    "lit the fire",
    "sang an old song",
)
OPENERS = (
    "It rained.",
    "Nobody answered.",
    "Time passed.",
    "The wind rose.",
    "Nothing happened.",
    "Everyone agreed.",
    "It was late.",
    "Silence followed.",
    "The dogs barked.",
    "Yes.",
    "No.",
    "Perhaps.",
    "Of course!",
    "Who knows?",
    "Why not?",
    "Indeed.",
    "So it was.",
    "How odd!",
)
REMARKS = (
    "{P} said that {place} had changed a great deal.",
    '"We should leave before dark," said {person}.',
    '"Is it far?" asked {person}.',
    "{P} did not believe a word of it.",
    "Few people remember {place} as it was then.",
    "The road to {place} was {adj} and long.",
    "Nobody in {place} had heard of {person}.",
    "It was a {adj} day, and {person} felt {feeling}.",
    "{P} had lived near {place} for {num} years.",
    "There were {num} ships in {place} that morning.",
    "Was it really {person} who {action}?",
    "{P} was {feeling}, though {pronoun} would never admit it.",
    "The price of bread rose by {num} pence.",
    "Letters from {place} arrived only once a month.",
)


MANNERS = (
    "without a word",
    "in a hurry",
    "for the second time",
    "with some reluctance",
    "as usual",
    "in the pouring rain",
    "before anyone noticed",
    "with a sigh",
    "that afternoon",
    "on his own",
    "on her own",
    "in secret",
    "once again",
    "in plain sight",
    "rather slowly",
    "at great expense",
)


# Distractors: the facts' own words in sentences that cannot change an answer.
FACT_PEOPLE = ("Mary", "John", "Daniel", "Sandra")  # generators.world.PEOPLE
FACT_ROOMS = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")  # world.ROOMS
STILL_ACTIONS = (  # actions that neither move nor place their subject
    "read {obj} twice",
    "wrote {obj} by candlelight",
    "sold {obj} for a few coins",
    "mended {obj} with great care",
    "laughed at the idea",
    "said nothing at all",
    "counted the money again",
    "sang an old song",
    "spoke with {person}",
    "was {feeling}",
)
ROOM_REMARKS = (  # a room with nobody from the facts in it
    "The {room} was {adj}.",
    "Nobody had swept the {room} for {num} days.",
    "There was a faint smell of smoke in the {room}.",
    "The door of the {room} would not close.",
    "{P} said the {room} needed a new coat of paint.",
    "The {room} window looked out over {place}.",
    "A letter from {place} lay forgotten in the {room}.",
)


def _choice(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[int(rng.random() * len(options))]


def _person(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return _choice(rng, NAMES)
    if roll < 0.8:
        return _choice(rng, TITLED)
    return _choice(rng, GROUPS)


_DRAWS = {
    "room": lambda rng: _choice(rng, FACT_ROOMS),
    "place": lambda rng: _choice(rng, PLACES),
    "obj": lambda rng: _choice(rng, OBJECTS),
    "adj": lambda rng: _choice(rng, ADJ),
    "feeling": lambda rng: _choice(rng, FEELINGS),
    "num": lambda rng: str(2 + int(rng.random() * 58)),
    "pronoun": lambda rng: _choice(rng, ("she", "he", "they")),
}
_FIELDS: dict[str, tuple[str, ...]] = {}


def _fields(template: str) -> tuple[str, ...]:
    """The placeholder names of ``template`` in order of appearance (parsed once)."""
    names = _FIELDS.get(template)
    if names is None:
        names = tuple(name for _, name, _, _ in Formatter().parse(template) if name)
        _FIELDS[template] = names
    return names


def _fill(template: str, rng: random.Random) -> str:
    """``template`` with each placeholder drawn in order of appearance (a fixed stream)."""
    values: dict[str, str] = {}
    for name in _fields(template):
        if name in values:
            continue
        if name in ("person", "P"):
            person = _person(rng)
            values["person"], values["P"] = person, person[0].upper() + person[1:]
        elif name == "action":
            values["action"] = _fill(_choice(rng, ACTIONS), rng)
        else:
            values[name] = _DRAWS[name](rng)
    return template.format(**values)


def _clause(rng: random.Random) -> str:
    action = _fill(_choice(rng, ACTIONS), rng)
    if rng.random() < 0.3:
        action += " " + _choice(rng, MANNERS)
    return f"{_person(rng)} {action}"


def _distractor(rng: random.Random) -> str:
    """A sentence with a fact person (doing nothing that moves them) or a fact room."""
    if rng.random() < 0.5:
        action = _fill(_choice(rng, STILL_ACTIONS), rng)
        return f"{_choice(rng, FACT_PEOPLE)} {action}."
    return _fill(_choice(rng, ROOM_REMARKS), rng)


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.08:
        return _choice(rng, OPENERS)
    if kind < 0.3:
        return _fill(_choice(rng, REMARKS), rng)
    if kind < 0.3625:
        return _distractor(rng)
    parts = [_clause(rng)]
    if rng.random() < 0.35:
        parts.insert(0, _choice(rng, TIMES) + ",")
    while rng.random() < 0.3 and len(parts) < 5:
        parts.append(_choice(rng, ("and", "but", "while", "because", "so", "after")))
        parts.append(_clause(rng))
    text = " ".join(parts)
    if rng.random() < 0.25:
        text += f" at {_choice(rng, PLACES)}"
    end = "." if rng.random() < 0.93 else "!"
    return text[0].upper() + text[1:] + end


def builtin_sentences(n: int = 160000, seed: int = SEED) -> list[str]:
    """``n`` distinct sentences of built-in noise, identical for identical (n, seed)."""
    rng = random.Random(seed)  # only .random() is used: its stream is stable across Pythons
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        sentence = _sentence(rng)
        if sentence not in seen:
            seen.add(sentence)
            out.append(sentence)
    return out
