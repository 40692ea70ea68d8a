"""Figures of the ising/energy task: parity and error-vs-energy plots (Mills et al. 2019, Figs 3 and 8)
for 8×8 and 128×128, and the specific heat C_v(T) recovered from predicted energies."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.metrics.thermodynamics import reweight
from mdbench.plotting import entry_style, save_figure
from mdbench.systems.ising.task import TRAIN_SIZE, variable

PARITY_SIZES = (8, 128)


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    config, truth = data.config, task.truth(data)
    models = [n for n, e in results["entries"].items() if e["role"] == "model"]
    return [
        _parity(task, predictions, truth, models, outdir / "parity.png"),
        _error_vs_energy(task, predictions, truth, models, outdir / "error_vs_energy.png"),
        _specific_heat(task, predictions, results, truth, config, outdir / "specific_heat.png"),
    ]


def _panels(task, predictions, truth, models):
    for size in PARITY_SIZES:
        for name in models:
            pred = predictions[name]
            yield size, name, (pred[variable(size)].values if variable(size) in pred else None), truth[size][0]


def _grid(n: int):
    fig, axes = plt.subplots(n, len(PARITY_SIZES), figsize=(4.4 * len(PARITY_SIZES), 4.0 * n), squeeze=False)
    return fig, axes


def _parity(task, predictions, truth, models, path: Path) -> Path:
    fig, axes = _grid(max(1, len(models)))
    for k, (size, name, pred, true) in enumerate(_panels(task, predictions, truth, models)):
        ax = axes[k % max(1, len(models))][PARITY_SIZES.index(size)]
        n = size * size
        ax.set(title=f"{name}: {size}×{size}", xlabel="true E/N [J]", ylabel="predicted E/N [J]")
        if pred is None:
            ax.text(0.5, 0.5, "not predicted\n(model is not extensive)", ha="center", va="center",
                    transform=ax.transAxes)
            continue
        lims = [min(true.min(), pred.min()) / n, max(true.max(), pred.max()) / n]
        ax.plot(lims, lims, "k-", lw=0.8)
        ax.plot(true / n, pred / n, ".", ms=3, alpha=0.5)
        mae = np.mean(np.abs(pred - true))
        ax.text(0.04, 0.92, f"MAE = {mae / n:.2e} J/spin\n= {mae:.3g} J total", transform=ax.transAxes, fontsize=8,
                va="top")
    return save_figure(fig, path)


def _error_vs_energy(task, predictions, truth, models, path: Path) -> Path:
    fig, axes = _grid(max(1, len(models)))
    for k, (size, name, pred, true) in enumerate(_panels(task, predictions, truth, models)):
        ax = axes[k % max(1, len(models))][PARITY_SIZES.index(size)]
        ax.set(title=f"{name}: {size}×{size}", xlabel="true E [J]", ylabel="predicted − true E [J]")
        if pred is None:
            ax.text(0.5, 0.5, "not predicted\n(model is not extensive)", ha="center", va="center",
                    transform=ax.transAxes)
            continue
        ax.axhline(0, color="k", lw=0.8)
        ax.plot(true, pred - true, ".", ms=3, alpha=0.5)
    return save_figure(fig, path)


def _specific_heat(task, predictions, results, truth, config, path: Path) -> Path:
    ex = task.exact_curves(tuple(config["temperatures"]))
    temps = truth[TRAIN_SIZE][1]
    fig, (ax_e, ax_c) = plt.subplots(1, 2, figsize=(11, 4))
    ax_e.plot(ex["grid"], ex["energy_per_spin"], "k-", lw=3, alpha=0.3, label="exact (Kaufman, 8×8)")
    ax_c.plot(ex["grid"], ex["specific_heat_per_spin"], "k-", lw=3, alpha=0.3, label="exact (Kaufman, 8×8)")
    for name, pred in predictions.items():
        role = results["entries"][name]["role"]
        if role == "static reference":
            continue  # constant energies: C_v ≡ 0, off the interesting scale
        curves = reweight(pred[variable(TRAIN_SIZE)].values, temps, ex["grid"], TRAIN_SIZE**2)
        style = entry_style(results, name)
        ax_e.plot(ex["grid"], curves["energy_per_spin"], **style)
        ax_c.plot(ex["grid"], curves["specific_heat_per_spin"], **style)
        pt = results["entries"][name]["details"]["per_temperature_8"]
        ax_c.errorbar(pt["temperature"], pt["specific_heat_per_spin"], yerr=pt["specific_heat_per_spin_stderr"],
                      fmt="o", ms=3, capsize=2, color=style["color"])
    for ax in (ax_e, ax_c):
        ax.axvline(ex["peak_temperature"], color="k", lw=0.6, ls=":")
    ax_e.set(xlabel="T [J/k_B]", ylabel="⟨E⟩/N [J]", title="energy (reweighted from predicted energies)")
    ax_c.set(xlabel="T [J/k_B]", ylabel="C_v/N [k_B]",
             title="specific heat: lines reweighted, points per-T ± SE")
    ax_c.legend(fontsize=7)
    return save_figure(fig, path)
