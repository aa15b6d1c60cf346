"""The task registry: each task is data (a TaskSpec), not a script.

    spec = get_task("reasoning")     # TaskSpec(name, task_id, fact_kind, placement, ...)
    spec = get_task("babi:qa7")      # a whole bAbI qa7 story in the noise (BABILong-style)
    task_labels("memorize")          # ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")
    task_labels("babi:qa7", facts="babi:/data/tasks_1-20_v1-2")  # the answers found in the files

The paper's three tasks:
- ``memorize``: one qa1 fact at the very start, noise after it, question at the end.
- ``detect_memorize``: one qa1 fact at a random position inside the noise.
- ``reasoning``: two qa4 facts at random positions, kept in order.
``task_id`` is a fixed small integer that seeds each sample's RNG (never ``hash()``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.errors import BenchInputError


@dataclass(frozen=True)
class TaskSpec:
    """What a task puts where: the kind of facts and how they are placed in the noise."""

    name: str
    task_id: int  # stable: part of every sample's RNG seed
    fact_kind: str | int  # "qa1", "qa4" or a bAbI task number (whole story)
    placement: str  # "start": first fact opens the context; "random": anywhere in the noise
    description: str


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("memorize", 1, "qa1", "start", "one fact at the start, noise, question"),
        TaskSpec("detect_memorize", 2, "qa1", "random", "one fact at a random position"),
        TaskSpec("reasoning", 3, "qa4", "random", "two facts at random positions, in order"),
    )
}
ALIASES = {"detect-memorize": "detect_memorize", "detect&memorize": "detect_memorize"}
_BABI_TASK = re.compile(r"^babi:qa(\d{1,2})$")
TASK_HELP = "memorize | detect_memorize | reasoning | babi:qa1 .. babi:qa20"


def get_task(name: str) -> TaskSpec:
    """The TaskSpec of ``name``; unknown names are a BenchInputError listing the choices."""
    name = ALIASES.get(name, name)
    if name in TASKS:
        return TASKS[name]
    match = _BABI_TASK.match(name)
    if match and 1 <= int(match.group(1)) <= 20:
        number = int(match.group(1))
        return TaskSpec(
            name, 100 + number, number, "random", f"a whole bAbI qa{number} story in the noise"
        )
    raise BenchInputError(f"unknown task {name!r}: choose {TASK_HELP}")


def task_labels(task: str, facts: str = "builtin") -> tuple[str, ...]:
    """The answer classes of ``task`` in a fixed order (``label`` indexes into it)."""
    from generators.facts import fact_source

    spec = get_task(task)
    return fact_source(facts).labels(spec.fact_kind)
