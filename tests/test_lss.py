"""The latent space simulator's parts: SRV loss, latent-dimension choice, generation speed, pipeline."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from baselines.estimators.cwgan import CWGANModel, mlp
from baselines.estimators.mdn_propagator import MDNPropagatorModel, MixtureDensityNetwork
from baselines.estimators.srv import SRV, reversible_eigen, reversible_vamp2
from helpers import score_entry, task_data
from mdbench import catalog


def test_reversible_vamp2_of_a_linear_ar1_process_is_known():
    rng = np.random.default_rng(0)
    a, n = 0.9, 200_000
    x = np.empty(n)
    x[0] = 0.0
    noise = rng.standard_normal(n) * np.sqrt(1 - a * a)
    for i in range(1, n):
        x[i] = a * x[i - 1] + noise[i]
    t = torch.as_tensor(x[:, None])
    w, _, _ = reversible_eigen(t[:-1], t[1:])
    assert float(w[0]) == pytest.approx(a, abs=0.01)
    assert float(reversible_vamp2(t[:-1], t[1:])) == pytest.approx(1 + a * a, abs=0.02)


def test_srv_finds_the_slow_eigenvalues_and_the_gap_rule_picks_m():
    """Two slow AR(1) processes (λ = 0.98, 0.95) mixed with 6 fast ones into 8 features."""
    rng = np.random.default_rng(1)
    lams = np.array([0.98, 0.95, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1])
    mix = np.linalg.qr(rng.standard_normal((len(lams), len(lams))))[0]  # the slow modes are not features

    def traj(n):
        x = np.zeros((n, len(lams)))
        noise = rng.standard_normal((n, len(lams))) * np.sqrt(1 - lams**2)
        for i in range(1, n):
            x[i] = lams * x[i - 1] + noise[i]
        return (x @ mix).astype(np.float32)

    model = SRV(n_out=4, hidden=(32, 32), batch_size=2000, max_epochs=30, patience=5, progress=False).fit(
        [traj(20_000)], 1, validation=[traj(5_000)]).fetch_model()
    np.testing.assert_allclose(model.eigenvalues[:2], [0.98, 0.95], atol=0.03)
    # further outputs may learn products of the slow modes (eigenvalues λ₁², λ₁λ₂, …): that is the
    # true spectrum, so the gap rule is checked on a spectrum with a clear gap
    model.eigenvalues = np.array([0.98, 0.95, 0.3, 0.2])
    assert model.latent_dimension(3) == 2


def _untrained_lss(m: int, seed: int = 0):
    torch.manual_seed(seed)
    mdn = MDNPropagatorModel(MixtureDensityNetwork(m, 24, (100, 100)), np.zeros(m), np.ones(m))
    dec = CWGANModel(mlp(50 + m, 60, (200, 200, 200)), 50, np.zeros(60), np.ones(60), np.zeros(m), np.ones(m))
    return mdn, dec


@pytest.mark.benchmark(group="trpcage-like LSS generation")
def test_lss_generation_speed(benchmark):
    """Speed goal ≥ 2×10⁴ decoded frames/s: checked as a ratio against a same-process yardstick.

    The yardstick is the decoder's floor: three 200 × 200 float32 matrix products per frame (torch,
    the same batch), ≈ 3.5×10⁵ frames/s on this project's 2-core machines.  Latent propagation of
    100 trajectories together plus decoding must cost less than 10× that, i.e. ≳ 3.5×10⁴ frames/s
    there, above the goal with room for load (measured: 1.6×, 2.2×10⁵ frames/s; under shared load
    up to ≈ 8×).  The old limit of 25× admitted 1.4×10⁴ frames/s, below the goal.
    """
    mdn, dec = _untrained_lss(3)
    n_traj, n_frames = 100, 200
    mdn.simulate(10, np.full(3, 0.5), 0, n_trajectories=n_traj)  # compile the numba sampler

    def generate():
        z = mdn.simulate(n_frames, np.full(3, 0.5), 1, n_trajectories=n_traj)
        return dec.sample(z.reshape(-1, 3), 2)

    h = torch.randn(n_traj * n_frames, 200)
    w = torch.randn(200, 200)

    def yardstick():
        start = time.perf_counter()
        with torch.inference_mode():
            for _ in range(3):
                h @ w
        return time.perf_counter() - start

    def timed_generate():
        start = time.perf_counter()
        generate()
        return time.perf_counter() - start

    # one torch thread on both sides, interleaved: on a busy machine a second thread spin-waits for a core that
    # is not free (issue 23) and a slow spell then hits both alike
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        pairs = [(yardstick(), timed_generate()) for _ in range(5)]
        reference = min(p[0] for p in pairs)
        out = benchmark.pedantic(generate, rounds=1, iterations=1)
    finally:
        torch.set_num_threads(before)
    best = min([p[1] for p in pairs] + [benchmark.stats.stats.min])
    benchmark.extra_info["frames_per_second"] = n_traj * n_frames / best
    benchmark.extra_info["ratio_to_yardstick"] = best / reference
    assert out.shape == (n_traj * n_frames, 60) and np.all(np.isfinite(out))
    assert best / reference < 10.0


def _pair_distances(x: np.ndarray) -> np.ndarray:
    """The 190 Cα–Cα distances (nm) of every frame of ``x`` (..., 20, 3), as rows."""
    frames = np.asarray(x, dtype=np.float64).reshape(-1, 20, 3)
    i, j = np.triu_indices(20, 1)
    return np.linalg.norm(frames[:, i] - frames[:, j], axis=-1)


def test_smoke_lss_runs_end_to_end_on_tiny(tiny_trpcage):
    """Smoke (a 50-step decoder), plus checks that can fail: the latent dimension is the SRV's gap choice,
    generation is a function of the seed (same seed: same frames; another seed: other frames), and the
    frames are new — no generated frame is a training frame (nearest-neighbour distances computed here
    with scikit-learn), the scored novelty lies within those distances, while resubmitting the training
    frames scores a novelty of 0."""
    from sklearn.neighbors import NearestNeighbors

    task, data = task_data("trpcage-like/simulator")
    visible = data.for_models(task.prediction_inputs(data))
    model = catalog.model(task.name, "lss").factory()
    model.hyper["generator_steps"] = 50  # the pipeline, not the decoder's quality, is under test here
    model.fit(visible, seed=0, progress=False)
    # the latent dimension is the spectral-gap choice of the fitted SRV (not a fixed default)
    assert model.lss.m == model.lss.srv.latent_dimension(model.lss.n_out - 1)
    pred = model.predict(visible, seed=0)
    task.contract(data.config).validate(pred, "lss")
    again = model.predict(visible, seed=0)
    np.testing.assert_array_equal(pred["x"].values, again["x"].values)  # generation depends only on the seed
    assert not np.array_equal(pred["x"].values, model.predict(visible, seed=1)["x"].values)
    scores = task.score(pred, data, items_per_second=None, engine_items_per_second=None)
    assert np.isfinite(scores["free_energy_rmse"].value)

    train = _pair_distances(data.train["x"].values)
    nearest = NearestNeighbors(n_neighbors=1).fit(train).kneighbors(_pair_distances(pred["x"].values))[0][:, 0]
    nearest /= np.sqrt(train.shape[1])  # RMS over the 190 pairs (nm), the metric's definition
    assert nearest.min() > 1e-3  # 1 pm: not one copied training frame
    assert nearest.min() <= scores["novelty"].value <= nearest.max()
    assert score_entry(task, data, "training-data")["novelty"].value == pytest.approx(0.0, abs=1e-5)
