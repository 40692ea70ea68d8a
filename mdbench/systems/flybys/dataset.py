"""The ``flybys`` dataset: single stellar flybys of a star + Jupiter system, integrated with REBOUND.

Every shard draws its own encounters from its own seed (the environment of the config) and integrates
them one by one, so shards are independent and any split can be regenerated bit for bit.  One row per
flyby (dimension ``flyby``): the planet's osculating elements relative to the host before and after,
the perturber's parameters, its pericentre distance q, the outcome and the relative energy error.
"""

from __future__ import annotations

import json
import math

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import DatasetSpec, ShardSpec
from mdbench.systems.flybys import physics

#: per-flyby inputs a model may see: name → (units, long name)
INPUTS = {
    "a_before": ("AU", "planet's semi-major axis before the encounter"),
    "e_before": ("1", "planet's eccentricity before the encounter"),
    "inc_before": ("rad", "planet's inclination before (0: the reference plane is its initial orbital plane)"),
    "peri_before": ("rad", "planet's argument of pericentre ω before (= longitude of pericentre, I = 0)"),
    "node_before": ("rad", "planet's longitude of ascending node Ω before (0 by construction, I = 0)"),
    "mean_anomaly_before": ("rad", "planet's mean anomaly M when the perturber is at r_start"),
    "m_perturber": ("Msun", "perturber mass"),
    "v_inf": ("km/s", "perturber speed at infinity relative to the host–planet centre of mass"),
    "b": ("AU", "impact parameter"),
    "inc_perturber": ("rad", "inclination of the perturber's orbit to the planet's initial orbital plane"),
    "node_perturber": ("rad", "longitude of ascending node of the perturber's orbit"),
    "peri_perturber": ("rad", "argument of pericentre of the perturber's orbit"),
    "q": ("AU", "perturber's pericentre distance (two-body hyperbola about the host–planet centre of mass)"),
}
#: per-flyby results of the integration (targets and diagnostics)
OUTPUTS = {
    "a_after": ("AU", "planet's semi-major axis after the encounter (negative: unbound hyperbola)"),
    "e_after": ("1", "planet's eccentricity after the encounter (≥ 1: unbound from the host)"),
    "inc_after": ("rad", "planet's inclination after the encounter"),
    "peri_after": ("rad", "planet's argument of pericentre after"),
    "node_after": ("rad", "planet's longitude of ascending node after"),
    "mean_anomaly_after": ("rad", "planet's mean anomaly when the perturber is back at r_start"),
    "energy_error": ("1", "|E_end − E_start| / |E_start| of the three-body system (IAS15)"),
    "duration": ("yr", "integrated time (r_start in → r_start out)"),
}
OUTCOMES = {0: "bound to the host", 1: "ejected (unbound from both stars)", 2: "captured by the perturber"}


def _config(name: str, description: str, sizes: tuple[int, int, int], per_shard: int, seed: int,
            notes: tuple[str, ...] = ()) -> DatasetConfig:
    train, val, test = sizes
    return DatasetConfig(
        name=name,
        description=description,
        seed=seed,
        notes=notes,
        params={
            "m_host": Param(1.0, "Msun", "host star mass"),
            "m_planet": Param(physics.M_JUPITER, "Msun", "planet mass (one Jupiter mass)"),
            "a_planet": Param(5.2, "AU", "planet's initial semi-major axis (Jupiter's)"),
            "e_max": Param(0.5, "1", "planet's initial eccentricity uniform on [0, e_max]"),
            "m_min": Param(0.08, "Msun", "lower end of the perturber IMF (Kroupa 2001, α = 1.3 below 0.5 M☉, 2.3 above)"),
            "m_max": Param(2.0, "Msun", "upper end of the perturber IMF"),
            "sigma_v": Param(1.0, "km/s", "one-dimensional dispersion of the Maxwellian of v∞ (open cluster)"),
            "b_max": Param(40 * 5.2, "AU", "impact parameters uniform in area up to b_max = 40 a"),
            "r_start": Param(1000.0, "AU", "perturber starts and ends at this distance from the host–planet centre of mass"),
            "train_flybys": Param(train, "flybys", "flybys in the training split"),
            "val_flybys": Param(val, "flybys", "flybys in the validation split"),
            "test_flybys": Param(test, "flybys", "flybys in the test split"),
            "flybys_per_shard": Param(per_shard, "flybys", "flybys per independently seeded shard"),
        },
    )


