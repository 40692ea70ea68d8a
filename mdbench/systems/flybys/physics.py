"""One stellar flyby of a planetary system, integrated with REBOUND (IAS15), and the analytic
reference of Heggie & Rasio (1996) for distant, slow encounters.

Units throughout: AU, yr, M☉ (G = 4π² AU³ yr⁻² M☉⁻¹); velocities at the interface in km/s; angles in rad.

The system: a host star of ``m_host`` (1 M☉) and one planet of ``m_planet`` (a Jupiter mass,
9.5458×10⁻⁴ M☉) on an orbit with a = 5.2 AU, drawn eccentricity and phases, in the reference plane
(I = 0, Ω = 0: the reference frame *is* the planet's initial orbital plane, so ω is the longitude of
pericentre).  The perturber comes in on a hyperbola about the centre of mass of host + planet with
speed at infinity v∞ and impact parameter b; its orientation (i_p, Ω_p, ω_p) relative to that frame is
isotropic.  It starts on the incoming branch at distance ``r_start`` (1 000 AU) from the centre of mass
of host + planet and the integration ends when it is at the same distance on the outgoing branch (the
analytic time of the two-body hyperbola).  The planet's osculating elements relative to the host are
taken at both ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: G in AU³ yr⁻² M☉⁻¹
G = 4 * math.pi**2
#: 1 km/s in AU/yr
KMS = 0.2109495265696987
#: Jupiter's mass in M☉ (IAU 2015 nominal GM ratio)
M_JUPITER = 9.547919e-4

#: Kroupa (2001) IMF: dN/dm ∝ m^-α with α = 1.3 below 0.5 M☉ and 2.3 above (continuous at the break)
KROUPA_BREAK = 0.5
KROUPA_ALPHAS = (1.3, 2.3)


# --------------------------------------------------------------------------------------------------
# the environment: perturber mass, speed, impact parameter, orientation, planetary phases
# --------------------------------------------------------------------------------------------------
def _power_integral(lo: float, hi: float, alpha: float) -> float:
    """∫ m^-α dm from lo to hi."""
    k = 1.0 - alpha
    return (hi**k - lo**k) / k


def sample_kroupa(rng: np.random.Generator, n: int, m_min: float, m_max: float) -> np.ndarray:
    """``n`` masses (M☉) from the Kroupa (2001) two-segment IMF truncated to [m_min, m_max] (inverse CDF)."""
    a1, a2 = KROUPA_ALPHAS
    brk = min(max(KROUPA_BREAK, m_min), m_max)
    # continuity at the break: c2 m^-a2 = c1 m^-a1 at m = 0.5 with c1 = 1
    c2 = KROUPA_BREAK ** (a2 - a1)
    w1 = _power_integral(m_min, brk, a1) if brk > m_min else 0.0
    w2 = c2 * _power_integral(brk, m_max, a2) if m_max > brk else 0.0
    u = rng.random(n) * (w1 + w2)
    out = np.empty(n)
    low = u < w1
    # invert ∫_{m_min}^m x^-a dx = u / c
    k1, k2 = 1.0 - a1, 1.0 - a2
    out[low] = (m_min**k1 + k1 * u[low]) ** (1.0 / k1)
    out[~low] = (brk**k2 + k2 * (u[~low] - w1) / c2) ** (1.0 / k2)
    return np.clip(out, m_min, m_max)


def sample_maxwellian(rng: np.random.Generator, n: int, sigma_kms: float) -> np.ndarray:
    """``n`` speeds (km/s) from a Maxwellian with one-dimensional dispersion ``sigma_kms``."""
    return np.linalg.norm(rng.normal(0.0, sigma_kms, size=(n, 3)), axis=1)


@dataclass(frozen=True)
class Encounter:
    """The inputs of one flyby (units in the field names' docs)."""

    e: float  #: planet's initial eccentricity (1)
    omega: float  #: planet's initial argument (= longitude) of pericentre (rad)
    mean_anomaly: float  #: planet's mean anomaly when the perturber is at r_start (rad)
    m_perturber: float  #: M☉
    v_inf: float  #: km/s
    b: float  #: impact parameter (AU)
    inc_p: float  #: perturber's orbital inclination to the planet's initial plane (rad)
    Omega_p: float  #: perturber's longitude of ascending node (rad)
    omega_p: float  #: perturber's argument of pericentre (rad)


def draw_encounters(rng: np.random.Generator, n: int, *, e_max: float, m_min: float, m_max: float,
                    sigma_kms: float, b_max: float) -> list[Encounter]:
    """``n`` encounters from the stated environment (isotropic orientation, uniform area density in b)."""
    e = rng.uniform(0.0, e_max, n)
    omega = rng.uniform(0.0, 2 * math.pi, n)
    mean_anomaly = rng.uniform(0.0, 2 * math.pi, n)
    m = sample_kroupa(rng, n, m_min, m_max)
    v = sample_maxwellian(rng, n, sigma_kms)
    b = b_max * np.sqrt(rng.random(n))
    inc = np.arccos(rng.uniform(-1.0, 1.0, n))
    Omega = rng.uniform(0.0, 2 * math.pi, n)
    omega_p = rng.uniform(0.0, 2 * math.pi, n)
    return [Encounter(*map(float, row)) for row in zip(e, omega, mean_anomaly, m, v, b, inc, Omega, omega_p)]


# --------------------------------------------------------------------------------------------------
# the perturber's hyperbola
# --------------------------------------------------------------------------------------------------
def hyperbola(m_total: float, v_inf_kms: float, b: float) -> tuple[float, float, float]:
    """(a (AU, negative), e, q (AU)) of the relative hyperbola for total mass ``m_total`` (M☉)."""
    v = v_inf_kms * KMS
    mu = G * m_total
    a = -mu / v**2
    ecc = math.sqrt(1.0 + (b / a) ** 2)
    return a, ecc, a * (1.0 - ecc)


def time_from_pericentre(a: float, ecc: float, mu: float, r: float) -> tuple[float, float]:
    """(true anomaly (rad, ≥ 0), time (yr)) from pericentre to distance ``r`` on the hyperbola."""
    cos_f = (a * (1 - ecc**2) / r - 1.0) / ecc
    f = math.acos(max(-1.0, min(1.0, cos_f)))
    cosh_F = (ecc + math.cos(f)) / (1.0 + ecc * math.cos(f))
    F = math.acosh(max(1.0, cosh_F))
    n = math.sqrt(mu / (-a) ** 3)
    return f, (ecc * math.sinh(F) - F) / n


# --------------------------------------------------------------------------------------------------
# REBOUND
# --------------------------------------------------------------------------------------------------
ELEMENTS = ("a", "e", "inc", "omega", "Omega", "M")


def _elements(planet, host) -> dict[str, float]:
    orbit = planet.orbit(primary=host)
    return {"a": orbit.a, "e": orbit.e, "inc": orbit.inc, "omega": orbit.omega, "Omega": orbit.Omega, "M": orbit.M}


def simulate(enc: Encounter, *, m_host: float, m_planet: float, a_planet: float, r_start: float) -> dict:
    """Integrate one flyby with IAS15.

    Returns ``before`` and ``after`` (the planet's osculating elements relative to the host: a (AU),
    e, inc, omega, Omega, M (rad)), ``outcome`` (0 bound to the host, 1 unbound from both stars,
    2 bound to the perturber), ``q`` (the perturber's minimum distance: the pericentre of its two-body
    hyperbola about the host–planet centre of mass, AU), ``energy_error``
    (|E_end − E_start| / |E_start|, total energy of the three bodies), ``steps`` and ``duration`` (yr).
    """
    import rebound

    sim = rebound.Simulation()
    sim.units = ("AU", "yr", "Msun")
    sim.integrator = "ias15"
    sim.add(m=m_host)
    sim.add(m=m_planet, a=a_planet, e=enc.e, inc=0.0, Omega=0.0, omega=enc.omega, M=enc.mean_anomaly,
            primary=sim.particles[0])
    m_inner = m_host + m_planet
    m_total = m_inner + enc.m_perturber
    a_h, e_h, q_nominal = hyperbola(m_total, enc.v_inf, enc.b)
    f_start, t_half = time_from_pericentre(a_h, e_h, G * m_total, r_start)
    sim.add(m=enc.m_perturber, a=a_h, e=e_h, inc=enc.inc_p, Omega=enc.Omega_p, omega=enc.omega_p, f=-f_start,
            primary=sim.com(last=2))
    sim.move_to_com()
    host, planet, pert = sim.particles[0], sim.particles[1], sim.particles[2]
    before = _elements(planet, host)
    e0 = sim.energy()
    sim.integrate(2 * t_half, exact_finish_time=1)
    e1 = sim.energy()
    after = _elements(planet, host)
    outcome = 0
    if after["e"] >= 1.0 or after["a"] <= 0.0:
        bound_to_pert = planet.orbit(primary=pert)
        outcome = 2 if 0 <= bound_to_pert.e < 1.0 and bound_to_pert.a > 0 else 1
    return {"before": before, "after": after, "outcome": outcome, "q": q_nominal,
            "energy_error": abs(e1 - e0) / abs(e0), "steps": int(sim.steps_done), "duration": 2 * t_half}


# --------------------------------------------------------------------------------------------------
# Heggie & Rasio (1996): secular Δe of a distant, slow hyperbolic encounter
# --------------------------------------------------------------------------------------------------
def hr96_angles(enc: Encounter) -> tuple[float, float, float]:
    """(i, Ω, ω) of the perturber's orbit in Heggie & Rasio's frame: x along the planet's pericentre,
    z along its orbital angular momentum.  The planet orbits in the reference plane with longitude of
    pericentre ``enc.omega``, so only the node longitude shifts: Ω_HR = Ω_p − ϖ."""
    return enc.inc_p, enc.Omega_p - enc.omega, enc.omega_p


def heggie_rasio_delta_e(enc: Encounter, *, m_host: float, m_planet: float, a_planet: float) -> float:
    """Δe of the planet from Heggie & Rasio (1996, MNRAS 282, 1064), eq. (7) with (8)–(9): the secular
    (orbit-averaged), quadrupole-tidal change of a non-circular binary by a hyperbolic encounter,

        δe = −(15/4) · m₃ / √(M₁₂ M₁₂₃) · (a/q)^{3/2} · e√(1−e²) / (1+E)^{3/2}
             · { sin²i sin2Ω [arccos(−1/E) + √(E²−1)]
                 + ⅓ (E²−1)^{3/2}/E² [(1+cos²i) cos2ω sin2Ω + 2 cos i sin2ω cos2Ω] },

    E the perturber's eccentricity, q its pericentre, (i, Ω, ω) its orientation relative to the binary
    (x toward the binary's pericentre).  At E = 1 it reduces to the parabolic eq. (5),
    −(15π/16)·√(2 m₃² a³ / (M₁₂ M₁₂₃ q³))·e√(1−e²) sin²i sin2Ω.  Valid for q ≫ a and slow encounters
    (the perturber's angular speed at pericentre ≪ the planet's mean motion); the non-secular terms
    that decay exponentially with slowness are left out.
    """
    m12 = m_host + m_planet
    m123 = m12 + enc.m_perturber
    _, E, q = hyperbola(m123, enc.v_inf, enc.b)
    i, Om, om = hr96_angles(enc)
    e = enc.e
    pref = -15.0 / 4.0 * enc.m_perturber / math.sqrt(m12 * m123) * (a_planet / q) ** 1.5 \
        * e * math.sqrt(1 - e * e) / (1 + E) ** 1.5
    s = E * E - 1.0
    term1 = math.sin(i) ** 2 * math.sin(2 * Om) * (math.acos(-1.0 / E) + math.sqrt(s))
    term2 = s**1.5 / (3 * E * E) * ((1 + math.cos(i) ** 2) * math.cos(2 * om) * math.sin(2 * Om)
                                    + 2 * math.cos(i) * math.sin(2 * om) * math.cos(2 * Om))
    return pref * (term1 + term2)


def slowness(enc: Encounter, *, m_host: float, m_planet: float, a_planet: float) -> float:
    """The perturber's angular speed at pericentre ÷ the planet's mean motion (≪ 1: slow, secular regime)."""
    m12 = m_host + m_planet
    m123 = m12 + enc.m_perturber
    _, E, q = hyperbola(m123, enc.v_inf, enc.b)
    return math.sqrt(m123 * (1 + E) / m12) * (a_planet / q) ** 1.5


# --------------------------------------------------------------------------------------------------
# sequences of encounters: frames, the Keplerian drift between encounters, the fixed-frame elements
# --------------------------------------------------------------------------------------------------
def _rz(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _rx(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def orbit_rotation(Omega: float, inc: float, omega: float) -> np.ndarray:
    """R_z(Ω) R_x(I) R_z(ω): columns are the pericentre direction, the in-plane normal to it and the orbit
    normal, in the frame the angles are measured in."""
    return _rz(Omega) @ _rx(inc) @ _rz(omega)


def orbit_angles(rotation: np.ndarray) -> tuple[float, float, float]:
    """(I, Ω, ω) (rad) of :func:`orbit_rotation`; at I = 0 the node is undefined: Ω = 0, ω = ϖ."""
    r = rotation
    inc = math.acos(max(-1.0, min(1.0, r[2, 2])))
    if math.sin(inc) < 1e-12:
        return inc, 0.0, math.atan2(r[1, 0], r[0, 0]) % (2 * math.pi)
    return (inc, math.atan2(r[0, 2], -r[1, 2]) % (2 * math.pi), math.atan2(r[2, 0], r[2, 1]) % (2 * math.pi))


def mean_motion(a: float, m_inner: float) -> float:
    """Mean motion (rad/yr) of a bound orbit of semi-major axis ``a`` (AU) about total mass ``m_inner`` (M☉)."""
    return math.sqrt(G * m_inner / a**3)


def simulate_sequence(encounters: list[Encounter], gaps: np.ndarray, *, m_host: float, m_planet: float,
                      a_planet: float, r_start: float) -> tuple[list[tuple[Encounter, dict]], list[dict]]:
    """The planet through the encounters in turn, each integrated by :func:`simulate` (IAS15).

    Encounter k is integrated in the frame of the planet's orbit at that moment (z along its angular
    momentum, x along its ascending node on the previous orbital plane), exactly as a flyby of the
    ``flybys`` dataset: the planet at I = 0 with its current a, e, ω and mean anomaly, the perturber's
    drawn (isotropic) orientation relative to that plane.  Only the perturbers' parameters of
    ``encounters[k]`` are used for k ≥ 1; e, ω and M of ``encounters[0]`` are the initial orbit.

    Between encounters the host–planet pair is an isolated two-body problem (one planet: no secular
    forcing): a, e, I, ω, Ω stay fixed and the mean anomaly advances by n·``gaps[k]`` (yr, the time from
    the end of encounter k − 1 to the start of encounter k).  The sequence stops once the planet is lost.

    Returns ``(integrated, states)``: the encounters as integrated (planet-frame inputs) with
    :func:`simulate`'s result, and the planet's elements after each encounter in the fixed frame of its
    initial orbit (``states[0]``: the initial orbit; a, e, inc, omega, Omega, M; M at the end of the encounter).
    """
    import dataclasses

    frame = np.eye(3)  # planet frame of the next encounter → fixed frame
    first = encounters[0]
    a, e, omega, mean_anomaly = a_planet, first.e, first.omega, first.mean_anomaly
    states = [{"a": a, "e": e, "inc": 0.0, "omega": omega, "Omega": 0.0, "M": mean_anomaly}]
    integrated = []
    for k, enc in enumerate(encounters):
        if k > 0:
            mean_anomaly = (mean_anomaly + mean_motion(a, m_host + m_planet) * float(gaps[k])) % (2 * math.pi)
        local = dataclasses.replace(enc, e=e, omega=omega, mean_anomaly=mean_anomaly)
        row = simulate(local, m_host=m_host, m_planet=m_planet, a_planet=a, r_start=r_start)
        integrated.append((local, row))
        if row["outcome"] != 0:
            break
        after = row["after"]
        # orbit after the encounter, in the fixed frame; the next encounter's frame is its own plane
        orbit = frame @ orbit_rotation(after["Omega"], after["inc"], after["omega"])
        frame = frame @ _rz(after["Omega"]) @ _rx(after["inc"])
        inc_f, node_f, peri_f = orbit_angles(orbit)
        a, e, omega, mean_anomaly = after["a"], after["e"], after["omega"], after["M"]
        states.append({"a": a, "e": e, "inc": inc_f, "omega": peri_f, "Omega": node_f, "M": mean_anomaly})
    return integrated, states


#: one parsec in AU
PARSEC = 206264.806


def mean_encounter_gap(n_star: float, b_max: float, sigma_kms: float) -> float:
    """Mean time (yr) between encounters with impact parameter < ``b_max`` (AU) in a field of stars of
    number density ``n_star`` (pc⁻³) whose speeds follow the Maxwellian of dispersion ``sigma_kms``:
    1 / (n π b_max² ⟨v⟩), ⟨v⟩ = 2σ√(2/π) (no gravitational focusing, as for the drawn impact parameters)."""
    mean_speed = 2 * sigma_kms * math.sqrt(2 / math.pi) * KMS
    return 1.0 / (n_star / PARSEC**3 * math.pi * b_max**2 * mean_speed)
