"""The four-well physics engine and its exact reference."""

from __future__ import annotations

import time

import numpy as np
import pytest
from deeptime.data import prinz_potential

from mdbench.metrics.kinetics import discretise, msm_timescales
from mdbench.systems.four_well import physics as fw


def test_prinz_config_is_deeptimes_prinz_potential():
    x = np.linspace(-1.2, 1.2, 41)
    np.testing.assert_allclose(fw.potential(x, 4.0), prinz_potential().potential(x[:, None]), rtol=1e-12)


def test_force_is_minus_the_gradient():
    x = np.linspace(-1.1, 1.1, 201)
    h = 1e-6
    numeric = -(fw.potential(x + h, 2.0) - fw.potential(x - h, 2.0)) / (2 * h)
    np.testing.assert_allclose(fw.force(x, 2.0), numeric, rtol=1e-5, atol=1e-6)


def test_exact_operator_is_stochastic_and_obeys_detailed_balance():
    ex = fw.exact_propagator(2.0)
    edges = np.linspace(*fw.DOMAIN, 51)
    p = ex.coarse_transfer(edges, 0.1)
    pi = ex.coarse_stationary(edges)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    flux = pi[:, None] * p
    np.testing.assert_allclose(flux, flux.T, atol=1e-12)
    np.testing.assert_allclose(pi @ p, pi, atol=1e-10)  # stationary


def test_exact_stationary_density_is_boltzmann():
    ex = fw.exact_propagator(2.0)
    boltzmann = np.exp(-fw.potential(ex.centers, 2.0))
    np.testing.assert_allclose(ex.stationary, boltzmann / boltzmann.sum(), rtol=1e-8, atol=1e-15)


def test_exact_timescales_are_converged_in_the_grid():
    coarse, fine = fw.ExactPropagator(2.0, n_cells=2600), fw.ExactPropagator(2.0, n_cells=5200)
    np.testing.assert_allclose(coarse.timescales(3), fine.timescales(3), rtol=2e-3)


def test_four_wells_between_three_barriers():
    np.testing.assert_allclose(fw.exact_propagator(2.0).barriers(), [-0.5, 0.0, 0.5], atol=0.01)


def test_same_seed_same_trajectory():
    run = lambda s: fw.simulate(1000, a=2.0, dt=1e-3, save_every=10, rng=np.random.default_rng(s))
    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


def test_brownian_dynamics_samples_the_exact_distribution_and_kinetics():
    """4×10⁶ steps of Euler–Maruyama agree with the exact operator within statistical error."""
    ex = fw.exact_propagator(2.0)
    x = fw.simulate(400_000, a=2.0, dt=1e-3, save_every=10, rng=np.random.default_rng(7), equilibration_steps=10_000)
    edges = np.linspace(*fw.DOMAIN, 27)
    counts = np.histogram(x, edges)[0]
    expected = ex.coarse_stationary(edges) * len(x)
    populated = expected > 500
    # correlated samples: allow ~10 effective standard deviations of the binomial estimate
    assert np.all(np.abs(counts - expected)[populated] < 10 * np.sqrt(expected[populated] * 50))
    ts = msm_timescales(discretise(x[::10], np.linspace(*fw.DOMAIN, 51)), 1) * 0.1
    assert ts[0] == pytest.approx(ex.timescales(1)[0], rel=0.1)


def test_exact_sampler_reproduces_its_own_timescale():
    ex = fw.exact_propagator(2.0)
    x = ex.sample(50_000, 0.1, np.random.default_rng(0))
    ts = msm_timescales(discretise(x, np.linspace(*fw.DOMAIN, 51)), 1) * 0.1
    assert ts[0] == pytest.approx(ex.timescales(1)[0], rel=0.08)


@pytest.mark.benchmark(group="four-well generator")
def test_generator_speed(benchmark):
    """Speed goal ≥ 10⁷ steps/s: checked as a ratio against drawing the same noise in numpy.

    Every Euler–Maruyama step needs one Gaussian number, so numpy's ``standard_normal`` for the
    same number of steps is a same-process yardstick (timed before every round).  numpy draws
    0.7–1×10⁸ normals/s on this machine, so the goal means a ratio below ≈7–10; we require < 6.
    Measured here with both cores busy: ratio 3.9, 1.7×10⁷ steps/s (2.6×10⁷ steps/s when quiet).
    """
    n_frames, save_every = 50_000, 10
    steps = n_frames * save_every
    kwargs = dict(a=2.0, dt=1e-3, save_every=save_every)
    fw.simulate(10, rng=np.random.default_rng(0), **kwargs)  # compile
    rng = np.random.default_rng(1)
    reference = []  # timed right before every round, so both see the same machine load

    def time_reference():
        reference.append(_timed(lambda: rng.standard_normal(steps)))

    benchmark.pedantic(fw.simulate, args=(n_frames,), kwargs=dict(rng=np.random.default_rng(2), **kwargs),
                       setup=time_reference, rounds=7, iterations=1)
    best, reference = benchmark.stats.stats.min, min(reference)
    benchmark.extra_info["steps_per_second"] = steps / best
    benchmark.extra_info["ratio_to_numpy_noise"] = best / reference
    assert best / reference < 6.0


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
