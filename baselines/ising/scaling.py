"""Inference cost of the EDNN vs lattice size: time per spin from 8×8 to 2048×2048.

Run: ``python -m baselines.ising.scaling --out mdbench/systems/ising/leaderboards/figures/ising__energy`` (one thread).
The network is the ``ednn`` baseline's architecture (f = 1, c = 1, 9 → 288 → 64 → 64 → 1) with
its initial weights: the cost of a forward pass does not depend on the weight values.  Every size
is given the same number of spins (2²² = 4 194 304) as a batch of lattices, so the time per spin is
compared at equal work; the numpy Hamiltonian is timed on the same inputs as the yardstick.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from baselines.estimators.ednn import EDNN, paper_mlp
from mdbench.plotting import save_figure
from mdbench.systems.ising import physics as ising

SIZES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048)
SPINS = 1 << 22


def _best(fn, repeats: int = 2) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(sizes=SIZES, spins: int = SPINS, seed: int = 0) -> dict:
    """Seconds per spin of the EDNN and of the Hamiltonian at each size (best of 2)."""
    torch.manual_seed(seed)
    model = EDNN(paper_mlp(1, 1), 1, 1).eval()
    rng = np.random.default_rng(seed)
    out = {"size": [], "ednn_seconds_per_spin": [], "hamiltonian_seconds_per_spin": []}
    for size in sizes:
        x = np.where(rng.random((spins // (size * size), size, size)) < 0.5, 1, -1).astype(np.int8)
        xt = torch.as_tensor(x, dtype=torch.float32)
        model.predict(xt[:1])
        out["size"].append(size)
        out["ednn_seconds_per_spin"].append(_best(lambda: model.predict(xt)) / spins)
        out["hamiltonian_seconds_per_spin"].append(_best(lambda: ising.energy(x)) / spins)
    return out


def plot(data: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    n = np.array(data["size"]) ** 2
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.loglog(n, data["ednn_seconds_per_spin"], "o-", label="EDNN (1,1), 9→288→64→64→1")
    ax.loglog(n, data["hamiltonian_seconds_per_spin"], "s--", color="k", label="exact Hamiltonian (numpy)")
    ax.set(xlabel="spins per lattice N = L²", ylabel="seconds per spin (batches of 2²² spins)",
           title="inference cost vs lattice size (1 thread)")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}" if __spec__ else None,
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    data = measure()
    data["note"] = "measured on one thread of a 2-core machine shared with other jobs"
    (args.out / "inference_scaling.json").write_text(json.dumps(data, indent=1) + "\n")
    print(plot(data, args.out / "inference_scaling.png"))
    for s, e, h in zip(data["size"], data["ednn_seconds_per_spin"], data["hamiltonian_seconds_per_spin"]):
        print(f"L = {s:5d}: EDNN {e:.3e} s/spin ({1 / e:.3g} spins/s), Hamiltonian {h:.3e} s/spin")


if __name__ == "__main__":
    main()
