"""The engines of the particle-event datasets and the event kinematics every metric uses.

* :func:`two_body_decays` — an exact phase-space generator (our own code): a parent of mass M (a
  Breit–Wigner truncated to [M₀ − 4Γ, M₀ + 4Γ]) with momentum |p| drawn from an exponential of mean
  ``p_mean`` in an isotropic direction decays into two daughters (each of Breit–Wigner mass) isotropically
  in its rest frame (cos θ* uniform on [−1, 1], φ* uniform on [0, 2π)); both daughters are boosted to
  the lab frame.  In the parent frame each daughter has the two-body momentum
  p* = λ^½(M², m₁², m₂²) / (2M), exactly (up to float64 round-off).
* :func:`pythia_dilepton` — Pythia 8 e⁺e⁻ → Z/γ* → ℓ⁺ℓ⁻ (ℓ = e, μ) at √s = 91.2 GeV, with ISR and FSR.
* :func:`pythia_ttbar` — Pythia 8 pp → tt̄ at √s = 13 TeV (``Top:gg2ttbar``, ``Top:qqbar2ttbar``), parton level
  (QCD ISR on; FSR, MPI, hadronisation and primordial k_T off), semi-leptonic events (one W → eν or μν, the
  other W → qq̄') selected from the inclusive decays: 26 features (see :data:`TTBAR_FEATURES`).

All energies, momenta and masses are in GeV (c = 1).
"""

from __future__ import annotations

import math
import time

import numpy as np

from mdbench.core.errors import MdbenchError

#: features of the two-body decay: daughter 1 then daughter 2, each (E, p_x, p_y, p_z, m), all GeV
DECAY_FEATURES = tuple(f"d{k}_{q}" for k in (1, 2) for q in ("E", "px", "py", "pz", "m"))
#: per-lepton quantities of the dilepton events: name → (units, long name)
LEPTON_QUANTITIES = {
    "E": ("GeV", "energy"), "px": ("GeV", "momentum x"), "py": ("GeV", "momentum y"),
    "pz": ("GeV", "momentum z (the e⁻ beam direction)"), "pt": ("GeV", "transverse momentum"),
    "eta": ("1", "pseudorapidity"), "phi": ("rad", "azimuth in (−π, π]"), "m": ("GeV", "mass (0.000511: e, 0.10566: μ)"),
}
#: features of the dilepton events: ℓ⁻ then ℓ⁺, each the 8 quantities of LEPTON_QUANTITIES (16 in all)
DILEPTON_FEATURES = tuple(f"{lep}_{q}" for lep in ("lm", "lp") for q in LEPTON_QUANTITIES)
#: the objects of the semi-leptonic tt̄ events (parton level), name → long name
TOP_OBJECTS = {
    "l": "charged lepton (e± or μ±) of the leptonic W",
    "bl": "b quark of the leptonic top",
    "bh": "b quark of the hadronic top",
    "q1": "harder (higher p_T) quark of the hadronic W",
    "q2": "softer quark of the hadronic W",
    "r": "recoil: vector sum of the initial-state radiation partons",
}
#: per-object quantities of the tt̄ events (the collider convention): name → (units, long name)
OBJECT_QUANTITIES = {"E": ("GeV", "energy"), "pt": ("GeV", "transverse momentum"), "eta": ("1", "pseudorapidity"),
                     "phi": ("rad", "azimuth in (−π, π]")}
#: features of the tt̄ events: 6 objects × (E, p_T, η, φ) and the missing transverse momentum (p_T, φ): 26
TTBAR_FEATURES = (*(f"{o}_{q}" for o in TOP_OBJECTS for q in OBJECT_QUANTITIES), "met_pt", "met_phi")
#: the decay channels counted in every tt̄ shard (the fraction of each comes from Pythia's records)
TTBAR_CHANNELS = ("semileptonic_e_mu", "semileptonic_tau", "dileptonic", "hadronic")


def kallen_momentum(M, m1, m2):
    """Two-body decay momentum p* = λ^½(M², m₁², m₂²)/(2M) (GeV), λ(a,b,c) = a² + b² + c² − 2ab − 2ac − 2bc."""
    M, m1, m2 = (np.asarray(v, dtype=float) for v in (M, m1, m2))
    lam = (M**2 - (m1 + m2) ** 2) * (M**2 - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) / (2 * M)


