"""The ferromagnetic 2D Ising model on a periodic L×L lattice, H = −J Σ⟨ij⟩ σᵢσⱼ.

Contents
--------
* :func:`energy`, :func:`magnetisation` — the Hamiltonian and Σσ of a batch of configurations
  (vectorised numpy; this is also the task's physics reference).
* :func:`sample` — a Monte Carlo sampler compiled with numba: one *MC step* is one checkerboard
  Metropolis sweep followed by one Wolff cluster update (the cluster update removes the critical
  slowing down of local moves near T_c).  A pilot run measures the integrated autocorrelation
  time τ_int of E (:func:`integrated_autocorrelation_time`) and stored samples are taken every
  ``ceil(2 τ_int)`` steps or more, so they are decorrelated.
* :func:`exact_thermodynamics` — the exact finite-lattice ⟨E⟩ and C_v from Kaufman's (1949)
  partition function (in the form of Ferdinand & Fisher 1969 / Beale 1996), evaluated in log space
  and differentiated with torch autograd in float64 (no finite differences).
* :func:`brute_force_thermodynamics` — the same by enumerating all 2^(L²) states (L ≤ 4), the
  check of the closed form.

Units: energies in J, temperatures in J/k_B (k_B = 1), specific heat per spin in k_B.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Onsager's critical temperature of the infinite lattice, 2/ln(1+√2) J/k_B
T_CRITICAL = 2.0 / math.log(1.0 + math.sqrt(2.0))


# --------------------------------------------------------------------------------------------
# Hamiltonian
# --------------------------------------------------------------------------------------------
def energy(spins: np.ndarray, coupling: float = 1.0) -> np.ndarray:
    """Total energy H = −J Σ⟨ij⟩ σᵢσⱼ of each periodic configuration (J).

    Parameters
    ----------
    spins
        Array ``(..., L_y, L_x)`` of ±1 (any integer or float dtype).
    coupling
        J (energy unit).

    Returns
    -------
    numpy.ndarray
        Energies with shape ``spins.shape[:-2]`` (float64, J); each bond counted once.
    """
    s = np.asarray(spins, dtype=np.int32)
    bonds = s * (np.roll(s, -1, axis=-1) + np.roll(s, -1, axis=-2))
    return -coupling * bonds.sum(axis=(-1, -2)).astype(np.float64)


def magnetisation(spins: np.ndarray) -> np.ndarray:
    """Total magnetisation M = Σσᵢ of each configuration (dimensionless, float64)."""
    return np.asarray(spins, dtype=np.int32).sum(axis=(-1, -2)).astype(np.float64)


# --------------------------------------------------------------------------------------------
# Monte Carlo (numba)
# --------------------------------------------------------------------------------------------
@numba.njit(cache=True)
def _seed(seed: int) -> None:
    # numba keeps its own Mersenne-Twister state per thread; seeding it makes a shard reproducible
    np.random.seed(seed)


@numba.njit(cache=True)
def _metropolis_sweep(s: np.ndarray, accept: np.ndarray, prev: np.ndarray, nxt: np.ndarray) -> None:
    """One checkerboard sweep: all even sites, then all odd sites (each sublattice is independent).

    ``prev``/``nxt`` are the periodic neighbour indices (square lattice: same for rows and columns),
    precomputed because an integer modulo per neighbour costs more than the rest of the update.
    """
    n = s.shape[0]
    for parity in range(2):
        for i in range(n):
            up, down = prev[i], nxt[i]
            for j in range((i + parity) % 2, n, 2):
                nb = s[up, j] + s[down, j] + s[i, prev[j]] + s[i, nxt[j]]
                # k = σ Σ neighbours ∈ {−4, −2, 0, 2, 4} and ΔE = 2Jk; accept[k // 2] = e^(−β·2Jk)
                k = s[i, j] * nb
                if k <= 0 or np.random.random() < accept[k // 2]:
                    s[i, j] = -s[i, j]


@numba.njit(cache=True)
def _wolff_update(s: np.ndarray, p_add: float, stack: np.ndarray) -> int:
    """Grow and flip one Wolff cluster from a random seed site; returns the cluster size."""
    ny, nx = s.shape
    i0, j0 = np.random.randint(ny), np.random.randint(nx)
    spin = s[i0, j0]
    s[i0, j0] = -spin  # flipped when added, so a site never enters the cluster twice
    stack[0] = i0 * nx + j0
    top, size = 1, 1
    while top > 0:
        top -= 1
        site = stack[top]
        i, j = site // nx, site % nx
        for k in range(4):
            if k == 0:
                a, b = (i - 1) % ny, j
            elif k == 1:
                a, b = (i + 1) % ny, j
            elif k == 2:
                a, b = i, (j - 1) % nx
            else:
                a, b = i, (j + 1) % nx
            if s[a, b] == spin and np.random.random() < p_add:
                s[a, b] = -spin
                stack[top] = a * nx + b
                top += 1
                size += 1
    return size


@numba.njit(cache=True)
def _energy_one(s: np.ndarray) -> float:
    ny, nx = s.shape
    e = 0
    for i in range(ny):
        for j in range(nx):
            e += s[i, j] * (s[(i + 1) % ny, j] + s[i, (j + 1) % nx])
    return -float(e)


@numba.njit(cache=True)
def _run(s: np.ndarray, beta: float, n_steps: int, every: int, out_spins: np.ndarray,
         out_energy: np.ndarray) -> int:
    """``n_steps`` MC steps; saves the state after every ``every``-th step (if ``out_spins`` has room).

    Returns the total Wolff cluster size (for diagnostics).
    """
    accept = np.empty(5)
    for k in range(5):
        accept[k] = math.exp(-4.0 * beta * k)
    n = s.shape[0]
    prev = (np.arange(n) - 1) % n
    nxt = (np.arange(n) + 1) % n
    p_add = 1.0 - math.exp(-2.0 * beta)
    stack = np.empty(s.size, dtype=np.int64)
    n_saved, flipped = 0, 0
    for step in range(n_steps):
        _metropolis_sweep(s, accept, prev, nxt)
        flipped += _wolff_update(s, p_add, stack)
        if (step + 1) % every == 0 and n_saved < out_energy.shape[0]:
            out_energy[n_saved] = _energy_one(s)
            if out_spins.shape[0] > n_saved:
                out_spins[n_saved] = s
            n_saved += 1
    return flipped


def integrated_autocorrelation_time(x: np.ndarray, window_factor: float = 5.0) -> float:
    """Integrated autocorrelation time τ_int = ½ + Σ_{t≥1} ρ(t), in units of the sample spacing.

    Uses Sokal's automatic window (the sum stops at the first W with W ≥ ``window_factor``·τ_int(W)),
    so a series of independent samples has τ_int ≈ ½ and the variance of its mean is
    2 τ_int σ²/n.  A constant series (e.g. a frozen ground state) returns ½.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n < 4:
        return 0.5
    # Exactly rounded sums (math.fsum), not np.dot or a BLAS reduction: τ_int sets the sampling interval
    # and is stored, so it must be bit-identical on every CPU (OpenBLAS picks its dot kernel, and with it
    # the summation order, by CPU model).
    x = x - math.fsum(x) / n
    var = math.fsum(x * x) / n
    if var == 0.0:
        return 0.5
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n] / (var * n)
    tau = 0.5
    for w in range(1, n):
        tau += acf[w]
        if w >= window_factor * tau:
            break
    return float(max(tau, 0.5))


