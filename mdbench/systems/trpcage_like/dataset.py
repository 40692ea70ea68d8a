"""The ``trpcage-like`` dataset: Langevin dynamics of a Cα Gō model of a Trp-cage-like miniprotein.

Splits ``train``, ``val``, ``test`` are one independent OpenMM trajectory each (own seed, own
equilibration from the native structure); ``reference`` holds ``reference_replicas`` further
independent trajectories — together ≥ 10× the training length — used only for scoring (the
physics reference of the ``trpcage-like/simulator`` task; models never see it).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import SPLITS, DatasetSpec, ShardSpec
from mdbench.data.platforms import openmm_platforms
from mdbench.systems.trpcage_like import physics
from mdbench.systems.trpcage_like.features import FEATURE_NAMES, N_ATOMS, encoder_features

def _config(name: str, description: str, steps: tuple[int, int, int], reference: tuple[int, int],
            n_trajectories: int, seed: int, equilibration: int = 50_000,
            two_state: dict[str, Param] | None = None) -> DatasetConfig:
    """``two_state`` replaces the temperature and adds the many-body term's parameters; the other
    configs keep exactly their original parameter records (and so their hashes)."""
    train, val, test = steps
    replicas, reference_steps = reference
    config = DatasetConfig(
        name=name,
        description=description,
        seed=seed,
        params={
            "epsilon": Param(physics.EPSILON, "kJ/mol", "Gō-model energy unit ε (native contact depth)"),
            "bead_mass": Param(physics.BEAD_MASS, "amu", "mass of every Cα bead"),
            "contact_cutoff": Param(0.8, "nm", "native contact: Cα–Cα distance ≤ cutoff in the native structure, |i−j| ≥ 4"),
            "temperature": Param(0.78, "ε/k_B", "reduced temperature T* = k_B T/ε (≈ folding midpoint; 93.8 K in OpenMM units)"),
            "friction": Param(1.0, "1/ps", "Langevin friction coefficient γ"),
            "timestep": Param(0.02, "ps", "LangevinMiddleIntegrator time step"),
            "save_every": Param(100, "steps", "integrator steps between saved frames (2 ps)"),
            "lag": Param(1000, "steps", "lag time τ of the simulator task (20 ps = 10 saved frames)"),
            "equilibration_steps": Param(equilibration, "steps", "steps from the native structure discarded before the first frame (tiny: 0.4 ns, else 1 ns; t₁ ≈ 0.1 ns)"),
            "train_steps": Param(train, "steps", "length of the training trajectory"),
            "val_steps": Param(val, "steps", "length of the validation trajectory"),
            "test_steps": Param(test, "steps", "length of the independent test trajectory"),
            "reference_replicas": Param(replicas, "trajectories", "independent trajectories of the reference split"),
            "reference_steps": Param(reference_steps, "steps", "length of each reference trajectory"),
            "n_trajectories": Param(n_trajectories, "trajectories", "synthetic trajectories in a submission"),
        },
    )
    if two_state:
        config = dataclasses.replace(config, params={**config.params, **two_state})
    return config


#: the two-state variant: the many-body term −c·N_c·ε·Q̃^p with a high power confines the reward to
#: near-native states, so F(Q) has an unfolded and a native basin with a barrier between (data card)
TWO_STATE = {
    "temperature": Param(1.1, "ε/k_B", "reduced temperature T* = k_B T/ε (both basins populated: P(Q ≤ 0.4) 0.38, P(Q ≥ 0.8) 0.32)"),
    "cooperativity": Param(0.6, "1", "c of the many-body term −c·N_c·ε·Q̃^p (N_c = 24 native contacts)"),
    "cooperativity_power": Param(16.0, "1", "p of the many-body term −c·N_c·ε·Q̃^p"),
}


def go_model_of(config: DatasetConfig) -> physics.GoModel:
    """The Gō model a config simulates (the plain model unless it sets the many-body term)."""
    many_body = [float(config[k]) for k in ("cooperativity", "cooperativity_power") if k in config.params]
    return physics.go_model(float(config["contact_cutoff"]), *many_body)


class TrpCageLike(DatasetSpec):
    name = "trpcage-like"
    version = "1.0.0"
    summary = "Cα Gō model of a Trp-cage-like miniprotein, OpenMM Langevin dynamics (Sidky et al. 2020 §3.2)"
    splits = (*SPLITS, "reference")
    #: Reference first: bitwise reproducible, and the fastest for 20 beads (8–16 µs/step vs 114–127 for CPU)
    platforms = ("Reference", "CPU", "CUDA", "OpenCL")
    work_units = "steps"
    configs = {
        "tiny": _config("tiny", "for tests", (100_000, 50_000, 100_000), (10, 100_000), 4, 11, 20_000),
        "small": _config("small", "default (generation time: the system's cards/generation/)", (2_000_000, 500_000, 2_000_000), (10, 2_000_000), 100, 12),
        "full": _config("full", "paper scale: 10⁶ saved training frames (hours)",
                        (100_000_000, 20_000_000, 100_000_000), (10, 100_000_000), 100, 13),
        "two-state": _config("two-state", "small-sized, with a folding barrier (many-body term; minutes)",
                             (2_000_000, 500_000, 2_000_000), (10, 2_000_000), 100, 14, two_state=TWO_STATE),
    }

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return config["reference_replicas"] if split == "reference" else 1

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        steps = config["reference_steps"] if shard.split == "reference" else config[f"{shard.split}_steps"]
        n_frames = steps // config["save_every"]
        model = go_model_of(config)
        x, q = physics.simulate(
            model, n_frames, temperature=config["temperature"], friction=config["friction"],
            timestep=config["timestep"], save_every=config["save_every"], seed=shard.seed,
            equilibration_steps=config["equilibration_steps"], platform=self.platform or self.platforms[0],
        )
        frame_time = config["save_every"] * config["timestep"]
        data = {
            "x": (("time", "atom", "xyz"), x, {"long_name": "Cα coordinates", "units": "nm"}),
            "q": (("time",), q, {"long_name": "fraction of native contacts Q", "units": "1"}),
        }
        if shard.split != "reference":  # the reference split is only scored, never encoded
            data["features"] = (("time", "feature"), encoder_features(x),
                                {"long_name": "Cα pair distances (nm) and sin/cos of Cα pseudo-dihedrals (1)",
                                 "units": "mixed (nm, 1)"})
        coords = {
            "time": ("time", np.arange(1, n_frames + 1) * frame_time,
                     {"long_name": "model time since the end of equilibration", "units": "ps"}),
            "atom": ("atom", np.arange(1, N_ATOMS + 1), {"long_name": "residue number", "units": "1"}),
            "xyz": ("xyz", np.array(["x", "y", "z"])),
        }
        if "features" in data:
            coords["feature"] = ("feature", np.array(FEATURE_NAMES))
        return xr.Dataset(data, coords=coords, attrs={
            "generator_params": json.dumps(config.to_record()["params"]), "shard_seed": shard.seed,
        })

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        steps = config["reference_steps"] if shard.split == "reference" else config[f"{shard.split}_steps"]
        return steps + config["equilibration_steps"]

    def available_platforms(self) -> list[str]:
        return openmm_platforms()

    def engine_versions(self) -> dict[str, str]:
        import openmm

        return {"openmm": openmm.__version__,
                "engine": "mdbench.systems.trpcage_like.physics.simulate (OpenMM LangevinMiddleIntegrator)"}


TRPCAGE_LIKE = TrpCageLike()
