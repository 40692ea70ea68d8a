"""Free energy along Q at several temperatures: is the Gō model two-state anywhere?

``python -m mdbench.systems.trpcage_like.temperature_scan [--cooperativity=c] 0.78 0.85 0.9`` prints, per
reduced temperature T*, P(Q ≤ 0.4), P(Q ≥ 0.8), the dual-cutoff transitions and F(Q) in kT on 20
bins of Q (2×10⁶ steps of 0.02 ps after 5×10⁴ steps, one frame every 100 steps, seed 5; ≈ 100 s
per temperature on one core).  A two-state model shows two minima of F(Q) with a barrier between.
"""

from __future__ import annotations

import sys

import numpy as np

from mdbench.systems.trpcage_like import physics
from mdbench.systems.trpcage_like.metrics import fold_states


def free_energy_along_q(temperature: float, n_frames: int = 20_000, seed: int = 5, cooperativity: float = 0.0) -> dict:
    """F(Q) (kT, minimum 0, 20 bins on [0, 1]) and core-state statistics at reduced temperature T*."""
    _, q = physics.simulate(physics.go_model(0.8, cooperativity), n_frames, temperature=temperature, friction=1.0, timestep=0.02,
                            save_every=100, seed=seed, equilibration_steps=50_000)
    p = np.histogram(q, bins=20, range=(0.0, 1.0))[0] / len(q)
    with np.errstate(divide="ignore"):
        f = -np.log(p)
    states = fold_states(q)
    return {"free_energy": f - f[np.isfinite(f)].min(), "p_unfolded": float(np.mean(q <= 0.4)),
            "p_folded": float(np.mean(q >= 0.8)),
            "transitions": int(np.sum((states[1:] != states[:-1]) & (states[:-1] >= 0)))}


def main(argv: list[str]) -> None:
    cooperativity = 0.0
    if argv and argv[0].startswith("--cooperativity="):
        cooperativity, argv = float(argv[0].split("=", 1)[1]), argv[1:]
    for t in map(float, argv):
        r = free_energy_along_q(t, cooperativity=cooperativity)
        print(f"T* = {t}: P(Q ≤ 0.4) = {r['p_unfolded']:.2f}, P(Q ≥ 0.8) = {r['p_folded']:.2f}, "
              f"{r['transitions']} transitions in 40 ns (frames every 2 ps)")
        print("  F(Q) [kT]: " + " ".join(f"{v:.1f}" for v in r["free_energy"]))


if __name__ == "__main__":
    main(sys.argv[1:])
