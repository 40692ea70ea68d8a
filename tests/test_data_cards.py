"""Every built-in system passes the static checks of `mdbench check-system` (cards complete and consistent
with the configs, generation times from committed records, named files exist, both references, the
committed boards), and the card checks catch what they claim to."""

from __future__ import annotations

import pytest

from mdbench import catalog
from mdbench.benchmark.check_system import SystemCheckError, card_problems, check_system
from mdbench.cli import main

BUILT_IN = sorted(name for name, system in catalog.systems().items() if system.package.startswith("mdbench.systems."))


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_system_passes_the_static_checks(name, monkeypatch):
    monkeypatch.delenv("MDBENCH_LEADERBOARDS")  # the committed boards are part of the check
    report = check_system(name, round_trip=False)
    system = catalog.system(name)
    assert len(report.passed) >= 1 + len(system.datasets) + len(system.tasks)
    assert all(catalog.card_path(d).parent == system.root / "cards" for d in system.datasets)


def _broken_card(tmp_path, monkeypatch, edit):
    system = catalog.system("four-well")
    text = edit(system.card_path("four-well").read_text())
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "four-well.md").write_text(text)
    monkeypatch.setattr(type(system), "root", property(lambda self: tmp_path))
    return card_problems(system, "four-well")


def test_an_undocumented_parameter_a_missing_section_and_a_wrong_generation_time_are_caught(tmp_path, monkeypatch):
    problems = _broken_card(tmp_path, monkeypatch, lambda t: t.replace("`diffusion`", "diffusion")
                            .replace("## Citation", "## Cite").replace("Generation of `small`: ", "Generation of `small`: 1"))
    text = " | ".join(problems)
    assert "parameter `diffusion`" in text and "missing section '## Citation'" in text
    assert "cards/generation/four-well__small.json is missing" in text or "the card says" in text


def test_check_system_on_the_command_line(monkeypatch, capsys):
    monkeypatch.delenv("MDBENCH_LEADERBOARDS")
    assert main(["check-system", "four-well", "--no-round-trip"]) == 0
    out = capsys.readouterr().out
    assert "ok  card of four-well" in out and "ok  committed board of four-well/propagator" in out
    assert main(["check-system", "no-such-system"]) == 2


def test_check_system_round_trip_on_tiny(tiny_four_well, monkeypatch):
    monkeypatch.delenv("MDBENCH_LEADERBOARDS")
    report = check_system("four-well")
    assert any(line.startswith("round trip of four-well/propagator: config tiny") for line in report.passed)


def test_a_problem_fails_the_whole_check(tmp_path, monkeypatch):
    system = catalog.system("four-well")
    monkeypatch.setattr(type(system), "root", property(lambda self: tmp_path))  # no card, no board there
    with pytest.raises(SystemCheckError, match="no data card at"):
        check_system("four-well", round_trip=False)
