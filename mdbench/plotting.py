"""One look for every figure: references are dashed and coloured by role, models solid.

Uses the non-interactive Agg backend; every figure is written by :func:`save_figure`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mdbench.core.estimate import decode_number  # noqa: E402

ROLE_COLORS = {"static reference": "0.6", "physics reference": "k", "data reference": "tab:green"}
DPI = 120


def entry_style(results: dict, name: str) -> dict:
    """matplotlib keyword arguments (color, ls, label) for entry ``name`` of a results file."""
    role = results["entries"][name]["role"]
    return {"color": ROLE_COLORS.get(role), "ls": "--" if role != "model" else "-", "label": f"{name} ({role})"}


def save_figure(fig, path: Path) -> Path:
    """Lay out (unless the figure has a layout engine), write (PNG, 120 dpi) and close ``fig``."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def error_label(rec: dict) -> str:
    """How a metric record's ± was computed, with its n (for legends and titles)."""
    if rec.get("stderr") is None:
        return "no SE"
    how = rec.get("estimator") or "SE"
    return f"± SE, {how}" + (f", n = {rec['n']}" if rec.get("n") is not None and str(rec["n"]) not in how else "")


def timescale_axes(results: dict, names: list[str], k: int, ylabel: str):
    """A row of ``k`` panels with t₁…t_k ± their standard errors (estimator and n in the labels).

    The caller draws its target lines and saves; non-finite values (a frozen trajectory) are skipped.
    """
    fig, axes = plt.subplots(1, k, figsize=(4 * k, 3.9), squeeze=False)
    for i, ax in enumerate(axes[0]):
        labels = []
        for j, name in enumerate(names):
            rec = results["entries"][name]["metrics"][f"t{i + 1}"]
            value, err = decode_number(rec["value"]), decode_number(rec["stderr"]) or 0.0
            if np.isfinite(value):
                ax.errorbar([j], [value], yerr=[err], fmt="o", capsize=4, color=entry_style(results, name)["color"])
            labels.append(f"{name}\n({error_label(rec)})")
        ax.set_xticks(range(len(names)), labels, rotation=30, ha="right", fontsize=6)
        ax.set(title=f"t{i + 1}", ylabel=ylabel)
    return fig, axes[0]
