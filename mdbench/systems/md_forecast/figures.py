"""Figures of the forecasting tasks: RMSD vs lead for every model, and the data over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from mdbench.core.estimate import decode_number
from mdbench.plotting import entry_style, save_figure


def plot_all(task, data, predictions, results, outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    return [save_figure(rmsd_vs_lead_figure(results, data.config), outdir / "rmsd_vs_lead.png"),
            _data_over_time(data.test, outdir / "data_over_time.png")]


def frame_ps(config) -> float | None:
    """Time between saved frames in ps (``timestep`` fs × ``save_every``), or ``None`` where the config does not
    say (an imported trajectory)."""
    params = getattr(config, "params", {})
    if "timestep" in params and "save_every" in params:
        return float(config["timestep"]) * float(config["save_every"]) / 1000.0
    return None


def rmsd_vs_lead_figure(results, config):
    """Cα RMSD against the lead time, one panel per history, for the entries of ``results`` (a run's model and
    the references): the title names them, the axes are in ps where the config gives the frame interval."""
    histories, leads = config["histories"], config["leads"]
    dt = frame_ps(config)
    x = [lead * dt for lead in leads] if dt else list(leads)
    fig, axes = plt.subplots(1, len(histories), figsize=(4.2 * len(histories), 3.9), sharey=True, squeeze=False)
    for ax, h in zip(axes[0], histories):
        for name, entry in results["entries"].items():
            vals = [entry["metrics"][f"rmsd_h{h}_L{lead}"] for lead in leads]
            y = [decode_number(v["value"]) for v in vals]
            err = [decode_number(v["stderr"]) or 0.0 for v in vals]
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, **entry_style(results, name))
        ax.set(xscale="log", xlabel=f"lead L [ps] ({dt:g} ps per frame)" if dt else "lead L [frames]",
               title=f"history h = {h} frames ({h * dt:g} ps)" if dt else f"history h = {h} frames")
    axes[0][0].set_ylabel("Cα RMSD to X(t+L) [Å], mean ± SE")
    axes[0][-1].legend(fontsize=7)
    models = [n for n, e in results["entries"].items() if e["role"] == "model"]
    fig.suptitle(f"{results.get('task', '')} ({results.get('config', '')}): {', '.join(models) or 'references only'}"
                 " against the references", fontsize=10)
    return fig


def _data_over_time(test, path: Path) -> Path:
    pulling = "work" in test
    fig, axes = plt.subplots(1, 2 if pulling else 1, figsize=(10 if pulling else 5.5, 3.6), squeeze=False)
    elapsed = test["elapsed"].values[0] if "elapsed" in test else test["time"].values  # imports: per trajectory
    ca, t_ps = test["ca"].values, elapsed / 1000.0
    for r in range(ca.shape[0]):
        drift = np.sqrt(np.mean(np.sum((ca[r] - ca[r, :1]) ** 2, axis=-1), axis=-1))
        axes[0][0].plot(t_ps, drift, label=f"test replica {r}")
    for t in np.atleast_1d(test["restart_frame"].values[0]):
        axes[0][0].axvline(t_ps[t], color="0.8", lw=0.8)
    axes[0][0].set(xlabel="time [ps]", ylabel="Cα RMSD to the first frame [Å]", title="test trajectory (grey: forecast origins)")
    if pulling:
        ax = axes[0][1]
        ax.plot(t_ps, test["pulling_force"].values[0], label="force [kcal/mol/Å]")
        ax.plot(t_ps, test["work"].values[0], label="work [kcal/mol]")
        ax.set(xlabel="time [ps]", title="steered MD")
        ax.legend(fontsize=8)
    return save_figure(fig, path)
