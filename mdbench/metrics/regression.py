"""Regression metrics for per-item predictions of an extensive quantity (e.g. the total energy).

Items are independent samples (not a trajectory), so the block standard errors of
:func:`mdbench.metrics.base.block_estimate` are taken over a fixed random partition of the items
(seeded, the same for every submission) rather than over contiguous blocks, which could be sorted
by temperature or size.
"""

from __future__ import annotations

import math

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.metrics.base import N_BLOCKS, block_estimate

#: fewest items per block for a block standard error; smaller sets are reported without one
MIN_PER_BLOCK = 4


def regression_info(suffix: str, what: str, *, total_units: str, per: str, per_units: str | None = None,
                    quantity: str = "E") -> list[MetricInfo]:
    """The four numbers :func:`extensive_errors` reports, named ``<metric>_<suffix>``.

    Parameters
    ----------
    suffix
        Distinguishes sets (e.g. the lattice size ``"8"`` or a split name).
    what
        Says which set, for the descriptions.
    total_units
        Units of the predicted totals (e.g. ``"J"``, ``"eV"``).
    per, per_units
        The size unit of the per-unit errors (``"spin"``, ``"atom"``) and their units
        (default ``"<total_units>/<per>"``).
    """
    per_units = per_units or f"{total_units}/{per}"
    return [
        MetricInfo(f"mae_per_{per}_{suffix}", per_units, f"mean |Δ{quantity}| per {per}, {what}"),
        MetricInfo(f"median_ae_per_{per}_{suffix}", per_units, f"median |Δ{quantity}| per {per}, {what}"),
        MetricInfo(f"mae_total_{suffix}", total_units, f"mean |Δ{quantity}| of the total, {what}"),
        MetricInfo(f"rel_error_total_{suffix}", "1", f"mean |Δ{quantity}| / mean |{quantity}| of the total, {what}"),
    ]


def shuffled(columns: list[np.ndarray], seed: int = 0) -> np.ndarray:
    """Stack ``columns`` into an (n, k) array whose rows are in a fixed random order (for block errors)."""
    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    return stacked[np.random.default_rng(seed).permutation(len(stacked))]


def estimates(compute, rows: np.ndarray, info: list[MetricInfo], groups: np.ndarray | None = None,
              pieces: str = "groups") -> dict[str, Estimate]:
    """``compute(rows)`` as named estimates, with block standard errors over the (shuffled) rows.

    Sets too small for :data:`MIN_PER_BLOCK` items in each block get no standard error.  With
    ``groups`` (one label per row, e.g. the MD trajectory a configuration was sampled from), every
    block holds whole groups, so correlated items never sit on both sides of the error estimate;
    n is then the number of blocks, at most the number of groups (named ``pieces``).
    """
    if groups is not None:
        return _grouped_estimates(compute, rows, info, np.asarray(groups), pieces)
    if len(rows) < N_BLOCKS * MIN_PER_BLOCK:
        values, errors = np.atleast_1d(compute(rows)), np.full(len(info), np.nan)
    else:
        values, errors = block_estimate(compute, rows)
    how = f"{N_BLOCKS} random blocks of the {len(rows)} items"
    return {i.name: Estimate(float(v), float(e), N_BLOCKS, how) if math.isfinite(e) else Estimate(float(v))
            for i, v, e in zip(info, values, errors)}


def _grouped_estimates(compute, rows: np.ndarray, info: list[MetricInfo], groups: np.ndarray,
                       pieces: str) -> dict[str, Estimate]:
    labels = np.unique(groups, return_inverse=True)[1].ravel()
    n_groups = int(labels.max()) + 1 if len(labels) else 0
    n_blocks = min(N_BLOCKS, n_groups)
    values = np.atleast_1d(np.asarray(compute(rows), dtype=float))
    if n_blocks < 2 or len(rows) < n_blocks * MIN_PER_BLOCK:
        return {i.name: Estimate(float(v), None, n_groups or None) for i, v in zip(info, values)}
    # a fixed random assignment of groups to blocks, the same for every submission
    block_of_group = np.empty(n_groups, int)
    block_of_group[np.random.default_rng(0).permutation(n_groups)] = np.arange(n_groups) % n_blocks
    block = block_of_group[labels]
    per_block = np.array([np.atleast_1d(compute(rows[block == b])) for b in range(n_blocks)], dtype=float)
    errors = per_block.std(axis=0, ddof=1) / math.sqrt(n_blocks)
    how = f"{n_blocks} blocks of whole {pieces} ({n_groups} {pieces})"
    return {i.name: Estimate(float(v), float(e), n_blocks, how) if math.isfinite(e) else Estimate(float(v))
            for i, v, e in zip(info, values, errors)}


def extensive_errors(predicted: np.ndarray, true: np.ndarray, n_per_item: int,
                     info: list[MetricInfo]) -> dict[str, Estimate]:
    """MAE and median absolute error per unit (e.g. per spin), MAE and relative error of the total.

    Parameters
    ----------
    predicted, true
        Per-item totals (same units, e.g. J).
    n_per_item
        Size of every item (e.g. number of spins N = L², or one count per item): per-unit errors
        are |ΔE|/N.
    info
        Names for the four numbers, in the order of :func:`regression_info`.
    """

    def compute(rows: np.ndarray) -> np.ndarray:
        err = np.abs(rows[:, 0] - rows[:, 1])
        scale = np.mean(np.abs(rows[:, 1]))
        rel = np.mean(err) / scale if scale > 0 else math.inf
        return np.array([err.mean() / n_per_item, np.median(err) / n_per_item, err.mean(), rel])

    return estimates(compute, shuffled([predicted, true]), info)


def missing(info: list[MetricInfo]) -> dict[str, Estimate]:
    """n/a for every metric of a prediction the submission does not make."""
    return {i.name: Estimate(math.nan, None) for i in info}
