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
# The sampler draws from its own copy of the Mersenne Twister that numba's np.random uses (MT19937 seeded
# by init_genrand, a double from two 32-bit words as (a>>5, b>>6), randint from the low bits of one word with
# rejection), word for word: the committed ising hashes were made with numba's stream, and owning the state
# lets the sweep read pre-tempered words from a buffer and compare integers (2–2.5× the spin updates per
# second of calling np.random.random() per site; tests/test_robustness.py measures the sweep).
_MT_N, _MT_M = 624, 397
#: 2⁵³: a double u = X/2⁵³ from two words is below p exactly when the integer X = (a>>5)·2²⁶ + (b>>6) is below
#: ceil(p·2⁵³) (scaling by a power of two is exact), so the accept test needs no float
_TWO_53 = 9007199254740992


@numba.njit(cache=True)
def _mt_seed(seed: int) -> np.ndarray:
    """The MT19937 state after numba's ``np.random.seed(seed)`` (Knuth's init_genrand, 0 ≤ seed < 2³²)."""
    mt = np.empty(_MT_N, dtype=np.int64)  # 32-bit words held in int64: no unsigned-typing surprises in numba
    x = seed & 0xFFFFFFFF
    for pos in range(_MT_N):
        mt[pos] = x
        x = (1812433253 * (x ^ (x >> 30)) + pos + 1) & 0xFFFFFFFF  # < 2⁶³: no overflow in int64
    return mt


@numba.njit(cache=True)
def _mt_twist(mt: np.ndarray) -> None:
    # numba_rnd_shuffle, in place and in the same order; three loops without index wrap or branch, which LLVM
    # vectorises (with the tempering: 0.36 ns per word against 1.34 for one loop with conditionals, loaded machine)
    for i in range(_MT_N - _MT_M):
        y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7FFFFFFF)
        mt[i] = mt[i + _MT_M] ^ (y >> 1) ^ (-(y & 1) & 0x9908B0DF)
    for i in range(_MT_N - _MT_M, _MT_N - 1):
        y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7FFFFFFF)
        mt[i] = mt[i + _MT_M - _MT_N] ^ (y >> 1) ^ (-(y & 1) & 0x9908B0DF)
    y = (mt[_MT_N - 1] & 0x80000000) | (mt[0] & 0x7FFFFFFF)
    mt[_MT_N - 1] = mt[_MT_M - 1] ^ (y >> 1) ^ (-(y & 1) & 0x9908B0DF)


@numba.njit(cache=True)
def _refill(mt: np.ndarray, buf: np.ndarray, cur: np.ndarray, need: int) -> None:
    """Make at least ``need`` words available at positions ``cur[0]:cur[1]`` of ``buf`` (leftovers kept first).

    ``buf[0, p]`` is the tempered 32-bit word p; ``buf[1, p]`` is the double that starts at word p, as the
    integer X = (word_p >> 5)·2²⁶ + (word_p+1 >> 6), for p < cur[1] − 1 (the draw u = X/2⁵³).
    """
    pos, end = cur[0], cur[1]
    if end - pos >= need:
        return
    rem = end - pos
    for t in range(rem):
        buf[0, t] = buf[0, pos + t]
    end = rem
    while end < need:
        _mt_twist(mt)
        for t in range(_MT_N):
            y = mt[t]
            y ^= y >> 11
            y ^= (y << 7) & 0x9D2C5680
            y ^= (y << 15) & 0xEFC60000
            y ^= y >> 18
            buf[0, end + t] = y
        end += _MT_N
    for t in range(end - 1):
        buf[1, t] = ((buf[0, t] >> 5) << 26) | (buf[0, t + 1] >> 6)
    cur[0], cur[1] = 0, end


@numba.njit(cache=True)
def _threshold(p: float) -> int:
    """The integer X threshold of ``random() < p`` (see _TWO_53)."""
    q = p * 9007199254740992.0
    if q >= 9007199254740992.0:
        return _TWO_53  # every X < 2⁵³ passes
    if not q > 0.0:
        return 0  # p ≤ 0 or NaN: nothing passes
    return int(math.ceil(q))


