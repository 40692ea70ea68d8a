"""Figures of the ``*/generate`` tasks: the histogram of every feature and of the derived observables
(the task's ``panels``: pair mass, cos θ*, conservation residual; for tt̄ also the W mass and
Δφ(ℓ, b_ℓ)), every entry against the MC test split; the grey band is the physics reference (the independent MC sample) ± √counts, its Poisson spread."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.plotting import save_figure
from mdbench.systems.particle_events.task import features_of

N_BINS = 60


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    roles = {name: results["entries"][name]["role"] for name in predictions}
    values = {name: features_of(ds, task.features) for name, ds in predictions.items()}
    mc = features_of(data.test, task.features)
    columns = {f: (f"{f} ({task.spec.units(f)})", {n: v[f] for n, v in values.items()}, mc[f]) for f in task.features}
    by_entry = {n: task.panels(v) for n, v in values.items()}
    derived = {key: (label, {n: panels[key][1] for n, panels in by_entry.items()}, mc_values)
               for key, (label, mc_values) in task.panels(mc).items()}
    return [_grid(columns, roles, task.name, outdir / "features.png"),
            _grid(derived, roles, task.name, outdir / "observables.png")]


def _grid(columns: dict, roles: dict, title: str, path: Path) -> Path:
    ncol = min(4, len(columns))
    nrow = int(np.ceil(len(columns) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 2.8 * nrow), squeeze=False)
    for ax, (key, (label, by_entry, mc)) in zip(axes.flat, columns.items()):
        mc = mc[np.isfinite(mc)]
        # the range covers the MC and every entry (0.5–99.5 % quantiles), so an entry far off stays visible
        ranges = [np.quantile(x[np.isfinite(x)], [0.005, 0.995]) for x in [mc, *by_entry.values()] if np.isfinite(x).any()]
        lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
        if hi <= lo:
            lo, hi = lo - 1, hi + 1
        edges = np.linspace(lo, hi, N_BINS + 1)
        for name, x in by_entry.items():
            counts = np.histogram(x[np.isfinite(x)], edges)[0]
            if roles[name] == "physics reference":
                ax.fill_between(edges[:-1], counts - np.sqrt(counts), counts + np.sqrt(counts), step="post",
                                color="0.75", label=f"{name} ± √n")
            else:
                ax.stairs(counts, edges, ls="-" if roles[name] == "model" else "--", label=name)
        ax.stairs(np.histogram(mc, edges)[0], edges, color="k", lw=1.2, label="MC test")
        if key in ("pair mass", "w mass"):
            ax.set_yscale("log")  # the narrow peak and the radiative or off-shell tail on one axis
        ax.set_xlabel(label, fontsize=8)
        ax.set_ylabel("events per bin", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(columns):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)
