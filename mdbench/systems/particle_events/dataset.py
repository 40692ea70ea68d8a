"""The particle-event datasets: ``two-body-decay`` (exact phase space, our own generator),
``z-dilepton`` (Pythia 8, e⁺e⁻ → Z/γ* → ℓ⁺ℓ⁻ at 91.2 GeV) and ``ttbar`` (Pythia 8, pp → tt̄ at 13 TeV,
semi-leptonic, parton level).

One row per event (dimension ``event``), one variable per feature (GeV, 1 or rad).  Splits: train,
val, test and ``reference`` — a further independent Monte Carlo sample of the test split's size with
its own shard seeds, the physics reference of the ``generate`` tasks (its scores are the statistical
floor at equal sample size).  Every shard draws its events from its own seed (``derive_seed``), so
serial and distributed generation give identical hashes.
"""

from __future__ import annotations

import json
import math

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import SPLITS, DatasetSpec, ShardSpec
from mdbench.systems.particle_events import physics

SIZES = {"tiny": (2000, 500, 1000, 1000), "small": (20000, 5000, 10000, 10000),
         "full": (1_000_000, 100_000, 200_000, 200_000)}
PER_SHARD = {"tiny": 1000, "small": 5000, "full": 50000}


#: tt̄ events cost ≈ 30× a dilepton event each (3.4 inclusive events per selected one), so its tiny is smaller
TTBAR_SIZES = {**SIZES, "tiny": (1000, 250, 500, 500)}


def _split_params(config: str, sizes: dict = SIZES) -> dict[str, Param]:
    train, val, test, ref = sizes[config]
    return {
        "train_events": Param(train, "events", "events in the training split"),
        "val_events": Param(val, "events", "events in the validation split"),
        "test_events": Param(test, "events", "events in the held-out test split (N: a submission generates N events)"),
        "reference_events": Param(ref, "events", "events in the independent MC split `reference` (physics reference)"),
        "events_per_shard": Param(PER_SHARD[config], "events", "events per independently seeded shard"),
    }


class EventDataset(DatasetSpec):
    """Shared sharding of both datasets: splits train, val, test, reference; shards of ``events_per_shard``."""

    shard_dim = "event"
    splits = (*SPLITS, "reference")
    work_units = "events"
    features: tuple[str, ...] = ()

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return math.ceil(config[f"{split}_events"] / config["events_per_shard"])

    def shard_size(self, config: DatasetConfig, shard: ShardSpec) -> int:
        total, per = config[f"{shard.split}_events"], config["events_per_shard"]
        return min(per, total - shard.index * per)

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        return self.shard_size(config, shard)

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        ds = super().assemble(config, split, parts)
        ds["event"].attrs.update(long_name="event index within the split", units="1")
        return ds

    def units(self, feature: str) -> str:
        raise NotImplementedError

    def long_name(self, feature: str) -> str:
        raise NotImplementedError

    def to_dataset(self, values: dict[str, np.ndarray], extra: dict[str, tuple], attrs: dict) -> xr.Dataset:
        variables = {f: (("event",), np.asarray(values[f], np.float64),
                         {"units": self.units(f), "long_name": self.long_name(f)}) for f in self.features}
        variables.update({k: (("event",), v, a) for k, (v, a) in extra.items()})
        return xr.Dataset(variables, attrs=attrs)


def _decay_config(name: str, description: str, seed: int, notes: tuple[str, ...] = ()) -> DatasetConfig:
    return DatasetConfig(name=name, description=description, seed=seed, notes=notes, params={
        "parent_mass": Param(100.0, "GeV", "parent Breit–Wigner mass M₀ (truncated to M₀ ± 4Γ)"),
        "parent_width": Param(5.0, "GeV", "parent Breit–Wigner width Γ"),
        "m1": Param(10.0, "GeV", "daughter 1 Breit–Wigner mass (truncated to ± 4Γ₁)"),
        "width1": Param(0.5, "GeV", "daughter 1 Breit–Wigner width Γ₁"),
        "m2": Param(20.0, "GeV", "daughter 2 Breit–Wigner mass (truncated to ± 4Γ₂)"),
        "width2": Param(1.0, "GeV", "daughter 2 Breit–Wigner width Γ₂"),
        "p_mean": Param(50.0, "GeV", "parent |p| exponential with this mean, direction isotropic"),
        **_split_params(name),
    })


