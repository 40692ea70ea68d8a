"""Thermodynamics recovered from (predicted) energies of equilibrium samples at several temperatures.

:func:`reweight` is multiple-histogram reweighting (Ferrenberg & Swendsen 1989; the WHAM
equations): independent samples drawn at inverse temperatures β_k are combined into ⟨E⟩(T) and
C_v(T) on any temperature grid inside the sampled range.  Given the *true* energies it reproduces
the exact curves within sampling error (the physics reference shows that floor); given a model's
energies it shows the thermodynamics that model implies for the same configurations.
"""

from __future__ import annotations

import math

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.metrics.regression import estimates, shuffled

THERMO_INFO = [
    MetricInfo("energy_curve_rmse", "J", "RMS over T of reweighted ⟨E⟩/N − exact (8×8, test temperatures)"),
    MetricInfo("cv_curve_rmse", "k_B", "RMS over T of reweighted C_v/N − exact (8×8, test temperatures)"),
    MetricInfo("cv_peak_temperature", "J/k_B", "temperature of the maximum of the reweighted C_v(T) (8×8)"),
    MetricInfo("cv_peak_temperature_error", "J/k_B", "|C_v peak temperature − exact finite-lattice peak| (8×8)"),
]


def _free_energies(energy: np.ndarray, betas: np.ndarray, counts: np.ndarray, tol: float = 1e-10,
                   max_iter: int = 5000) -> np.ndarray:
    """Self-consistent dimensionless free energies f_k of the WHAM equations (f_0 = 0)."""
    from scipy.special import logsumexp  # scipy where it computes: declaring (and listing) a task needs none

    f = np.zeros(len(betas))
    log_counts = np.log(counts)
    be = betas[:, None] * energy[None, :]  # β_k E_i
    for _ in range(max_iter):
        log_den = logsumexp(log_counts[:, None] + f[:, None] - be, axis=0)  # ln Σ_j n_j e^(f_j − β_j E_i)
        new = -logsumexp(-be - log_den[None, :], axis=1)
        new -= new[0]
        if np.max(np.abs(new - f)) < tol:
            return new
        f = new
    return f


def reweight(energy: np.ndarray, temperature: np.ndarray, grid: np.ndarray, n_spins: int) -> dict[str, np.ndarray]:
    """⟨E⟩/N (energy units) and C_v/N (k_B) on ``grid`` from samples ``energy`` drawn at ``temperature``.

    Parameters
    ----------
    energy
        Total energy of every sample (J), from the model being evaluated.
    temperature
        Temperature each sample was drawn at (J/k_B); samples must be independent.
    grid
        Temperatures to evaluate at (J/k_B), inside the sampled range.
    n_spins
        N, to report per-spin values.
    """
    from scipy.special import logsumexp

    energy = np.asarray(energy, dtype=float)
    temps, counts = np.unique(np.asarray(temperature, dtype=float), return_counts=True)
    betas = 1.0 / temps
    shift = energy.mean()  # energies relative to their mean keep the exponentials in range
    e = energy - shift
    f = _free_energies(e, betas, counts.astype(float))
    log_den = logsumexp(np.log(counts)[:, None] + f[:, None] - betas[:, None] * e[None, :], axis=0)
    b = 1.0 / np.asarray(grid, dtype=float)
    logw = -b[:, None] * e[None, :] - log_den[None, :]
    w = np.exp(logw - logsumexp(logw, axis=1, keepdims=True))
    e1 = w @ e
    e2 = w @ e**2
    return {"energy_per_spin": (e1 + shift) / n_spins, "specific_heat_per_spin": (e2 - e1**2) * b**2 / n_spins}


def peak_temperature(grid: np.ndarray, curve: np.ndarray) -> float:
    """Location of the maximum of ``curve`` on ``grid``, refined by a parabola through its neighbours.

    NaN when the curve has no maximum (e.g. C_v ≡ 0 from a prediction that ignores the configuration).
    """
    if not np.max(curve) > 0:
        return math.nan
    i = int(np.argmax(curve))
    if 0 < i < len(grid) - 1:
        y0, y1, y2 = curve[i - 1 : i + 2]
        denom = y0 - 2 * y1 + y2
        if denom < 0:
            return float(grid[i] + 0.5 * (y0 - y2) / denom * (grid[1] - grid[0]))
    return float(grid[i])


def thermodynamic_errors(energy: np.ndarray, temperature: np.ndarray, grid: np.ndarray, n_spins: int,
                         exact_energy: np.ndarray, exact_cv: np.ndarray, exact_peak: float) -> dict[str, Estimate]:
    """The numbers of :data:`THERMO_INFO` with block standard errors over random subsets of the samples.

    ``grid`` must be evenly spaced; ``exact_energy``/``exact_cv`` are the exact per-spin curves on it.
    """

    def compute(rows: np.ndarray) -> np.ndarray:
        curves = reweight(rows[:, 0], rows[:, 1], grid, n_spins)
        peak = peak_temperature(grid, curves["specific_heat_per_spin"])
        return np.array([
            math.sqrt(np.mean((curves["energy_per_spin"] - exact_energy) ** 2)),
            math.sqrt(np.mean((curves["specific_heat_per_spin"] - exact_cv) ** 2)),
            peak,
            abs(peak - exact_peak),
        ])

    return estimates(compute, shuffled([energy, temperature]), THERMO_INFO)


def per_temperature(energy: np.ndarray, temperature: np.ndarray, n_spins: int) -> dict[str, list[float]]:
    """Plain sample estimates at each sampled temperature: ⟨E⟩/N and C_v/N = var(E)/(N T²), with standard errors.

    The standard error of C_v uses the large-sample formula var(s²) ≈ (μ₄ − σ⁴)/n.
    """
    temps = np.unique(temperature)
    out: dict[str, list[float]] = {k: [] for k in ("temperature", "n", "energy_per_spin", "energy_per_spin_stderr",
                                                   "specific_heat_per_spin", "specific_heat_per_spin_stderr")}
    for t in temps:
        e = np.asarray(energy)[temperature == t]
        n, d = len(e), e - e.mean()
        var = d.var(ddof=1) if n > 1 else 0.0
        mu4 = np.mean(d**4)
        out["temperature"].append(float(t))
        out["n"].append(int(n))
        out["energy_per_spin"].append(float(e.mean() / n_spins))
        out["energy_per_spin_stderr"].append(float(math.sqrt(var / n) / n_spins))
        out["specific_heat_per_spin"].append(float(var / (n_spins * t**2)))
        out["specific_heat_per_spin_stderr"].append(float(math.sqrt(max(mu4 - var**2, 0.0) / n) / (n_spins * t**2)))
    return out