def sample(
    size: int,
    temperature: float,
    n_samples: int,
    *,
    seed: int,
    equilibration_steps: int,
    pilot_steps: int,
    min_interval: int = 1,
) -> dict[str, np.ndarray | float | int]:
    """Decorrelated equilibrium configurations of the L×L periodic Ising model (J = 1).

    Parameters
    ----------
    size
        Linear lattice size L (spins).
    temperature
        Temperature T (J/k_B).
    n_samples
        Number of stored configurations.
    seed
        Seed of numba's random stream (the only randomness).
    equilibration_steps
        MC steps discarded from the start (a cold start below T_c, a random start above).
    pilot_steps
        MC steps of the pilot run after equilibration that measures τ_int of E.
    min_interval
        Smallest sampling interval (MC steps).

    Returns
    -------
    dict
        ``spins`` (n, L, L) int8, ``energy`` (n,) float64 [J], ``tau_int`` [MC steps],
        ``interval`` [MC steps] = max(min_interval, ceil(2 τ_int)), ``mean_cluster_fraction``.
    """
    if size < 2 or n_samples < 1:
        raise ValueError("need size ≥ 2 and n_samples ≥ 1")
    _seed(int(seed) % (2**32))
    beta = 1.0 / temperature
    rng_start = np.random.default_rng(seed)
    if temperature < T_CRITICAL:
        s = np.ones((size, size), dtype=np.int8)
    else:
        s = rng_start.choice(np.array([-1, 1], dtype=np.int8), size=(size, size))
    no_spins = np.empty((0, size, size), dtype=np.int8)
    _run(s, beta, equilibration_steps, equilibration_steps + 1, no_spins, np.empty(0))
    pilot_energy = np.empty(pilot_steps)
    flipped = _run(s, beta, pilot_steps, 1, no_spins, pilot_energy)
    tau = integrated_autocorrelation_time(pilot_energy)
    interval = max(int(min_interval), int(math.ceil(2.0 * tau)))
    spins = np.empty((n_samples, size, size), dtype=np.int8)
    energies = np.empty(n_samples)
    _run(s, beta, n_samples * interval, interval, spins, energies)
    return {
        "spins": spins,
        "energy": energies,
        "tau_int": tau,
        "interval": interval,
        "mean_cluster_fraction": flipped / (pilot_steps * size * size) if pilot_steps else float("nan"),
    }


