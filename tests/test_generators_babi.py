"""Real bAbI files: the loader (folder, language, split, zip), bAbI facts, babi:qaN tasks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from generators import BenchInputError, build_sample, encode_text, resolve_tokenizer, task_labels
from generators.babi import babi_answers, load_babi, parse_babi
from generators.world import ROOMS, answer_relation, answer_where


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def _exact_with_facts(row: dict) -> None:
    tok, _ = resolve_tokenizer("minilm")
    context = encode_text(tok, row["context"])
    assert len(context) + len(encode_text(tok, row["question"])) == row["length"]
    for fact, pos in zip(row["facts"], row["fact_positions"], strict=True):
        ids = encode_text(tok, fact if pos == 0 else " " + fact)
        assert np.array_equal(context[pos : pos + len(ids)], ids)


def test_loader_reads_the_real_files(babi_dir: Path) -> None:
    qa1 = load_babi(str(babi_dir), 1, "en", "train")
    assert len(qa1) == 1000
    first = qa1[0]
    assert first.story == ("Mary moved to the bathroom.", "John went to the hallway.")
    assert (first.question, first.answer, first.supporting) == ("Where is Mary?", "bathroom", (0,))
    assert len(load_babi(str(babi_dir), 1, "en-10k", "train")) == 10000
    assert len(load_babi(str(babi_dir), 4, "en", "test")) == 1000
    assert load_babi(str(babi_dir / "en"), 4, "xx", "test") == load_babi(
        str(babi_dir), 4, "en", "test"
    )
    # The paper's answer functions agree with the files.
    for example in qa1[:200]:
        assert (
            answer_where(example.story, example.question[len("Where is ") : -1]) == example.answer
        )
    for example in load_babi(str(babi_dir), 4, "en", "train")[:200]:
        assert answer_relation(example.story, example.question) == example.answer


def test_loader_reads_a_zip_of_the_release(babi_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "tasks_1-20_v1-2.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name in ("qa4_two-arg-relations_train.txt", "qa4_two-arg-relations_test.txt"):
            handle.write(babi_dir / "en" / name, f"tasks_1-20_v1-2/en/{name}")
    assert load_babi(str(archive), 4, "en", "train") == load_babi(str(babi_dir), 4, "en", "train")
    row = build_sample("reasoning", length=500, seed=0, index=0, facts=f"babi:{archive}")
    assert row["answer"] in ROOMS


def test_story_positions_restart_and_supporting_indices() -> None:
    text = "1 A went to the park.\n2 Where is A?\tpark\t1\n3 B went to the zoo.\n4 Where is B?\tzoo\t3\n1 C sat.\n2 Where is C?\tchair\t1\n"
    examples = parse_babi(text)
    assert examples[1].story == ("A went to the park.", "B went to the zoo.")
    assert examples[1].supporting == (1,)
    assert examples[2].story == ("C sat.",)


@pytest.mark.parametrize(
    "text", ["Mary went home.\n", "1 Where is Mary?\t\t1\n", "1 Mary left.\n2 Where?\tx\t9\n", ""]
)
def test_malformed_babi_files(text: str) -> None:
    with pytest.raises(BenchInputError) as info:
        parse_babi(text, "bad.txt")
    assert "\n" not in str(info.value)


def test_paper_tasks_with_real_babi_facts(babi_dir: Path) -> None:
    spec = f"babi:{babi_dir}?lang=en-10k&split=train"
    qa1 = load_babi(str(babi_dir), 1, "en-10k", "train")
    singles = {(e.story[e.supporting[0]], e.question, e.answer) for e in qa1}
    for index in range(5):
        row = build_sample("detect_memorize", length=1024, seed=0, index=index, facts=spec)
        assert (row["facts"][0], row["question"], row["answer"]) in singles
        assert row["label"] == ROOMS.index(row["answer"])
        _exact_with_facts(row)
    qa4 = {(e.story, e.question, e.answer) for e in load_babi(str(babi_dir), 4, "en", "test")}
    for index in range(5):
        row = build_sample(
            "reasoning", length=1024, seed=0, index=index, facts=f"babi:{babi_dir}?split=test"
        )
        assert (tuple(row["facts"]), row["question"], row["answer"]) in qa4
        _exact_with_facts(row)


@pytest.mark.parametrize("task", range(1, 21))
def test_babi_story_tasks(babi_dir: Path, task: int) -> None:
    facts = f"babi:{babi_dir}"
    labels = task_labels(f"babi:qa{task}", facts=facts)
    assert labels == babi_answers(str(babi_dir), task, "en") and list(labels) == sorted(labels)
    examples = load_babi(str(babi_dir), task, "en", "train")
    for index in range(2):
        row = build_sample(f"babi:qa{task}", length=4096, seed=3, index=index, facts=facts)
        assert row["task"] == f"babi:qa{task}" and labels[row["label"]] == row["answer"]
        match = [
            e for e in examples if e.question == row["question"] and list(e.story) == row["facts"]
        ]
        assert match and match[0].answer == row["answer"]  # the whole story, in order
        _exact_with_facts(row)


def test_babi_errors(babi_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(BenchInputError, match="needs --facts babi:PATH"):
        build_sample("babi:qa2", length=2048, seed=0, index=0)
    with pytest.raises(BenchInputError, match="unknown task"):
        build_sample("babi:qa21", length=2048, seed=0, index=0)
    with pytest.raises(BenchInputError, match="not found"):
        build_sample("memorize", length=300, seed=0, index=0, facts=f"babi:{tmp_path / 'none'}")
    with pytest.raises(BenchInputError, match="no qa4"):  # en-10k ships qa1 and qa2 only
        build_sample("reasoning", length=300, seed=0, index=0, facts=f"babi:{babi_dir}?lang=en-10k")
    with pytest.raises(BenchInputError, match="unknown option"):
        build_sample("memorize", length=300, seed=0, index=0, facts=f"babi:{babi_dir}?langs=en")
    with pytest.raises(BenchInputError, match="unknown fact source"):
        build_sample("memorize", length=300, seed=0, index=0, facts="wiki:x")
    with pytest.raises(BenchInputError, match="too short"):
        build_sample("babi:qa3", length=64, seed=0, index=0, facts=f"babi:{babi_dir}")


def test_babi_from_the_hub_fails_in_one_line_when_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import generators.facts

    generators.facts.fact_source.cache_clear()
    with pytest.raises(BenchInputError, match="cannot download bAbI from the hub") as info:
        build_sample("memorize", length=300, seed=0, index=0, facts="babi:hub")
    assert "\n" not in str(info.value)


def test_tar_gz_release(babi_dir: Path, tmp_path: Path) -> None:
    import tarfile

    archive = tmp_path / "tasks_1-20_v1-2.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        name = "qa1_single-supporting-fact_test.txt"
        handle.add(babi_dir / "en" / name, f"tasks_1-20_v1-2/en/{name}")
    assert load_babi(str(archive), 1, "en", "test") == load_babi(str(babi_dir), 1, "en", "test")
