"""Figures of ``rfmip/gas-optics``: flux errors vs pressure (mean and 95 % band — the SURF white
paper's Figure 9 done a posteriori), heating-rate errors vs pressure, and the a-priori error of
each optical property per spectral band."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.plotting import entry_style, save_figure
from mdbench.systems.rfmip.dataset import FLUX_NAMES, FLUXES, PROPERTIES
from mdbench.systems.rfmip.task import LOG_PROPS


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    names = [n for n, e in results["entries"].items() if e["role"] != "physics reference"]
    return [_flux_profiles(results, names, outdir / "flux_error_vs_pressure.png"),
            _heating_profiles(results, names, outdir / "heating_error_vs_pressure.png"),
            _per_band(results, names, outdir / "apriori_error_per_band.png")]


def _pressure_axis(ax, label="pressure [hPa]"):
    ax.set_yscale("log")
    ax.invert_yaxis()
    ax.set_ylabel(label)
    ax.axvline(0.0, color="0.8", lw=0.8)


def _flux_profiles(results, names, path: Path) -> Path:
    return save_figure(_flux_figure(results, names), path)


def _flux_figure(results, names):
    """One row per entry (each with its own error scale): mean and 95 % band of the flux error.  The panel
    titles put the entry and the flux on two lines, so the longest ("downward shortwave (direct + diffuse)")
    stays inside the figure."""
    fig, axes = plt.subplots(len(names), 4, figsize=(16, 3.6 * len(names)), sharey=True, squeeze=False)
    for row, name in zip(axes, names):
        det = results["entries"][name]["details"]
        p = np.asarray(det["level_pressure_mean"]) / 100.0
        style = entry_style(results, name)
        for ax, flux in zip(row, FLUXES):
            ax.plot(det[f"{flux}_error_mean"], p, color=style["color"] or "C0", ls=style["ls"], label=style["label"])
            ax.fill_betweenx(p, det[f"{flux}_error_p2.5"], det[f"{flux}_error_p97.5"], color=style["color"] or "C0",
                             alpha=0.25, lw=0, label="2.5–97.5 %")
            ax.set_title(f"{name}:\n{FLUX_NAMES[flux]}", fontsize=10)
            ax.set(xlabel="flux error vs RRTMGP [W m⁻²]")
            _pressure_axis(ax)
        row[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"rfmip/gas-optics ({results['config']}): flux error through the same solvers, test columns "
                 "(SW: day columns) — line: mean, band: 2.5–97.5 %")
    return fig


def _heating_profiles(results, names, path: Path) -> Path:
    fig, axes = plt.subplots(len(names), 2, figsize=(9, 3.8 * len(names)), sharey=True, squeeze=False)
    for row, name in zip(axes, names):
        det = results["entries"][name]["details"]
        p = np.asarray(det["layer_pressure_mean"]) / 100.0
        keep = p >= 1.0
        style = entry_style(results, name)
        for ax, band in zip(row, ("lw", "sw")):
            ax.plot(np.asarray(det[f"{band}_heating_error_mean"])[keep], p[keep], color=style["color"] or "C0",
                    ls=style["ls"], label=style["label"])
            ax.fill_betweenx(p[keep], np.asarray(det[f"{band}_heating_error_p2.5"])[keep],
                             np.asarray(det[f"{band}_heating_error_p97.5"])[keep], color=style["color"] or "C0",
                             alpha=0.25, lw=0, label="2.5–97.5 %")
            ax.set(title=f"{name}: {band.upper()} heating rate", xlabel="error vs RRTMGP [K day⁻¹]")
            _pressure_axis(ax)
        row[0].legend(fontsize=7)
    return save_figure(fig, path)


def _per_band(results, names, path: Path) -> Path:
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    width = 0.8 / max(1, len(names))
    for ax, prop in zip(axes, PROPERTIES):
        for k, name in enumerate(names):
            vals = results["entries"][name]["details"][f"{prop}_per_band"]
            style = entry_style(results, name)
            ax.bar(np.arange(len(vals)) + k * width, vals, width=width, color=style["color"], label=style["label"])
        ax.set(title=prop, xlabel="band", ylabel="mean |Δ ln|" if prop in LOG_PROPS else "mean |Δ|")
        ax.set_yscale("log")
    axes[0].legend(fontsize=7)
    return save_figure(fig, path)
