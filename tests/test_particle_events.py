"""The particle-events system: the exact two-body generator against its analytic distributions, Pythia 8's
e⁺e⁻ → Z → ℓ⁺ℓ⁻ and pp → tt̄ samples, the generate task's metrics (each shown to react to what it measures), the
references through the same code, the GAN / VAE / B-VAE baselines, figures and the check-system round trip."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from scipy.stats import kstest

from mdbench import catalog
from mdbench.core.errors import MdbenchError, SubmissionError
from mdbench.data import store
from mdbench.systems.particle_events import physics
from mdbench.systems.particle_events.dataset import TWO_BODY
from mdbench.systems.particle_events.references import IndependentMarginals, MCReference
from mdbench.systems.particle_events.task import (DECAY_TASK, TT_TASK, Z_TASK, chi2_ndf, classifier_auc,
                                                  features_of, submission)

DECAY = dict(parent_mass=100.0, parent_width=5.0, m1=10.0, width1=0.5, m2=20.0, width2=1.0, p_mean=50.0)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Two torch threads on a busy 2-core machine are several times slower than one."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _load(generate_once, task):
    generate_once(task.dataset)
    return store.load_task_data(task, task.spec.config("tiny"))


@pytest.fixture(scope="module")
def decay(generate_once):
    return _load(generate_once, DECAY_TASK)


@pytest.fixture(scope="module")
def zll(generate_once):
    return _load(generate_once, Z_TASK)


@pytest.fixture(scope="module")
def ttbar(generate_once):
    return _load(generate_once, TT_TASK)


# --- the exact generator ------------------------------------------------------------------------------
def test_two_body_decays_are_exact():
    out = physics.two_body_decays(np.random.default_rng(2024), 10_000, **DECAY)
    d1, d2 = physics.four_vectors(out, "d1"), physics.four_vectors(out, "d2")
    parent = d1 + d2
    # energy-momentum conservation: the daughters add up to the drawn parent (mass M, momentum |p|)
    np.testing.assert_allclose(physics.invariant_mass(d1, d2), out["parent_m"], rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(parent[:, 1:], axis=1), out["parent_p"], rtol=1e-10, atol=1e-10)
    # in the parent rest frame each daughter carries p* = λ^½(M², m₁², m₂²)/2M, back to back
    pstar = physics.kallen_momentum(out["parent_m"], out["d1_m"], out["d2_m"])
    for d in (d1, d2):
        star = physics.rest_frame(d, parent)
        np.testing.assert_allclose(np.linalg.norm(star[:, 1:], axis=1), pstar, rtol=1e-11)
    np.testing.assert_allclose(physics.rest_frame(d1, parent)[:, 1:] + physics.rest_frame(d2, parent)[:, 1:], 0,
                               atol=1e-9)
    # daughters on shell with their drawn masses
    for d, m in ((d1, out["d1_m"]), (d2, out["d2_m"])):
        np.testing.assert_allclose(np.sqrt(d[:, 0] ** 2 - np.sum(d[:, 1:] ** 2, axis=1)), m, rtol=1e-9)
    # cos θ* reconstructed from the daughters is the drawn one, and uniform on [−1, 1]
    cos = physics.helicity_cos(d1, d2)
    np.testing.assert_allclose(cos, out["cos_theta_star"], atol=1e-10)
    assert kstest(cos, "uniform", args=(-1, 2)).pvalue > 0.01
    assert np.nanmax(physics.decay_energy_residual(out)) < 1e-9
    # the masses stay in their truncated Breit–Wigner ranges, the parent spectrum has its mean
    assert out["parent_m"].min() >= 80 and out["parent_m"].max() <= 120
    assert out["parent_p"].mean() == pytest.approx(50.0, rel=0.03)


def test_the_conservation_residuals_see_broken_kinematics():
    out = physics.two_body_decays(np.random.default_rng(1), 1000, **DECAY)
    broken = {**out, "d1_E": out["d1_E"] * 1.05}
    assert np.nanmean(physics.decay_energy_residual(broken)) > 0.5
    z = {f"lm_{q}": v for q, v in physics.lepton_quantities(physics.four_vectors(out, "d1"), out["d1_m"]).items()}
    z.update({f"lp_{q}": v for q, v in physics.lepton_quantities(physics.four_vectors(out, "d2"), out["d2_m"]).items()})
    assert physics.onshell_residual(z).max() < 1e-5
    z["lm_E"] = z["lm_E"] + 1.0
    assert physics.onshell_residual(z).min() > 0.1


def test_pythia_seed_mapping():
    assert physics.pythia_seed(5) == 5 and physics.pythia_seed(900_000_005) == 5
    assert physics.pythia_seed(0) == physics.pythia_seed(1_800_000_000) == 900_000_000


def test_pythia_dileptons_have_half_muons_and_the_z_peak():
    out = physics.pythia_dilepton(1000, ecm=91.2, seed=7)
    f = out["features"]
    muons = np.mean(out["flavour"] == 13)
    assert abs(muons - 0.5) < 0.06  # 3.8 σ of a binomial fraction of 1000
    mass = physics.invariant_mass(physics.four_vectors(f, "lm"), physics.four_vectors(f, "lp"))
    assert 90.0 < np.median(mass) < 91.6
    assert 2.5 < out["sigma_nb"] < 3.3  # σ(e⁺e⁻ → Z/γ* → ee, μμ) ≈ 2.9 nb
    # the stored lepton masses say the flavour; a seed gives the same events, another seed others
    np.testing.assert_allclose(f["lm_m"][out["flavour"] == 13], 0.10566, atol=1e-4)
    again = physics.pythia_dilepton(50, ecm=91.2, seed=7)["features"]
    np.testing.assert_array_equal(again["lm_E"], f["lm_E"][:50])
    assert not np.array_equal(physics.pythia_dilepton(50, ecm=91.2, seed=8)["features"]["lm_E"], again["lm_E"])


def test_pythia_ttbar_semileptonic_events():
    out = physics.pythia_ttbar(300, ecm=13000.0, seed=11)
    f = out["features"]
    assert len(f) == len(physics.TTBAR_FEATURES) == 26 and set(f) == set(physics.TTBAR_FEATURES)
    # every generated event is counted in one channel; e/μ + jets is 2 × 2·BR(W → ℓν) × BR(W → qq̄') ≈ 0.29
    assert sum(out["channels"].values()) == out["tries"] and out["channels"]["semileptonic_e_mu"] == 300
    assert abs(300 / out["tries"] - 0.292) < 0.06  # 4 σ of a binomial fraction of ≈ 1 000 tries
    assert abs(np.mean(out["lepton_id"] < 0) - 0.5) < 0.12 and set(np.abs(out["lepton_id"])) <= {11, 13}
    # the final state balances in p_T (the recoil and p⃗_T^miss included); the W and top peaks are there
    assert physics.transverse_balance(f).max() < 1e-6
    q1, q2, bh = (physics.four_vectors_ptetaphi(f, o) for o in ("q1", "q2", "bh"))
    assert 79.5 < np.median(physics.invariant_mass(q1, q2)) < 81.5
    assert 171.5 < np.median(physics.invariant_mass(q1 + q2, bh)) < 174.0
    assert np.all(f["q1_pt"] >= f["q2_pt"]) and np.median(f["r_pt"]) > 5.0  # ISR recoil present
    assert 300 < out["sigma_pb"] < 700  # LO σ(pp → tt̄, 13 TeV) ≈ 0.5 nb with Pythia's default PDF
    # a broken event (the lepton's p_T scaled by 1.1) misses the balance by exactly 0.1 p_T(ℓ)
    np.testing.assert_allclose(physics.transverse_balance({**f, "l_pt": f["l_pt"] * 1.1}), 0.1 * f["l_pt"],
                               rtol=1e-6)
    again = physics.pythia_ttbar(20, ecm=13000.0, seed=11)["features"]
    np.testing.assert_array_equal(again["l_E"], f["l_E"][:20])


def test_ttbar_observables_and_references(ttbar):
    assert set(TT_TASK.features) <= set(ttbar.train.data_vars) and len(TT_TASK.features) == 26
    assert ttbar.train["l_eta"].attrs["units"] == "1" and ttbar.train["met_phi"].attrs["units"] == "rad"
    assert sum(json.loads(ttbar.train.attrs["channel_counts"]).values()) == ttbar.train.attrs["pythia_tries"]
    ref = TT_TASK.data_for(ttbar, "physics reference")
    mc = TT_TASK.score(MCReference(TT_TASK).fit(ref, seed=0).predict(ref, seed=0), ttbar,
                       items_per_second=None, engine_items_per_second=None)
    static = TT_TASK.score(IndependentMarginals(TT_TASK).fit(ref, seed=0).predict(ref, seed=0), ttbar,
                           items_per_second=None, engine_items_per_second=None)
    assert set(mc) == {m.name for m in TT_TASK.declared_metrics}
    assert mc["conservation_residual"].value < 1e-6 and mc["classifier_auc"].value < 0.65
    assert mc["w_mass_peak_shift"].value < 1.0 and mc["w_mass_peak_shift"].n == 10
    # resampled marginals: no top or W peak, no p_T balance, and the classifier sees it
    assert static["mass_peak_shift"].value > 20 and static["w_mass_width_shift"].value > 20
    assert static["conservation_residual"].value > 50 and static["classifier_auc"].value > 0.75
    targets = TT_TASK.targets(ttbar)
    assert targets["mc_mass_median"] == pytest.approx(172.5, abs=1.5)
    assert targets["mc_w_mass_median"] == pytest.approx(80.4, abs=1.0)


def test_ttbar_b_vae_and_panels(ttbar):
    """The B-VAE on tt̄'s 26 features gives a valid submission with every metric finite; the figures'
    derived panels add the W mass and Δφ (plot_all itself is exercised by the decay's figure test)."""
    visible = TT_TASK.data_for(ttbar, "model")
    pred = catalog.models(TT_TASK.name)["b-vae"].factory().fit(visible, seed=0, progress=False).predict(visible, seed=0)
    TT_TASK.contract(ttbar.config).validate(pred, "b-vae")
    scores = TT_TASK.score(pred, ttbar, items_per_second=1.0, engine_items_per_second=1.0)
    assert all(math.isfinite(scores[m.name].value) for m in TT_TASK.comparative)
    panels = TT_TASK.panels(features_of(pred, TT_TASK.features))
    assert list(panels) == ["pair mass", "w mass", "cos", "dphi", "residual"]
    assert all(len(v) == ttbar.config["test_events"] for _, v in panels.values())


def test_splits_and_their_sizes(decay, zll):
    for data in (decay, zll):
        assert data.test.sizes["event"] == data.extra["reference"].sizes["event"] == data.config["test_events"]
        assert data.train.sizes["event"] == data.config["train_events"]
        # the reference split is an independent sample, not a copy of the test split
        f = "d1_E" if data is decay else "lm_E"
        assert not np.array_equal(data.test[f].values, data.extra["reference"][f].values)
    assert set(DECAY_TASK.features) <= set(decay.train.data_vars) and len(DECAY_TASK.features) == 10
    assert set(Z_TASK.features) <= set(zll.train.data_vars) and len(Z_TASK.features) == 16
    assert decay.train["d1_E"].attrs["units"] == "GeV" and zll.train["lm_eta"].attrs["units"] == "1"


# --- the metrics ----------------------------------------------------------------------------------------
def test_chi2_and_classifier_tell_equal_from_different_samples():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=4000), rng.normal(size=4000)
    assert 0.4 < chi2_ndf(a, b) < 2.0
    assert chi2_ndf(a + 0.3, b) > 5
    x, y = rng.normal(size=(1000, 3)), rng.normal(size=(1000, 3))
    assert abs(classifier_auc(x, y) - 0.5) < 0.06
    y_corr = y.copy()
    y_corr[:, 1] = y_corr[:, 0]  # same marginals, a correlation the classifier must find
    assert classifier_auc(x, y_corr) > 0.75


