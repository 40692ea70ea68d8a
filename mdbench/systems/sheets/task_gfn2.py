"""Task ``sheets-gfn2/energy``: the GFN2-xTB total energy of held-out sheets (``sheets-gfn2`` 2.0.0), on the
training cell and, without retraining, on larger and porous sheets.

The contract, the inputs and the error metrics are those of ``sheets/energy`` (:mod:`.task`), on the
GFN2 labels; configurations without a GFN2 label (``energy`` NaN: the 1 500-atom cells, porous snapshots
after the first) are predicted but not scored, and each metric's n says how many trajectories were.
Cost: time per configuration against tblite GFN2-xTB, the engine the surrogate replaces, measured on
the first :data:`ENGINE_SAMPLE` test configurations in the same process (one thread).
"""

from __future__ import annotations

import time

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.task import CostModel, TaskData
from mdbench.systems.sheets import task as v1
from mdbench.systems.sheets.dataset import SHEETS_GFN2

COST = MetricInfo("cost_vs_gfn2", "×", "time per configuration ÷ tblite GFN2-xTB's on test configurations, same run",
                  timing=True)
#: test configurations the engine's speed is measured on (a 60-atom label takes ≈ 1.5 s, far above the
#: clock's resolution; `mdbench run` repeats the measurement interleaved with each model's)
ENGINE_SAMPLE = 6


def _swap(metrics: tuple) -> tuple:
    """v1's metrics (or column names) with its LAMMPS cost replaced by the GFN2 one."""
    return tuple((COST if m.name == v1.COST.name else m) if isinstance(m, MetricInfo)
                 else (COST.name if m == v1.COST.name else m) for m in metrics)


class SheetsGFN2Energy(v1.SheetsEnergy):
    name = "sheets-gfn2/energy"
    spec = SHEETS_GFN2
    summary = ("GFN2-xTB total energy of B/N/C sheets (60-atom cell) and transferred to 240-atom and porous sheets "
               "(the labelled ones)")
    declared_metrics = _swap(v1.SheetsEnergy.declared_metrics)
    leaderboard_columns = _swap(v1.SheetsEnergy.leaderboard_columns)
    cost = CostModel("tblite GFN2-xTB (one thread)", "configurations", ratio_metric=COST.name, ratio="cost",
                     speed_metric="inference_configs_per_second", engine_models=("gfn2-xtb",))
    error_note = ("standard error over blocks of whole MD trajectories (n = blocks, at most 10); configurations "
                  "without a GFN2 label are not scored")

    def score(self, predictions, data: TaskData, *, items_per_second, engine_items_per_second) -> dict[str, Estimate]:
        # score on the labelled rows only: predictions carry one row per configuration of a set, in its order
        keep = {split: np.isfinite(data.split(split)["energy"].values) for split in v1.SETS.values()}
        masked = TaskData(data.config, data.train, data.val, data.test.isel(config=keep["test"]),
                          extra={s: ds.isel(config=keep[s]) for s, ds in data.extra.items()}, hashes=data.hashes)
        # a set with nothing labelled is left out: n/a, as for a set not predicted
        preds = xr.Dataset({v1.variable(name): predictions[v1.variable(name)].isel(
                                {v1.config_dim(name): np.flatnonzero(keep[split])})
                            for name, split in v1.SETS.items() if v1.variable(name) in predictions and keep[split].any()},
                           attrs=predictions.attrs)
        scores = super().score(preds, masked, items_per_second=items_per_second,
                               engine_items_per_second=engine_items_per_second)
        return {(COST.name if k == v1.COST.name else k): v for k, v in scores.items()}

    def engine_items_per_second(self, data: TaskData) -> float:
        """Configurations per second of tblite GFN2-xTB on the first :data:`ENGINE_SAMPLE` test configurations
        (one pass: a label takes seconds, so the first-call overhead is negligible)."""
        from mdbench.systems.sheets import xtb

        ds = data.test.isel(config=slice(0, ENGINE_SAMPLE))
        settings = self.spec.settings(data.config)
        start = time.perf_counter()
        for i in range(ds.sizes["config"]):
            n = int(ds["n_atoms"][i])
            xtb.evaluate(ds["positions"].values[i, :n], ds["numbers"].values[i, :n], ds["cell"].values[i], settings)
        return ds.sizes["config"] / (time.perf_counter() - start)

    def details(self, predictions, data: TaskData) -> dict:
        out = super().details(predictions, data)
        out["labelled_configurations"] = {name: int(np.isfinite(data.split(split)["energy"].values).sum())
                                          for name, split in v1.SETS.items()}
        return out

    def targets(self, data: TaskData) -> dict:
        from mdbench.systems.sheets import fidelity

        out = super().targets(data)
        out.pop("label_fidelity_vs_pbe", None)
        try:
            out["label_fidelity_vs_pbe"] = fidelity.load_xtb_summary(data.config.name)["table"]
        except fidelity.FidelityError:
            out["label_fidelity_vs_pbe"] = None
        out["paper_mae_per_area_hexagonal"]["note"] += "; here GFN2-xTB labels"
        return out


TASK = SheetsGFN2Energy()
