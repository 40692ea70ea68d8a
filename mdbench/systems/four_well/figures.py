"""Figures of the four-well task: stationary density, transition densities, implied timescales."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.core.estimate import decode_number
from mdbench.metrics.distribution import histogram
from mdbench.metrics.kinetics import TransitionDensityError
from mdbench.plotting import entry_style, save_figure, timescale_axes
from mdbench.systems.four_well.task import FREE_ENERGY_EDGES, TRANSITION_EDGES


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    exact = task.exact(data.config)
    return [
        _stationary(task, predictions, results, exact, outdir / "stationary_density.png"),
        _transition_density(task, predictions, results, exact, outdir / "transition_density.png"),
        _timescales(results, exact, outdir / "implied_timescales.png"),
    ]


def _stationary(task, predictions, results, exact, path: Path) -> Path:
    centers = 0.5 * (FREE_ENERGY_EDGES[1:] + FREE_ENERGY_EDGES[:-1])
    width = np.diff(FREE_ENERGY_EDGES)
    fig, (ax_p, ax_f) = plt.subplots(1, 2, figsize=(11, 4))
    ex = exact["fe_probability"]
    ax_p.plot(centers, ex / width, "k-", lw=2.5, alpha=0.35, label="exact ∝ e^(−V/kT)")
    ax_f.plot(centers, -np.log(ex) + np.log(ex.max()), "k-", lw=2.5, alpha=0.35, label="exact")
    for name, ds in predictions.items():
        if results["entries"][name]["role"] == "static reference":
            continue  # a delta function: off the scale of both panels
        p = histogram(ds["x"].values, FREE_ENERGY_EDGES)
        style = entry_style(results, name)
        ax_p.step(centers, p / width, where="mid", **style)
        with np.errstate(divide="ignore"):
            f = -np.log(p)
        ax_f.plot(centers, f - np.nanmin(f[np.isfinite(f)]), **style)
    ax_p.set(xlabel="x", ylabel="stationary density p(x)", title="stationary density")
    ax_f.set(xlabel="x", ylabel="free energy F(x) [kT]", title="free-energy profile", ylim=(-0.5, 10))
    ax_p.legend(fontsize=7)
    return save_figure(fig, path)


def _transition_density(task, predictions, results, exact, path: Path) -> Path:
    metric = TransitionDensityError(TRANSITION_EDGES, exact["tr_transfer"], exact["tr_probability"])
    panels = [("exact p_τ(y|x)", exact["tr_transfer"])] + [
        (name, metric.estimate_transfer(ds["x"].values)) for name, ds in predictions.items()
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.9 * len(panels) + 1, 3.4), squeeze=False, sharey=True,
                             layout="constrained")
    vmax = np.nanmax(exact["tr_transfer"])
    ext = [TRANSITION_EDGES[0], TRANSITION_EDGES[-1]] * 2
    for ax, (title, mat) in zip(axes[0], panels):
        im = ax.imshow(mat.T, origin="lower", extent=ext, vmin=0, vmax=vmax, cmap="viridis")
        err = results["entries"].get(title, {}).get("metrics", {}).get("transition_density_error")
        ax.set_title(title + (f"\nTV error {decode_number(err['value']):.3f}" if err else ""), fontsize=8)
        ax.set(xlabel="x(t)")
    axes[0][0].set_ylabel("x(t+τ)")
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label="P(bin of x(t+τ) | bin of x(t))")
    return save_figure(fig, path)


def _timescales(results, exact, path: Path) -> Path:
    k = len(exact["timescales_binned"])
    names = [n for n, e in results["entries"].items() if e["role"] != "static reference"]
    fig, axes = timescale_axes(results, names, k, "implied timescale [time]")
    for i, ax in enumerate(axes):
        ax.axhline(exact["timescales_binned"][i], color="k", lw=1, label="exact (metric's 50 bins)")
        ax.axhline(exact["timescales_continuum"][i], color="k", lw=1, ls=":", label="exact (continuum)")
    axes[0].legend(fontsize=7)
    return save_figure(fig, path)
