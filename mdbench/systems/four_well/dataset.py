"""The ``four-well`` dataset: Brownian dynamics in the 1D four-well potential.

Every split is an independent trajectory (its own seed and equilibration), so no frame of the
test trajectory is correlated with any training frame.
"""

from __future__ import annotations

import json

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import DatasetSpec, ShardSpec


def _config(name: str, description: str, a: float, steps: tuple[int, int, int], seed: int) -> DatasetConfig:
    train, val, test = steps
    return DatasetConfig(
        name=name,
        description=description,
        seed=seed,
        params={
            "potential_prefactor": Param(a, "kT", "A in V(x) = A·(x⁸ + 0.8e^(−80x²) + 0.2e^(−80(x−0.5)²) + 0.5e^(−40(x+0.5)²))"),
            "kT": Param(1.0, "energy unit", "thermal energy; energies are in kT"),
            "diffusion": Param(1.0, "length²/time", "diffusion constant D (sets the time unit)"),
            "dt": Param(1e-3, "time", "Euler–Maruyama time step"),
            "save_every": Param(10, "steps", "integrator steps between saved frames"),
            "lag": Param(100, "steps", "lag time τ of the propagator task (0.1 time units)"),
            "equilibration_steps": Param(10_000, "steps", "steps discarded before the first saved frame (≈21 t₁)"),
            "x0": Param(0.0, "length", "start point of every trajectory before equilibration"),
            "train_steps": Param(train, "steps", "length of the training trajectory"),
            "val_steps": Param(val, "steps", "length of the validation trajectory"),
            "test_steps": Param(test, "steps", "length of the independent test trajectory"),
        },
    )


class FourWell(DatasetSpec):
    name = "four-well"
    version = "1.0.0"
    summary = "1D four-well potential, overdamped Brownian dynamics (Sidky et al. 2020 §3.1)"
    configs = {
        "tiny": _config("tiny", "for tests", 2.0, (200_000, 100_000, 200_000), 1),
        "small": _config("small", "default (generation time: the system's cards/generation/)", 2.0, (2_000_000, 500_000, 2_000_000), 2),
        "full": _config("full", "paper scale: 5×10⁶ training steps", 2.0, (5_000_000, 1_000_000, 5_000_000), 3),
        "prinz": _config("prinz", "A = 4, deeptime's prinz_potential; small sizes", 4.0, (2_000_000, 500_000, 2_000_000), 4),
    }

    work_units = "steps"

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return 1

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        return config[f"{shard.split}_steps"] + config["equilibration_steps"]

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        from mdbench.systems.four_well import physics  # numba: loaded to generate, not to load or list

        n_frames = config[f"{shard.split}_steps"] // config["save_every"]
        x = physics.simulate(
            n_frames,
            a=config["potential_prefactor"],
            dt=config["dt"],
            save_every=config["save_every"],
            rng=np.random.default_rng(shard.seed),
            x0=config["x0"],
            equilibration_steps=config["equilibration_steps"],
            diffusion=config["diffusion"],
            kt=config["kT"],
        )
        time = np.arange(n_frames) * config["save_every"] * config["dt"]
        return xr.Dataset(
            {"x": (("time",), x.astype(np.float32), {"long_name": "position", "units": "1"})},
            coords={"time": ("time", time, {"long_name": "time since first saved frame", "units": "time (D = 1)"})},
            attrs={"generator_params": json.dumps(config.to_record()["params"]), "shard_seed": shard.seed},
        )

    def engine_versions(self) -> dict[str, str]:
        import numba

        return {"numba": numba.__version__, "engine": "mdbench.systems.four_well.physics.simulate (Euler–Maruyama)"}


FOUR_WELL = FourWell()
