"""Sentence splitting without any download (no nltk punkt): rules for English prose.

    for sentence in split_sentences(text): ...

Paragraphs are separated by blank lines; line breaks inside a paragraph become
spaces. A sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes or
brackets) followed by whitespace and an upper-case letter, digit or opening
quote -- unless the word before the period is a common abbreviation ("Mr.",
"St.", "e.g.") or a single initial ("J."). Very long runs without an end mark
are cut at a word boundary every ``MAX_CHARS`` characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_CHARS = 1000
ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "rev", "gen", "col", "capt", "lt"),
        *("sgt", "mt", "ft", "vs", "etc", "no", "vol", "ch", "fig", "ed", "e.g", "i.e", "cf"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("esq", "hon", "messrs", "mme", "mlle"),
    }
)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")
_BOUNDARY = re.compile(r"([.!?][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def _is_abbreviation(before: str) -> bool:
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    word = word.lstrip("\"'“‘([").rstrip(".").lower()
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _cut_long(sentence: str) -> Iterator[str]:
    while len(sentence) > MAX_CHARS:
        cut = sentence.rfind(" ", 0, MAX_CHARS)
        if cut <= 0:
            cut = MAX_CHARS
        yield sentence[:cut].strip()
        sentence = sentence[cut:].strip()
    if sentence:
        yield sentence


def split_paragraph(paragraph: str) -> Iterator[str]:
    """Sentences of one paragraph (whitespace already collapsed or not)."""
    text = " ".join(paragraph.split())
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1)
        if match.group(1).startswith(".") and _is_abbreviation(text[start : match.start(1)]):
            continue
        yield from _cut_long(text[start:end].strip())
        start = match.end()
    yield from _cut_long(text[start:].strip())


def split_sentences(text: str) -> Iterator[str]:
    """Sentences of ``text`` in order (CRLF and LF line ends both fine)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for paragraph in _PARAGRAPHS.split(text):
        if paragraph.strip():
            yield from split_paragraph(paragraph)
