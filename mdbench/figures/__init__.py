"""Figures, one module per system; all use the non-interactive Agg backend."""

import matplotlib

matplotlib.use("Agg")
