"""One look for every figure: references are dashed and coloured by role, models solid."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

ROLE_COLORS = {"static reference": "0.6", "physics reference": "k", "data reference": "tab:green"}


def entry_style(results: dict, name: str) -> dict:
    """matplotlib keyword arguments (color, ls, label) for entry ``name`` of a results file."""
    role = results["entries"][name]["role"]
    return {"color": ROLE_COLORS.get(role), "ls": "--" if role != "model" else "-", "label": f"{name} ({role})"}


def save_figure(fig, path: Path) -> Path:
    """Lay out, write (PNG, 120 dpi) and close ``fig``; returns ``path``."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
