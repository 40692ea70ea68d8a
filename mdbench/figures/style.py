"""One look for every figure: references are dashed and coloured by role, models solid."""

from __future__ import annotations

ROLE_COLORS = {"static reference": "0.6", "physics reference": "k", "data reference": "tab:green"}


def entry_style(results: dict, name: str) -> dict:
    """matplotlib keyword arguments (color, ls, label) for entry ``name`` of a results file."""
    role = results["entries"][name]["role"]
    return {"color": ROLE_COLORS.get(role), "ls": "--" if role != "model" else "-", "label": f"{name} ({role})"}
