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


# --------------------------------------------------------------------------------------------------
# flybys/sequence
# --------------------------------------------------------------------------------------------------
def plot_sequence(task, data, predictions, results, outdir: Path) -> list[Path]:
    """How the distance to REBOUND grows with the number of encounters (e with a lost planet at 1; e of the
    bound planets; survival), and the final distributions."""
    from mdbench.systems.flybys.sequence_task import distances, e_with_loss, truth

    outdir = Path(outdir)
    true = truth(data.test)
    k = true["p_bound"].shape[1]
    fig, (ax_w, ax_b, ax_s) = plt.subplots(1, 3, figsize=(15.5, 4.2))
    steps = np.arange(1, k + 1)
    ax_s.plot(steps, true["p_bound"].mean(0), "k-", lw=2.5, alpha=0.4, label="REBOUND (test)")
    for name, ds in predictions.items():
        pred = {v: ds[v].values for v in ("a", "e", "p_bound")}
        role = results["entries"][name]["role"]
        style = "-" if role == "model" else "--"
        dist = np.array([distances(pred, true, j) for j in steps])
        ax_w.plot(steps, dist[:, 0], marker="o", ls=style, label=f"{name} ({role})")
        ax_b.plot(steps, dist[:, 1], marker="o", ls=style, label=name)
        ax_s.plot(steps, pred["p_bound"].mean(0), marker="o", ls=style, label=name)
    ax_w.set_xlabel("encounters k")
    ax_w.set_ylabel("final-state distance D after k encounters (1)")
    ax_w.set_yscale("log")
    ax_w.legend(fontsize=7)
    ax_b.set_xlabel("encounters k")
    ax_b.set_ylabel("W1 of e of the bound planets after k encounters")
    ax_b.set_yscale("log")
    ax_s.set_xlabel("encounters k")
    ax_s.set_ylabel("fraction of planets bound (1)")
    ax_s.legend(fontsize=7)
    paths = [save_figure(fig, outdir / "distance_and_survival_vs_k.png")]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    bins = np.linspace(0, 1, 21)
    e, w = e_with_loss(true["e"][:, -1], true["p_bound"][:, -1])
    ax.hist(e, bins=bins, weights=w / w.sum(), color="k", alpha=0.3, label="REBOUND (test)")
    for name, ds in predictions.items():
        e, w = e_with_loss(ds["e"].values[:, -1], ds["p_bound"].values[:, -1])
        ax.hist(e, bins=bins, weights=w / w.sum(), histtype="step", lw=1.5, label=name)
    ax.set_xlabel(f"e after {k} encounters (lost planets in the last bin, e = 1)")
    ax.set_ylabel("fraction of sequences")
    ax.legend(fontsize=7)
    paths.append(save_figure(fig, outdir / "final_e_distribution.png"))
    return paths