@numba.njit(cache=True)
def _randint(n: int, mt: np.ndarray, buf: np.ndarray, cur: np.ndarray) -> int:
    """numba's ``np.random.randint(n)``: the low bit_length(n−1) bits of a word, redrawn while ≥ n."""
    if n == 1:
        return 0
    nbits = 0
    while (n - 1) >> nbits:
        nbits += 1
    mask = (1 << nbits) - 1
    while True:
        if cur[1] - cur[0] < 1:
            _refill(mt, buf, cur, 1)
        r = buf[0, cur[0]] & mask
        cur[0] += 1
        if r < n:
            return r


@numba.njit(cache=True)
def _metropolis_sweep(s: np.ndarray, n: int, thresholds: np.ndarray, prev: np.ndarray, nxt: np.ndarray,
                      mt: np.ndarray, buf: np.ndarray, cur: np.ndarray) -> None:
    """One checkerboard sweep of the flat n×n lattice ``s``: all even sites, then all odd sites, row by row.

    A site with k = σ Σ neighbours ≤ 0 flips without a draw; otherwise it takes the next double u (two words)
    and flips if u < e^(−β·2Jk).  No branch on the draw in the source: the double at the cursor is read at
    every site (a refill per row keeps it valid), ``thresholds[k + 4]`` is 2⁵³ for k ≤ 0 (always flips), and
    the cursor advances by two words only when k > 0 — the same draws, in the same order, as
    ``if k <= 0 or np.random.random() < accept[k // 2]`` (which the committed data were made with).
    """
    pos, end = cur[0], cur[1]
    x = buf[1]
    for parity in range(2):
        for i in range(n):
            if end - pos < n + 2:  # ≥ 2 words for each of the ≤ (n+1)/2 sites of this row
                cur[0], cur[1] = pos, end
                _refill(mt, buf, cur, n + 2)
                pos, end = cur[0], cur[1]
            row, up, down = i * n, prev[i] * n, nxt[i] * n
            j = (i + parity) & 1
            if j == 0:  # the periodic wrap only at the two ends of a row: no modulo or table in between
                c = s[row]
                k = c * (s[up] + s[down] + s[row + prev[0]] + s[row + nxt[0]])
                flip = x[pos] < thresholds[k + 4]
                pos += 2 if k > 0 else 0
                s[row] = -c if flip else c
                j = 2
            while j < n - 1:
                c = s[row + j]
                k = c * (s[up + j] + s[down + j] + s[row + j - 1] + s[row + j + 1])
                flip = x[pos] < thresholds[k + 4]
                pos += 2 if k > 0 else 0
                s[row + j] = -c if flip else c
                j += 2
            if j == n - 1:
                c = s[row + j]
                k = c * (s[up + j] + s[down + j] + s[row + prev[j]] + s[row + nxt[j]])
                flip = x[pos] < thresholds[k + 4]
                pos += 2 if k > 0 else 0
                s[row + j] = -c if flip else c
    cur[0], cur[1] = pos, end


@numba.njit(cache=True)
def _wolff_update(s: np.ndarray, n: int, p_add_threshold: int, prev: np.ndarray, nxt: np.ndarray,
                  stack: np.ndarray, mt: np.ndarray, buf: np.ndarray, cur: np.ndarray) -> int:
    """Grow and flip one Wolff cluster from a random seed site of the flat n×n lattice; returns its size.

    Neighbours are tried up, down, left, right (a draw only for an aligned one), last added first.  The
    stack holds (row, column) pairs, so popping a site costs no integer division.
    """
    i0 = _randint(n, mt, buf, cur)
    j0 = _randint(n, mt, buf, cur)
    spin = s[i0 * n + j0]
    s[i0 * n + j0] = -spin  # flipped when added, so a site never enters the cluster twice
    stack[0], stack[1] = i0, j0
    top, size = 2, 1
    pos, end = cur[0], cur[1]
    x = buf[1]
    while top > 0:
        top -= 2
        i, j = stack[top], stack[top + 1]
        for k in range(4):
            if k == 0:
                a, b = prev[i], j
            elif k == 1:
                a, b = nxt[i], j
            elif k == 2:
                a, b = i, prev[j]
            else:
                a, b = i, nxt[j]
            if s[a * n + b] == spin:
                if end - pos < 2:
                    cur[0], cur[1] = pos, end
                    _refill(mt, buf, cur, 2)
                    pos, end = cur[0], cur[1]
                u = x[pos]
                pos += 2
                if u < p_add_threshold:
                    s[a * n + b] = -spin
                    stack[top], stack[top + 1] = a, b
                    top += 2
                    size += 1
    cur[0], cur[1] = pos, end
    return size


