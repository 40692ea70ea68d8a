"""Figures of channel/a-priori: correlation of predicted and exact τ_ij vs height (the paper's
Figure 8), the subgrid dissipation profile, and the DNS mean velocity U⁺(y⁺) against MKM."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.plotting import entry_style, save_figure
from mdbench.systems.channel import physics
from mdbench.systems.channel.posteriori import RUNS, output_times
from mdbench.systems.channel.task import TAU_NAMES


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    return [_correlation(results, outdir / "correlation_vs_height.png"),
            _dissipation(results, outdir / "dissipation_profile.png"),
            _mean_velocity(data, outdir / "mean_velocity_vs_mkm.png")]


def _half(yplus, values):
    """Lower half of the channel (y⁺ increasing to the centre)."""
    yplus, values = np.asarray(yplus), np.asarray(values, float)
    n = (len(yplus) + 1) // 2
    return yplus[:n], values[:n]


#: the correlation panels' y range: above 1.0, so the physics reference's line at exactly 1.0 shows
CORRELATION_YLIM = (-0.2, 1.08)


def _correlation(results, path: Path) -> Path:
    return save_figure(_correlation_figure(results), path)


def _correlation_figure(results):
    fig, axes = plt.subplots(3, 3, figsize=(11, 9), sharex=True, sharey=True)
    for name, entry in results["entries"].items():
        det = entry.get("details", {})
        if "correlation_by_height" not in det:
            continue
        style = entry_style(results, name)
        for n, (k, var) in enumerate(TAU_NAMES.items()):
            ax = axes[k[0]][k[1]]
            dim = "yh" if "yh" in physics.LOCATIONS[k] else "y"
            yp, r = _half(det["yplus"][dim], [np.nan if c is None else c for c in det["correlation_by_height"][var]])
            ax.semilogx(np.where(yp > 0, yp, np.nan), r, **style,
                        lw=2.0 if entry["role"] == "physics reference" else 1.5)
            ax.set_title(var, fontsize=9)
    for ax in axes.flat:
        ax.axhline(0.8, color="k", lw=0.5, ls=":")
        ax.set_ylim(*CORRELATION_YLIM)
    for ax in axes[-1]:
        ax.set_xlabel("y⁺")
    for row in axes:
        row[0].set_ylabel("corr(predicted, exact)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("a priori: per-height correlation of predicted and exact subgrid fluxes (cf. paper Fig. 8; "
                 "dotted: the goal 0.8)", fontsize=10)
    return fig


def _dissipation(results, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    exact_done = False
    for name, entry in results["entries"].items():
        det = entry.get("details", {})
        if "dissipation_profile" not in det:
            continue
        yp, eps = _half(det["yplus"]["y"], det["dissipation_profile"])
        if not exact_done:
            _, ex = _half(det["yplus"]["y"], det["exact_dissipation_profile"])
            ax.semilogx(yp, ex, "k-", lw=3, alpha=0.3, label="exact (filtered DNS)")
            exact_done = True
        if entry["role"] == "model":
            ax.semilogx(yp, eps, **entry_style(results, name))
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="y⁺", ylabel="⟨ε_sgs⟩ = −⟨τ_ij S_ij⟩ [U_b³/δ]", title="mean subgrid dissipation by height")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _mean_velocity(data, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    m = physics.mkm180()
    ax.semilogx(m["yplus"][1:], m["uplus"][1:], "k-", lw=3, alpha=0.3, label=f"MKM Re_τ = {physics.MKM_RE_TAU}")
    for split in ("train", "test"):
        ds = data.split(split)
        y = ds["y"].values
        wu = physics.wall_units(ds["dns_mean_u"].values.mean(axis=0), y, float(ds.attrs["nu"]))
        ax.semilogx(wu["yplus"], wu["uplus"], ".-", ms=3, label=f"our DNS, {split} snapshots: Re_τ = {wu['re_tau']:.1f}")
    ax.set(xlabel="y⁺", ylabel="U⁺", title="DNS mean velocity against Moser, Kim & Mansour (1999)")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def plot_posteriori(task, data, predictions, results, outdir: Path) -> list[Path]:
    """TKE over time of every run (blow-up), and the mean over the runs of the mean velocity and resolved TKE
    profiles, against the filtered DNS."""
    outdir = Path(outdir)
    fig, (ax_t, ax_u, ax_k) = plt.subplots(1, 3, figsize=(15, 4))
    ref = task.reference(data)
    y = data.test["y"].values
    n = len(y) // 2
    times = output_times(data.config)  # the task's times, as in the scores
    ax_u.plot(y[:n], ref["u_mean"][:n], "k-", lw=3, alpha=0.3, label="filtered DNS")
    ax_k.plot(y[:n], ref["tke"][:n], "k-", lw=3, alpha=0.3, label="filtered DNS")
    ax_t.axhline(ref["tke_volume"], color="k", lw=3, alpha=0.3, label="filtered DNS")
    for name, pred in predictions.items():
        if results["entries"][name]["role"] == "physics reference":
            continue
        style = entry_style(results, name)
        runs = pred.sizes[RUNS]
        for i in range(runs):  # every run, labelled once, in the entry's colour
            run = pred.isel({RUNS: i})
            valid = run["valid"].values > 0.5
            line, = ax_t.semilogy(times[valid], run["tke_history"].values[valid], marker=".", lw=0.8,
                                  **{**style, "label": f"{style['label']} ({runs} runs)" if i == 0 else None})
            style = {**style, "color": line.get_color()}
        ax_u.plot(y[:n], pred["u_mean"].values.mean(axis=0)[:n], **style)
        ax_k.plot(y[:n], pred["tke_profile"].values.mean(axis=0)[:n], **style)
    ax_t.set(xlabel="t [δ/U_b]", ylabel="resolved TKE [U_b²]", title="a posteriori: resolved TKE over time")
    ax_u.set(xlabel="y [δ]", ylabel="⟨u⟩ [U_b]", title="mean velocity (second half of each run, mean of runs)")
    ax_k.set(xlabel="y [δ]", ylabel="resolved TKE [U_b²]", title="resolved TKE profile (mean of runs)")
    for ax in (ax_t, ax_u, ax_k):
        ax.legend(fontsize=6)
    return [save_figure(fig, outdir / "les_tke_and_profiles.png")]
