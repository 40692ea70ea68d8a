"""Figures of ``sheets/energy``: parity (E/area, predicted vs true) and error vs energy, per set,
one row per model and reference (the paper's Figs. 5–6 in spirit)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.plotting import save_figure
from mdbench.systems.sheets.task import SETS, variable


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    names = [n for n, e in results["entries"].items() if e["role"] != "physics reference"]
    return [_panels(data, predictions, names, outdir / "parity.png", parity=True),
            _panels(data, predictions, names, outdir / "error_vs_energy.png", parity=False)]


def _panels(data, predictions, names, path: Path, *, parity: bool) -> Path:
    sets = list(SETS)
    fig, axes = plt.subplots(len(names), len(sets), figsize=(3.6 * len(sets), 3.3 * len(names)), squeeze=False)
    for r, name in enumerate(names):
        for c, key in enumerate(sets):
            ax = axes[r][c]
            ds = data.split(SETS[key])
            area = ds["cell"].values.prod(axis=1)
            true = ds["energy"].values / area * 1e3
            pred = predictions[name]
            ax.set_title(f"{name}: {key}", fontsize=9)
            if variable(key) not in pred:
                ax.text(0.5, 0.5, "not predicted\n(model is not extensive)", ha="center", va="center",
                        transform=ax.transAxes)
                continue
            p = pred[variable(key)].values / area * 1e3
            # sheets-gfn2 leaves some transfer configurations unlabelled (NaN): plot the labelled ones
            ok = np.isfinite(true)
            if not ok.any():
                ax.text(0.5, 0.5, "no labelled configuration", ha="center", va="center", transform=ax.transAxes)
                continue
            true, p = true[ok], p[ok]
            if parity:
                lims = [min(true.min(), p.min()), max(true.max(), p.max())]
                ax.plot(lims, lims, "k-", lw=0.8)
                ax.plot(true, p, ".", ms=3, alpha=0.5)
                ax.set(xlabel="true E/A [meV/Å²]", ylabel="predicted E/A [meV/Å²]")
                ax.text(0.04, 0.92, f"MAE {np.mean(np.abs(p - true)):.3g} meV/Å²", transform=ax.transAxes, fontsize=8,
                        va="top")
            else:
                ax.axhline(0, color="k", lw=0.8)
                ax.plot(true, p - true, ".", ms=3, alpha=0.5)
                ax.set(xlabel="true E/A [meV/Å²]", ylabel="predicted − true [meV/Å²]")
    return save_figure(fig, path)