class TwoBodyDecay(EventDataset):
    name = "two-body-decay"
    version = "1.0.0"
    summary = "exact boosted isotropic two-body decays, 10 features (E, p⃗, m of both daughters; Otten et al. toy)"
    features = physics.DECAY_FEATURES
    configs = {
        "tiny": _decay_config("tiny", "for tests (2 000 / 500 / 1 000 / 1 000 events)", 31),
        "small": _decay_config("small", "default (20 000 / 5 000 / 10 000 / 10 000 events)", 32),
        "full": _decay_config("full", "paper scale, 10⁶ training events (not recorded here)", 33),
    }

    def units(self, feature: str) -> str:
        return "GeV"

    def long_name(self, feature: str) -> str:
        k, q = feature[1], feature.split("_")[1]
        what = {"E": "energy", "px": "momentum x", "py": "momentum y", "pz": "momentum z", "m": "mass"}[q]
        return f"daughter {k} {what} (lab frame)"

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        rng = np.random.default_rng(shard.seed)
        p = config.params
        out = physics.two_body_decays(rng, self.shard_size(config, shard), **{k: p[k].value for k in (
            "parent_mass", "parent_width", "m1", "width1", "m2", "width2", "p_mean")})
        extra = {"parent_m": (out["parent_m"], {"units": "GeV", "long_name": "true parent mass (truth, not a feature)"}),
                 "parent_p": (out["parent_p"], {"units": "GeV", "long_name": "true parent |p| (truth, not a feature)"}),
                 "cos_theta_star": (out["cos_theta_star"], {"units": "1", "long_name":
                                    "true cos θ* of daughter 1 in the parent frame vs the flight direction (truth)"})}
        return self.to_dataset(out, extra, {"generator_params": json.dumps(config.to_record()["params"]),
                                            "shard_seed": shard.seed})

    def engine_versions(self) -> dict[str, str]:
        return {"numpy": np.__version__,
                "engine": "mdbench.systems.particle_events.physics.two_body_decays (exact phase space)"}


def _z_config(name: str, description: str, seed: int, notes: tuple[str, ...] = ()) -> DatasetConfig:
    return DatasetConfig(name=name, description=description, seed=seed, notes=notes, params={
        "ecm": Param(91.2, "GeV", "e⁺e⁻ centre-of-mass energy √s (Beams:eCM)"),
        "isr": Param(1, "1", "initial-state QED radiation on (PartonLevel:ISR, 1 = on)"),
        "fsr": Param(1, "1", "final-state QED radiation on (PartonLevel:FSR, 1 = on)"),
        **_split_params(name),
    })


class ZDilepton(EventDataset):
    name = "z-dilepton"
    version = "1.0.0"
    summary = "Pythia 8 e⁺e⁻ → Z/γ* → ℓ⁺ℓ⁻ (e, μ) at 91.2 GeV with ISR/FSR, 16 lepton features"
    features = physics.DILEPTON_FEATURES
    configs = {
        "tiny": _z_config("tiny", "for tests (2 000 / 500 / 1 000 / 1 000 events)", 41),
        "small": _z_config("small", "default (20 000 / 5 000 / 10 000 / 10 000 events)", 42),
        "full": _z_config("full", "paper scale, 10⁶ training events (not recorded here)", 43),
    }

    def units(self, feature: str) -> str:
        return physics.LEPTON_QUANTITIES[feature.split("_")[1]][0]

    def long_name(self, feature: str) -> str:
        lep, q = feature.split("_")
        return f"{'ℓ⁻' if lep == 'lm' else 'ℓ⁺'} {physics.LEPTON_QUANTITIES[q][1]}"

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        out = physics.pythia_dilepton(self.shard_size(config, shard), ecm=config["ecm"], seed=shard.seed,
                                      isr=bool(config["isr"]), fsr=bool(config["fsr"]))
        extra = {"flavour": (out["flavour"], {"units": "1", "long_name": "|PDG id| of the leptons (11: e, 13: μ)"})}
        attrs = {"generator_params": json.dumps(config.to_record()["params"]), "shard_seed": shard.seed,
                 "pythia_settings": json.dumps(physics.pythia_settings(
                     ecm=config["ecm"], seed=shard.seed, isr=bool(config["isr"]), fsr=bool(config["fsr"]))),
                 "sigma_nb": out["sigma_nb"], "pythia_tries": out["tries"]}
        return self.to_dataset(out["features"], extra, attrs)

    def engine_versions(self) -> dict[str, str]:
        return {"pythia8mc": physics.pythia_version(),
                "engine": "mdbench.systems.particle_events.physics.pythia_dilepton (Pythia 8)"}


