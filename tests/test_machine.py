"""The machine record kept beside timings: CPU model and generation, cores, bf16, summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmt_bench import machine

TWO_PROCESSORS = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC
stepping\t: 1
flags\t\t: fpu sse2 avx512f avx512_bf16

processor\t: 1
model name\t: Another CPU
flags\t\t: fpu
"""


@pytest.fixture
def cpuinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(TWO_PROCESSORS)
    monkeypatch.setattr(machine, "CPUINFO", path)
    return path


def test_the_first_processor_names_the_cpu_and_its_generation(cpuinfo: Path) -> None:
    fields = machine.cpuinfo_fields()
    assert fields["model name"] == "AMD EPYC" and fields["cpu family"] == "26"
    assert machine.cpu_flags() == frozenset({"fpu", "sse2", "avx512f", "avx512_bf16"})
    info = machine.describe_machine()
    assert info["cpu"] == "AMD EPYC"
    assert info["cpu_id"] == "family 26 model 2 stepping 1"
    assert info["bf16_cpu"] == "avx512_bf16"
    assert int(info["cpu_cores"]) >= 1 and float(info["memory_gib"]) > 0
    assert machine.machine_summary(info).startswith(
        "AMD EPYC (family 26 model 2 stepping 1), " + info["cpu_cores"] + " cores"
    )


def test_an_unreadable_cpuinfo_still_describes_the_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(machine, "CPUINFO", tmp_path / "missing")
    assert machine.cpuinfo_fields() == {} and machine.cpu_flags() == frozenset()
    info = machine.describe_machine()
    assert "cpu_id" not in info and info["bf16_cpu"] == "none" and info["cpu"]


def test_an_arm_cpuinfo_gives_its_features_and_no_x86_id(tmp_path: Path) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd bf16\n\n")
    assert machine.cpu_flags(path) == frozenset({"fp", "asimd", "bf16"})
    info = machine.describe_machine(path)
    assert "cpu_id" not in info and info["bf16_cpu"] == "none"


def test_a_record_says_when_and_whether_it_resumed(cpuinfo: Path) -> None:
    record = machine.machine_record(resumed=True)
    assert record["resumed"] == "true" and record["started"].endswith("Z")
    assert record["cpu_id"] == "family 26 model 2 stepping 1"
    assert machine.machine_record(resumed=False)["resumed"] == "false"
    assert machine.machine_summary({}) == ""
