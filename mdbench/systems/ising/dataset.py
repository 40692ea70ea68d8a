"""The ``ising`` dataset: equilibrium configurations of the ferromagnetic 2D Ising model (J = 1).

Every shard is one temperature of one split, sampled by its own Markov chain (own seed, own
equilibration), so no test or transfer configuration is correlated with a training configuration.
The 8×8 splits (train/val/test) share one temperature grid that spans the ordered and disordered
phases with extra density near T_c; the transfer splits hold larger lattices sampled near T_c.
Stored samples are at least 2 τ_int(E) MC steps apart; τ_int and the interval are stored per sample.
"""

from __future__ import annotations

import json

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import SPLITS, DatasetSpec, ShardSpec

#: linear sizes of the transfer splits (spins); the 8×8 splits are train/val/test
TRANSFER_SIZES = (16, 32, 64, 128, 256)
TRAIN_SIZE = 8


def temperature_grid(n_coarse: int, n_fine: int) -> tuple[float, ...]:
    """``n_coarse`` temperatures evenly on [1, 4] J/k_B plus ``n_fine`` evenly on [2.0, 2.6] (near T_c ≈ 2.269)."""
    grid = np.union1d(np.round(np.linspace(1.0, 4.0, n_coarse), 4), np.round(np.linspace(2.0, 2.6, n_fine), 4))
    return tuple(float(t) for t in grid)


def _config(name: str, description: str, *, seed: int, temperatures: tuple[float, ...],
            per_t: tuple[int, int, int], transfer_temperatures: tuple[float, ...],
            transfer_per_t: tuple[int, ...], equilibration: int, pilot: int,
            notes: tuple[str, ...] = ()) -> DatasetConfig:
    train, val, test = per_t
    return DatasetConfig(
        name=name,
        description=description,
        seed=seed,
        notes=notes,
        params={
            "coupling": Param(1.0, "J", "ferromagnetic coupling J in H = −J Σ⟨ij⟩ σᵢσⱼ (energies are in J)"),
            "size": Param(TRAIN_SIZE, "spins", "linear size L of the periodic train/val/test lattices"),
            "temperatures": Param(temperatures, "J/k_B", "temperature grid of the train/val/test splits"),
            "train_per_temperature": Param(train, "configurations", "training configurations per temperature"),
            "val_per_temperature": Param(val, "configurations", "validation configurations per temperature"),
            "test_per_temperature": Param(test, "configurations", "test configurations per temperature"),
            "transfer_sizes": Param(TRANSFER_SIZES, "spins", "linear sizes of the transfer splits transfer_<L>"),
            "transfer_temperatures": Param(transfer_temperatures, "J/k_B", "temperatures of the transfer splits (near T_c)"),
            "transfer_per_temperature": Param(transfer_per_t, "configurations",
                                              "configurations per temperature of each transfer split, in transfer_sizes order"),
            "equilibration_steps": Param(equilibration, "MC steps",
                                         "steps discarded per chain (MC step = checkerboard Metropolis sweep + Wolff update)"),
            "pilot_steps": Param(pilot, "MC steps", "steps of the pilot run that measures τ_int(E) per chain"),
            "min_interval": Param(2, "MC steps", "smallest sampling interval; the interval is max(this, ceil(2 τ_int))"),
        },
    )


TRANSFER_T = (2.1, 2.2, 2.269, 2.35, 2.45)


