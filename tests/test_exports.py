"""Every export on every dataset: the Hugging Face export and the Croissant 1.0 metadata of the tiny config of
every dataset in the catalog (and of the example plug-in), validated with mlcroissant.

Generation times of the tiny configs (cards/generation/*__tiny.json and the conftest fixtures): four-well
0.6 s, channel 1.6 s, ising 5.5 s, sheets ≈ 5 s, ala100-smd ≈ 10 s; trpcage-like ≈ 20–25 s, rfmip 28 s and
adk (OpenMM, 3 341 atoms) are in the slow tier, as is any dataset added later until it is listed here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pytest

import mdbench
from mdbench import catalog
from mdbench.cli import main
from mdbench.core.errors import DatasetCorruptError, MdbenchError
from mdbench.data import croissant, store
from mdbench.data.card import read_card
from mdbench.data.hf import row_dim_of, to_hf

mlc = pytest.importorskip("mlcroissant")
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib, in mlcroissant

REPO = Path(__file__).resolve().parents[1]
CHEAP = {"four-well", "ising", "channel", "sheets", "ala100-smd"}
DECLARED = sorted(name for system in catalog.systems().values() for name in system.datasets)
EVERY = [pytest.param(name, marks=() if name in CHEAP else pytest.mark.slow) for name in DECLARED]


@pytest.fixture(scope="module")
def toy_spec():
    """The example plug-in's dataset, imported directly from its source tree (not installed)."""
    sys.path.insert(0, str(REPO / "tests" / "toy_system"))
    try:
        from toy_system.ar1 import DATASET
    finally:
        sys.path.remove(str(REPO / "tests" / "toy_system"))
    return DATASET


def _tiny(generate_once, name):
    spec = catalog.dataset(name)
    if "tiny" not in spec.configs:
        pytest.skip(f"{name} has no tiny config")
    generate_once(name, "tiny")
    return spec


def _check_hf(spec, card_path, config="tiny"):
    card = read_card(card_path)
    assert card.license and card.citation, f"the card of {spec.name} names no license or citation"
    for split in spec.splits:
        ds = store.load(spec, config, split)
        assert row_dim_of(ds) in ds.dims  # the default never names a dimension the dataset lacks
        row_dim = spec.shard_dim if spec.shard_dim in ds.dims else None
        hf = to_hf(ds, row_dim, card=card_path)
        rows = ds.sizes[row_dim_of(ds, row_dim)]
        assert hf.num_rows == rows
        assert set(hf.features) == set(map(str, ds.variables))
        assert hf.info.license == card.license and hf.info.citation == card.citation
        assert hf.info.description.startswith(card.text.rstrip()[:200]) and "## This export" in hf.info.description
        assert hf.info.dataset_name == spec.name and hf.info.config_name == config
        for name in map(str, ds.variables):
            da = ds[name]
            assert f"| `{name}` |" in hf.info.description
            if da.attrs.get("units"):
                assert f"| {da.attrs['units']} |" in hf.info.description
            last = hf[rows - 1][name]
            want = da.transpose(row_dim, ...).values[rows - 1] if row_dim in da.dims else da.values
            if want.dtype.kind in "US":
                assert np.asarray(last).tolist() == want.astype(str).tolist()
            else:
                np.testing.assert_array_equal(np.asarray(last, dtype=want.dtype), want, err_msg=f"{spec.name} {name}")


