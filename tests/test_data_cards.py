"""Every registered dataset has a complete data card (Hugging Face card structure)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from mdbench import catalog

REQUIRED_SECTIONS = (
    "## Summary",
    "## Physics and generator",
    "## Splits and sizes",
    "## Fields",
    "## References",
    "## Known limitations and deviations from the paper",
    "## Citation",
)


BUILT_IN = sorted(n for system in catalog.systems().values() for n in system.datasets)  # not users' imports


@pytest.mark.parametrize("name", BUILT_IN)
def test_card_is_complete(name):
    spec = catalog.dataset(name)
    assert spec.card_path.exists(), f"no data card at {spec.card_path}"
    text = spec.card_path.read_text()
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "the card must start with a YAML header"
    header = yaml.safe_load(match.group(1))
    assert header["pretty_name"] and header["license"]
    assert {c["config_name"] for c in header["configs"]} == set(spec.configs)
    assert header["version"] == spec.version
    for section in REQUIRED_SECTIONS:
        assert section in text, f"missing section {section!r}"
    for config in spec.configs.values():
        for param, p in config.params.items():
            rows = [line for line in text.splitlines() if f"`{param}`" in line]
            assert rows, f"parameter {param} is not documented"
            # the units must stand in a cell of the parameter's own row (not anywhere in the card)
            cells = {c.strip().strip("`") for row in rows for c in row.split("|")}
            assert p.units in cells or any(f"[{p.units}]" in row or f"({p.units})" in row for row in rows), \
                f"parameter {param}: its units {p.units!r} are not on its row of the card"
    assert "static reference" in text and "physics reference" in text


GENERATION = re.compile(r"Generation of `(\w[\w-]*)`: ([\d ]+) s\b")


@pytest.mark.parametrize("name", BUILT_IN)
def test_card_generation_times_come_from_committed_manifests(name):
    """A generation time in a card is the `generation_seconds` of the manifest that
    `mdbench data generate NAME --config C --record` committed under data_cards/generation/."""
    spec = catalog.dataset(name)
    text = spec.card_path.read_text()
    for config, seconds in GENERATION.findall(text):
        record = spec.card_path.parent / "generation" / f"{name}__{config}.json"
        assert record.exists(), f"{name}: the card quotes a generation time of `{config}` but {record} is missing"
        manifest = json.loads(record.read_text())
        assert (manifest["name"], manifest["config"]) == (name, config)
        assert int(seconds.replace(" ", "")) == round(manifest["generation_seconds"]), (name, config)
    assert not re.search(r"Generation of `[^`]+`: \d+ min", text), f"{name}: quote generation times from the record"


CODE_PATH = re.compile(r"`((?:mdbench|baselines|tests)/[\w/.-]+\.(?:py|json|txt|csv|nc))(?::\w+)?`")


@pytest.mark.parametrize("card", sorted(p.name for p in catalog.dataset(BUILT_IN[0]).card_path.parent.glob("*.md")))
def test_files_a_card_names_exist(card):
    """A card that points at `mdbench/…/x.py` points at a file of this checkout (the layout moves)."""
    root = catalog.dataset(BUILT_IN[0]).card_path.parents[1]
    text = (root / "data_cards" / card).read_text()
    missing = sorted({p for p in CODE_PATH.findall(text) if not (root / p).exists()})
    assert not missing, f"{card} names files that do not exist: {missing}"