class Flybys(DatasetSpec):
    name = "flybys"
    version = "1.0.0"
    summary = "stellar flybys of a star + Jupiter system in an open cluster, REBOUND IAS15 (Cai, Portegies Zwart et al.)"
    shard_dim = "flyby"
    configs = {
        "tiny": _config("tiny", "for tests", (80, 20, 30), 40, 21),
        "small": _config("small", "default (generation time: the system's cards/generation/)", (1200, 300, 400), 100, 22),
        "full": _config("full", "paper scale: 10⁵ training flybys (not generated here)", (100_000, 10_000, 20_000), 500, 23,
                        notes=("≈ 2.7 CPU hours of IAS15 at 75 ms per flyby",)),
    }

    work_units = "flybys"

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return math.ceil(config[f"{split}_flybys"] / config["flybys_per_shard"])

    def shard_size(self, config: DatasetConfig, shard: ShardSpec) -> int:
        total, per = config[f"{shard.split}_flybys"], config["flybys_per_shard"]
        return min(per, total - shard.index * per)

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        return self.shard_size(config, shard)

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        rng = np.random.default_rng(shard.seed)
        encounters = physics.draw_encounters(rng, self.shard_size(config, shard), e_max=config["e_max"],
                                             m_min=config["m_min"], m_max=config["m_max"],
                                             sigma_kms=config["sigma_v"], b_max=config["b_max"])
        system = system_params(config)
        rows = [physics.simulate(enc, r_start=config["r_start"], **system) for enc in encounters]
        return to_dataset(encounters, rows, attrs={"generator_params": json.dumps(config.to_record()["params"]),
                                                   "shard_seed": shard.seed})

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        ds = super().assemble(config, split, parts)
        ds["flyby"].attrs.update(long_name="flyby label (index within the split)", units="1")
        return ds

    def engine_versions(self) -> dict[str, str]:
        import rebound

        return {"rebound": rebound.__version__, "engine": "mdbench.systems.flybys.physics.simulate (REBOUND IAS15)"}


def system_params(config: DatasetConfig) -> dict[str, float]:
    """The planetary system's parameters (M☉, AU) as :func:`physics.simulate` takes them."""
    return {"m_host": config["m_host"], "m_planet": config["m_planet"], "a_planet": config["a_planet"]}


def to_dataset(encounters: list[physics.Encounter], rows: list[dict], attrs: dict | None = None) -> xr.Dataset:
    """One row per flyby: inputs, REBOUND's results, outcome."""
    def col(values, dtype=np.float64):
        return np.asarray(values, dtype=dtype)

    data = {
        "a_before": col([r["before"]["a"] for r in rows]), "e_before": col([r["before"]["e"] for r in rows]),
        "inc_before": col([r["before"]["inc"] for r in rows]), "peri_before": col([r["before"]["omega"] for r in rows]),
        "node_before": col([r["before"]["Omega"] for r in rows]),
        "mean_anomaly_before": col([r["before"]["M"] for r in rows]),
        "m_perturber": col([e.m_perturber for e in encounters]), "v_inf": col([e.v_inf for e in encounters]),
        "b": col([e.b for e in encounters]), "inc_perturber": col([e.inc_p for e in encounters]),
        "node_perturber": col([e.Omega_p for e in encounters]), "peri_perturber": col([e.omega_p for e in encounters]),
        "q": col([r["q"] for r in rows]),
        "a_after": col([r["after"]["a"] for r in rows]), "e_after": col([r["after"]["e"] for r in rows]),
        "inc_after": col([r["after"]["inc"] for r in rows]), "peri_after": col([r["after"]["omega"] for r in rows]),
        "node_after": col([r["after"]["Omega"] for r in rows]),
        "mean_anomaly_after": col([r["after"]["M"] for r in rows]),
        "energy_error": col([r["energy_error"] for r in rows]), "duration": col([r["duration"] for r in rows]),
    }
    variables = {name: (("flyby",), values, {"units": {**INPUTS, **OUTPUTS}[name][0],
                                             "long_name": {**INPUTS, **OUTPUTS}[name][1]})
                 for name, values in data.items()}
    variables["outcome"] = (("flyby",), col([r["outcome"] for r in rows], np.int8),
                            {"units": "1", "long_name": "; ".join(f"{k}: {v}" for k, v in OUTCOMES.items())})
    # the drawn initial eccentricity and phases (REBOUND's osculating ones above agree to round-off)
    variables["e_drawn"] = (("flyby",), col([e.e for e in encounters]), {"units": "1", "long_name": "drawn e"})
    variables["peri_drawn"] = (("flyby",), col([e.omega for e in encounters]), {"units": "rad", "long_name": "drawn ω"})
    variables["mean_anomaly_drawn"] = (("flyby",), col([e.mean_anomaly for e in encounters]),
                                       {"units": "rad", "long_name": "drawn mean anomaly"})
    return xr.Dataset(variables, attrs=attrs or {})


def encounters_of(ds: xr.Dataset) -> list[physics.Encounter]:
    """The exact inputs REBOUND integrated (the drawn values), to re-run stored flybys."""
    cols = [ds[v].values for v in ("e_drawn", "peri_drawn", "mean_anomaly_drawn", "m_perturber", "v_inf", "b",
                                   "inc_perturber", "node_perturber", "peri_perturber")]
    return [physics.Encounter(*map(float, row)) for row in zip(*cols)]


FLYBYS = Flybys()