# --------------------------------------------------------------------------------------------
# Exact finite-lattice thermodynamics
# --------------------------------------------------------------------------------------------
def _log_partition_function(k, size: int):
    """ln Z(K) of the L×L periodic lattice for a float64 torch tensor K = J/k_BT (Kaufman 1949).

    Z = ½ (2 sinh 2K)^(L²/2) Σ_{i=1}^{4} Z_i with
    Z₁ = Π_r 2cosh(L γ_{2r+1}/2), Z₂ = Π_r 2sinh(L γ_{2r+1}/2),
    Z₃ = Π_r 2cosh(L γ_{2r}/2),   Z₄ = Π_r 2sinh(L γ_{2r}/2),   r = 0 … L−1,
    cosh γ_l = cosh 2K coth 2K − cos(πl/L) for l ≥ 1 and γ₀ = 2K + ln tanh K, which changes sign
    at K_c (so Z₄ < 0 below T_c; keeping the sign is what makes the formula exact).
    """
    import torch

    n = size
    l = torch.arange(2 * n, dtype=torch.float64)
    c = torch.cosh(2 * k) / torch.tanh(2 * k)
    gamma = torch.acosh(c - torch.cos(math.pi * l[1:] / n))  # l = 1 … 2n−1, all > 0
    gamma0 = 2 * k + torch.log(torch.tanh(k))
    half = 0.5 * n

    def log2cosh(x):
        return x + torch.log1p(torch.exp(-2 * x))  # ln(2 cosh x) for x > 0

    def log2sinh(x):
        return x + torch.log1p(-torch.exp(-2 * x))  # ln(2 sinh x) for x > 0

    odd = gamma[0::2] * half  # l = 1, 3, …, 2n−1
    even = gamma[1::2] * half  # l = 2, 4, …, 2n−2 (l = 0 handled separately)
    log_z1 = log2cosh(odd).sum()
    log_z2 = log2sinh(odd).sum()
    log_z3_rest = log2cosh(even).sum()
    log_z4_rest = log2sinh(even).sum()
    a0 = gamma0 * half
    # Z₃ + Z₄ = e^(rest₃)·2cosh(a0) + e^(rest₄)·2sinh(a0): the signed γ₀ factor stays outside the logs
    m = torch.maximum(torch.maximum(log_z1, log_z2), torch.maximum(log_z3_rest, log_z4_rest)) + torch.abs(a0)
    total = (torch.exp(log_z1 - m) + torch.exp(log_z2 - m)
             + torch.exp(log_z3_rest - m) * 2 * torch.cosh(a0)
             + torch.exp(log_z4_rest - m) * 2 * torch.sinh(a0))
    return math.log(0.5) + 0.5 * n * n * torch.log(2 * torch.sinh(2 * k)) + m + torch.log(total)


