"""The ``flybys-sequences`` dataset: the star + Jupiter system of ``flybys`` through K encounters in turn.

Every sequence draws its K perturbers from the environment of the ``flybys`` dataset
(:func:`physics.draw_encounters`, the same parameters) and the times between them from the encounter
rate of a stated stellar density; :func:`physics.simulate_sequence` integrates each encounter with the
same REBOUND code as a single flyby and lets the planet drift on its Kepler orbit in between.  Dimensions:
``sequence`` (the shard dimension; its coordinate is the sequence's label), ``step`` (0 … K: the initial
orbit and the orbit after each encounter) and ``encounter`` (1 … K).  Once the planet is lost the
sequence stops: later elements are NaN, later outcomes −1.

Splits: ``train`` and ``val`` (time series for sequence models), ``test`` (the sequences models are
scored on) and ``reference`` (an independent REBOUND sample of the same environment: the physics
reference of ``flybys/sequence`` and so the sampling-noise floor of its distances).
"""

from __future__ import annotations

import json
import math

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import DatasetSpec, ShardSpec
from mdbench.systems.flybys import physics
from mdbench.systems.flybys.dataset import FLYBYS, system_params

#: planet's orbit after each encounter, fixed frame of the initial orbit: name → (units, long name)
STATE = {
    "a": ("AU", "planet's semi-major axis relative to the host"),
    "e": ("1", "planet's eccentricity"),
    "inc": ("rad", "inclination to the initial orbital plane"),
    "peri": ("rad", "argument of pericentre ω (fixed frame; at I = 0 the longitude of pericentre)"),
    "node": ("rad", "longitude of ascending node Ω on the initial orbital plane (0 where I = 0)"),
    "mean_anomaly": ("rad", "mean anomaly M at the end of the encounter (step 0: at the start of the first)"),
}
#: the perturbers, drawn before the sequence is integrated: name → (units, long name)
PERTURBERS = {
    "m_perturber": ("Msun", "perturber mass"),
    "v_inf": ("km/s", "perturber speed at infinity relative to the host–planet centre of mass"),
    "b": ("AU", "impact parameter"),
    "inc_perturber": ("rad", "inclination of the perturber's orbit to the planet's orbital plane at that encounter"),
    "node_perturber": ("rad", "its longitude of ascending node (x: the planet orbit's node on the previous plane)"),
    "peri_perturber": ("rad", "its argument of pericentre"),
    "q": ("AU", "perturber's pericentre distance (two-body hyperbola about the host–planet centre of mass)"),
    "gap": ("yr", "time from the end of the previous encounter to the start of this one (0 for the first)"),
}
#: what REBOUND integrated at each encounter (planet frame of that encounter) and its diagnostics
INTEGRATED = {
    "a_before": ("AU", "planet's semi-major axis at the start of the encounter"),
    "e_before": ("1", "planet's eccentricity at the start of the encounter"),
    "peri_before": ("rad", "planet's argument of pericentre in the encounter's frame (I = 0 there)"),
    "mean_anomaly_before": ("rad", "planet's mean anomaly when the perturber is at r_start"),
    "inc_after": ("rad", "inclination after the encounter to the planet's orbital plane before it"),
    "energy_error": ("1", "|E_end − E_start| / |E_start| of the three-body system (IAS15)"),
    "duration": ("yr", "integrated time (r_start in → r_start out)"),
}
OUTCOMES = {-1: "not integrated (planet lost before)", 0: "bound to the host", 1: "ejected (unbound from both stars)",
            2: "captured by the perturber"}
SPLITS = ("train", "val", "test", "reference")


def _config(name: str, description: str, sizes: tuple[int, int, int, int], k: int, per_shard: int, seed: int,
            notes: tuple[str, ...] = ()) -> DatasetConfig:
    """The environment and planetary system of the ``flybys`` config of the same name, K encounters each."""
    environment = {key: p for key, p in FLYBYS.config(name).params.items() if not key.endswith("_flybys")
                   and key != "flybys_per_shard"}
    sizes_params = {f"{split}_sequences": Param(n, "sequences", f"sequences in the {split} split")
                    for split, n in zip(SPLITS, sizes)}
    return DatasetConfig(
        name=name, description=description, seed=seed, notes=notes,
        params={
            **environment,
            "n_star": Param(1.0e4, "pc^-3", "stellar number density setting the encounter rate (young massive "
                                            "cluster core)"),
            "encounters": Param(k, "encounters", "encounters per sequence (K)"),
            **sizes_params,
            "sequences_per_shard": Param(per_shard, "sequences", "sequences per independently seeded shard"),
            "encounter_config": Param(name, "config name", "config of the `flybys` dataset whose training split "
                                                           "trains the encounter maps of flybys/sequence"),
        },
    )


