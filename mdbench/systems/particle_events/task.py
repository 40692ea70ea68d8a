"""Tasks ``two-body-decay/generate``, ``z-dilepton/generate`` and ``ttbar/generate``: a model generates N
events (N = the test split's size), scored against the held-out Monte Carlo test split.

A submission holds one variable per feature along the dimension ``event`` (N entries, the dataset's
units).  Events are independent samples: no rows to match.  Metrics (the same for both datasets; the
pair is (d1, d2) for the decay and (ℓ⁻, ℓ⁺) for the dileptons):

* ``w1_scaled_mean`` — mean over the features of the 1-D Wasserstein distance between the generated
  and the MC test values, each divided by that feature's standard deviation in the MC test split;
* ``chi2_ndf_mean`` — mean over the features of the two-sample χ²/ndf on 20 bins of equal MC content
  (edges: quantiles of the MC test values, outer bins open): Σ (g − m)²/(g + m) / (bins − 1), ≈ 1 for
  two samples of one distribution;
* ``mass_peak_shift`` / ``mass_width_shift`` — |Δ median| and |Δ half 16–84 % interquantile range| of
  the pair's invariant mass (decay: the parent mass reconstructed from the daughters; Z: the dilepton mass);
* ``cos_theta_w1`` — W1 of cos θ* (decay: daughter 1 in the parent frame against the parent's flight
  direction; Z: ℓ⁻ in the dilepton frame against the e⁻ beam, +z); pairs without a rest frame are dropped;
* ``conservation_residual`` — mean per generated event (decay: |E₁* + E₂* − M| in the rest frame of the
  summed four-momentum, the daughters on shell with their stated masses; Z: √|E² − p² − m²| per lepton,
  averaged over both); 0 up to round-off for the Monte Carlo;
* ``classifier_auc`` — a histogram gradient-boosting classifier (scikit-learn, 100 iterations,
  random_state 0, one thread) trained on a random half of the generated + MC events to tell them apart, ROC AUC on
  the other half (0.5: indistinguishable; lower is better);
* ``events_per_second`` and ``generation_speedup`` (÷ the engine's events/s, measured in the same run).

± of every comparative metric: the metric recomputed on 10 paired blocks (the k-th tenth of the
generated events in submitted order against the k-th tenth of the MC test events in stored order),
standard error = std(block values, ddof = 1)/√10, n = 10.  Block values rest on N/10 events, so they
are biased upward for W1, χ² and the AUC; the spread, not their mean, is used.

``ttbar/generate`` (:class:`TopGenerate`) reads the same metrics on its own observables — the pair mass
is the hadronic top mass m(q₁ q₂ b_h), cos θ* is q₁'s helicity angle in the hadronic W frame, the
residual is the transverse momentum balance |Σ p⃗_T(ℓ, b_ℓ, b_h, q₁, q₂, recoil) + p⃗_T^miss| — and adds
the W mass m(q₁ q₂) peak and width shifts and the W1 of Δφ(ℓ, b_ℓ).
"""

from __future__ import annotations

import math
import time

import numpy as np

from mdbench.core.errors import SubmissionError
from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, PredictionContract, Task, TaskData, VariableContract
from mdbench.metrics.base import N_BLOCKS
from mdbench.metrics.cost import generation_speedup
from mdbench.systems.particle_events import physics
from mdbench.systems.particle_events.dataset import TTBAR, TWO_BODY, ZLL, EventDataset

N_BINS = 20
BEAM_AXIS = (0.0, 0.0, 1.0)

METRICS = (
    MetricInfo("w1_scaled_mean", "1", "mean over features of W1(generated, MC) ÷ the feature's MC std"),
    MetricInfo("chi2_ndf_mean", "1", "mean over features of the two-sample χ²/ndf, 20 equal-MC-content bins (≈ 1: same)"),
    MetricInfo("mass_peak_shift", "GeV", "|median of the pair's invariant mass − the MC's|"),
    MetricInfo("mass_width_shift", "GeV", "|half 16–84 % interquantile range of the pair mass − the MC's|"),
    MetricInfo("cos_theta_w1", "1", "W1 of the cos θ* distribution, generated vs MC"),
    MetricInfo("conservation_residual", "GeV", "mean per-event conservation residual of the generated events "
                                               "(decay: parent-frame energy balance; Z: lepton mass shell)"),
    MetricInfo("classifier_auc", "1", "ROC AUC of a gradient-boosting classifier, generated vs MC, held-out half "
                                      "(0.5 = indistinguishable)"),
    MetricInfo("events_per_second", "events/s", "generated events per second, one thread", True, timing=True),
    MetricInfo("generation_speedup", "×", "events/s ÷ the engine's events/s measured in the same run", True,
               timing=True),
)
COMPARATIVE = [m for m in METRICS if not m.timing]


