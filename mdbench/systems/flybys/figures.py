"""Figures of ``flybys/encounter``: predicted vs true Δe coloured by regime, and |error of Δe| vs q/a."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.plotting import save_figure
from mdbench.systems.flybys.task import REGIME_EDGES, REGIMES, truth

REGIME_COLORS = ("tab:red", "tab:orange", "tab:blue")


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    t = truth(data.test)
    bound = t["ejected"] == 0
    q_over_a = data.test["q"].values / data.test["a_before"].values
    # predictions are in the test split's order (read_submission matched their rows by label)
    return [_scatter(predictions, results, t, bound, outdir / "delta_e_pred_vs_true.png"),
            _error_vs_q(predictions, results, t, bound, q_over_a, outdir / "delta_e_error_vs_q.png")]


def _scatter(aligned, results, t, bound, path: Path) -> Path:
    names = [n for n in aligned if results["entries"][n]["role"] != "static reference"]
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 4), squeeze=False)
    y = t["delta_e"][bound]
    lim = max(1e-6, float(np.max(np.abs(y))))
    for ax, name in zip(axes[0], names):
        p = aligned[name]["delta_e"].values[bound]
        for k, regime in enumerate(REGIMES):
            sel = t["regime"][bound] == k
            ax.scatter(y[sel], p[sel], s=6, color=REGIME_COLORS[k], label=regime)
        ax.plot([-lim, lim], [-lim, lim], "k-", lw=0.8, alpha=0.5)
        ax.set_xscale("symlog", linthresh=1e-4)
        ax.set_yscale("symlog", linthresh=1e-4)
        ax.set_xlabel("REBOUND Δe (1)")
        ax.set_ylabel("predicted Δe (1)")
        ax.set_title(f"{name} ({results['entries'][name]['role']})", fontsize=9)
    axes[0][0].legend(title=f"q/a edges {REGIME_EDGES[0]:g}, {REGIME_EDGES[1]:g}", fontsize=8)
    return save_figure(fig, path)


def _error_vs_q(aligned, results, t, bound, q_over_a, path: Path) -> Path:
    edges = np.logspace(np.log10(max(q_over_a.min(), 0.05)), np.log10(q_over_a.max()) + 1e-9, 9)
    centers = np.sqrt(edges[1:] * edges[:-1])
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    which = np.digitize(q_over_a, edges) - 1
    for name, ds in aligned.items():
        err = np.abs(ds["delta_e"].values - t["delta_e"])
        mean = [np.mean(err[bound & (which == k)]) if np.any(bound & (which == k)) else np.nan
                for k in range(len(centers))]
        role = results["entries"][name]["role"]
        ax.plot(centers, np.maximum(mean, 1e-12), marker="o", ls="-" if role == "model" else "--",
                label=f"{name} ({role})")
    for edge in REGIME_EDGES:
        ax.axvline(edge, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("q/a (1)")
    ax.set_ylabel("mean |Δe error| of bound flybys (1)")
    ax.legend(fontsize=8)
    return save_figure(fig, path)