class FlybySequences(DatasetSpec):
    name = "flybys-sequences"
    version = "1.0.0"
    summary = "the star + Jupiter system of `flybys` through K encounters in turn, REBOUND IAS15 (time series)"
    shard_dim = "sequence"
    splits = SPLITS
    configs = {
        "tiny": _config("tiny", "for tests", (4, 2, 6, 6), 3, 3, 31),
        "small": _config("small", "default (generation time: the system's cards/generation/)",
                         (100, 25, 200, 200), 8, 25, 32),
        "full": _config("full", "paper scale (not generated here)", (5_000, 500, 2_000, 2_000), 20, 100, 33,
                        notes=("≈ 1.9×10⁵ encounters, ≈ 5 CPU hours of IAS15",)),
    }
    work_units = "sequences"

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return math.ceil(config[f"{split}_sequences"] / config["sequences_per_shard"])

    def shard_size(self, config: DatasetConfig, shard: ShardSpec) -> int:
        total, per = config[f"{shard.split}_sequences"], config["sequences_per_shard"]
        return min(per, total - shard.index * per)

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        return self.shard_size(config, shard)

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        rng = np.random.default_rng(shard.seed)
        k = config["encounters"]
        tau = mean_gap(config)
        system = system_params(config)
        runs = []
        for _ in range(self.shard_size(config, shard)):
            # the perturbers of one sequence, drawn as the flybys of the encounter dataset are
            encounters = physics.draw_encounters(rng, k, e_max=config["e_max"], m_min=config["m_min"],
                                                 m_max=config["m_max"], sigma_kms=config["sigma_v"],
                                                 b_max=config["b_max"])
            gaps = rng.exponential(tau, k)
            gaps[0] = 0.0
            integrated, states = physics.simulate_sequence(encounters, gaps, r_start=config["r_start"], **system)
            runs.append((encounters, gaps, integrated, states))
        return to_dataset(runs, k, system["m_host"] + system["m_planet"], attrs={"generator_params": json.dumps(config.to_record()["params"]),
                                          "shard_seed": shard.seed})

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        ds = super().assemble(config, split, parts)
        ds["sequence"].attrs.update(long_name="sequence label (index within the split)", units="1")
        return ds

    def engine_versions(self) -> dict[str, str]:
        return FLYBYS.engine_versions() | {"engine": "mdbench.systems.flybys.physics.simulate_sequence (REBOUND IAS15)"}


def mean_gap(config: DatasetConfig) -> float:
    """Mean time between encounters (yr) of the config's environment."""
    return physics.mean_encounter_gap(config["n_star"], config["b_max"], config["sigma_v"])


def to_dataset(runs: list, k: int, m_inner: float, attrs: dict | None = None) -> xr.Dataset:
    """Arrays (sequence, step) and (sequence, encounter) of :func:`physics.simulate_sequence`'s runs."""
    n = len(runs)
    state = {name: np.full((n, k + 1), np.nan) for name in STATE}
    bound = np.zeros((n, k + 1), np.int8)
    pert = {name: np.zeros((n, k)) for name in PERTURBERS}
    done = {name: np.full((n, k), np.nan) for name in INTEGRATED}
    outcome = np.full((n, k), -1, np.int8)
    keys = {"a": "a", "e": "e", "inc": "inc", "peri": "omega", "node": "Omega", "mean_anomaly": "M"}
    for i, (encounters, gaps, integrated, states) in enumerate(runs):
        for step, s in enumerate(states):
            for name, key in keys.items():
                state[name][i, step] = s[key]
            bound[i, step] = 1
        for j, enc in enumerate(encounters):
            for name, value in (("m_perturber", enc.m_perturber), ("v_inf", enc.v_inf), ("b", enc.b),
                                ("inc_perturber", enc.inc_p), ("node_perturber", enc.Omega_p),
                                ("peri_perturber", enc.omega_p), ("gap", gaps[j])):
                pert[name][i, j] = value
            # q of every perturber, also of those after a loss: a model's planet may still be there
            pert["q"][i, j] = physics.hyperbola(m_inner + enc.m_perturber, enc.v_inf, enc.b)[2]
        for j, (local, row) in enumerate(integrated):
            done["a_before"][i, j] = row["before"]["a"]
            done["e_before"][i, j] = local.e
            done["peri_before"][i, j] = local.omega
            done["mean_anomaly_before"][i, j] = local.mean_anomaly
            done["inc_after"][i, j] = row["after"]["inc"]
            done["energy_error"][i, j] = row["energy_error"]
            done["duration"][i, j] = row["duration"]
            outcome[i, j] = row["outcome"]
    variables = {}
    for table, dim in ((STATE, "step"), (PERTURBERS, "encounter"), (INTEGRATED, "encounter")):
        source = {**state, **pert, **done}
        for name, (units, what) in table.items():
            variables[name] = (("sequence", dim), source[name], {"units": units, "long_name": what})
    variables["bound"] = (("sequence", "step"), bound, {"units": "1", "long_name": "1: the planet is bound to its host"})
    variables["outcome"] = (("sequence", "encounter"), outcome,
                            {"units": "1", "long_name": "; ".join(f"{c}: {w}" for c, w in OUTCOMES.items())})
    coords = {"step": ("step", np.arange(k + 1), {"units": "encounters", "long_name": "encounters so far"}),
              "encounter": ("encounter", np.arange(1, k + 1), {"units": "1", "long_name": "encounter number"})}
    return xr.Dataset(variables, coords=coords, attrs=attrs or {})


FLYBYS_SEQUENCES = FlybySequences()
