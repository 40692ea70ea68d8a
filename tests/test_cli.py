"""The command line: listing, info, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mdbench.cli import main


def test_list_shows_datasets_configs_tasks_and_models(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for word in ("four-well v", "config tiny", "config small (default)", "four-well/propagator",
                 "static reference: persistence", "physics reference: exact-propagator", "model: mdn"):
        assert word in out


def test_info_lists_every_parameter_with_units(capsys):
    assert main(["data", "info", "four-well", "--config", "prinz"]) == 0
    out = capsys.readouterr().out
    assert "potential_prefactor = 4.0 [kT]" in out and "dt = 0.001 [time]" in out


def test_info_compares_the_local_copy_with_the_committed_generation_record(tiny_four_well, capsys):
    """The committed boards were scored on the recorded data: `data info` says whether this copy is that data."""
    assert main(["data", "info", "four-well", "--config", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "generation record: " in out and "four-well__tiny.json" in out
    assert "this copy: the recorded data (every split's sha256 equals the record's)" in out, out


def test_unknown_dataset_is_one_line_exit_2():
    proc = subprocess.run([sys.executable, "-m", "mdbench.cli", "data", "generate", "nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    from mdbench import catalog

    known = ", ".join(catalog.dataset_names())  # grows with every system
    assert proc.stderr == f"mdbench: error: unknown dataset 'nope'; known: {known} (see `mdbench list`)\n"


def test_verify_of_a_missing_dataset_names_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "empty"))
    assert main(["data", "verify", "four-well", "--config", "tiny"]) == 2
    assert "run `mdbench data generate four-well --config tiny`" in capsys.readouterr().err


def test_generate_record_commits_the_manifest_the_card_cites(tiny_four_well, tmp_path, monkeypatch, capsys):
    """`--record` writes the system's cards/generation/NAME__CONFIG.json = the dataset's manifest; an
    installed copy of the system refuses with one line, before generating anything."""
    import json

    from mdbench import catalog
    from mdbench.core.system import System
    from mdbench.data import store

    monkeypatch.setattr(System, "generation_dir", property(lambda self: tmp_path / "generation"))
    assert main(["data", "generate", "four-well", "--config", "tiny", "--record", "--quiet"]) == 0
    record = json.loads((tmp_path / "generation" / "four-well__tiny.json").read_text())
    manifest = store.read_manifest(catalog.dataset("four-well"), "tiny")
    assert record["splits"] == manifest["splits"] and record["generation_seconds"] == manifest["generation_seconds"]
    monkeypatch.setattr(System, "source_tree", lambda self: None)
    monkeypatch.setattr(store, "generate", lambda *a, **k: pytest.fail("refused only after generating"))
    assert main(["data", "generate", "four-well", "--config", "tiny", "--record", "--quiet"]) == 2
    assert "is an installed copy" in capsys.readouterr().err