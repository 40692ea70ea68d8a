"""The ising dataset and the ising/energy task end to end on the tiny config."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

import mdbench
from helpers import FakeClock, task_data
from mdbench import catalog
from mdbench.benchmark import leaderboard
from mdbench.cli import main
from mdbench.core.errors import SubmissionError
from mdbench.metrics.thermodynamics import reweight
from mdbench.systems.ising import physics as ising
from mdbench.systems.ising.task import SIZES, submission, variable

TASK = "ising/energy"


def _bond_sum_energy(spins: np.ndarray) -> np.ndarray:
    """H = −J Σ⟨ij⟩ σᵢσⱼ (J = 1) by visiting every site's right and lower bond on the torus: written
    here independently of :func:`mdbench.systems.ising.physics.energy`."""
    n, size, _ = spins.shape
    out = np.zeros(n)
    for i in range(size):
        for j in range(size):
            s = spins[:, i, j].astype(int)
            out -= s * spins[:, i, (j + 1) % size] + s * spins[:, (i + 1) % size, j]
    return out


def test_dataset_fields_units_and_exact_energies(tiny_ising):
    spec = catalog.dataset("ising")
    cfg = spec.config("tiny")
    for split in spec.splits:
        ds = mdbench.load("ising", "tiny", split)
        size = spec.lattice_size(cfg, split)
        assert ds["spins"].dtype == np.int8 and ds["spins"].shape[1:] == (size, size)
        assert set(np.unique(ds["spins"].values)) <= {-1, 1}
        np.testing.assert_array_equal(ds["energy"].values, _bond_sum_energy(ds["spins"].values))
        np.testing.assert_array_equal(ds["magnetisation"].values, ds["spins"].values.astype(int).sum(axis=(1, 2)))
        assert ds["energy"].attrs["units"] == "J" and ds["temperature"].attrs["units"] == "J/k_B"
        assert np.all(ds["sampling_interval"].values >= 2 * ds["tau_int_energy"].values)
        assert ds.attrs["lattice_size"] == size


def test_splits_are_independent_chains(tiny_ising):
    train, test = (mdbench.load("ising", "tiny", s) for s in ("train", "test"))
    # low-energy states (ground states and few flips) recur by chance; any single 8×8 state with
    # E ≥ −64 J has probability < 10⁻⁶ at these temperatures, so a shared one would mean a copied chain
    disordered = test["energy"].values >= -64
    assert disordered.sum() > 20
    shared = ({r.tobytes() for r in train["spins"].values} & {r.tobytes() for r in test["spins"].values[disordered]})
    assert not shared


def test_generation_is_reproducible_shard_by_shard(tiny_ising):
    spec = catalog.dataset("ising")
    cfg = spec.config("tiny")
    shard = [s for s in spec.shards(cfg) if s.split == "transfer_32"][1]
    a, b = spec.generate_shard(cfg, shard), spec.generate_shard(cfg, shard)
    xr.testing.assert_identical(a, b)
    assert a["temperature"].values[0] == cfg["transfer_temperatures"][1]


def test_models_see_spins_but_no_energies_or_temperatures(tiny_ising):
    task, data = task_data(TASK)
    inputs = task.prediction_inputs(data)
    assert set(inputs) == {"test"} | {f"transfer_{s}" for s in SIZES[1:]}
    for ds in inputs.values():
        assert list(ds.data_vars) == ["spins"]
    visible = data.for_models(inputs)
    assert visible.test is None and not visible.extra


def _truth(size: int) -> np.ndarray:
    """Energies of the test spins by the independent bond sum (not the stored labels)."""
    split = "test" if size == 8 else f"transfer_{size}"
    return _bond_sum_energy(mdbench.load("ising", "tiny", split)["spins"].values)


def test_exact_energies_score_zero_error_and_a_constant_scores_the_mean_deviation(tiny_ising):
    task, data = task_data(TASK)
    exact = task.score(submission({s: _truth(s) for s in SIZES}), data, items_per_second=None,
                       engine_items_per_second=None)
    for s in SIZES:
        assert exact[f"mae_per_spin_{s}"].value == 0.0 and exact[f"rel_error_total_{s}"].value == 0.0
    e8 = _truth(8)
    shifted = task.score(submission({8: e8 + 6.4}), data, items_per_second=None, engine_items_per_second=None)
    assert shifted["mae_per_spin_8"].value == pytest.approx(0.1)
    assert shifted["mae_total_8"].value == pytest.approx(6.4)
    assert shifted["median_ae_per_spin_8"].value == pytest.approx(0.1)
    # a constant shift leaves the fluctuations, hence C_v(T), unchanged
    assert shifted["cv_curve_rmse"].value == pytest.approx(exact["cv_curve_rmse"].value, rel=1e-9)
    assert math.isnan(shifted["mae_per_spin_128"].value)  # not submitted: n/a


def test_reweighting_recovers_exact_curves_from_exact_samples():
    temps = np.array([1.8, 2.1, 2.3, 2.5, 2.9])
    energies, labels = [], []
    for i, t in enumerate(temps):
        out = ising.sample(8, t, 3000, seed=100 + i, equilibration_steps=500, pilot_steps=1000)
        energies.append(out["energy"])
        labels.append(np.full(3000, t))
    grid = np.linspace(1.8, 2.9, 12)
    curves = reweight(np.concatenate(energies), np.concatenate(labels), grid, 64)
    exact = ising.exact_thermodynamics(8, grid)
    np.testing.assert_allclose(curves["energy_per_spin"], exact["energy_per_spin"], atol=0.01)
    np.testing.assert_allclose(curves["specific_heat_per_spin"], exact["specific_heat_per_spin"], atol=0.06)


def test_contract_rejects_wrong_sizes_units_and_missing_8x8(tiny_ising):
    task = catalog.task(TASK)
    contract = task.contract(task.spec.config("tiny"))
    contract.validate(submission({8: _truth(8)}), "ok.nc")  # transfer sizes are optional
    with pytest.raises(SubmissionError, match="missing variable 'energy_8'"):
        contract.validate(submission({16: _truth(16)}), "x.nc")
    with pytest.raises(SubmissionError, match="expected 200"):
        contract.validate(submission({8: _truth(8)[:10]}), "x.nc")
    bad = submission({8: _truth(8)})
    bad[variable(8)].attrs["units"] = "eV"
    with pytest.raises(SubmissionError, match="units 'eV'"):
        contract.validate(bad, "x.nc")


def _predictions(run_dir, model: str) -> dict[int, np.ndarray]:
    """``{L: predicted energies}`` from the submission file a run wrote for ``model``."""
    with xr.open_dataset(run_dir / "predictions" / f"{model}.nc") as sub:
        return {s: sub[variable(s)].values for s in SIZES if variable(s) in sub}


def test_run_writes_results_figures_and_a_leaderboard_with_n_a_for_the_dense_model(tiny_ising, tmp_path, capsys):
    assert main(["run", TASK, "--model", "dense", "--config", "tiny", "--out", str(tmp_path / "run"), "--quiet"]) == 0
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert set(results["entries"]) == {"dense", "training-mean", "hamiltonian"}
    dense = results["entries"]["dense"]
    assert dense["metrics"]["mae_per_spin_128"]["value"] == "nan"
    assert "128×128" in dense["details"]["not_predicted"]
    # the Hamiltonian reference's predictions, every size (transfer lattices included), are the energies
    # counted independently by the bond sum, and the run scores them through the models' path as zero error
    ham_pred = _predictions(tmp_path / "run", "hamiltonian")
    ham = results["entries"]["hamiltonian"]["metrics"]
    for s in SIZES:
        np.testing.assert_array_equal(ham_pred[s], _truth(s))
        assert float(ham[f"mae_per_spin_{s}"]["value"]) == 0.0
    # the dense model's scored 8×8 error is the one recomputed from its written predictions
    err = np.abs(_predictions(tmp_path / "run", "dense")[8] - _truth(8))
    assert float(dense["metrics"]["mae_per_spin_8"]["value"]) == pytest.approx(err.mean() / 64, rel=1e-9)
    assert math.isnan(float(results["entries"]["training-mean"]["metrics"]["cv_peak_temperature"]["value"]))
    for fig in ("parity.png", "error_vs_energy.png", "specific_heat.png"):
        assert (tmp_path / "run" / fig).stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "| **dense** | model |" in out and "n/a" in out
    assert main(["leaderboard", "--check"]) == 0
    assert any(e["model"] == "hamiltonian" for e in leaderboard.read(catalog.task(TASK)))


def test_hamiltonian_speed_is_every_held_out_spin_per_timed_second_and_cost_is_the_speed_ratio(tiny_ising,
                                                                                            monkeypatch):
    """Was ``inference_spins_per_second > 0``: with a clock that advances 0.5 s per reading, one timed
    pass over the held-out spins takes 0.5 s, so the speed is (spins counted from the config) / 0.5 s."""
    from mdbench.systems.ising import task as task_module

    task, data = task_data(TASK)
    cfg = data.config
    n_spins = cfg["test_per_temperature"] * len(cfg["temperatures"]) * 8 * 8 + sum(
        n * len(cfg["transfer_temperatures"]) * size * size
        for n, size in zip(cfg["transfer_per_temperature"], cfg["transfer_sizes"]))
    assert n_spins == 200 * 64 + 3 * (4 * 16**2 + 2 * 32**2 + 2 * 64**2 + 2 * 128**2 + 256**2)
    monkeypatch.setattr(task_module, "time", FakeClock(0.5))
    assert task.engine_items_per_second(data) == pytest.approx(n_spins / 0.5)
    # a model at 2×10⁵ spins/s against an engine at 8×10⁸ spins/s costs 4 000× the engine's time per spin
    scores = task.score(submission({8: _truth(8)}), data, items_per_second=2.0e5, engine_items_per_second=8.0e8)
    assert scores["inference_spins_per_second"].value == 2.0e5
    assert scores["cost_vs_hamiltonian"].value == pytest.approx(4000.0)


def test_smoke_ednn_runs_on_tiny_and_predicts_every_size(tiny_ising, tmp_path):
    """Smoke (2 epochs on 400 configurations), plus two checks that can fail: every size's scored error is
    the one recomputed from the written predictions against the bond-sum energies, and even this short
    training beats the training-mean reference on 8×8."""
    assert main(["run", TASK, "--model", "ednn-f4c1", "--config", "tiny", "--out", str(tmp_path / "e"), "--quiet",
                 "--no-leaderboard"]) == 0
    results = json.loads((tmp_path / "e" / "results.json").read_text())
    metrics = results["entries"]["ednn-f4c1"]["metrics"]
    pred = _predictions(tmp_path / "e", "ednn-f4c1")
    assert set(pred) == set(SIZES)
    for s in SIZES:
        err = np.abs(pred[s] - _truth(s))
        assert float(metrics[f"mae_per_spin_{s}"]["value"]) == pytest.approx(err.mean() / (s * s), rel=1e-9)
        assert float(metrics[f"median_ae_per_spin_{s}"]["value"]) == pytest.approx(np.median(err) / (s * s), rel=1e-9)
    static = results["entries"]["training-mean"]["metrics"]
    assert float(metrics["mae_per_spin_8"]["value"]) < float(static["mae_per_spin_8"]["value"])


def test_score_command_reads_a_submission_file(tiny_ising, tmp_path, capsys):
    """A file whose 8×8 energies are all 6.4 J too high: the command reports 0.1 J per spin (6.4 J / 64)."""
    from mdbench.benchmark.submission import write_submission

    energies = submission({8: _truth(8) + 6.4})
    energies = energies.assign_coords(sample_8=np.arange(energies.sizes["sample_8"]))  # rows carry their labels
    path = write_submission(energies, tmp_path / "sub.nc", task=TASK,
                            model="mine", code="x", config="tiny", seed=0)
    assert main(["score", TASK, str(path), "--json", str(tmp_path / "scores.json")]) == 0
    assert "mae_per_spin_8" in capsys.readouterr().out
    metrics = json.loads((tmp_path / "scores.json").read_text())["metrics"]
    assert float(metrics["mae_per_spin_8"]["value"]) == pytest.approx(0.1)
    assert float(metrics["mae_total_8"]["value"]) == pytest.approx(6.4)
    assert math.isnan(float(metrics["mae_per_spin_16"]["value"]))  # not submitted: n/a


def test_the_energy_is_a_linear_function_of_the_bond_sum(tiny_ising):
    """Why the board's note says the 8×8 energy is solved: a least-squares line on Σ⟨ij⟩ s_i s_j (the
    Hamiltonian's own feature) predicts every test energy to rounding, with J = 1."""
    train, test = (mdbench.load("ising", "tiny", split) for split in ("train", "test"))

    def bond_sum(spins):
        s = spins.astype(np.int64)
        return ((s * np.roll(s, 1, axis=-1)).sum(axis=(-1, -2)) + (s * np.roll(s, 1, axis=-2)).sum(axis=(-1, -2)))

    x = bond_sum(train["spins"].values).astype(float)
    (slope, offset), *_ = np.linalg.lstsq(np.vstack([x, np.ones_like(x)]).T, train["energy"].values, rcond=None)
    assert slope == pytest.approx(-1.0, abs=1e-12)
    error = np.abs(slope * bond_sum(test["spins"].values) + offset - test["energy"].values) / 64
    assert error.mean() < 1e-12
    assert "solved by its own Hamiltonian" in leaderboard.render(catalog.task(TASK))