def _check_croissant(spec, path: Path, config="tiny"):
    dataset = mlc.Dataset(str(path))  # raises on any validation error
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, (issues.errors, issues.warnings)
    doc = json.loads(path.read_text())
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0" and doc["version"] == spec.version
    card = read_card(spec.card_path or catalog.card_path(spec.name)) if spec.name in DECLARED else None
    if card is not None:
        assert doc["license"] == card.license and doc["citeAs"] == card.citation
    hashes = croissant.verify_files(path)
    assert len(hashes) == len(spec.splits)
    sets = {r["name"]: r for r in doc["recordSet"]}
    for split in spec.splits:
        ds = store.load(spec, config, split)
        fields = {f["name"]: f for f in sets[split]["field"]}
        assert set(fields) == set(map(str, ds.variables))
        for name, field in fields.items():
            units = ds[name].attrs.get("units")
            assert field["dataType"] == croissant.data_type(ds[name].dtype)
            assert f"units {units}" in field["description"] if units is not None else "units (none)" in field[
                "description"]
    cfg = spec.config(config)
    records = {(r[f"{croissant.PARAMETERS}/name"]): r for r in dataset.records(croissant.PARAMETERS)}
    text = {k: {f: (v.decode() if isinstance(v, bytes) else v) for f, v in r.items()} for k, r in records.items()}
    assert set(text) == set(cfg.params) | {"seed"}
    for key, p in cfg.params.items():
        assert text[key][f"{croissant.PARAMETERS}/units"] == p.units
        assert json.loads(text[key][f"{croissant.PARAMETERS}/value"]) == json.loads(json.dumps(
            list(p.value) if isinstance(p.value, tuple) else p.value, default=float))
    assert json.loads(text["seed"][f"{croissant.PARAMETERS}/value"]) == cfg.seed


@pytest.mark.parametrize("name", EVERY)
def test_hf_export_of_every_dataset(generate_once, name):
    _check_hf(_tiny(generate_once, name), catalog.card_path(name))


@pytest.mark.parametrize("name", EVERY)
def test_croissant_of_every_dataset_validates(generate_once, name):
    spec = _tiny(generate_once, name)
    _check_croissant(spec, store.dataset_dir(spec, "tiny") / croissant.FILE_NAME)


def test_the_plug_in_exports_too(toy_spec):
    store.generate(toy_spec, "tiny", progress=False)
    card = REPO / "tests" / "toy_system" / "toy_system" / "cards" / "toy-ar1.md"
    _check_hf(toy_spec, card)
    _check_croissant(toy_spec, store.dataset_dir(toy_spec, "tiny") / croissant.FILE_NAME)
    assert json.loads((store.dataset_dir(toy_spec, "tiny") / croissant.FILE_NAME).read_text())["license"] == \
        read_card(card).license  # found beside the plug-in's code, without the catalog


def test_string_coordinates_export_as_strings(tiny_smd, tmp_path):
    out = tmp_path / "smd-hf"
    assert main(["data", "export", "ala100-smd", "--config", "tiny", "--split", "train", "--out", str(out)]) == 0
    hf = datasets.load_from_disk(str(out))
    assert hf.features["xyz"].feature.dtype == "string" and hf[0]["xyz"] == ["x", "y", "z"]
    assert hf.info.license == read_card(catalog.card_path("ala100-smd")).license
    assert "@" in hf.info.citation


def test_a_row_dimension_the_dataset_lacks_is_one_line(tiny_ising):
    ds = mdbench.load("ising", "tiny", "train")
    with pytest.raises(MdbenchError, match="no dimension 'replica'.*sample"):
        to_hf(ds, "replica")


def test_croissant_command_writes_a_valid_file_elsewhere(tiny_four_well, tmp_path, capsys):
    out = tmp_path / "meta" / "fw.json"
    out.parent.mkdir()
    assert main(["data", "croissant", "four-well", "--config", "tiny", "--out", str(out)]) == 0
    assert "3 files with sha256" in capsys.readouterr().out
    _check_croissant(catalog.dataset("four-well"), out)
    proc = subprocess.run([str(Path(sys.executable).parent / "mlcroissant"), "validate", "--jsonld", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_wrong_sha256_or_a_changed_file_is_caught(tiny_four_well, tmp_path):
    out = tmp_path / "fw.json"
    assert main(["data", "croissant", "four-well", "--config", "tiny", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    doc["distribution"][1]["sha256"] = "0" * 64
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(DatasetCorruptError, match="sha256 of .*val.nc"):
        croissant.verify_files(bad)
    # a changed data file (a copy of the dataset with one byte appended) against its own croissant.json
    copy = tmp_path / "copy"
    source = store.dataset_dir(catalog.dataset("four-well"), "tiny")
    copy.mkdir()
    for f in source.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    croissant.verify_files(copy / croissant.FILE_NAME)
    with open(copy / "test.nc", "ab") as f:
        f.write(b"\0")
    with pytest.raises(DatasetCorruptError, match="test.nc has"):
        croissant.verify_files(copy / croissant.FILE_NAME)
