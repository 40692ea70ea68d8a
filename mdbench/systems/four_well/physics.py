"""The 1D four-well potential of Sidky, Chen & Ferguson (Chem. Sci. 2020, §3.1).

Contents
--------
* :func:`potential`, :func:`force` — V(x) = A·(x⁸ + 0.8e^(−80x²) + 0.2e^(−80(x−0.5)²)
  + 0.5e^(−40(x+0.5)²)), in units of kT.
* :func:`simulate` — overdamped Brownian dynamics (Euler–Maruyama), compiled with numba; the
  Gaussian noise comes from a numpy ``Generator`` so results depend only on the seed.
* :class:`ExactPropagator` — the physics reference: the Smoluchowski generator discretised on a
  fine grid with rates k(i→i±1) = D/h²·exp(−ΔV/2kT), which obeys detailed balance with respect to
  π ∝ e^(−V/kT) exactly.  Its symmetrised form is a tridiagonal matrix whose eigen-decomposition
  gives the exact stationary density, transfer operator p_τ(y|x) at any lag, and implied timescales.

All quantities are dimensionless: length in the potential's units, energy in kT, time in units
where D = 1 (one Euler–Maruyama step is ``dt`` of them).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numba
import numpy as np
import scipy.linalg

from mdbench.systems.four_well.domain import DOMAIN


@numba.njit(cache=True, inline="always")
def _force(x: float, a: float) -> float:
    """−dV/dx."""
    xm, xp = x - 0.5, x + 0.5
    dv = (
        8.0 * x**7
        - 0.8 * 160.0 * x * math.exp(-80.0 * x * x)
        - 0.2 * 160.0 * xm * math.exp(-80.0 * xm * xm)
        - 0.5 * 80.0 * xp * math.exp(-40.0 * xp * xp)
    )
    return -a * dv


def potential(x: np.ndarray, a: float) -> np.ndarray:
    """V(x) in kT (for kT = 1)."""
    x = np.asarray(x, dtype=float)
    return a * (
        x**8
        + 0.8 * np.exp(-80 * x**2)
        + 0.2 * np.exp(-80 * (x - 0.5) ** 2)
        + 0.5 * np.exp(-40 * (x + 0.5) ** 2)
    )


@numba.vectorize(["float64(float64, float64)"], cache=True)
def force(x: float, a: float) -> float:
    """−dV/dx in kT per unit length."""
    return _force(x, a)


@numba.njit(cache=True)
def _euler_maruyama(x: float, noise: np.ndarray, out: np.ndarray, save_every: int,
                    drift: float, a: float, kt: float) -> float:
    # x_{n+1} = x_n + (D/kT)·F(x_n)·dt + sqrt(2·D·dt)·ξ_n ; noise is already scaled by sqrt(2·D·dt)
    k = 0
    for i in range(noise.shape[0]):
        x = x + drift * _force(x, a) / kt + noise[i]
        if (i + 1) % save_every == 0:
            out[k] = x
            k += 1
    return x


def simulate(
    n_frames: int,
    *,
    a: float,
    dt: float,
    save_every: int,
    rng: np.random.Generator,
    x0: float = 0.0,
    equilibration_steps: int = 0,
    diffusion: float = 1.0,
    kt: float = 1.0,
    chunk_frames: int = 100_000,
) -> np.ndarray:
    """Overdamped Brownian dynamics in V(x); returns ``n_frames`` positions, one every ``save_every`` steps.

    Parameters
    ----------
    n_frames
        Number of saved frames.
    a
        Potential prefactor A (kT).
    dt
        Euler–Maruyama time step (time units with D = 1).
    save_every
        Steps between saved frames.
    rng
        Source of the Gaussian noise (the only randomness).
    x0, equilibration_steps
        Start point and number of discarded steps before the first saved frame.
    """
    drift = diffusion * dt
    scale = math.sqrt(2.0 * diffusion * dt)
    x = float(x0)
    if equilibration_steps:
        burn = np.empty(0)
        x = _euler_maruyama(x, scale * rng.standard_normal(equilibration_steps), burn,
                            equilibration_steps + 1, drift, a, kt)
    out = np.empty(n_frames)
    for start in range(0, n_frames, chunk_frames):
        stop = min(start + chunk_frames, n_frames)
        noise = scale * rng.standard_normal((stop - start) * save_every)
        x = _euler_maruyama(x, noise, out[start:stop], save_every, drift, a, kt)
    return out


@dataclass(frozen=True)
class ExactPropagator:
    """Exact transfer operator of the Smoluchowski dynamics on a fine grid.

    Parameters
    ----------
    a
        Potential prefactor A (kT).
    n_cells
        Grid cells on :data:`DOMAIN` (a multiple of every coarse binning used by the metrics).
    """

    a: float
    n_cells: int = 2600
    diffusion: float = 1.0
    kt: float = 1.0

    @functools.cached_property
    def edges(self) -> np.ndarray:
        return np.linspace(*DOMAIN, self.n_cells + 1)

    @functools.cached_property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    @functools.cached_property
    def _spectrum(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h = self.edges[1] - self.edges[0]
        v = potential(self.centers, self.a) / self.kt
        rate = self.diffusion / h**2
        up = rate * np.exp(-(v[1:] - v[:-1]) / 2)  # i → i+1
        down = rate * np.exp(-(v[:-1] - v[1:]) / 2)  # i+1 → i
        diag = np.zeros(self.n_cells)
        diag[:-1] -= up
        diag[1:] -= down
        # S = Π^½ K Π^-½ has off-diagonal D/h² (the potential cancels), so it is symmetric.
        lam, vecs = scipy.linalg.eigh_tridiagonal(diag, np.full(self.n_cells - 1, rate))
        order = np.argsort(-lam)
        lam, vecs = lam[order], vecs[:, order]
        lam[0] = 0.0
        sqrt_pi = np.abs(vecs[:, 0])
        return lam, vecs, sqrt_pi

    @property
    def stationary(self) -> np.ndarray:
        """Probability of each fine cell, ∝ e^(−V/kT)."""
        return self._spectrum[2] ** 2

    def timescales(self, k: int = 3) -> np.ndarray:
        """Exact implied timescales t₁…t_k = −1/λ_i (time units)."""
        return -1.0 / self._spectrum[0][1 : k + 1]

    def _membership(self, edges: np.ndarray) -> np.ndarray:
        idx = np.clip(np.digitize(self.centers, edges) - 1, 0, len(edges) - 2)
        m = np.zeros((self.n_cells, len(edges) - 1))
        m[np.arange(self.n_cells), idx] = 1.0
        return m

    def coarse_stationary(self, edges: np.ndarray) -> np.ndarray:
        """Exact probability of each bin of ``edges`` (values outside fall in the edge bins)."""
        return self._membership(edges).T @ self.stationary

    def coarse_transfer(self, edges: np.ndarray, lag: float) -> np.ndarray:
        """Exact P(bin J at t+lag | bin I at t), bins given by ``edges``, lag in time units.

        This is the infinite-data limit of a Markov model estimated on the same bins from an
        equilibrium trajectory, i.e. the right target for any estimator that uses these bins.
        """
        return self._transfer(self._membership(edges).T, lag)

    def transfer_matrix(self, lag: float) -> np.ndarray:
        """Fine-grid row-stochastic transfer matrix at ``lag`` (time units)."""
        return self._transfer(None, lag)

    def _transfer(self, aggregate: np.ndarray | None, lag: float) -> np.ndarray:
        lam, vecs, sqrt_pi = self._spectrum
        keep = np.exp(lam * lag) > 1e-17  # faster modes have decayed below double precision
        b = sqrt_pi[:, None] * vecs[:, keep]
        if aggregate is not None:
            b = aggregate @ b
        flux = np.clip((b * np.exp(lam[keep] * lag)) @ b.T, 0.0, None)  # Π·P, symmetric
        return flux / flux.sum(axis=1, keepdims=True)

    def barriers(self) -> np.ndarray:
        """Positions of the local maxima of V: the borders between the four wells."""
        v = potential(self.centers, self.a)
        is_max = (v[1:-1] > v[:-2]) & (v[1:-1] > v[2:])
        return self.centers[1:-1][is_max]

    @functools.lru_cache(maxsize=2)
    def _cdf(self, lag: float) -> np.ndarray:
        cdf = np.cumsum(self.transfer_matrix(lag), axis=1)
        return cdf / cdf[:, -1:]

    def sample(self, n_frames: int, lag: float, rng: np.random.Generator) -> np.ndarray:
        """A trajectory of the exact propagator at ``lag``: fine cell chain plus uniform jitter."""
        cdf = self._cdf(lag)
        start = rng.choice(self.n_cells, p=self.stationary / self.stationary.sum())
        cells = _sample_chain(cdf, start, rng.random(n_frames))
        h = self.edges[1] - self.edges[0]
        return self.centers[cells] + h * (rng.random(n_frames) - 0.5)


@numba.njit(cache=True)
def _sample_chain(cdf: np.ndarray, start: int, u: np.ndarray) -> np.ndarray:
    out = np.empty(u.shape[0], dtype=np.int64)
    state = start
    for i in range(u.shape[0]):
        state = min(np.searchsorted(cdf[state], u[i]), cdf.shape[1] - 1)
        out[i] = state
    return out


@functools.lru_cache(maxsize=4)
def exact_propagator(a: float) -> ExactPropagator:
    """Shared, cached instance (the eigen-decomposition takes about a second)."""
    return ExactPropagator(float(a))
