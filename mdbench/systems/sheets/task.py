"""Task ``sheets/energy``: the Tersoff total energy of held-out sheets, on the training cell and,
without retraining, on larger and porous sheets.

A submission holds ``energy_<set>(config_<set>)`` in eV for ``test`` (required) and for each
transfer set ``2x2``, ``5x5``, ``porous`` (optional: a model tied to the 60-atom image leaves them
out and its transfer metrics are n/a).  Models see positions, species, cell and atom counts of the
held-out configurations (:meth:`SheetsEnergy.prediction_inputs`), never energies or forces.

Metrics, the same for every entry: MAE and median absolute error per area (meV/Å², the paper's
unit) and per atom (meV/atom), and the MAE of the total (eV), on each set, with block standard
errors over a fixed random partition of the configurations.  Cost: configurations per second of
the prediction (one thread, images rendered inside the timing) against LAMMPS evaluating the same
held-out configurations in the same process.
"""

from __future__ import annotations

import math
import time

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, PredictionContract, Task, TaskData, VariableContract
from mdbench.metrics.regression import estimates, missing
from mdbench.metrics.cost import cost_relative
from mdbench.systems.sheets import physics
from mdbench.systems.sheets.dataset import SHEETS, TRANSFER

#: submission set name → dataset split
SETS = {"test": "test", **{name.removeprefix("transfer_"): name for name in TRANSFER}}
INPUT_VARS = ["positions", "numbers", "n_atoms", "cell"]
SPEED = MetricInfo("inference_configs_per_second", "configurations/s",
                   "held-out configurations whose energy is predicted per second (one thread, all predicted sets)",
                   True, timing=True)
COST = MetricInfo("cost_vs_lammps", "×", "time per configuration ÷ LAMMPS's on the held-out configurations, same run",
                  timing=True)


def error_info(name: str) -> list[MetricInfo]:
    what = "60-atom test split" if name == "test" else f"transfer set {name}, no retraining"
    return [
        MetricInfo(f"mae_per_area_{name}", "meV/Å²", f"mean |ΔE| / cell area, {what}"),
        MetricInfo(f"median_ae_per_area_{name}", "meV/Å²", f"median |ΔE| / cell area, {what}"),
        MetricInfo(f"mae_per_atom_{name}", "meV/atom", f"mean |ΔE| / atoms, {what}"),
        MetricInfo(f"median_ae_per_atom_{name}", "meV/atom", f"median |ΔE| / atoms, {what}"),
        MetricInfo(f"mae_total_{name}", "eV", f"mean |ΔE| of the total, {what}"),
    ]


#: what :meth:`SheetsEnergy.score` reports: the errors on every set, then the cost
METRICS = (*(m for name in SETS for m in error_info(name)), SPEED, COST)


def variable(name: str) -> str:
    return f"energy_{name}"


def config_dim(name: str) -> str:
    return f"config_{name}"


def submission(energies: dict[str, np.ndarray]) -> xr.Dataset:
    """A submission from ``{set name: predicted total energies (eV)}``; sets not given are left out."""
    return xr.Dataset({
        variable(name): ((config_dim(name),), np.asarray(e, dtype=np.float64),
                         {"units": "eV", "long_name": f"predicted Tersoff total energy, set {name}"})
        for name, e in energies.items()
    })


def sheet_errors(predicted: np.ndarray, true: np.ndarray, area: np.ndarray, n_atoms: np.ndarray,
                 info: list[MetricInfo], trajectory: np.ndarray) -> dict[str, Estimate]:
    """The five numbers of :func:`error_info` (per area in meV/Å², per atom in meV/atom, total in eV),
    with standard errors over blocks of whole MD trajectories (snapshots of one trajectory are correlated)."""

    def compute(rows: np.ndarray) -> np.ndarray:
        err = np.abs(rows[:, 0] - rows[:, 1])
        per_area, per_atom = 1e3 * err / rows[:, 2], 1e3 * err / rows[:, 3]
        return np.array([per_area.mean(), np.median(per_area), per_atom.mean(), np.median(per_atom), err.mean()])

    rows = np.column_stack([np.asarray(c, dtype=float) for c in (predicted, true, area, n_atoms)])
    return estimates(compute, rows, info, groups=trajectory, pieces="trajectories")


