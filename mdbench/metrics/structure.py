"""Structural quantities of Cα frames (MDAnalysis) and distribution distances used by structure metrics.

Per-frame quantities (radius of gyration, RMSD to a reference after optimal superposition,
alignment) are computed with MDAnalysis on an in-memory universe; frames are ``[n_frames, n, 3]``
arrays in nm (MDAnalysis works in Å internally; everything returned here is in nm).
"""

from __future__ import annotations

import warnings

import numpy as np

_NM = 10.0  # Å per nm


def universe(frames: np.ndarray):
    """An MDAnalysis ``Universe`` of Cα beads holding ``frames`` (nm) in a ``MemoryReader``."""
    import MDAnalysis as mda
    from MDAnalysis.coordinates.memory import MemoryReader

    frames = np.asarray(frames, dtype=np.float32).reshape(-1, *np.shape(frames)[-2:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an empty topology warns about missing attributes
        u = mda.Universe.empty(frames.shape[1], trajectory=True)
    u.add_TopologyAttr("name", ["CA"] * frames.shape[1])
    u.add_TopologyAttr("masses", np.ones(frames.shape[1]))  # equal bead masses
    u.load_new(frames * _NM, format=MemoryReader, order="fac")
    return u


def radius_of_gyration(frames: np.ndarray) -> np.ndarray:
    """Rg (nm) of every frame, equal bead masses (MDAnalysis ``AtomGroup.radius_of_gyration``)."""
    from MDAnalysis.analysis.base import AnalysisFromFunction

    u = universe(frames)
    run = AnalysisFromFunction(lambda ag: ag.radius_of_gyration(), u.atoms).run()
    return np.asarray(run.results.timeseries, dtype=float) / _NM


def rmsd_to(frames: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Cα-RMSD (nm) of every frame to ``reference`` after optimal superposition (MDAnalysis QCP)."""
    from MDAnalysis.analysis.rms import RMSD

    run = RMSD(universe(frames), universe(reference[None])).run()
    return run.results.rmsd[:, 2] / _NM


def align_to(frames: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``frames`` (nm) rotated and translated onto ``reference`` (least-squares superposition, MDAnalysis)."""
    from MDAnalysis.analysis.align import rotation_matrix

    ref = np.asarray(reference, dtype=np.float64)
    ref = ref - ref.mean(axis=0)
    out = np.empty(np.shape(frames), dtype=np.float32)
    for k, x in enumerate(np.asarray(frames, dtype=np.float64)):
        x = x - x.mean(axis=0)
        rot, _ = rotation_matrix(x, ref)
        out[k] = x @ np.asarray(rot).T
    return out


def w1(sample: np.ndarray, reference: np.ndarray) -> float:
    """1-Wasserstein distance between two 1D samples (same units as the samples)."""
    from scipy.stats import wasserstein_distance  # scipy.stats where it computes: listing a task imports none

    return float(wasserstein_distance(np.ravel(sample), np.ravel(reference)))


def nearest_distances(queries: np.ndarray, pool: np.ndarray, chunk: int = 512) -> np.ndarray:
    """RMS difference (same units as the rows) from every row of ``queries`` to its nearest row of ``pool``.

    Brute force with the |a|² − 2a·b + |b|² expansion (float64), chunked to bound memory.
    """
    queries, pool = np.asarray(queries, dtype=np.float64), np.asarray(pool, dtype=np.float64)
    pool_sq = (pool**2).sum(axis=1)
    out = np.empty(len(queries))
    for start in range(0, len(queries), chunk):
        q = queries[start : start + chunk]
        d2 = (q**2).sum(axis=1)[:, None] - 2.0 * q @ pool.T + pool_sq[None, :]
        out[start : start + chunk] = np.sqrt(np.maximum(d2.min(axis=1), 0.0) / queries.shape[1])
    return out