def test_references_through_the_same_code(decay):
    ref = DECAY_TASK.data_for(decay, "physics reference")
    mc = DECAY_TASK.score(MCReference(DECAY_TASK).fit(ref, seed=0).predict(ref, seed=0), decay,
                          items_per_second=None, engine_items_per_second=None)
    static = DECAY_TASK.score(IndependentMarginals(DECAY_TASK).fit(ref, seed=0).predict(ref, seed=0), decay,
                              items_per_second=1e6, engine_items_per_second=2e6)
    # the independent MC sample: exact kinematics and indistinguishable
    assert mc["conservation_residual"].value < 1e-9
    assert mc["classifier_auc"].value < 0.6 and mc["mass_peak_shift"].value < 1.0
    assert mc["classifier_auc"].n == 10 and mc["w1_scaled_mean"].stderr > 0
    # resampled marginals: right 1-D distributions, but no mass peak and no conservation
    assert static["w1_scaled_mean"].value < 3 * mc["w1_scaled_mean"].value + 0.05
    assert static["mass_peak_shift"].value > 5.0 and static["conservation_residual"].value > 10.0
    assert static["classifier_auc"].value > 0.75
    assert static["generation_speedup"].value == pytest.approx(0.5)
    assert math.isnan(mc["events_per_second"].value)
    # the physics reference's feature W1 is the statistical floor the scaled W1 rests on
    shifted = submission(TWO_BODY, {f: decay.extra["reference"][f].values * (1.1 if f == "d1_pz" else 1.0)
                                    for f in DECAY_TASK.features})
    moved = DECAY_TASK.score(shifted, decay, items_per_second=None, engine_items_per_second=None)
    assert moved["w1_scaled_mean"].value > mc["w1_scaled_mean"].value
    with pytest.raises(SubmissionError, match="generate exactly"):
        DECAY_TASK.score(shifted.isel(event=slice(0, 10)), decay, items_per_second=None, engine_items_per_second=None)