class Ising(DatasetSpec):
    name = "ising"
    #: 1.1.0: τ_int from exactly rounded sums, so every CPU writes the same bits (1.0.0's came from np.dot,
    #: whose OpenBLAS kernel, and summation order, depends on the CPU model).
    version = "1.1.0"
    summary = "2D ferromagnetic Ising model, Metropolis + Wolff MC, exact energies (Mills et al. 2019)"
    splits = SPLITS + tuple(f"transfer_{n}" for n in TRANSFER_SIZES)
    shard_dim = "sample"
    configs = {
        "tiny": _config("tiny", "for tests", seed=11, temperatures=(1.5, 2.0, 2.269, 2.5, 3.5),
                        per_t=(80, 20, 40), transfer_temperatures=(2.1, 2.269, 2.45),
                        transfer_per_t=(4, 2, 2, 2, 1), equilibration=200, pilot=200),
        "small": _config("small", "default (generation time: the system's cards/generation/)", seed=12, temperatures=temperature_grid(13, 7),
                         per_t=(500, 100, 250), transfer_temperatures=TRANSFER_T,
                         transfer_per_t=(40, 20, 10, 8, 4), equilibration=1000, pilot=1000),
        "full": _config("full", "paper scale: 100 000 training configurations, 8 900 at 128×128",
                        seed=13, temperatures=temperature_grid(25, 16), per_t=(2500, 250, 500),
                        transfer_temperatures=TRANSFER_T, transfer_per_t=(400, 200, 100, 1780, 20),
                        equilibration=2000, pilot=2000,
                        notes=("40 temperatures × 2 500 = 100 000 training configurations (paper: 100 000)",
                               "transfer_128: 5 × 1 780 = 8 900 configurations (paper's tutorial: 8 900)")),
    }

    def split_plan(self, config: DatasetConfig, split: str) -> tuple[int, tuple[float, ...], int]:
        """(lattice size, temperatures, configurations per temperature) of ``split``."""
        if split in SPLITS:
            return config["size"], config["temperatures"], config[f"{split}_per_temperature"]
        size = int(split.removeprefix("transfer_"))
        per_t = config["transfer_per_temperature"][config["transfer_sizes"].index(size)]
        return size, config["transfer_temperatures"], per_t

    def lattice_size(self, config: DatasetConfig, split: str) -> int:
        """Linear size L of the lattices in ``split`` (spins)."""
        return self.split_plan(config, self.check_split(split))[0]

    work_units = "configurations"

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return len(self.split_plan(config, split)[1])

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        return self.split_plan(config, shard.split)[2]

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        from mdbench.systems.ising import physics  # numba: loaded to generate, not to load or list

        size, temps, per_t = self.split_plan(config, shard.split)
        t = temps[shard.index]
        out = physics.sample(size, t, per_t, seed=shard.seed, equilibration_steps=config["equilibration_steps"],
                             pilot_steps=config["pilot_steps"], min_interval=config["min_interval"])
        n = per_t
        # the sampler's running energy must equal the Hamiltonian of the stored state: a free self-check
        e = physics.energy(out["spins"], config["coupling"])
        if not np.array_equal(e, out["energy"]):
            raise RuntimeError("sampler energy bookkeeping disagrees with the Hamiltonian")
        per_sample = lambda v, dtype: np.full(n, v, dtype=dtype)  # noqa: E731
        return xr.Dataset(
            {
                "spins": (("sample", "y", "x"), out["spins"], {"long_name": "spin σ", "units": "1"}),
                "temperature": (("sample",), per_sample(t, np.float64), {"long_name": "temperature", "units": "J/k_B"}),
                "energy": (("sample",), e, {"long_name": "total energy H = −J Σ⟨ij⟩ σᵢσⱼ (exact)", "units": "J"}),
                "magnetisation": (("sample",), physics.magnetisation(out["spins"]),
                                  {"long_name": "total magnetisation Σσᵢ", "units": "1"}),
                "tau_int_energy": (("sample",), per_sample(out["tau_int"], np.float64),
                                   {"long_name": "integrated autocorrelation time of E of this chain", "units": "MC steps"}),
                "sampling_interval": (("sample",), per_sample(out["interval"], np.int32),
                                      {"long_name": "MC steps between stored samples of this chain", "units": "MC steps"}),
            },
            attrs={"generator_params": json.dumps(config.to_record()["params"]), "shard_seed": shard.seed},
        )

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        """Concatenate the per-temperature shards along ``sample`` (one row per configuration)."""
        ds = super().assemble(config, split, parts)
        ds["sample"].attrs.update(long_name="configuration index", units="1")
        ds.attrs["lattice_size"] = self.lattice_size(config, split)
        return ds

    def engine_versions(self) -> dict[str, str]:
        import numba

        return {"numba": numba.__version__,
                "engine": "mdbench.systems.ising.physics.sample (checkerboard Metropolis + Wolff, numba)"}


ISING = Ising()
