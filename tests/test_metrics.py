"""Metrics: block errors and the distribution / kinetic metrics on trajectories with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mdbench.core.estimate import Estimate, decode_number, encode_number
from mdbench.metrics.base import block_estimate
from mdbench.metrics.distribution import FreeEnergyRMSE, StationaryJSD, histogram
from mdbench.metrics.kinetics import ImpliedTimescales, TransitionDensityError, TransitionRate, msm_timescales

EDGES = np.linspace(0, 1, 11)


def test_block_standard_error_of_the_mean_of_white_noise():
    x = np.random.default_rng(0).standard_normal(100_000)
    value, err = block_estimate(np.mean, x)
    # the block SE estimates σ/√N = 0.0032 (5 blocks: itself uncertain by ~35 %)
    assert err[0] == pytest.approx(1 / math.sqrt(len(x)), rel=0.7)
    assert abs(value[0]) < 5 * err[0]


def test_non_finite_numbers_round_trip_through_json_encoding():
    for x in (1.5, math.inf, -math.inf):
        assert decode_number(encode_number(x)) == x
    assert math.isnan(decode_number(encode_number(math.nan)))
    assert Estimate.from_record(Estimate(math.inf, None).to_record()) == Estimate(math.inf, None)


def test_histogram_counts_out_of_range_values_in_the_edge_bins():
    p = histogram(np.array([-5.0, 0.05, 0.95, 7.0]), EDGES)
    assert p[0] == 0.5 and p[-1] == 0.5


def test_free_energy_rmse_is_zero_for_the_exact_distribution_and_shift_invariant():
    exact = np.full(10, 0.1)
    x = (np.arange(10_000) % 10 + 0.5) / 10  # exactly uniform over the bins
    assert FreeEnergyRMSE(EDGES, exact).compute(x) == pytest.approx(0.0, abs=1e-12)
    skewed = np.concatenate([x, x[x < 0.5]])  # density ×2 in the left half: F differs by ln 2 there
    assert FreeEnergyRMSE(EDGES, exact).compute(skewed) == pytest.approx(math.log(2) / 2, rel=1e-9)


def test_jsd_zero_for_identical_and_ln2_for_disjoint():
    exact = np.r_[np.full(5, 0.2), np.zeros(5)]
    left = np.repeat((np.arange(5) + 0.5) / 10, 100)
    assert StationaryJSD(EDGES, exact).compute(left) == pytest.approx(0.0, abs=1e-12)
    assert StationaryJSD(EDGES, exact).compute(left + 0.5) == pytest.approx(math.log(2), rel=1e-9)


def test_msm_timescales_of_a_two_state_chain():
    """A symmetric two-state chain with flip probability p has t = −1/ln(1 − 2p) frames."""
    p, rng = 0.05, np.random.default_rng(1)
    flips = rng.random(200_000) < p
    dtraj = np.cumsum(flips) % 2
    assert msm_timescales(dtraj, 1)[0] == pytest.approx(-1 / math.log(1 - 2 * p), rel=0.05)
    assert np.isinf(msm_timescales(np.zeros(100, int), 2)).all()  # never moves: infinite


def test_implied_timescales_report_relative_errors_in_time_units():
    p, rng = 0.05, np.random.default_rng(2)
    x = 0.25 + 0.5 * (np.cumsum(rng.random(100_000) < p) % 2)
    exact = -1 / math.log(1 - 2 * p) * 0.1
    out = ImpliedTimescales(np.array([0, 0.5, 1]), 0.1, [exact])(x)
    assert out["t1"].value == pytest.approx(exact, rel=0.05) and out["t1"].stderr > 0
    assert out["t1_rel_error"].value < 0.05


def test_transition_density_error_bounds():
    exact_t = np.array([[0.9, 0.1], [0.1, 0.9]])
    metric = TransitionDensityError(np.array([0, 0.5, 1]), exact_t, np.array([0.5, 0.5]))
    rng = np.random.default_rng(3)
    x = 0.25 + 0.5 * (np.cumsum(rng.random(200_000) < 0.1) % 2)
    assert metric.compute(x) < 0.01
    assert metric.compute(np.full(100, 0.25)) == pytest.approx(0.5 * 0.1 + 0.5 * 1.0)  # row 2 never visited


def test_transition_rate_counts_basin_changes():
    x = np.array([0.1, 0.1, 0.9, 0.9, 0.1, 0.6])
    metric = TransitionRate(np.array([0, 0.5, 1]), frame_time=2.0, exact_rate=0.3)
    rate, rel = metric.compute(x)
    assert rate == pytest.approx(3 / (5 * 2.0)) and rel == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_array_equal(metric.transition_counts(x), [[1, 2], [1, 1]])


def test_clustered_mean_counts_a_group_of_copies_as_one_piece():
    """Ten groups of 50 identical items: the error is that of 10 values, not of 500."""
    from mdbench.metrics.base import clustered_mean

    values = np.random.default_rng(3).normal(size=10)
    est = clustered_mean(np.repeat(values, 50), np.repeat(np.arange(10), 50), "sites")
    assert est.n == 10 and est.value == pytest.approx(values.mean())
    assert est.stderr == pytest.approx(values.std(ddof=1) / np.sqrt(10))
    assert "10 sites" in est.estimator
    assert clustered_mean(values, np.zeros(10, int)).stderr is None  # one group: no error bar


def test_grouped_block_errors_keep_copies_of_one_trajectory_together():
    """Copies of one item within a group add no information: the error is that of the groups alone."""
    from mdbench.core.estimate import MetricInfo
    from mdbench.metrics.regression import estimates

    x = np.random.default_rng(5).normal(size=40)
    info = [MetricInfo("mean", "1", "mean")]
    alone = estimates(lambda r: r[:, 0].mean(), x[:, None], info, groups=np.arange(40), pieces="trajectories")
    copies = estimates(lambda r: r[:, 0].mean(), np.repeat(x, 8)[:, None], info, groups=np.repeat(np.arange(40), 8),
                       pieces="trajectories")
    assert alone["mean"].n == copies["mean"].n == 10
    assert copies["mean"].stderr == pytest.approx(alone["mean"].stderr)


def test_converged_lag_is_the_shortest_lag_after_which_t1_settles():
    from mdbench.metrics.kinetics import converged_lag

    lags = [1, 2, 4, 8, 16]
    rising = np.array([[2.0], [5.0], [9.0], [9.5], [9.4]])  # settles (within 10 %) from lag 4
    assert converged_lag(lags, rising) == 4
    assert converged_lag(lags, np.array([[1.0], [2.0], [4.0], [8.0], [16.0]])) == 16  # never: the longest
    assert converged_lag(lags, np.array([[5.0], [np.inf], [5.0], [5.0], [5.0]])) == 4  # infinite is not settled


def test_over_pieces_is_the_mean_and_standard_error_over_pieces():
    from mdbench.core.estimate import MetricInfo
    from mdbench.metrics.base import over_pieces

    pieces = [np.array([1.0, 3.0]), np.array([2.0, 6.0]), np.array([6.0, 9.0])]
    info = [MetricInfo("mean", "1", "piece mean")]
    est = over_pieces(lambda p: p.mean(), pieces, info, "pieces")["mean"]
    means = np.array([2.0, 4.0, 7.5])
    assert est.value == pytest.approx(means.mean()) and est.n == 3
    assert est.stderr == pytest.approx(means.std(ddof=1) / np.sqrt(3))
    one = over_pieces(lambda p: p.mean(), pieces[:1], info)["mean"]
    assert one.value == 2.0 and one.stderr is None and one.n == 1
