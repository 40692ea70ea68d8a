"""Shared machinery of the simulated MD forecasting datasets (``adk``, ``ala100-smd``).

A config holds ``n_train + n_val + n_test`` independent replicas (one shard each, own seed): each
is minimised, equilibrated (discarded) and run; Cα coordinates are saved every ``save_every``
steps.  Test replicas also store the full state (positions and velocities of every atom) at the
restart frames and ``members`` independent Langevin continuations from each, recorded at the task's
lead times: the physics reference of the forecasting task.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import DatasetSpec, ShardSpec
from mdbench.data.platforms import openmm_platforms
from mdbench.systems.md_forecast.setup import MDSetup, Pulling

if TYPE_CHECKING:
    from mdbench.systems.md_forecast import physics as proteins


def md_params(setup: MDSetup, *, replicas: tuple[int, int, int], equilibration_steps: int,
              n_frames: int, save_every: int, histories: tuple[int, ...], leads: tuple[int, ...],
              restart_frames: tuple[int, ...], members: int, extra: dict | None = None) -> dict[str, Param]:
    """The parameter record of a forecasting config (units on everything)."""
    train, val, test = replicas
    params = {
        "forcefield": Param(" + ".join(setup.forcefield), "1", "OpenMM force-field files (protein + implicit solvent)"),
        "cutoff": Param(setup.cutoff_nm if setup.cutoff_nm is not None else "none", "nm",
                        "non-bonded cutoff (CutoffNonPeriodic); 'none' = all pairs"),
        "temperature": Param(setup.temperature_k, "K", "Langevin thermostat temperature"),
        "friction": Param(setup.friction_per_ps, "1/ps", "Langevin friction"),
        "timestep": Param(setup.timestep_fs, "fs", "integration time step (LangevinMiddle, H-bond constraints)"),
        "equilibration_steps": Param(equilibration_steps, "steps", "discarded after minimisation"),
        "n_frames": Param(n_frames, "frames", "saved frames per replica"),
        "save_every": Param(save_every, "steps", "steps between saved frames"),
        "n_train": Param(train, "replicas", "training replicas"),
        "n_val": Param(val, "replicas", "validation replicas"),
        "n_test": Param(test, "replicas", "test replicas"),
        "histories": Param(histories, "frames", "history lengths h of the forecasting task"),
        "leads": Param(leads, "frames", "lead times L of the forecasting task"),
        "restart_frames": Param(restart_frames, "frames", "test frames with a saved full state (forecast origins)"),
        "members": Param(members, "1", "independent Langevin continuations per restart frame"),
    }
    params.update(extra or {})
    return params


def setup_from(config: DatasetConfig, platform: str = "CPU") -> MDSetup:
    cutoff = config["cutoff"]
    return MDSetup(
        forcefield=tuple(config["forcefield"].split(" + ")),
        cutoff_nm=None if cutoff == "none" else float(cutoff),
        temperature_k=config["temperature"], friction_per_ps=config["friction"], timestep_fs=config["timestep"],
        platform=platform,
    )


class ForecastMDDataset(DatasetSpec):
    """Base spec: subclasses give the structure (:meth:`structure`) and optionally a pulling setup."""

    shard_dim = "replica"
    platforms = ("CPU", "Reference", "CUDA", "OpenCL")
    work_units = "steps"

    def structure(self, config: DatasetConfig, setup: MDSetup):
        raise NotImplementedError

    def pulling(self, config: DatasetConfig, modeller) -> Pulling | None:
        return None

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return config[f"n_{split}"]

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        steps = config["equilibration_steps"] + config["n_frames"] * config["save_every"]
        if shard.split == "test":  # the Langevin continuations from every restart frame
            steps += len(config["restart_frames"]) * config["members"] * max(config["leads"]) * config["save_every"]
        return steps

    def available_platforms(self) -> list[str]:
        return openmm_platforms()

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        from mdbench.systems.md_forecast import physics as proteins  # OpenMM: to generate, not to load or list

        setup = setup_from(config, self.platform or self.platforms[0])
        modeller = self.structure(config, setup)
        pulling = self.pulling(config, modeller)
        engine = proteins.Engine(modeller, setup, shard.seed, pulling)
        engine.minimize_and_equilibrate(config["equilibration_steps"], shard.seed)
        if pulling:
            engine.start_pulling()
        restarts = config["restart_frames"] if shard.split == "test" else ()
        result = engine.run(config["n_frames"], config["save_every"], restart_frames=restarts)
        ds = xr.Dataset(
            {"ca": (("time", "atom", "xyz"), result.ca,
                    {"units": "angstrom", "long_name": "Cα coordinates"})},
            coords={
                "time": ("time", result.time_fs, {"units": "fs", "long_name": "time since the end of equilibration"}),
                "atom": ("atom", np.arange(result.ca.shape[1]), {"units": "1", "long_name": "Cα index (residue order)"}),
                "xyz": ("xyz", np.array(["x", "y", "z"])),
            },
            attrs={"generator_params": json.dumps(config.to_record()["params"]),
                   "setup": json.dumps(dataclasses.asdict(setup))},
        )
        if pulling:
            ds["pulling_force"] = ("time", result.force_kcal_per_a.astype(np.float32),
                                   {"units": "kcal/mol/angstrom", "long_name": "spring force along the pulling direction"})
            ds["work"] = ("time", result.work_kcal.astype(np.float32),
                          {"units": "kcal/mol", "long_name": "accumulated pulling work"})
        if restarts:
            ds = ds.merge(self._continuations(engine, result.states, config))
        return ds

    def _continuations(self, engine: proteins.Engine, states: list[dict], config: DatasetConfig) -> xr.Dataset:
        leads = np.asarray(config["leads"])
        cont = np.empty((len(states), config["members"], len(leads), len(engine.ca), 3), dtype=np.float32)
        for r, state in enumerate(states):
            for m in range(config["members"]):
                traj = engine.continue_from(state, int(leads.max()), config["save_every"])
                cont[r, m] = traj[leads - 1]
        return xr.Dataset({
            "restart_frame": ("restart", np.array([s["frame"] for s in states]), {"units": "frames"}),
            "restart_positions": (("restart", "particle", "xyz"), np.stack([s["positions_nm"] for s in states]),
                                  {"units": "nm", "long_name": "all-atom positions at the restart frame"}),
            "restart_velocities": (("restart", "particle", "xyz"), np.stack([s["velocities_nm_per_ps"] for s in states]),
                                   {"units": "nm/ps", "long_name": "all-atom velocities at the restart frame"}),
            "continuation_ca": (("restart", "member", "lead", "atom", "xyz"), cont,
                                {"units": "angstrom", "long_name": "Cα of independent Langevin continuations"}),
        }, coords={"lead": ("lead", leads, {"units": "frames"})})

    def engine_versions(self) -> dict[str, str]:
        import openmm

        return {"openmm": openmm.__version__}
