"""Otten et al. (2021)'s claims on the two-body decay and on pp → tt̄ at `small` (slow: 210 s and 328 s, the
latter including the generation of ttbar/small, measured on a shared 2-core machine).

The paper's claims are qualitative; the criteria tested here, and why:
* "the B-VAE reproduces the distributions close to the MC, better than the GAN and the plain VAE": the
  B-VAE's mean scaled W1 and classifier AUC are both lower than the GAN's and the VAE's, and its W1 is
  within 3× the physics reference's (the statistical floor at equal N);
* "the networks learn momentum conservation without being told": the B-VAE's parent-frame energy
  residual is at least 5× smaller than that of the static reference (right marginals, no correlations),
  i.e. it learned most of the constraint (not exactly: the MC's residual is 0);
* "the autoencoder reconstructs events much better than noise": held-out events reconstruct at least 5×
  better (MSE) than uniform noise in the training box.

On tt̄ the same criteria, except that the B-VAE's W1 must be within 2× the floor (26 features, its
board value is 1.25×) and that the invariant-mass peaks are not tested: the board shows the B-VAE misses
them (the card says so), which is a finding, not a claim to hold the code to.
"""

from __future__ import annotations

import pytest
import torch

from mdbench import catalog
from mdbench.data import store
from mdbench.systems.particle_events.task import DECAY_TASK, TT_TASK

pytestmark = pytest.mark.slow


def _small(generate_once, task):
    generate_once(task.spec.name, "small")
    return store.load_task_data(task, task.spec.config("small"))


def _check_claims(task, small, w1_factor: float):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        scores, details = {}, {}
        for name, entry in catalog.models(task.name).items():
            data = task.data_for(small, entry.role)
            pred = entry.factory().fit(data, seed=0, progress=False).predict(data, seed=0)
            scores[name] = task.score(pred, small, items_per_second=None, engine_items_per_second=None)
            details[name] = task.details(pred, small)
    finally:
        torch.set_num_threads(before)
    w1 = {k: s["w1_scaled_mean"].value for k, s in scores.items()}
    auc = {k: s["classifier_auc"].value for k, s in scores.items()}
    assert w1["b-vae"] < min(w1["gan"], w1["vae"]) and auc["b-vae"] < min(auc["gan"], auc["vae"]), (w1, auc)
    assert w1["b-vae"] < w1_factor * w1["mc-reference"], w1
    res = {k: s["conservation_residual"].value for k, s in scores.items()}
    assert res["b-vae"] < res["independent-marginals"] / 5, res
    for name in ("vae", "b-vae"):
        assert details[name]["reconstruction_test"]["recon_noise_over_events"] > 5, details[name]


def test_the_b_vae_claims_on_the_two_body_decay(generate_once):
    _check_claims(DECAY_TASK, _small(generate_once, DECAY_TASK), 3)


def test_the_b_vae_claims_on_ttbar(generate_once):
    _check_claims(TT_TASK, _small(generate_once, TT_TASK), 2)