def truncated_breit_wigner(rng: np.random.Generator, n: int, mass: float, width: float, half_range: float) -> np.ndarray:
    """Non-relativistic Breit–Wigner (Cauchy) masses (GeV) on [mass − half_range, mass + half_range], by inverse CDF."""
    lo, hi = math.atan(-2 * half_range / width), math.atan(2 * half_range / width)
    return mass + 0.5 * width * np.tan(rng.uniform(lo, hi, n))


def isotropic(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(unit vectors (n, 3), cos θ) uniform on the sphere."""
    cos = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2 * math.pi, n)
    sin = np.sqrt(1.0 - cos**2)
    return np.column_stack([sin * np.cos(phi), sin * np.sin(phi), cos]), cos


def boost(p4: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Four-vectors (n, 4) = (E, p⃗) boosted by velocity ``beta`` (n, 3) (a frame moving with −β sees them)."""
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p4[:, 1:], axis=1)
    coef = np.where(b2 > 0, (gamma - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    e = gamma * (p4[:, 0] + bp)
    p = p4[:, 1:] + (coef * bp + gamma * p4[:, 0])[:, None] * beta
    return np.column_stack([e, p])


def rest_frame(p4: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """``p4`` (n, 4) in the rest frame of ``parent`` (n, 4)."""
    return boost(p4, -parent[:, 1:] / parent[:, :1])


def two_body_decays(rng: np.random.Generator, n: int, *, parent_mass: float, parent_width: float,
                    m1: float, width1: float, m2: float, width2: float, p_mean: float) -> dict[str, np.ndarray]:
    """``n`` exact two-body decays: the 10 features (GeV) and the truth (parent mass, |p|, cos θ*)."""
    M = truncated_breit_wigner(rng, n, parent_mass, parent_width, 4 * parent_width)
    mass1 = truncated_breit_wigner(rng, n, m1, width1, 4 * width1)
    mass2 = truncated_breit_wigner(rng, n, m2, width2, 4 * width2)
    p_parent = rng.exponential(p_mean, n)
    flight, _ = isotropic(rng, n)
    # decay in the rest frame: daughter 1 along u*, whose polar angle is measured from the flight direction
    cos_star = rng.uniform(-1.0, 1.0, n)
    phi_star = rng.uniform(0.0, 2 * math.pi, n)
    sin_star = np.sqrt(1.0 - cos_star**2)
    # an orthonormal frame (e1, e2, flight) around the flight direction
    helper = np.where(np.abs(flight[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    e1 = np.cross(helper, flight)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(flight, e1)
    u = (sin_star * np.cos(phi_star))[:, None] * e1 + (sin_star * np.sin(phi_star))[:, None] * e2 + cos_star[:, None] * flight
    pstar = kallen_momentum(M, mass1, mass2)
    d1 = np.column_stack([np.sqrt(pstar**2 + mass1**2), pstar[:, None] * u])
    d2 = np.column_stack([np.sqrt(pstar**2 + mass2**2), -pstar[:, None] * u])
    e_parent = np.sqrt(p_parent**2 + M**2)
    beta = (p_parent / e_parent)[:, None] * flight
    d1, d2 = boost(d1, beta), boost(d2, beta)
    out = {}
    for k, (d, m) in enumerate(((d1, mass1), (d2, mass2)), start=1):
        out.update({f"d{k}_E": d[:, 0], f"d{k}_px": d[:, 1], f"d{k}_py": d[:, 2], f"d{k}_pz": d[:, 3], f"d{k}_m": m})
    out.update(parent_m=M, parent_p=p_parent, cos_theta_star=cos_star)
    return out


def four_vectors(features: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    """(n, 4) four-vectors (E, p_x, p_y, p_z) of the particle ``prefix`` (``d1``, ``lm``, …)."""
    return np.column_stack([np.asarray(features[f"{prefix}_{q}"], dtype=float) for q in ("E", "px", "py", "pz")])


def invariant_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Invariant mass (GeV) of the pair; a space-like sum (impossible kinematics) gives −√|m²|."""
    s = a + b
    m2 = s[:, 0] ** 2 - np.sum(s[:, 1:] ** 2, axis=1)
    return np.sign(m2) * np.sqrt(np.abs(m2))


def helicity_cos(a: np.ndarray, b: np.ndarray, axis: np.ndarray | None = None) -> np.ndarray:
    """cos θ* of particle ``a`` in the rest frame of a + b, against the pair's flight direction (``axis``
    None: the helicity angle) or a fixed lab ``axis`` (3,) (e.g. the e⁻ beam).  Pairs that are not
    time-like (no rest frame) get NaN."""
    s = a + b
    ok = s[:, 0] ** 2 > np.sum(s[:, 1:] ** 2, axis=1)
    out = np.full(len(a), np.nan)
    if not np.any(ok):
        return out
    star = rest_frame(a[ok], s[ok])[:, 1:]
    ref = s[ok, 1:] if axis is None else np.broadcast_to(np.asarray(axis, float), star.shape)
    norm = np.linalg.norm(star, axis=1) * np.linalg.norm(ref, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[ok] = np.clip(np.sum(star * ref, axis=1) / norm, -1.0, 1.0)
    return out


def decay_energy_residual(features: dict[str, np.ndarray]) -> np.ndarray:
    """|E₁* + E₂* − M| (GeV) per event: in the rest frame of the summed four-momentum (mass M), the
    daughters' momenta are back to back with |p*|; their energies with their own stated masses on shell,
    √(p*² + m_k²), must add up to M.  Zero (round-off) for exact decays."""
    a, b = four_vectors(features, "d1"), four_vectors(features, "d2")
    s = a + b
    m2 = s[:, 0] ** 2 - np.sum(s[:, 1:] ** 2, axis=1)
    out = np.full(len(a), np.nan)
    ok = (m2 > 0) & (s[:, 0] > 0)
    pstar = np.linalg.norm(rest_frame(a[ok], s[ok])[:, 1:], axis=1)
    m1, mm2 = np.asarray(features["d1_m"], float)[ok], np.asarray(features["d2_m"], float)[ok]
    out[ok] = np.abs(np.sqrt(pstar**2 + m1**2) + np.sqrt(pstar**2 + mm2**2) - np.sqrt(m2[ok]))
    return out


def onshell_residual(features: dict[str, np.ndarray], prefixes=("lm", "lp")) -> np.ndarray:
    """√|E² − |p⃗|² − m²| (GeV) per event, averaged over the particles: zero for on-shell particles."""
    res = []
    for pre in prefixes:
        p4 = four_vectors(features, pre)
        m = np.asarray(features[f"{pre}_m"], float)
        res.append(np.sqrt(np.abs(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=1) - m**2)))
    return np.mean(res, axis=0)


def lepton_quantities(p4: np.ndarray, mass: np.ndarray) -> dict[str, np.ndarray]:
    """The 8 quantities of :data:`LEPTON_QUANTITIES` from four-vectors (n, 4) and masses (n,)."""
    pt = np.hypot(p4[:, 1], p4[:, 2])
    return {"E": p4[:, 0], "px": p4[:, 1], "py": p4[:, 2], "pz": p4[:, 3], "pt": pt,
            "eta": np.arcsinh(p4[:, 3] / np.where(pt > 0, pt, 1e-300)), "phi": np.arctan2(p4[:, 2], p4[:, 1]),
            "m": mass}


def pythia_seed(seed: int) -> int:
    """Pythia's ``Random:seed`` from a shard seed: seed mod 900 000 000, with 0 (Pythia: seed from the clock)
    mapped to 900 000 000 (its largest allowed value)."""
    s = int(seed) % 900_000_000
    return s if s else 900_000_000


def pythia_settings(*, ecm: float, seed: int, isr: bool = True, fsr: bool = True) -> list[str]:
    """The exact settings strings handed to Pythia 8 for e⁺e⁻ → Z/γ* → ℓ⁺ℓ⁻ (ℓ = e, μ)."""
    return [
        "Beams:idA = 11", "Beams:idB = -11", f"Beams:eCM = {ecm}",
        "WeakSingleBoson:ffbar2gmZ = on", "WeakZ0:gmZmode = 2",
        "23:onMode = off", "23:onIfAny = 11 13",
        f"PartonLevel:ISR = {'on' if isr else 'off'}", f"PartonLevel:FSR = {'on' if fsr else 'off'}",
        "Random:setSeed = on", f"Random:seed = {pythia_seed(seed)}",
        "Print:quiet = on", "Next:numberCount = 0",
    ]


def pythia_dilepton(n: int, *, ecm: float, seed: int, isr: bool = True, fsr: bool = True) -> dict:
    """``n`` Pythia 8 events: the 16 features, the flavour (11: e, 13: μ), Pythia's σ (nb), the tries and the
    seconds of event generation and extraction after initialisation.

    The leptons are the highest-energy final-state ℓ⁻ and ℓ⁺ (e or μ) of each event (after FSR)."""
    py = _pythia(pythia_settings(ecm=ecm, seed=seed, isr=isr, fsr=fsr))
    start = time.perf_counter()
    lm, lp = np.zeros((n, 4)), np.zeros((n, 4))
    mm, mp, flavour = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int8)
    k = tries = 0
    while k < n:
        tries += 1
        if tries > 2 * n + 100:
            raise RuntimeError(f"Pythia produced only {k} dilepton events in {tries} tries")
        if not py.next():
            continue
        best = {}
        for p in py.event:
            if p.isFinal() and p.idAbs() in (11, 13):
                sign = 1 if p.id() > 0 else -1  # id > 0: the negative lepton (e⁻, μ⁻)
                if sign not in best or p.e() > best[sign][0]:
                    best[sign] = (p.e(), p.px(), p.py(), p.pz(), p.m(), p.idAbs())
        if len(best) < 2:
            continue
        lm[k], lp[k] = best[1][:4], best[-1][:4]
        mm[k], mp[k], flavour[k] = best[1][4], best[-1][4], best[1][5]
        k += 1
    seconds = time.perf_counter() - start
    sigma_nb = float(py.infoPython().sigmaGen()) * 1e6  # mb → nb
    out = {f"lm_{q}": v for q, v in lepton_quantities(lm, mm).items()}
    out.update({f"lp_{q}": v for q, v in lepton_quantities(lp, mp).items()})
    return {"features": out, "flavour": flavour, "sigma_nb": sigma_nb, "tries": tries, "seconds": seconds}


def _pythia(settings: list[str]):
    """An initialised ``pythia8mc.Pythia`` with exactly ``settings`` (quiet: no banner)."""
    try:
        import pythia8mc
    except ImportError as exc:
        raise MdbenchError("the Pythia datasets need 'pythia8mc', which is not installed; pip install "
                           "'mdbench[events]' (pinned to pythia8mc==8.317.2 in constraints.txt)") from exc

    py = pythia8mc.Pythia("", False)
    for line in settings:
        if not py.readString(line):
            raise RuntimeError(f"Pythia refused the setting {line!r}")
    if not py.init():
        raise RuntimeError("Pythia failed to initialise")
    return py


def object_quantities(p4: np.ndarray) -> dict[str, np.ndarray]:
    """(E, p_T, η, φ) of :data:`OBJECT_QUANTITIES` from four-vectors (n, 4); η = 0 where p_T = 0."""
    pt = np.hypot(p4[:, 1], p4[:, 2])
    eta = np.where(pt > 0, np.arcsinh(p4[:, 3] / np.where(pt > 0, pt, 1.0)), 0.0)
    return {"E": p4[:, 0], "pt": pt, "eta": eta, "phi": np.arctan2(p4[:, 2], p4[:, 1])}


def four_vectors_ptetaphi(features: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    """(n, 4) four-vectors (E, p_x, p_y, p_z) of object ``prefix`` stored as (E, p_T, η, φ)."""
    e, pt, eta, phi = (np.asarray(features[f"{prefix}_{q}"], dtype=float) for q in OBJECT_QUANTITIES)
    return np.column_stack([e, pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)])


def delta_phi(phi1, phi2) -> np.ndarray:
    """|φ₁ − φ₂| folded into [0, π] (rad)."""
    d = np.abs(np.asarray(phi1, float) - np.asarray(phi2, float)) % (2 * math.pi)
    return np.where(d > math.pi, 2 * math.pi - d, d)


def transverse_balance(features: dict[str, np.ndarray]) -> np.ndarray:
    """|Σ p⃗_T(ℓ, b_ℓ, b_h, q₁, q₂, recoil) + p⃗_T^miss| (GeV) per tt̄ event: the whole final state balances
    in the transverse plane (primordial k_T off, beam remnants have p_T = 0), so 0 up to round-off for
    Pythia's events."""
    sx = np.asarray(features["met_pt"], float) * np.cos(features["met_phi"])
    sy = np.asarray(features["met_pt"], float) * np.sin(features["met_phi"])
    for o in TOP_OBJECTS:
        pt, phi = np.asarray(features[f"{o}_pt"], float), np.asarray(features[f"{o}_phi"], float)
        sx, sy = sx + pt * np.cos(phi), sy + pt * np.sin(phi)
    return np.hypot(sx, sy)


def pythia_ttbar_settings(*, ecm: float, seed: int, isr: bool = True) -> list[str]:
    """The exact settings strings handed to Pythia 8 for pp → tt̄ (inclusive top and W decays, Pythia's
    default PDF).  Parton level: FSR off (so the decay products are the partons the record shows at the
    decay), MPI and hadronisation off and primordial k_T off (so ISR alone recoils against the tt̄ pair)."""
    return [
        "Beams:idA = 2212", "Beams:idB = 2212", f"Beams:eCM = {ecm}",
        "Top:gg2ttbar = on", "Top:qqbar2ttbar = on",
        f"PartonLevel:ISR = {'on' if isr else 'off'}", "PartonLevel:FSR = off", "PartonLevel:MPI = off",
        "HadronLevel:all = off", "BeamRemnants:primordialKT = off",
        "Random:setSeed = on", f"Random:seed = {pythia_seed(seed)}",
        "Print:quiet = on", "Next:numberCount = 0",
    ]


def pythia_ttbar(n: int, *, ecm: float, seed: int, isr: bool = True) -> dict:
    """``n`` semi-leptonic (e or μ) Pythia 8 tt̄ events: the 26 features (GeV, 1, rad), the signed PDG id of
    the lepton, Pythia's σ (pb), the events generated (``tries``), the count of every decay channel among
    them (:data:`TTBAR_CHANNELS`) and the seconds of generation and extraction after initialisation.

    The decay products are the final partons with status 23 (FSR off: as created in the decays); their
    mother (top or W) says which is which.  The recoil is the four-momentum sum of the other final partons
    except the beam remnants (status 63): the ISR emissions.  p⃗_T^miss is the neutrino's p⃗_T, which here
    equals −Σ p⃗_T of everything visible."""
    py = _pythia(pythia_ttbar_settings(ecm=ecm, seed=seed, isr=isr))
    start = time.perf_counter()
    rows = np.zeros((n, len(TOP_OBJECTS), 4))
    met = np.zeros((n, 2))
    lepton_id = np.zeros(n, dtype=np.int8)
    channels = dict.fromkeys(TTBAR_CHANNELS, 0)
    k = tries = 0
    while k < n:
        tries += 1
        if tries > 20 * n + 100:
            raise RuntimeError(f"Pythia produced only {k} semi-leptonic tt̄ events in {tries} tries")
        if not py.next():
            continue
        event = py.event
        from_w, from_top, recoil = [], [], np.zeros(4)
        for p in event:
            status = p.status()
            if status == 23:
                mother = abs(event[p.mother1()].id())
                (from_w if mother == 24 else from_top).append(p)
            elif status > 0 and status != 63:  # final ISR partons (status 62 after the recoil boosts)
                recoil += (p.e(), p.px(), p.py(), p.pz())
        leptons = [p for p in from_w if p.idAbs() in (11, 13, 15)]
        if len(leptons) == 1:
            channel = "semileptonic_tau" if leptons[0].idAbs() == 15 else "semileptonic_e_mu"
        else:
            channel = "dileptonic" if leptons else "hadronic"
        channels[channel] += 1
        if channel != "semileptonic_e_mu":
            continue
        lep = leptons[0]
        nu = next(p for p in from_w if p.idAbs() in (12, 14))
        quarks = sorted((p for p in from_w if p.idAbs() <= 5), key=lambda p: -p.pT())
        # ℓ⁺ (id < 0) comes from W⁺ ← t, so the leptonic top's quark is the quark (id > 0, a b but for the
        # CKM-suppressed t → W s, W d) and the hadronic top's the antiquark
        b_sign = 1 if lep.id() < 0 else -1
        bl = next(p for p in from_top if p.id() * b_sign > 0)
        bh = next(p for p in from_top if p.id() * b_sign < 0)
        for j, p in enumerate((lep, bl, bh, quarks[0], quarks[1])):
            rows[k, j] = (p.e(), p.px(), p.py(), p.pz())
        rows[k, 5] = recoil
        met[k] = (nu.px(), nu.py())
        lepton_id[k] = lep.id()
        k += 1
    seconds = time.perf_counter() - start
    out = {}
    for j, o in enumerate(TOP_OBJECTS):
        out.update({f"{o}_{q}": v for q, v in object_quantities(rows[:, j]).items()})
    out["met_pt"], out["met_phi"] = np.hypot(met[:, 0], met[:, 1]), np.arctan2(met[:, 1], met[:, 0])
    sigma_pb = float(py.infoPython().sigmaGen()) * 1e9  # mb → pb
    return {"features": out, "lepton_id": lepton_id, "sigma_pb": sigma_pb, "tries": tries, "channels": channels,
            "seconds": seconds}


def pythia_version() -> str:
    from importlib.metadata import version

    return version("pythia8mc")
