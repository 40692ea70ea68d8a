"""Figures of the Trp-cage-like task: free-energy profiles (1D with error bands, 2D TICA maps, as in
Sidky et al. 2020 Figs 3–4), relaxation times with error bars, and sample structures."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.core.estimate import decode_number
from mdbench.metrics.distribution import histogram
from mdbench.metrics.structure import align_to
from mdbench.plotting import entry_style, save_figure, timescale_axes
from mdbench.systems.trpcage_like.metrics import N_TIMESCALES, MSMTimescales
from mdbench.systems.trpcage_like.task import lag_time
from mdbench.systems.trpcage_like.physics import native_structure


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    ref = task.reference(data)
    tables = {name: task.table(ds, data) for name, ds in predictions.items()}
    return [
        _profiles(tables, results, ref, outdir / "free_energy_1d.png"),
        _maps(tables, results, ref, outdir / "free_energy_2d.png"),
        _timescales(results, outdir / "timescales.png"),
        _implied_timescales(tables, results, ref, task, data, outdir / "implied_timescales_vs_lag.png"),
        _structures(predictions, outdir / "sample_structures.png"),
    ]


def _free_energy(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        f = -np.log(p)
    return f - np.min(f[np.isfinite(f)]) if np.isfinite(f).any() else f


def _profiles(tables, results, ref, path: Path) -> Path:
    """F(TIC 1) pooled over each entry's trajectories; bands: SE over its trajectories (n in the legend)."""
    edges = ref["edges_1d"]
    centers = 0.5 * (edges[1:] + edges[:-1])
    fig, ax = plt.subplots(figsize=(6.8, 4.2))
    for name, table in tables.items():
        f = _free_energy(histogram(table[..., 0], edges))
        style = entry_style(results, name)
        n = len(table)
        if n > 1:
            pieces = np.array([_free_energy(histogram(piece[..., 0], edges)) for piece in table])
            pieces[~np.isfinite(pieces)] = np.nan
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # bins seen by < 2 trajectories get no band
                band = np.nanstd(pieces, axis=0, ddof=1) / np.sqrt(np.sum(np.isfinite(pieces), axis=0))
            ax.fill_between(centers, f - band, f + band, color=style["color"], alpha=0.2)
        ax.plot(centers, f, **{**style, "label": f"{style['label']}, n = {n}"})
    ax.set(xlabel="reference TIC 1", ylabel="free energy [kT]", ylim=(-0.3, 8),
           title="free-energy profile (bands: SE over the n trajectories)")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _maps(tables, results, ref, path: Path) -> Path:
    e1, e2 = ref["edges_2d"]
    fig, axes = plt.subplots(1, len(tables), figsize=(3.3 * len(tables) + 1, 3.4), squeeze=False,
                             layout="constrained")
    for ax, (name, table) in zip(axes[0], tables.items()):
        h, _, _ = np.histogram2d(np.ravel(table[..., 0]), np.ravel(table[..., 1]), bins=(e1, e2))
        f = _free_energy(h / max(h.sum(), 1))
        im = ax.imshow(f.T, origin="lower", extent=[e1[0], e1[-1], e2[0], e2[-1]], aspect="auto",
                       vmin=0, vmax=8, cmap="viridis")
        rmse = results["entries"][name]["metrics"].get("free_energy_rmse_2d")
        ax.set_title(f"{name}\nRMSE {decode_number(rmse['value']):.2f} kT" if rmse else name, fontsize=8)
        ax.set(xlabel="TIC 1")
    axes[0][0].set_ylabel("TIC 2")
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label="free energy [kT]")
    return save_figure(fig, path)


def _timescales(results, path: Path) -> Path:
    target = results["targets"]["timescales"]
    fig, axes = timescale_axes(results, list(results["entries"]), N_TIMESCALES, "relaxation time [ns, model time]")
    for i, ax in enumerate(axes):
        ax.axhline(target[i], color="k", lw=1, label="Gō-model reference")
    axes[0].legend(fontsize=7)
    return save_figure(fig, path)


def _implied_timescales(tables, results, ref, task, data, path: Path) -> Path:
    """MSM implied timescales t₁, t₂ against lag: the reference's convergence and each entry's (pooled)."""
    lags, tau = ref["msm_lags"], lag_time(data.config)
    metric = next(m for m in task.metrics(data) if isinstance(m, MSMTimescales))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.9), squeeze=False)
    lag_ns = np.asarray(lags) * tau
    for name, table in tables.items():
        its = np.array([metric.timescales(table, lag) for lag in lags])
        for i, ax in enumerate(axes[0]):
            ax.plot(lag_ns, its[:, i], marker="o", ms=3, **entry_style(results, name))
    for i, ax in enumerate(axes[0]):
        ax.axvline(ref["msm_lag"] * tau, color="k", lw=0.8, ls=":",
                   label="lag used (reference converged)")
        ax.set(xlabel="MSM lag [ns, model time]", ylabel=f"t{i + 1} [ns, model time]", yscale="log",
               title=f"implied timescale t{i + 1} vs lag ({len(ref['centers'])} reference states)")
    axes[0][0].legend(fontsize=6)
    return save_figure(fig, path)


def _structures(predictions, path: Path) -> Path:
    native = native_structure()
    fig = plt.figure(figsize=(3.2 * len(predictions), 3.4))
    for k, (name, ds) in enumerate(predictions.items()):
        ax = fig.add_subplot(1, len(predictions), k + 1, projection="3d")
        x = ds["x"].values.reshape(-1, *ds["x"].shape[-2:])
        frames = align_to(x[np.linspace(0, len(x) - 1, 4).astype(int)], native)
        ax.plot(*(native - native.mean(0)).T, "k-", lw=3, alpha=0.3)
        for f in frames:
            ax.plot(*f.T, "-o", ms=2, lw=1)
        ax.set_title(name, fontsize=8)
        ax.set_axis_off()
    fig.suptitle("sample Cα structures aligned to the native (grey)", fontsize=9)
    return save_figure(fig, path)
