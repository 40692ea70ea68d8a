"""Per-frame features of Cα trajectories of the Trp-cage-like model: pair distances, the encoder input
of the latent space simulator, and the table of per-frame quantities every metric of the task reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mdbench.metrics import structure
from mdbench.systems.trpcage_like import physics

N_ATOMS = physics.N_RESIDUES
PAIRS = np.triu_indices(N_ATOMS, 1)
FEATURE_NAMES = (
    [f"d_{i + 1}_{j + 1}" for i, j in zip(*PAIRS)]
    + [f"sin_phi_{i + 1}" for i in range(N_ATOMS - 3)]
    + [f"cos_phi_{i + 1}" for i in range(N_ATOMS - 3)]
)


def pairwise_distances(x: np.ndarray) -> np.ndarray:
    """All 190 Cα–Cα distances (nm) of frames ``[..., 20, 3]``, in ``np.triu_indices(20, 1)`` order."""
    return np.linalg.norm(x[..., PAIRS[0], :] - x[..., PAIRS[1], :], axis=-1)


def encoder_features(x: np.ndarray) -> np.ndarray:
    """Encoder input of the latent space simulator: 190 pair distances (nm) + sin/cos of 17 pseudo-dihedrals."""
    phi = physics.dihedrals(x)
    return np.concatenate([pairwise_distances(x), np.sin(phi), np.cos(phi)], axis=-1).astype(np.float32)


N_TICS = 3
NOVELTY_FRAMES = 2000  # frames per trajectory set whose nearest training frame is searched

# columns of the per-frame table the metrics read (see frame_table)
TIC = slice(0, N_TICS)
Q, RG, RMSD, MINPAIR, NOVEL = N_TICS, N_TICS + 1, N_TICS + 2, N_TICS + 3, N_TICS + 4
BONDS = slice(N_TICS + 5, N_TICS + 5 + N_ATOMS - 1)
ANGLES = slice(BONDS.stop, BONDS.stop + N_ATOMS - 2)


@dataclass
class Projection:
    """Everything the metrics need that is fixed by the reference data."""

    tica: object  # deeptime TICA model on Cα pair distances
    model: physics.GoModel
    training_distances: np.ndarray  # pair distances of every saved training frame (novelty pool)
    test_novelty: float  # median nearest-training distance of the test frames (nm)


def frame_table(x: np.ndarray, proj: Projection) -> np.ndarray:
    """Per-frame quantities of trajectories ``x`` ``[n_traj, T, 20, 3]`` (nm) → ``[n_traj, T, columns]``.

    Columns: TIC 1–3, Q, Rg (nm), RMSD to native (nm), smallest |i−j| ≥ 3 Cα–Cα distance (nm),
    nearest-training-frame distance (nm; NaN except on an evenly spaced subset of frames), 19
    bond lengths (nm), 18 bond angles (degrees).
    """
    n_traj, n_time = x.shape[:2]
    flat = np.asarray(x, dtype=np.float64).reshape(-1, N_ATOMS, 3)
    d = pairwise_distances(flat)
    far = PAIRS[1] - PAIRS[0] >= 3
    novel = np.full(len(flat), np.nan)
    pick = np.unique(np.linspace(0, len(flat) - 1, min(NOVELTY_FRAMES, len(flat))).astype(int))
    novel[pick] = structure.nearest_distances(d[pick], proj.training_distances)
    cols = [
        proj.tica.transform(d.astype(np.float64))[:, :N_TICS],
        proj.model.q(flat)[:, None],
        structure.radius_of_gyration(flat)[:, None],
        structure.rmsd_to(flat, proj.model.native)[:, None],
        d[:, far].min(axis=1)[:, None],
        novel[:, None],
        physics.bond_lengths(flat),
        np.degrees(physics.bond_angles(flat)),
    ]
    return np.concatenate(cols, axis=1).reshape(n_traj, n_time, -1)
