"""Free energy along Q at several temperatures: is the Gō model two-state anywhere?

``python -m mdbench.systems.trpcage_like.temperature_scan [--cooperativity=c] [--power=p] 0.78 0.85 0.9``
prints, per reduced temperature T*, P(Q ≤ 0.4), P(Q ≥ 0.8), the dual-cutoff transitions (frames
every 2 ps and every τ = 20 ps, the task's spacing) and F(Q) in kT on 20 bins of Q (2×10⁶ steps of
0.02 ps after 5×10⁴ steps, one frame every 100 steps, seed 5; ≈ 100–150 s per temperature on one
core), for the Gō model with the many-body term −c·N_c·ε·Q̃^p (c = 0: the plain model).  A
two-state model shows two minima of F(Q) with a barrier between.
"""

from __future__ import annotations

import argparse

import numpy as np

from mdbench.systems.trpcage_like import physics
from mdbench.systems.trpcage_like.metrics import fold_states


def free_energy_along_q(temperature: float, n_frames: int = 20_000, seed: int = 5, cooperativity: float = 0.0,
                        power: float = 2.0) -> dict:
    """F(Q) (kT, minimum 0, 20 bins on [0, 1]) and core-state statistics at reduced temperature T*."""
    _, q = physics.simulate(physics.go_model(0.8, cooperativity, power), n_frames, temperature=temperature,
                            friction=1.0, timestep=0.02, save_every=100, seed=seed, equilibration_steps=50_000)
    p = np.histogram(q, bins=20, range=(0.0, 1.0))[0] / len(q)
    with np.errstate(divide="ignore"):
        f = -np.log(p)
    return {"free_energy": f - f[np.isfinite(f)].min(), "p_unfolded": float(np.mean(q <= 0.4)),
            "p_folded": float(np.mean(q >= 0.8)), "transitions": _transitions(q),
            "transitions_at_tau": _transitions(q[9::10])}


def _transitions(q: np.ndarray) -> int:
    """Changes of core state (dual cutoff) along one trajectory of Q."""
    states = fold_states(q)
    return int(np.sum((states[1:] != states[:-1]) & (states[:-1] >= 0)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("temperatures", nargs="+", type=float, help="reduced temperatures T* = k_B T/ε")
    parser.add_argument("--cooperativity", type=float, default=0.0, help="c of −c·N_c·ε·Q̃^p (0: plain Gō model)")
    parser.add_argument("--power", type=float, default=2.0, help="p of −c·N_c·ε·Q̃^p")
    parser.add_argument("--frames", type=int, default=20_000, help="saved frames per temperature (100 steps each)")
    args = parser.parse_args(argv)
    for t in args.temperatures:
        r = free_energy_along_q(t, n_frames=args.frames, cooperativity=args.cooperativity, power=args.power)
        print(f"T* = {t}: P(Q ≤ 0.4) = {r['p_unfolded']:.2f}, P(Q ≥ 0.8) = {r['p_folded']:.2f}, "
              f"{r['transitions']} transitions in {args.frames * 2 / 1000:g} ns with frames every 2 ps, "
              f"{r['transitions_at_tau']} every τ = 20 ps", flush=True)
        print("  F(Q) [kT]: " + " ".join(f"{v:.1f}" for v in r["free_energy"]), flush=True)


if __name__ == "__main__":
    main()
