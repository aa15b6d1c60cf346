"""Real bAbI files (format of ``tasks_1-20_v1-2``): stories, questions, answers.

    examples = load_babi("/data/tasks_1-20_v1-2", task=1, lang="en", split="train")
    ex = examples[0]; ex.story, ex.question, ex.answer, ex.supporting

PATH may be the ``tasks_1-20_v1-2`` folder, a language folder (``en``,
``en-10k``, ``hn``, ...), a single ``qaN_*_{split}.txt`` file, or the .zip/.tar.gz
of the release. Format: numbered lines; a story restarts when the number goes
back to 1; a question line is ``N question?<TAB>answer<TAB>supporting numbers``.
``story`` holds the story's statements before the question, in order (earlier
questions left out); ``supporting`` indexes into ``story``.
"""

from __future__ import annotations

import functools
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from generators.errors import BenchInputError, first_line

SPLITS = ("train", "test")
_FILE = re.compile(r"(?:^|/)qa(\d+)_[^/]*_(train|test)\.txt$")


@dataclass(frozen=True)
class BabiExample:
    """One bAbI question with the statements of its story that precede it."""

    story: tuple[str, ...]
    question: str
    answer: str
    supporting: tuple[int, ...]  # indices into ``story``


class BabiFileMissing(BenchInputError):
    """The folder or archive holds no file for the asked qaN (other qaN may be there)."""


def parse_babi(text: str, name: str = "bAbI file") -> list[BabiExample]:
    """All questions of one bAbI file, each with its story so far."""
    examples: list[BabiExample] = []
    story: list[str] = []
    number_to_index: dict[int, int] = {}
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n")
        if not line.strip():
            continue
        head, _, rest = line.partition(" ")
        if not head.isdigit():
            raise BenchInputError(f"malformed bAbI line {line_no} in {name}: no line number")
        number = int(head)
        if number == 1:
            story, number_to_index = [], {}
        if "\t" in rest:
            fields = rest.split("\t")
            if len(fields) < 2 or not fields[1].strip():
                raise BenchInputError(f"malformed bAbI question on line {line_no} in {name}")
            support_text = fields[2].split() if len(fields) > 2 else []
            try:
                supporting = tuple(number_to_index[int(s)] for s in support_text)
            except (KeyError, ValueError) as error:
                raise BenchInputError(
                    f"malformed bAbI supporting facts on line {line_no} in {name}"
                ) from error
            examples.append(
                BabiExample(tuple(story), fields[0].strip(), fields[1].strip(), supporting)
            )
        else:
            number_to_index[number] = len(story)
            story.append(rest.strip())
    if not examples:
        raise BenchInputError(f"no bAbI questions found in {name}")
    return examples


def _pick_member(names: list[str], task: int, lang: str, split: str) -> str | None:
    matches = []
    for name in names:
        found = _FILE.search(name)
        if found and int(found.group(1)) == task and found.group(2) == split:
            matches.append(name)
    with_lang = [n for n in matches if f"/{lang}/" in f"/{n}"]
    chosen = with_lang or [n for n in matches if "/" not in n]  # PATH is a language folder
    return sorted(chosen)[0] if chosen else None


def read_babi_file(
    path_text: str, task: int, lang: str = "en", split: str = "train"
) -> tuple[str, str]:
    """(file name, text) of task ``qa{task}`` from a folder, file or archive."""
    if split not in SPLITS:
        raise BenchInputError(f"bAbI split must be one of {SPLITS}, got {split!r}")
    path = Path(path_text).expanduser()
    if not path.exists():
        raise BenchInputError(f"bAbI path not found: {path}")
    if path.is_file() and path.suffix == ".txt":
        return path.name, _decode(path, path.read_bytes())
    if path.is_file():
        try:
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    member = _pick_member(archive.namelist(), task, lang, split)
                    if member is not None:
                        return member, _decode(path / member, archive.read(member))
            elif tarfile.is_tarfile(path):
                with tarfile.open(path) as archive:
                    member = _pick_member(archive.getnames(), task, lang, split)
                    handle = archive.extractfile(member) if member else None
                    if handle is not None:
                        return member, _decode(path / member, handle.read())  # type: ignore[return-value]
            elif path.suffix.lower() == ".zip":
                raise BenchInputError(f"bAbI file {path} is not a zip archive")
            else:
                raise BenchInputError(f"bAbI file {path} is neither .txt, .zip nor .tar.gz")
        except (zipfile.BadZipFile, tarfile.TarError) as error:
            raise BenchInputError(f"cannot read bAbI archive {path}: {error}") from error
        raise BabiFileMissing(f"no qa{task} {split} file for language {lang!r} in {path}")
    names = [str(p.relative_to(path)) for p in path.rglob("qa*_*.txt")]
    member = _pick_member(names, task, lang, split)
    if member is None:
        raise BabiFileMissing(f"no qa{task} {split} file for language {lang!r} in {path}")
    return member, _decode(path / member, (path / member).read_bytes())


def _decode(path: Path, data: bytes) -> str:
    """bAbI text as UTF-8; anything else is a BenchInputError naming the file."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BenchInputError(f"bAbI file {path} is not UTF-8 text (byte {error.start})") from None


@functools.lru_cache(maxsize=64)
def load_babi(
    path: str, task: int, lang: str = "en", split: str = "train"
) -> tuple[BabiExample, ...]:
    """The parsed questions of ``qa{task}`` (cached per process)."""
    name, text = read_babi_file(path, task, lang, split)
    return tuple(parse_babi(text, name))


@functools.lru_cache(maxsize=64)
def babi_answers(path: str, task: int, lang: str = "en") -> tuple[str, ...]:
    """Sorted distinct answers of ``qa{task}`` over the train and test files that exist."""
    answers: set[str] = set()
    found = False
    for split in SPLITS:
        try:
            examples = load_babi(path, task, lang, split)
        except BenchInputError:
            continue
        found = True
        answers.update(example.answer for example in examples)
    if not found:
        raise BenchInputError(f"no qa{task} files for language {lang!r} in {path}")
    return tuple(sorted(answers))


HUB_REPO = "facebook/babi_qa"
HUB_FILE = "data/tasks_1-20_v1-2.tar.gz"


def download_babi() -> str:
    """Local path of the bAbI v1.2 release archive from the Hugging Face hub (cached by HF)."""
    try:
        from huggingface_hub import hf_hub_download

        return hf_hub_download(HUB_REPO, HUB_FILE, repo_type="dataset")
    except Exception as error:  # offline, hub down, file moved: one line for the user
        raise BenchInputError(
            f"cannot download bAbI from the hub ({HUB_REPO}/{HUB_FILE}; offline?): {first_line(error)}"
        ) from error