def test_z_references_and_the_lepton_flavour(zll):
    ref = Z_TASK.data_for(zll, "physics reference")
    mc = Z_TASK.score(MCReference(Z_TASK).fit(ref, seed=0).predict(ref, seed=0), zll,
                      items_per_second=None, engine_items_per_second=None)
    static = Z_TASK.score(IndependentMarginals(Z_TASK).fit(ref, seed=0).predict(ref, seed=0), zll,
                          items_per_second=None, engine_items_per_second=None)
    assert mc["conservation_residual"].value < 1e-4 and mc["classifier_auc"].value < 0.6
    assert static["mass_peak_shift"].value > 5.0 and static["classifier_auc"].value > 0.9
    assert Z_TASK.targets(zll)["mc_mass_median"] == pytest.approx(91.0, abs=0.8)
    assert 1e3 < Z_TASK.engine_items_per_second(zll) < 1e6


# --- the baselines ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gan", "vae", "b-vae"])
def test_baselines_generate_valid_events(decay, name):
    entry = catalog.models(DECAY_TASK.name)[name]
    visible = DECAY_TASK.data_for(decay, "model")
    assert visible.test is None and not visible.extra
    pred = entry.factory().fit(visible, seed=0, progress=False).predict(visible, seed=0)
    DECAY_TASK.contract(decay.config).validate(pred, name)
    scores = DECAY_TASK.score(pred, decay, items_per_second=1.0, engine_items_per_second=1.0)
    assert all(math.isfinite(scores[k].value) for k in ("w1_scaled_mean", "chi2_ndf_mean", "classifier_auc"))
    details = DECAY_TASK.details(pred, decay)
    if name == "gan":
        assert "reconstruction_test" not in details
    else:  # the autoencoders reconstruct held-out events far better than uniform noise (the paper's test)
        rec = details["reconstruction_test"]
        assert rec["recon_noise_over_events"] > 2 and rec["recon_mse_noise"] > rec["recon_mse_events"]


