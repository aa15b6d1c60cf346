"""One sample: facts hidden in noise, exactly ``length`` tokens of context + question.

    row = build_sample("reasoning", length="1M", seed=0, index=3)          # a dict (one row)
    row = build_sample("detect_memorize", length=4096, seed=1, index=0, depth=0.25)
    row = build_sample("memorize", length=700, seed=0, index=5, with_ids=True)  # + token ids
    row = build_sample("detect_memorize", length=4096, seed=1, index=0, distractors=3)  # training

A sample is a pure function of (task, length, seed, index, tokenizer, facts,
noise, depth, distractors): its RNG is ``default_rng([seed, task_id, length, index])``.

Token layout of the context (no special tokens; ``|`` marks a sentence boundary):

    noise run | fact 1 | noise run | fact 2 | noise run | fillers      + question
    ^ the first piece is tokenized bare, every later piece as " piece"

The noise run is a stretch of consecutive pool sentences starting at a random
sentence; facts go at the sentence boundary nearest to their drawn depth;
"fillers" are 0-3 pool sentences whose lengths make the total exact (a word
prefix of one sentence only when the noise budget is a few tokens).
Everything is index arithmetic over the pre-tokenized pool plus one join.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from generators.default_noise import TEST_NOISE
from generators.distractors import (
    DISTRACTOR_KINDS,
    check_answer,
    fact_like_noise,
    interleave,
)
from generators.errors import BenchInputError
from generators.facts import Draw, fact_source
from generators.lengths import parse_length
from generators.noise_pool import NoisePool
from generators.noise_sources import load_pool
from generators.tasks import TaskSpec, get_task
from generators.token_pieces import TokenPieces
from generators.tokens import check_additive, encode_batch, encode_text, resolve_tokenizer

log = logging.getLogger(__name__)

VERIFY_UP_TO = 16384  # samples up to this length are re-tokenized and checked by default
_MAX_REPAIRS = 256


def parse_depth(depth: Any, spec: TaskSpec) -> tuple[float, float] | None:
    """None, a depth in [0, 1], or a (low, high) range; ``"0.25"`` and ``"0.1:0.4"`` work too."""
    if depth is None:
        return None
    try:
        if isinstance(depth, str):
            parts = (
                depth.replace("-", ":").split(":") if ":" in depth or "-" in depth[1:] else [depth]
            )
            values = [float(p) for p in parts]
        elif isinstance(depth, (tuple, list)):
            values = [float(v) for v in depth]
        else:
            values = [float(depth)]
    except ValueError as error:
        raise BenchInputError(
            f"bad depth {depth!r}: give a number in [0, 1] or a range lo:hi"
        ) from error
    if len(values) == 1:
        values = values * 2
    low, high = values if len(values) == 2 else (None, None)
    if low is None or not (0.0 <= low <= high <= 1.0):
        raise BenchInputError(f"bad depth {depth!r}: give a number in [0, 1] or a range lo:hi")
    if spec.placement == "start" and high > 0.0:
        raise BenchInputError(
            f"task {spec.name} puts its fact at depth 0; use detect_memorize for other depths"
        )
    return low, high


def _prefix_piece(
    pool: NoisePool, tokenizer: Any, rng: np.random.Generator, tokens: int
) -> tuple[str, int]:
    """Text " w1 w2 .. wm" (a sentence's first words) of exactly ``tokens`` tokens."""
    for _ in range(200):
        words = pool.sentence(int(rng.integers(pool.n))).split(" ")
        counts = np.cumsum([len(ids) for ids in encode_batch(tokenizer, [" " + w for w in words])])
        hit = np.flatnonzero(counts == tokens)
        if len(hit):
            return " " + " ".join(words[: int(hit[0]) + 1]), tokens
    raise BenchInputError(f"noise source {pool.source!r} cannot fill exactly {tokens} tokens")


def _with_noise_distractors(
    draw: Draw, pool: NoisePool, count: int, length: int, rng: np.random.Generator
) -> Draw:
    """``draw`` with 0..count fact-like noise sentences among its facts (at most a quarter
    of the sample's tokens); the answer is re-checked."""
    extra = fact_like_noise(pool, count, length // 4, rng)
    facts, answer_fact = interleave(draw.facts, draw.answer_fact, extra, rng)
    check_answer(facts, draw.question, draw.answer)
    return Draw(facts, draw.question, draw.answer, answer_fact)


def build_sample(
    task: str,
    *,
    length: int | str,
    seed: int,
    index: int,
    tokenizer: Any = "minilm",
    facts: str = "builtin",
    noise: str = TEST_NOISE,
    depth: Any = None,
    with_ids: bool = False,
    verify: bool | None = None,
    text: bool = True,
    distractors: int = 0,
    noise_distractors: int = 0,
    same_axis: float | None = None,
) -> dict[str, Any]:
    """One sample row (see docs/interfaces.md); ``with_ids`` adds context_ids/question_ids.

    ``text=False`` (needs ``with_ids``): the row has no ``context`` text and its
    ``context_ids`` is a ``TokenPieces`` of views into the noise pool, so the
    row's memory does not grow with ``length`` (for models that stream ids).
    ``distractors`` N > 0 (qa1 tasks; training only): 0..N extra movement facts that
    leave the answer unchanged (``generators.distractors``); the row's ``answer_fact``
    is the index of the fact that answers. ``noise_distractors`` N > 0 (qa1, training
    only) adds 0..N fact-like sentences of the noise among the facts, in ``facts`` too.
    0 for both leaves every sample byte-identical. ``same_axis`` (built-in qa4, the
    reasoning task; training only): the share of samples whose two relations lie on one
    axis (``generators.world.relation_pair``); None keeps the natural draw and every
    sample byte-identical, a share adds ``same_axis`` to the row.
    """
    spec = get_task(task)
    length = parse_length(length)
    if not text and not with_ids:
        raise ValueError("build_sample(text=False) needs with_ids=True")
    verify = verify if verify is not None else length <= VERIFY_UP_TO
    keep_text = text or verify  # a short sample is checked against its text
    if int(seed) < 0 or int(index) < 0:
        raise BenchInputError(f"seed and index must be >= 0, got seed={seed}, index={index}")
    seed, index = int(seed), int(index)
    if int(distractors) < 0 or int(noise_distractors) < 0:
        raise BenchInputError(
            f"distractors must be >= 0, got {distractors} and {noise_distractors}"
        )
    depth_range = parse_depth(depth, spec)
    tok, tok_name = resolve_tokenizer(tokenizer)
    check_additive(tok)
    source = fact_source(facts)
    pool = load_pool(noise, tok)
    rng = np.random.default_rng([seed, spec.task_id, length, index])

    if noise_distractors and spec.fact_kind not in DISTRACTOR_KINDS:
        raise BenchInputError(
            f"distractors apply to qa1 facts (memorize, detect_memorize), not {spec.name!r}"
        )
    draw = source.draw(  # checks its own kind
        spec.fact_kind, rng, distractors=int(distractors), same_axis=same_axis
    )
    if noise_distractors:
        draw = _with_noise_distractors(draw, pool, int(noise_distractors), length, rng)
    labels = source.labels(spec.fact_kind)
    if draw.answer not in labels:
        raise BenchInputError(f"answer {draw.answer!r} is not one of the task's labels {labels}")
    k = len(draw.facts)
    # ids of: question (bare), facts bare, facts as " fact" (continuation form)
    encoded = encode_batch(tok, [draw.question, *draw.facts, *(" " + f for f in draw.facts)])
    question_ids, bare, cont = encoded[0], encoded[1 : 1 + k], encoded[1 + k :]
    context_len = length - len(question_ids)
    fact_tokens = sum(len(ids) for ids in cont)
    budget = context_len - fact_tokens  # noise tokens (before the first-piece correction)
    if budget + len(cont[0]) - len(bare[0]) < 0:
        need = length - budget
        raise BenchInputError(
            f"length {length} is too short for task {spec.name}: its facts and question "
            f"alone take {need} tokens"
        )

    # ---- plan: noise run [start, end), fact i before virtual sentence bounds[i]
    start = int(rng.integers(pool.n))
    end = pool.run_end(start, max(budget, 0))
    if spec.placement == "start":
        fractions = np.zeros(k)
    else:
        low, high = depth_range or (0.0, 1.0)
        fractions = np.sort(rng.uniform(low, high, size=k))
    bounds: list[int] = []
    before = 0  # fact tokens placed before fact i
    for i in range(k):
        target = fractions[i] * context_len - before  # noise tokens wanted before fact i
        bound = pool.boundary_near(start, end, target)
        bounds.append(max(bound, bounds[-1]) if bounds else bound)
        before += len(cont[i])

    # ---- make the total exact: drop run sentences until the rest splits into pool sentences
    first_bare: np.ndarray | None = None
    fillers: list[int] = []
    prefix: tuple[str, int] | None = None
    for _ in range(_MAX_REPAIRS):
        bounds = [min(b, end) for b in bounds]
        facts_first = bounds[0] == start
        if facts_first:
            delta = len(bare[0]) - len(cont[0])
        else:
            if first_bare is None:
                first_bare = encode_batch(tok, [pool.sentence(start)])[0]
            delta = len(first_bare) - pool.length_of(start)
        rest = context_len - (pool.cum(end) - pool.cum(start)) - fact_tokens - delta
        if rest >= 0:
            try:
                fillers = pool.decompose(rng, rest, avoid=(start, end))
                break
            except LookupError:
                if end == start:
                    prefix = _prefix_piece(pool, tok, rng, rest)
                    break
        if end == start:
            raise BenchInputError(
                f"length {length} is too short for task {spec.name} with noise {pool.source!r}"
            )
        end -= 1
    else:  # pragma: no cover - pools always have short sentences
        raise BenchInputError(f"noise source {pool.source!r} cannot fill {context_len} tokens")

    # ---- assemble text (bytes pieces) and, on request, ids; record fact offsets
    text_parts: list[bytes] = []
    id_parts: list[np.ndarray] = []
    positions: list[int] = []
    offset = 0
    cursor = start

    def add_run(stop: int) -> None:
        nonlocal cursor, offset
        if stop <= cursor:
            return
        if cursor == start and not facts_first:  # the context's first sentence: bare form
            if keep_text:
                text_parts.append(pool.sentence(start).encode("utf-8"))
            id_parts.append(first_bare)  # type: ignore[arg-type]
            offset += len(first_bare)  # type: ignore[arg-type]
            cursor += 1
        if keep_text:
            text_parts.extend(pool.span_text(cursor, stop))
        if with_ids:
            id_parts.extend(pool.span_ids(cursor, stop))
        offset += pool.cum(stop) - pool.cum(cursor)
        cursor = stop

    for i in range(k):
        add_run(bounds[i])
        is_first = offset == 0 and i == 0 and facts_first
        fact_text = draw.facts[i] if is_first else " " + draw.facts[i]
        ids = bare[i] if is_first else cont[i]
        positions.append(offset)
        if keep_text:
            text_parts.append(fact_text.encode("utf-8"))
        id_parts.append(ids)
        offset += len(ids)
    add_run(end)
    for j in fillers:
        if keep_text:
            text_parts.extend(pool.span_text(j, j + 1))
        if with_ids:
            id_parts.extend(pool.span_ids(j, j + 1))
        offset += pool.length_of(j)
    if prefix is not None:
        if keep_text:
            text_parts.append(prefix[0].encode("utf-8"))
        if with_ids:
            id_parts.append(encode_batch(tok, [prefix[0]])[0])
        offset += prefix[1]
    if offset != context_len:  # pragma: no cover - an internal invariant
        raise RuntimeError(f"assembled {offset} context tokens, wanted {context_len}")
    context = b"".join(text_parts).decode("utf-8") if keep_text else None

    row: dict[str, Any] = {
        "id": f"{spec.name}-{length}-{seed}-{index}",
        "task": spec.name,
        "length": length,
        "n_tokens": length,
        "tokenizer": tok_name,
        "seed": seed,
        "index": index,
        "context": context,
        "question": draw.question,
        "answer": draw.answer,
        "label": labels.index(draw.answer),
        "facts": list(draw.facts),
        "fact_positions": positions,
        "depths": [p / context_len for p in positions],
        "facts_source": facts,
        "noise_source": noise,
    }
    if distractors or noise_distractors:
        row["answer_fact"] = draw.answer_fact
    if same_axis is not None:
        row["same_axis"] = float(same_axis)
    if with_ids:
        row["context_ids"] = (
            np.concatenate(id_parts).astype(np.int32, copy=False) if text else TokenPieces(id_parts)
        )
        row["question_ids"] = question_ids
    if verify:
        verify_sample(tok, row)
    if not text:
        del row["context"]
    return row


def verify_sample(tokenizer: Any, row: dict[str, Any]) -> None:
    """Re-tokenize a row: exact length, each fact's ids at its recorded offset."""
    tok, _ = resolve_tokenizer(tokenizer)
    context_ids = encode_text(tok, row["context"])
    question_ids = encode_text(tok, row["question"])
    if len(context_ids) + len(question_ids) != row["length"]:
        raise RuntimeError(
            f"sample {row['id']}: {len(context_ids)} + {len(question_ids)} tokens != {row['length']}"
        )
    for fact, pos in zip(row["facts"], row["fact_positions"], strict=True):
        want = encode_batch(tok, [fact if pos == 0 else " " + fact])[0]
        if not np.array_equal(context_ids[pos : pos + len(want)], want):
            raise RuntimeError(f"sample {row['id']}: fact {fact!r} is not at token {pos}")
    if "context_ids" in row and not np.array_equal(row["context_ids"], context_ids):
        raise RuntimeError(f"sample {row['id']}: stored context ids differ from the text's")