@numba.njit(cache=True)
def _energy_one(s: np.ndarray, n: int, nxt: np.ndarray) -> float:
    e = 0
    for i in range(n):
        row, down = i * n, nxt[i] * n
        for j in range(n):
            e += s[row + j] * (s[down + j] + s[row + nxt[j]])
    return -float(e)


@numba.njit(cache=True)
def _tables(n: int, beta: float) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """(Metropolis thresholds indexed by k + 4, Wolff p_add threshold, prev, nxt) of an n×n lattice at β."""
    thresholds = np.empty(9, dtype=np.int64)
    for k in range(-4, 5):
        # accept[k // 2] = e^(−β·2Jk), as the float the committed data were drawn against
        thresholds[k + 4] = _TWO_53 if k <= 0 else _threshold(math.exp(-4.0 * beta * (k // 2)))
    p_add = _threshold(1.0 - math.exp(-2.0 * beta))
    # periodic neighbour indices, precomputed because an integer modulo costs more than the rest of an update
    return thresholds, p_add, (np.arange(n) - 1) % n, (np.arange(n) + 1) % n


@numba.njit(cache=True)
def _run(s2: np.ndarray, beta: float, n_steps: int, every: int, out_spins: np.ndarray, out_energy: np.ndarray,
         mt: np.ndarray, buf: np.ndarray, cur: np.ndarray, stack: np.ndarray) -> int:
    """``n_steps`` MC steps; saves the state after every ``every``-th step (if ``out_spins`` has room).

    ``mt``/``buf``/``cur`` are the random stream (:func:`_new_stream`), carried from one call to the next.
    Returns the total Wolff cluster size (for diagnostics).
    """
    n = s2.shape[0]
    s = s2.reshape(n * n)  # a view: the lattice is C-contiguous
    thresholds, p_add, prev, nxt = _tables(n, beta)
    n_saved, flipped = 0, 0
    for step in range(n_steps):
        _metropolis_sweep(s, n, thresholds, prev, nxt, mt, buf, cur)
        flipped += _wolff_update(s, n, p_add, prev, nxt, stack, mt, buf, cur)
        if (step + 1) % every == 0 and n_saved < out_energy.shape[0]:
            out_energy[n_saved] = _energy_one(s, n, nxt)
            if out_spins.shape[0] > n_saved:
                out_spins[n_saved] = s2
            n_saved += 1
    return flipped


def _new_stream(seed: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(mt, buf, cur, stack) for :func:`_run`: the stream of numba's ``np.random.seed(seed % 2³²)``."""
    mt = _mt_seed(int(seed) % (2**32))
    buf = np.empty((2, size + 2 + 2 * _MT_N), dtype=np.int64)  # a row's words + leftovers + one twisted block
    return mt, buf, np.zeros(2, dtype=np.int64), np.empty(2 * size * size, dtype=np.int64)


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
        Seed of the Monte Carlo stream: MT19937 as numba's ``np.random.seed(seed % 2³²)`` sets it (the
        random start above T_c comes from ``np.random.default_rng(seed)``).
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
    beta = 1.0 / temperature
    stream = _new_stream(seed, size)
    rng_start = np.random.default_rng(seed)
    if temperature < T_CRITICAL:
        s = np.ones((size, size), dtype=np.int8)
    else:
        s = rng_start.choice(np.array([-1, 1], dtype=np.int8), size=(size, size))
    no_spins = np.empty((0, size, size), dtype=np.int8)
    _run(s, beta, equilibration_steps, equilibration_steps + 1, no_spins, np.empty(0), *stream)
    pilot_energy = np.empty(pilot_steps)
    flipped = _run(s, beta, pilot_steps, 1, no_spins, pilot_energy, *stream)
    tau = integrated_autocorrelation_time(pilot_energy)
    interval = max(int(min_interval), int(math.ceil(2.0 * tau)))
    spins = np.empty((n_samples, size, size), dtype=np.int8)
    energies = np.empty(n_samples)
    _run(s, beta, n_samples * interval, interval, spins, energies, *stream)
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
    """ln Z(K) of the L×L periodic lattice at each K = J/k_BT of the 1-D array ``k`` (Kaufman 1949), written in
    ``autograd.numpy`` so that it can be differentiated exactly (each value depends on its own K only).

    Z = ½ (2 sinh 2K)^(L²/2) Σ_{i=1}^{4} Z_i with
    Z₁ = Π_r 2cosh(L γ_{2r+1}/2), Z₂ = Π_r 2sinh(L γ_{2r+1}/2),
    Z₃ = Π_r 2cosh(L γ_{2r}/2),   Z₄ = Π_r 2sinh(L γ_{2r}/2),   r = 0 … L−1,
    cosh γ_l = cosh 2K coth 2K − cos(πl/L) for l ≥ 1 and γ₀ = 2K + ln tanh K, which changes sign
    at K_c (so Z₄ < 0 below T_c; keeping the sign is what makes the formula exact).
    """
    import autograd.numpy as anp

    n = size
    l = np.arange(2 * n, dtype=np.float64)
    k = anp.reshape(k, (-1, 1))  # temperatures along rows, the wave numbers l along columns
    c = anp.cosh(2 * k) / anp.tanh(2 * k)
    gamma = anp.arccosh(c - np.cos(math.pi * l[1:] / n))  # l = 1 … 2n−1, all > 0
    gamma0 = 2 * k + anp.log(anp.tanh(k))
    half = 0.5 * n

    def log2cosh(x):
        return x + anp.log1p(anp.exp(-2 * x))  # ln(2 cosh x) for x > 0

    def log2sinh(x):
        return x + anp.log1p(-anp.exp(-2 * x))  # ln(2 sinh x) for x > 0

    odd = gamma[:, 0::2] * half  # l = 1, 3, …, 2n−1
    even = gamma[:, 1::2] * half  # l = 2, 4, …, 2n−2 (l = 0 handled separately)
    log_z1 = anp.sum(log2cosh(odd), axis=1)
    log_z2 = anp.sum(log2sinh(odd), axis=1)
    log_z3_rest = anp.sum(log2cosh(even), axis=1)
    log_z4_rest = anp.sum(log2sinh(even), axis=1)
    k, a0 = k[:, 0], gamma0[:, 0] * half
    # Z₃ + Z₄ = e^(rest₃)·2cosh(a0) + e^(rest₄)·2sinh(a0): the signed γ₀ factor stays outside the logs
    m = anp.maximum(anp.maximum(log_z1, log_z2), anp.maximum(log_z3_rest, log_z4_rest)) + anp.abs(a0)
    total = (anp.exp(log_z1 - m) + anp.exp(log_z2 - m)
             + anp.exp(log_z3_rest - m) * 2 * anp.cosh(a0)
             + anp.exp(log_z4_rest - m) * 2 * anp.sinh(a0))
    return math.log(0.5) + 0.5 * n * n * anp.log(2 * anp.sinh(2 * k)) + m + anp.log(total)


def exact_thermodynamics(size: int, temperatures: np.ndarray) -> dict[str, np.ndarray]:
    """Exact ⟨E⟩/N (J) and C_v/N (k_B) of the L×L periodic lattice at each temperature (J/k_B).

    ⟨E⟩ = −J ∂lnZ/∂K and C_v = k_B K² ∂²lnZ/∂K² with K = J/k_BT, both by reverse-mode automatic
    differentiation (``autograd``, pure Python on numpy: scoring needs no torch) of the closed form
    :func:`_log_partition_function` (double precision, no finite differences).

    Parameters
    ----------
    size
        Linear size L (even, ≥ 2).
    temperatures
        Temperatures T > 0 (J/k_B).
    """
    from autograd import elementwise_grad

    if size < 2 or size % 2:
        raise ValueError("the closed form is implemented for even L ≥ 2")
    temps = np.atleast_1d(np.asarray(temperatures, dtype=float))
    if np.any(temps <= 0):
        raise ValueError("temperatures must be positive")
    n_spins = size * size

    def log_z(k):
        return _log_partition_function(k, size)

    k = 1.0 / temps
    first, second = elementwise_grad(log_z)(k), elementwise_grad(elementwise_grad(log_z))(k)
    return {"energy_per_spin": -first / n_spins, "specific_heat_per_spin": k ** 2 * second / n_spins,
            "free_energy_per_spin": -temps * log_z(k) / n_spins}


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