def test_b_vae_samples_from_its_buffer(decay):
    """The buffer sampler draws latent codes around the training events' means: with α σ → 0 its events are
    the decoded training events; the VAE samples its prior instead."""
    from baselines.particle_events.models import VAE

    visible = DECAY_TASK.data_for(decay, "model")
    model = VAE(DECAY_TASK, buffer=True).fit(visible, seed=0, progress=False)
    assert model.mu.shape == (decay.train.sizes["event"], len(DECAY_TASK.features))
    model.sigma, model.offset = torch.zeros_like(model.sigma), 0.0
    pred = model.predict(visible, seed=1)
    with torch.no_grad():
        decoded = model.net.dec(model.mu).numpy() * model.std + model.mean
    rows = np.column_stack([pred[f].values for f in DECAY_TASK.features])
    dist = np.min(np.linalg.norm(rows[:50, None, :] - decoded[None, :, :], axis=2), axis=1)
    assert dist.max() < 1e-3


def test_b_vae_offset_is_chosen_on_the_validation_split(decay):
    """The buffer offset γ comes from the declared grid: the smallest γ whose classifier AUC (the task's primary
    metric) of generated against validation events is within one standard error of the lowest, recorded in
    the submission and its details; predict smears with σᵢ + γ, not σᵢ alone."""
    from baselines.particle_events import OFFSETS
    from baselines.particle_events.models import VAE

    assert DECAY_TASK.primary_metric == "classifier_auc"  # the metric choose_offset scores with
    visible = DECAY_TASK.data_for(decay, "model")
    model = catalog.models(DECAY_TASK.name)["b-vae"].factory().fit(visible, seed=0, progress=False)
    assert model.offsets == OFFSETS and len(OFFSETS) > 1
    scores, stderr = model.offset_scores, model.offset_stderr
    assert len(scores) == len(stderr) == len(OFFSETS) and all(0.0 <= a <= 1.0 for a in scores)
    # the smallest γ within one standard error of the lowest validation AUC
    best = int(np.argmin(scores))
    assert model.offset == min(o for o, a in zip(OFFSETS, scores) if a <= scores[best] + stderr[best])
    pred = model.predict(visible, seed=0)
    details = DECAY_TASK.details(pred, decay)["buffer_offset"]
    assert details["gamma"] == model.offset and details["grid"] == list(OFFSETS)
    assert details["val_classifier_auc"] == pytest.approx(scores)
    assert details["val_classifier_auc_stderr"] == pytest.approx(stderr)
    # the scores measure the validation match: a γ far wider than the buffer (100× the σᵢ) is told apart
    wide = VAE(DECAY_TASK, buffer=True, offsets=(0.0, 3.0)).fit(visible, seed=0, progress=False)
    assert wide.offset == 0.0 and wide.offset_scores[1] > wide.offset_scores[0] + 0.1
    # predict decodes z = μᵢ + α (σᵢ + γ) ε: with σᵢ = 0.01 and γ = 0.2, z − μᵢ has std 0.21 (α = 1)
    model.sigma, model.offset = torch.full_like(model.sigma, 0.01), 0.2
    n = decay.config["test_events"]
    z = model.buffer_latent(n, torch.Generator().manual_seed(3), 0.2)
    i = torch.randint(len(model.mu), (n,), generator=torch.Generator().manual_seed(3))
    assert float((z - model.mu[i]).std()) == pytest.approx(0.21, rel=0.03)
    with torch.no_grad():
        expected = model.raw(model.net.dec(z))
    rows = np.column_stack([model.predict(visible, seed=3)[f].values for f in DECAY_TASK.features])
    np.testing.assert_allclose(rows, expected, rtol=1e-6, atol=1e-6)
    with pytest.raises(MdbenchError, match="non-empty grid"):
        VAE(DECAY_TASK, buffer=True, offsets=())