def _ttbar_config(name: str, description: str, seed: int, notes: tuple[str, ...] = ()) -> DatasetConfig:
    return DatasetConfig(name=name, description=description, seed=seed, notes=notes, params={
        "ecm": Param(13000.0, "GeV", "pp centre-of-mass energy √s (Beams:eCM)"),
        "isr": Param(1, "1", "initial-state QCD/QED radiation on (PartonLevel:ISR, 1 = on); FSR, MPI, "
                             "hadronisation and primordial k_T are off (parton level)"),
        **_split_params(name, TTBAR_SIZES),
    })


class TTbar(EventDataset):
    name = "ttbar"
    version = "1.0.0"
    summary = ("Pythia 8 pp → tt̄ at 13 TeV, parton level with ISR, semi-leptonic (e, μ) events: 26 features "
               "(ℓ, 2 b, 2 light quarks, ISR recoil as (E, p_T, η, φ); missing p_T)")
    features = physics.TTBAR_FEATURES
    configs = {
        "tiny": _ttbar_config("tiny", "for tests (1 000 / 250 / 500 / 500 events)", 51),
        "small": _ttbar_config("small", "default (20 000 / 5 000 / 10 000 / 10 000 events)", 52),
        "full": _ttbar_config("full", "paper scale, 10⁶ training events (not recorded here)", 53),
    }

    def units(self, feature: str) -> str:
        if feature.startswith("met_"):
            return "GeV" if feature == "met_pt" else "rad"
        return physics.OBJECT_QUANTITIES[feature.split("_")[1]][0]

    def long_name(self, feature: str) -> str:
        if feature == "met_pt":
            return "missing transverse momentum |p⃗_T^miss| (the neutrino's p_T)"
        if feature == "met_phi":
            return "azimuth of p⃗_T^miss in (−π, π]"
        obj, q = feature.split("_")
        return f"{physics.TOP_OBJECTS[obj]}: {physics.OBJECT_QUANTITIES[q][1]}"

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        out = physics.pythia_ttbar(self.shard_size(config, shard), ecm=config["ecm"], seed=shard.seed,
                                   isr=bool(config["isr"]))
        extra = {"lepton_id": (out["lepton_id"], {"units": "1", "long_name":
                                                  "signed PDG id of the lepton (±11, ±13; not a feature)"})}
        attrs = {"generator_params": json.dumps(config.to_record()["params"]), "shard_seed": shard.seed,
                 "pythia_settings": json.dumps(physics.pythia_ttbar_settings(
                     ecm=config["ecm"], seed=shard.seed, isr=bool(config["isr"]))),
                 "sigma_pb": out["sigma_pb"], "pythia_tries": out["tries"],
                 "channel_counts": json.dumps(out["channels"])}
        return self.to_dataset(out["features"], extra, attrs)

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        ds = super().assemble(config, split, parts)
        # the split's channel counts and tries are the sums over its shards (concat keeps the first shard's)
        counts = [json.loads(p.attrs["channel_counts"]) for p in parts]
        ds.attrs["channel_counts"] = json.dumps({c: sum(k[c] for k in counts) for c in physics.TTBAR_CHANNELS})
        ds.attrs["pythia_tries"] = sum(int(p.attrs["pythia_tries"]) for p in parts)
        return ds

    def engine_versions(self) -> dict[str, str]:
        return {"pythia8mc": physics.pythia_version(),
                "engine": "mdbench.systems.particle_events.physics.pythia_ttbar (Pythia 8, parton level)"}


TWO_BODY = TwoBodyDecay()
ZLL = ZDilepton()
TTBAR = TTbar()