def exact_thermodynamics(size: int, temperatures: np.ndarray) -> dict[str, np.ndarray]:
    """Exact ⟨E⟩/N (J) and C_v/N (k_B) of the L×L periodic lattice at each temperature (J/k_B).

    ⟨E⟩ = −J ∂lnZ/∂K and C_v = k_B K² ∂²lnZ/∂K² with K = J/k_BT, both by torch autograd of the
    closed form :func:`_log_partition_function` (double precision, no finite differences).

    Parameters
    ----------
    size
        Linear size L (even, ≥ 2).
    temperatures
        Temperatures T > 0 (J/k_B).
    """
    import torch

    if size < 2 or size % 2:
        raise ValueError("the closed form is implemented for even L ≥ 2")
    temps = np.atleast_1d(np.asarray(temperatures, dtype=float))
    if np.any(temps <= 0):
        raise ValueError("temperatures must be positive")
    n_spins = size * size
    e_out, c_out, f_out = np.empty(len(temps)), np.empty(len(temps)), np.empty(len(temps))
    for i, t in enumerate(temps):
        k = torch.tensor(1.0 / t, dtype=torch.float64, requires_grad=True)
        log_z = _log_partition_function(k, size)
        (d1,) = torch.autograd.grad(log_z, k, create_graph=True)
        (d2,) = torch.autograd.grad(d1, k)
        e_out[i] = -d1.item() / n_spins
        c_out[i] = (k.item() ** 2) * d2.item() / n_spins
        f_out[i] = -t * log_z.item() / n_spins
    return {"energy_per_spin": e_out, "specific_heat_per_spin": c_out, "free_energy_per_spin": f_out}


def brute_force_thermodynamics(size: int, temperatures: np.ndarray) -> dict[str, np.ndarray]:
    """⟨E⟩/N and C_v/N by enumerating all 2^(L²) configurations (L ≤ 4); the check of the closed form."""
    if size > 4:
        raise ValueError("brute-force enumeration is limited to L ≤ 4 (2^16 states)")
    n = size * size
    codes = np.arange(2**n, dtype=np.int64)
    spins = (((codes[:, None] >> np.arange(n)) & 1) * 2 - 1).reshape(-1, size, size)
    levels, counts = np.unique(energy(spins), return_counts=True)
    return _from_density_of_states(levels, counts.astype(float), n, temperatures)


def _from_density_of_states(levels, counts, n_spins, temperatures) -> dict[str, np.ndarray]:
    temps = np.atleast_1d(np.asarray(temperatures, dtype=float))
    logw = np.log(counts)[None, :] - levels[None, :] / temps[:, None]
    logw -= logw.max(axis=1, keepdims=True)
    w = np.exp(logw)
    w /= w.sum(axis=1, keepdims=True)
    e1 = w @ levels
    e2 = w @ levels**2
    return {"energy_per_spin": e1 / n_spins, "specific_heat_per_spin": (e2 - e1**2) / (n_spins * temps**2)}