def features_of(ds: xr.Dataset, names) -> dict[str, np.ndarray]:
    return {f: np.asarray(ds[f].values, dtype=float) for f in names}


def matrix(values: dict[str, np.ndarray], names) -> np.ndarray:
    return np.column_stack([values[f] for f in names])


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import wasserstein_distance

    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    return float(wasserstein_distance(a, b)) if len(a) and len(b) else math.nan


def chi2_ndf(gen: np.ndarray, mc: np.ndarray, bins: int = N_BINS) -> float:
    """Two-sample χ²/ndf of equal-size samples on ``bins`` bins of equal MC content (NaN with < 2 bins)."""
    inner = np.unique(np.quantile(mc, np.linspace(0, 1, bins + 1)[1:-1]))
    edges = np.concatenate([[-np.inf], inner, [np.inf]])
    if len(edges) < 3:
        return math.nan
    g = np.histogram(gen, edges)[0].astype(float)
    m = np.histogram(mc, edges)[0].astype(float)
    ok = (g + m) > 0
    return float(np.sum((g[ok] - m[ok]) ** 2 / (g[ok] + m[ok])) / (len(edges) - 2))


def robust_width(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(0.5 * (np.quantile(x, 0.84) - np.quantile(x, 0.16))) if len(x) else math.nan


def classifier_auc(gen: np.ndarray, mc: np.ndarray, seed: int = 0) -> float:
    """AUC of HistGradientBoosting told to separate ``gen`` (label 1) from ``mc`` (0), trained on a random
    half, evaluated on the other half."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    x = np.nan_to_num(np.vstack([gen, mc]), nan=0.0, posinf=1e30, neginf=-1e30)
    y = np.concatenate([np.ones(len(gen)), np.zeros(len(mc))])
    perm = np.random.default_rng(seed).permutation(len(x))
    train, test = perm[: len(x) // 2], perm[len(x) // 2:]
    if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
        return math.nan
    clf = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=seed)
    with threadpool_limits(1):  # one thread: the same result and speed on a busy machine
        clf.fit(x[train], y[train])
        return float(roc_auc_score(y[test], clf.predict_proba(x[test])[:, 1]))


class EventGenerate(Task):
    """Generate N events of ``spec``; scored against the MC test split (see the module docstring)."""

    declared_metrics = METRICS
    primary_metric = "classifier_auc"  # the joint test: marginal metrics rank a marginal resampler first
    error_note = "standard error over 10 paired blocks of generated and MC test events (n = blocks)"
    item_units = "events"
    leaderboard_columns = tuple(m.name for m in METRICS)

    def __init__(self, spec: EventDataset, pair: tuple[str, str], cos_axis, summary: str, engine: str):
        self.spec = spec
        self.name = f"{spec.name}/generate"
        self.pair, self.cos_axis, self.summary, self.engine = pair, cos_axis, summary, engine

    @property
    def cost(self) -> CostModel:
        return CostModel(self.engine, "events", ratio_metric="generation_speedup", speed_metric="events_per_second",
                         engine_models=("mc-reference",))

    @property
    def features(self) -> tuple[str, ...]:
        return self.spec.features

    @property
    def comparative(self) -> list[MetricInfo]:
        """The metrics :meth:`compare` returns, in its order: the declared ones that are not timings."""
        return [m for m in self.declared_metrics if not m.timing]

    def contract(self, config: DatasetConfig) -> PredictionContract:
        n = {"event": config["test_events"]}
        return PredictionContract(
            tuple(VariableContract(f, ("event",), self.spec.units(f), n, self.spec.long_name(f)) for f in self.features),
            unlabelled="events the model generates (independent samples, any order): no rows to match")

    # --- the observables -----------------------------------------------------------------------
    def pair_vectors(self, values: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return physics.four_vectors(values, self.pair[0]), physics.four_vectors(values, self.pair[1])

    def mass(self, values) -> np.ndarray:
        return physics.invariant_mass(*self.pair_vectors(values))

    def cos_theta(self, values) -> np.ndarray:
        return physics.helicity_cos(*self.pair_vectors(values), axis=self.cos_axis)

    def residual(self, values) -> np.ndarray:
        if self.spec is TWO_BODY:
            return physics.decay_energy_residual(values)
        return physics.onshell_residual(values, self.pair)

    def observables(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"mass": self.mass(values), "cos": self.cos_theta(values), "residual": self.residual(values),
                "x": matrix(values, self.features), **self.extra_observables(values)}

    def extra_observables(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Observables of a subclass's further metrics (none here)."""
        return {}

    def extra_compare(self, gen: dict[str, np.ndarray], mc: dict[str, np.ndarray]) -> list[float]:
        """A subclass's further comparative metrics, after the common ones (none here)."""
        return []

    def panels(self, values: dict[str, np.ndarray]) -> dict[str, tuple[str, np.ndarray]]:
        """The derived observables the figures histogram: key → (axis label, values per event)."""
        return {"pair mass": ("pair invariant mass (GeV)", self.mass(values)),
                "cos": ("cos θ* (1)", self.cos_theta(values)),
                "residual": ("log₁₀ conservation residual (GeV)", np.log10(np.maximum(self.residual(values), 1e-16)))}

    def compare(self, gen: dict[str, np.ndarray], mc: dict[str, np.ndarray], mc_std: np.ndarray) -> np.ndarray:
        """The comparative metrics (in :attr:`comparative` order) of observables ``gen`` against ``mc``."""
        w1 = [wasserstein(gen["x"][:, k], mc["x"][:, k]) / mc_std[k] for k in range(gen["x"].shape[1])]
        chi = [chi2_ndf(gen["x"][:, k], mc["x"][:, k]) for k in range(gen["x"].shape[1])]
        gm, mm = gen["mass"][np.isfinite(gen["mass"])], mc["mass"]
        with np.errstate(all="ignore"):
            return np.array([
                float(np.mean(w1)), float(np.nanmean(chi)) if np.any(np.isfinite(chi)) else math.nan,
                abs(float(np.median(gm)) - float(np.median(mm))) if len(gm) else math.nan,
                abs(robust_width(gm) - robust_width(mm)),
                wasserstein(gen["cos"], mc["cos"]),
                float(np.nanmean(gen["residual"])) if np.any(np.isfinite(gen["residual"])) else math.nan,
                classifier_auc(gen["x"], mc["x"]),
                *self.extra_compare(gen, mc),
            ])

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        n = data.test.sizes["event"]
        if predictions.sizes.get("event") != n:
            raise SubmissionError(f"the submission has {predictions.sizes.get('event')} events; generate exactly "
                                  f"{n} (the test split's size)")
        gen = self.observables(features_of(predictions, self.features))
        mc = self.observables(features_of(data.test, self.features))
        std = mc["x"].std(axis=0)
        std = np.where(std > 0, std, 1.0)
        value = self.compare(gen, mc, std)
        blocks = np.array([self.compare(_block(gen, k), _block(mc, k), std) for k in range(N_BLOCKS)])
        scores = {}
        for i, info in enumerate(self.comparative):
            b = blocks[:, i][np.isfinite(blocks[:, i])]
            if math.isfinite(value[i]) and len(b) > 1:
                scores[info.name] = Estimate(float(value[i]), float(b.std(ddof=1) / math.sqrt(len(b))), len(b),
                                             f"{len(b)} paired blocks of the {n} generated and {n} MC events")
            else:
                scores[info.name] = Estimate(float(value[i]))
        scores["events_per_second"] = Estimate(items_per_second or math.nan)
        scores["generation_speedup"] = generation_speedup(items_per_second, engine_items_per_second)
        return scores

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        values = features_of(predictions, self.features)
        mc = features_of(data.test, self.features)
        std = matrix(mc, self.features).std(axis=0)
        out = {"w1_scaled_per_feature": {f: wasserstein(values[f], mc[f]) / (s if s > 0 else 1.0)
                                         for f, s in zip(self.features, std)},
               "pairs_without_rest_frame": int(np.sum(~np.isfinite(self.cos_theta(values)))),
               "units": {"w1_scaled_per_feature": "1", "pairs_without_rest_frame": "events"}}
        recon = {k: float(v) for k, v in predictions.attrs.items() if k.startswith("recon_")}
        if recon:
            out["reconstruction_test"] = {**recon, "units": "1 (MSE of standardised features)",
                                          "note": "Otten et al.'s test: autoencoder reconstruction error of held-out "
                                                  "events vs uniform noise in the training box (reported by the model)"}
        if "buffer_offset" in predictions.attrs:  # the B-VAE's γ and the validation scores that chose it
            out["buffer_offset"] = {
                "gamma": float(predictions.attrs["buffer_offset"]),
                "grid": [float(v) for v in np.atleast_1d(predictions.attrs["buffer_offset_grid"])],
                "val_classifier_auc": [float(v) for v in np.atleast_1d(predictions.attrs["buffer_offset_val_auc"])],
                "val_classifier_auc_stderr": [float(v) for v in
                                              np.atleast_1d(predictions.attrs["buffer_offset_val_auc_stderr"])],
                "units": {"gamma": "1 (latent units)", "grid": "1 (latent units)", "val_classifier_auc": "1",
                          "val_classifier_auc_stderr": "1"},
                "note": "reported by the model: the smallest γ of the grid whose classifier AUC (its generated events "
                        "against the validation split) is within one standard error of the lowest"}
        return out

    def targets(self, data: TaskData) -> dict:
        mc = features_of(data.test, self.features)
        m = self.mass(mc)
        return {"mc_mass_median": float(np.median(m)), "mc_mass_half_width_16_84": robust_width(m),
                "units": {"mc_mass_median": "GeV", "mc_mass_half_width_16_84": "GeV"},
                "note": "the MC test split every entry is compared with"}

    def count_items(self, predictions: xr.Dataset) -> int:
        return int(predictions.sizes.get("event", 0))

    def engine_items_per_second(self, data: TaskData) -> float:
        """The engine's events/s here, now: the exact generator on N events (decay); Pythia 8 on 1 000 events
        after its initialisation, lepton extraction included (Z)."""
        cfg = data.config
        if self.spec is TWO_BODY:
            n = cfg["test_events"]
            start = time.perf_counter()
            physics.two_body_decays(np.random.default_rng(12345), n, **{k: cfg[k] for k in (
                "parent_mass", "parent_width", "m1", "width1", "m2", "width2", "p_mean")})
            return n / (time.perf_counter() - start)
        out = physics.pythia_dilepton(1000, ecm=cfg["ecm"], seed=12345, isr=bool(cfg["isr"]), fsr=bool(cfg["fsr"]))
        return 1000 / out["seconds"]


#: ttbar/generate: the common metrics with their tt̄ observables named, and the W mass and Δφ(ℓ, b_ℓ) added
_TOP_NAMES = {
    "mass_peak_shift": ("GeV", "|median of the hadronic top mass m(q₁q₂b_h) − the MC's|"),
    "mass_width_shift": ("GeV", "|half 16–84 % interquantile range of m(q₁q₂b_h) − the MC's|"),
    "cos_theta_w1": ("1", "W1 of cos θ* of q₁ in the hadronic W frame (helicity angle), generated vs MC"),
    "conservation_residual": ("GeV", "mean per-event |Σ p⃗_T of the six objects + p⃗_T^miss| of the generated events"),
}
TOP_METRICS = (
    *(MetricInfo(m.name, *_TOP_NAMES[m.name]) if m.name in _TOP_NAMES else m for m in COMPARATIVE),
    MetricInfo("w_mass_peak_shift", "GeV", "|median of the hadronic W mass m(q₁q₂) − the MC's|"),
    MetricInfo("w_mass_width_shift", "GeV", "|half 16–84 % interquantile range of m(q₁q₂) − the MC's|"),
    MetricInfo("dphi_lb_w1", "rad", "W1 of Δφ(ℓ, b_ℓ), the lepton and its top's b, generated vs MC"),
    *(m for m in METRICS if m.timing),
)


class TopGenerate(EventGenerate):
    """``ttbar/generate``: objects stored as (E, p_T, η, φ); observables of the semi-leptonic tt̄ decay."""

    declared_metrics = TOP_METRICS
    leaderboard_columns = tuple(m.name for m in TOP_METRICS)

    def __init__(self):
        super().__init__(TTBAR, ("q1", "q2"), None,
                         "generate N semi-leptonic pp → tt̄ events (26 features); W1, χ², m_jjb, m_jj, cos θ*, Δφ, "
                         "p_T balance, AUC vs Pythia 8", "Pythia 8")

    def vectors(self, values, prefix: str) -> np.ndarray:
        return physics.four_vectors_ptetaphi(values, prefix)

    def pair_vectors(self, values) -> tuple[np.ndarray, np.ndarray]:
        return self.vectors(values, "q1"), self.vectors(values, "q2")

    def mass(self, values) -> np.ndarray:
        q1, q2 = self.pair_vectors(values)
        return physics.invariant_mass(q1 + q2, self.vectors(values, "bh"))

    def w_mass(self, values) -> np.ndarray:
        return physics.invariant_mass(*self.pair_vectors(values))

    def dphi(self, values) -> np.ndarray:
        return physics.delta_phi(values["l_phi"], values["bl_phi"])

    def residual(self, values) -> np.ndarray:
        return physics.transverse_balance(values)

    def extra_observables(self, values):
        return {"w_mass": self.w_mass(values), "dphi": self.dphi(values)}

    def extra_compare(self, gen, mc) -> list[float]:
        gw, mw = gen["w_mass"][np.isfinite(gen["w_mass"])], mc["w_mass"]
        with np.errstate(all="ignore"):
            return [abs(float(np.median(gw)) - float(np.median(mw))) if len(gw) else math.nan,
                    abs(robust_width(gw) - robust_width(mw)), wasserstein(gen["dphi"], mc["dphi"])]

    def panels(self, values):
        return {"pair mass": ("hadronic top mass m(q₁q₂b_h) (GeV)", self.mass(values)),
                "w mass": ("hadronic W mass m(q₁q₂) (GeV)", self.w_mass(values)),
                "cos": ("cos θ* of q₁ in the W frame (1)", self.cos_theta(values)),
                "dphi": ("Δφ(ℓ, b_ℓ) (rad)", self.dphi(values)),
                "residual": ("log₁₀ |Σ p⃗_T + p⃗_T^miss| (GeV)", np.log10(np.maximum(self.residual(values), 1e-16)))}

    def targets(self, data: TaskData) -> dict:
        out = super().targets(data)
        w = self.w_mass(features_of(data.test, self.features))
        out.update(mc_w_mass_median=float(np.median(w)), mc_w_mass_half_width_16_84=robust_width(w))
        out["units"].update(mc_w_mass_median="GeV", mc_w_mass_half_width_16_84="GeV")
        return out

    def engine_items_per_second(self, data: TaskData) -> float:
        """Pythia 8's selected (semi-leptonic e/μ) events/s here, now: 300 events after initialisation, the
        rejected channels and the extraction of the objects included."""
        out = physics.pythia_ttbar(300, ecm=data.config["ecm"], seed=12345, isr=bool(data.config["isr"]))
        return 300 / out["seconds"]


def _block(obs: dict[str, np.ndarray], k: int) -> dict[str, np.ndarray]:
    return {key: np.array_split(v, N_BLOCKS)[k] for key, v in obs.items()}


def submission(spec: EventDataset, values: dict[str, np.ndarray], attrs: dict | None = None) -> xr.Dataset:
    """A submission of generated events (one variable per feature, the dataset's units)."""
    n = len(next(iter(values.values())))
    ds = xr.Dataset({f: (("event",), np.asarray(values[f], np.float64),
                         {"units": spec.units(f), "long_name": spec.long_name(f)}) for f in spec.features},
                    coords={"event": ("event", np.arange(n), {"units": "1", "long_name": "generated event index"})})
    ds.attrs.update(attrs or {})
    return ds


DECAY_TASK = EventGenerate(TWO_BODY, ("d1", "d2"), None,
                           "generate N two-body decays (10 features); W1, χ², parent mass, cos θ*, AUC vs exact MC",
                           "the exact phase-space generator")
Z_TASK = EventGenerate(ZLL, ("lm", "lp"), BEAM_AXIS,
                       "generate N e⁺e⁻ → Z → ℓ⁺ℓ⁻ events (16 features); W1, χ², m_ℓℓ, cos θ*, AUC vs Pythia 8",
                       "Pythia 8")
TT_TASK = TopGenerate()