class SheetsEnergy(Task):
    name = "sheets/energy"
    spec = SHEETS
    summary = "Tersoff total energy of B/N/C sheets (60-atom cell) and transferred to 240, 1 500-atom and porous sheets"
    declared_metrics = METRICS
    primary_metric = "mae_per_area_test"
    item_units = "configurations (sheets whose total energy is predicted, all sets)"
    cost = CostModel("LAMMPS Tersoff (BNC.tersoff)", "configurations", ratio_metric="cost_vs_lammps", ratio="cost",
                     speed_metric="inference_configs_per_second", engine_models=("lammps",))
    leaderboard_columns = ("mae_per_area_test", "median_ae_per_area_test", "mae_per_atom_test", "mae_per_area_2x2",
                           "mae_per_area_5x5", "mae_per_area_porous", "inference_configs_per_second", "cost_vs_lammps")
    error_note = "standard error over blocks of whole MD trajectories (n = blocks, at most 10)"

    def n_items(self, config: DatasetConfig, name: str) -> int:
        trajectories, snaps, _, _ = self.spec.plan(config, SETS[name])
        return trajectories * snaps

    def contract(self, config: DatasetConfig) -> PredictionContract:
        return PredictionContract(tuple(
            VariableContract(variable(name), (config_dim(name),), "eV", {config_dim(name): self.n_items(config, name)},
                             f"predicted total energy, set {name}", optional=name != "test",
                             labels={config_dim(name): f"coordinate `config` of prediction input `{name}`"})
            for name in SETS))

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """Atoms of the test and transfer splits (positions, species, atom count, cell), no labels."""
        out = {}
        for name, split in SETS.items():
            ds = data.test if split == "test" else data.extra.get(split)
            if ds is not None:
                out[name] = ds[INPUT_VARS].assign_coords(config=np.arange(ds.sizes["config"])).assign_attrs(
                    set=name, split=split, pixel_size=ds.attrs.get("pixel_size"))
        return out

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        scores: dict[str, Estimate] = {}
        for name, split in SETS.items():
            info = error_info(name)
            if variable(name) not in predictions:
                scores.update(missing(info))
                continue
            ds = data.split(split)
            area = ds["cell"].values.prod(axis=1)
            scores.update(sheet_errors(predictions[variable(name)].values, ds["energy"].values, area,
                                       ds["n_atoms"].values.astype(float), info, ds["trajectory"].values))
        scores[SPEED.name] = Estimate(items_per_second or math.nan)
        scores[COST.name] = cost_relative(items_per_second, engine_items_per_second)
        return scores

    def count_items(self, predictions: xr.Dataset) -> int:
        """Configurations whose energy the submission predicts (all sets)."""
        return sum(predictions.sizes[config_dim(n)] for n in SETS if variable(n) in predictions)

    def engine_items_per_second(self, data: TaskData) -> float:
        """Configurations per second of LAMMPS (one reused instance, ``run 0``) on every held-out set, best of 2
        (the first pass also pays for creating the instance)."""
        sets = [data.split(s) for s in SETS.values()]
        n = sum(ds.sizes["config"] for ds in sets)
        best = math.inf
        for _ in range(2):
            start = time.perf_counter()
            for ds in sets:
                physics.energies(ds["positions"].values, ds["numbers"].values, ds["n_atoms"].values, ds["cell"].values)
            best = min(best, time.perf_counter() - start)
        return n / best

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        absent = [n for n in SETS if variable(n) not in predictions]
        out = {}
        if absent:
            out["not_predicted"] = absent
            out["not_predicted_note"] = "the model takes only the 60-atom image (not extensive): metrics are n/a"
        return out

    def targets(self, data: TaskData) -> dict:
        return {
            "paper_mae_per_area_hexagonal": {"ednn": 1.122, "cnn": 2.529, "units": "meV/Å²",
                                             "note": "Mills et al. 2019, DFT (PBE) labels, 18 515 training images"},
            "sets": {name: {"split": split, "configurations": int(data.split(split).sizes["config"])}
                     for name, split in SETS.items()},
            "label_fidelity_vs_pbe": label_fidelity(data.config.name),
        }


def label_fidelity(config: str) -> dict | None:
    """How far the labels (Tersoff) are from PBE on the committed GPAW subset of ``config``
    (:mod:`mdbench.systems.sheets.fidelity`), to read beside the physics reference; None if not measured."""
    from mdbench.systems.sheets import fidelity

    try:
        summary = fidelity.load_summary(config)
    except fidelity.FidelityError:
        return None
    cmp = summary["comparison"]
    return {**{k: cmp[k] for k in ("mae_per_area", "median_ae_per_area", "mae_per_atom", "median_ae_per_atom")},
            "structures": len(summary["structures"]), "settings": summary["settings"], "gpaw": summary["gpaw"],
            "note": "|Tersoff − PBE| after leave-one-out per-species offsets, test-split subset "
                    f"(mdbench/systems/sheets/fidelity_{config}.json)"}


TASK = SheetsEnergy()
