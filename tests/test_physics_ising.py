"""The Ising Monte Carlo sampler and the exact finite-lattice thermodynamics."""

from __future__ import annotations

import numpy as np
import pytest

from mdbench.metrics.base import block_estimate
from mdbench.systems.ising import physics as ising


def test_hamiltonian_of_simple_states():
    up = np.ones((8, 8), dtype=np.int8)
    checker = np.indices((8, 8)).sum(axis=0) % 2 * 2 - 1
    assert ising.energy(up) == -2 * 64  # 2N bonds, all satisfied
    assert ising.energy(checker) == 2 * 64  # all frustrated
    assert ising.magnetisation(up) == 64 and ising.magnetisation(checker) == 0
    # one flipped spin breaks its 4 bonds: ΔE = 8J
    one = up.copy()
    one[3, 5] = -1
    assert ising.energy(one) == -128 + 8
    np.testing.assert_array_equal(ising.energy(np.stack([up, checker])), [-128, 128])


def test_exact_closed_form_matches_brute_force_enumeration_on_4x4():
    temps = np.array([0.5, 1.0, 1.8, 2.0, ising.T_CRITICAL, 2.5, 3.3, 10.0])
    exact = ising.exact_thermodynamics(4, temps)
    brute = ising.brute_force_thermodynamics(4, temps)
    np.testing.assert_allclose(exact["energy_per_spin"], brute["energy_per_spin"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(exact["specific_heat_per_spin"], brute["specific_heat_per_spin"], rtol=1e-11, atol=1e-13)


def test_exact_values_approach_onsager_limits():
    # large L: ⟨E⟩/N at T_c → −√2 (Onsager); low T → −2 (ground state); C_v/N at T_c grows like ln L
    e_c = ising.exact_thermodynamics(256, [ising.T_CRITICAL])["energy_per_spin"][0]
    assert e_c == pytest.approx(-np.sqrt(2), abs=5e-3)
    assert ising.exact_thermodynamics(8, [0.3])["energy_per_spin"][0] == pytest.approx(-2.0, abs=1e-10)
    c = [ising.exact_thermodynamics(L, [ising.T_CRITICAL])["specific_heat_per_spin"][0] for L in (64, 128, 256)]
    # Ferdinand & Fisher (1969): C/N = A₀ ln L + B₀ + O(ln L / L) at T_c with A₀ = 8K_c²/π, so each
    # doubling of L adds A₀ ln 2 ≈ 0.3428
    a0 = 8 * (np.log(1 + np.sqrt(2)) / 2) ** 2 / np.pi
    np.testing.assert_allclose(np.diff(c), a0 * np.log(2), atol=2e-3)


def test_bad_exact_inputs_are_rejected():
    with pytest.raises(ValueError, match="even L"):
        ising.exact_thermodynamics(5, [2.0])
    with pytest.raises(ValueError, match="positive"):
        ising.exact_thermodynamics(8, [0.0])


def test_same_seed_same_samples():
    a = ising.sample(8, 2.3, 20, seed=5, equilibration_steps=50, pilot_steps=100)
    b = ising.sample(8, 2.3, 20, seed=5, equilibration_steps=50, pilot_steps=100)
    c = ising.sample(8, 2.3, 20, seed=6, equilibration_steps=50, pilot_steps=100)
    np.testing.assert_array_equal(a["spins"], b["spins"])
    assert not np.array_equal(a["spins"], c["spins"])
    np.testing.assert_array_equal(a["energy"], ising.energy(a["spins"]))
    assert a["interval"] >= 2 * a["tau_int"]


def test_autocorrelation_time_of_known_processes():
    rng = np.random.default_rng(0)
    assert ising.integrated_autocorrelation_time(rng.standard_normal(50_000)) == pytest.approx(0.5, abs=0.05)
    # AR(1) with φ = 0.8: τ_int = ½(1+φ)/(1−φ) = 4.5
    x = np.empty(200_000)
    x[0] = 0.0
    noise = rng.standard_normal(len(x))
    for i in range(1, len(x)):
        x[i] = 0.8 * x[i - 1] + noise[i]
    assert ising.integrated_autocorrelation_time(x) == pytest.approx(4.5, rel=0.1)


@pytest.mark.parametrize("temperature", [1.5, 2.0, 2.269, 2.5, 3.5])
def test_sampler_reproduces_exact_8x8_energy_and_specific_heat(temperature):
    """⟨E⟩/N and C_v/N of 6 000 stored samples agree with Kaufman's closed form within 4 standard errors.

    The standard errors come from 5 contiguous blocks of the chain (they include any correlation
    left between stored samples).
    """
    n_spins = 64
    out = ising.sample(8, temperature, 6000, seed=int(temperature * 1000), equilibration_steps=1000, pilot_steps=2000)
    e = out["energy"]
    (mean,), (mean_err,) = block_estimate(lambda x: x.mean() / n_spins, e)
    (cv,), (cv_err,) = block_estimate(lambda x: x.var() / (n_spins * temperature**2), e)
    exact = ising.exact_thermodynamics(8, [temperature])
    assert abs(mean - exact["energy_per_spin"][0]) < 4 * mean_err + 1e-12
    assert abs(cv - exact["specific_heat_per_spin"][0]) < 4 * cv_err + 1e-12
    assert out["interval"] >= 2 * out["tau_int"]


def test_the_sampler_stream_is_numbas_np_random_word_for_word():
    """The sampler owns its Mersenne Twister (for speed) but must draw exactly what numba's ``np.random`` drew
    after ``np.random.seed`` — the committed ising hashes were made with that stream.  A mixed sequence of
    doubles and ``randint(n)`` (with and without rejection, across several twists) must agree to the bit."""
    import numba

    @numba.njit
    def numba_draws(seed, ns):
        np.random.seed(seed)
        doubles, ints = np.empty(len(ns)), np.empty(len(ns), dtype=np.int64)
        for t in range(len(ns)):
            doubles[t] = np.random.random()
            ints[t] = np.random.randint(ns[t])
        return doubles, ints

    @numba.njit
    def own_draws(seed, ns, buf, cur):
        mt = ising._mt_seed(seed)
        doubles, ints = np.empty(len(ns)), np.empty(len(ns), dtype=np.int64)
        for t in range(len(ns)):
            ising._refill(mt, buf, cur, 2)
            doubles[t] = buf[1, cur[0]] / 9007199254740992.0  # X/2⁵³: exact
            cur[0] += 2
            ints[t] = ising._randint(ns[t], mt, buf, cur)
        return doubles, ints

    ns = np.resize(np.array([8, 1, 3, 100, 256, 2, 7, 128]), 3000)  # ≈ 9 000 words: 14 twists
    for seed in (0, 11, 2**32 - 1):
        _, buf, cur, _ = ising._new_stream(seed, 8)
        ref, own = numba_draws(seed, ns), own_draws(seed, ns, buf, cur)
        np.testing.assert_array_equal(own[0], ref[0])
        np.testing.assert_array_equal(own[1], ref[1])
    # the integer accept test is the float one: u < p ⟺ X < ceil(p·2⁵³), also at the edges
    for p in (0.0, 1e-300, 2.0**-53, 0.3, np.nextafter(1.0, 0.0), 1.0, 2.0, float("nan")):
        t = ising._threshold(p)
        for x in {x for x in (0, 1, t - 1, t, t + 1, 2**53 - 1) if 0 <= x < 2**53}:  # X = u·2⁵³ < 2⁵³
            assert (x < t) == (x / 2.0**53 < p), (p, x)



def test_the_sampler_still_makes_the_recorded_ising_data(tiny_ising, capsys):
    """The committed ising boards and generation records were made with the sampler's random stream and
    update order: a faster sampler must write the same bits (every split's sha256 equals ising__tiny.json's)."""
    from mdbench.cli import main

    assert main(["data", "info", "ising", "--config", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "this copy: the recorded data (every split's sha256 equals the record's)" in out, out


_TAU_DIGEST = """
import hashlib, numpy as np
from mdbench.systems.ising.physics import integrated_autocorrelation_time
rng = np.random.default_rng(0)
series = [np.cumsum(rng.integers(-4, 5, n)).astype(float) * 4 - 100.0 for n in (200, 1000) for _ in range(20)]
print(hashlib.sha256(" ".join(float.hex(integrated_autocorrelation_time(x)) for x in series).encode()).hexdigest())
"""


def test_tau_int_is_the_same_bits_under_every_blas_kernel():
    """τ_int sets the sampling interval and is stored, so the dataset hash depends on its last bit.  With
    np.dot, OpenBLAS's Haswell kernel and this machine's default gave different bits on these series (and
    different ising v1.0.0 hashes); the exactly rounded sums give one answer whichever kernel is chosen."""
    import os
    import subprocess
    import sys

    digests = set()
    for coretype in ("", "Haswell", "SkylakeX", "Zen", "Sandybridge"):
        env = {**os.environ, "OPENBLAS_CORETYPE": coretype}
        digests.add(subprocess.run([sys.executable, "-c", _TAU_DIGEST], env=env, check=True, capture_output=True,
                                   text=True).stdout.strip())
    assert len(digests) == 1, digests