def test_auc_standard_error():
    """Hanley & McNeil's standard error: √((n₁ + n₂ + 1)/(12 n₁ n₂)) at AUC 0.5, 0 at a perfect AUC, and at
    0.9 with 50 + 50 examples by hand: Q₁ = 0.9/1.1, Q₂ = 1.62/1.9, variance (0.09 + 49 (Q₁ − 0.81) +
    49 (Q₂ − 0.81))/2500 = 0.0010319, standard error 0.03212."""
    from baselines.particle_events.models import auc_stderr

    assert auc_stderr(0.5, 2500, 2500) == pytest.approx(math.sqrt(5001 / (12 * 2500 * 2500)))
    assert auc_stderr(1.0, 2500, 2500) == 0.0
    assert auc_stderr(0.9, 50, 50) == pytest.approx(0.03212, abs=1e-5)
    assert math.isnan(auc_stderr(math.nan, 10, 10))


# --- figures and the system check ---------------------------------------------------------------------------
def test_figures_show_every_feature(decay, tmp_path):
    from mdbench.systems.particle_events.figures import plot_all

    ref = DECAY_TASK.data_for(decay, "physics reference")
    preds = {"mc-reference": MCReference(DECAY_TASK).fit(ref, seed=0).predict(ref, seed=0),
             "independent-marginals": IndependentMarginals(DECAY_TASK).fit(ref, seed=0).predict(ref, seed=0)}
    results = {"entries": {"mc-reference": {"role": "physics reference"},
                           "independent-marginals": {"role": "static reference"}}}
    paths = plot_all(DECAY_TASK, decay, preds, results, tmp_path)
    assert [p.name for p in paths] == ["features.png", "observables.png"] and all(p.stat().st_size > 0 for p in paths)
    assert len(features_of(preds["mc-reference"], DECAY_TASK.features)) == 10


def test_check_system_round_trip_on_tiny(decay, zll, ttbar, monkeypatch):
    from mdbench.benchmark.check_system import check_system

    monkeypatch.delenv("MDBENCH_LEADERBOARDS")
    report = check_system("particle-events")
    for task in ("two-body-decay/generate", "z-dilepton/generate", "ttbar/generate"):
        assert any(line.startswith(f"round trip of {task}: config tiny") for line in report.passed), report.passed
