"""References of ``flybys/encounter``, scored by exactly the same code as any model.

* ``no-change`` — static reference: Δa/a = Δe = ΔI = 0, P(ejection) = the training split's ejection
  fraction.
* ``heggie-rasio`` — analytic physics reference: Δe from Heggie & Rasio (1996) eq. (7), the secular
  tidal theory of distant slow encounters (:func:`physics.heggie_rasio_delta_e`), clipped so that
  0 ≤ e_after < 1 (the first-order formula diverges as q → 0); Δa/a = 0 (the
  adiabatic invariant of that theory), ΔI = 0 (not implemented: the paper gives Δe only), P(ejection)
  = the training ejection fraction (the theory says nothing about ejections).
* ``rebound`` — physics reference: REBOUND IAS15 integrating every test flyby again from its stored
  initial state (its error is 0 by construction: the targets are REBOUND's); its speed is REBOUND's own.

The same three for ``flybys/sequence`` (below): no change at all; Heggie & Rasio applied K times; REBOUND
on the dataset's independent ``reference`` sequences (the sampling-noise floor of the distances).
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.flybys import physics, sequence_task
from mdbench.systems.flybys.dataset import encounters_of, system_params
from mdbench.systems.flybys.task import TASK, submission

HR96 = "Heggie & Rasio, MNRAS 282, 1064 (1996), eq. (7)"
REBOUND = "Rein & Liu, A&A 537, A128 (2012); IAS15: Rein & Spiegel, MNRAS 446, 1424 (2015)"


def ejection_rate(ds: xr.Dataset) -> float:
    """Fraction of flybys after which the planet is not bound to its host."""
    return float(np.mean(ds["outcome"].values != 0))


def inputs(data: TaskData) -> xr.Dataset:
    return data.inputs["test"]


class NoChange:
    """Static reference: nothing changes; P(ejection) is the training base rate."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "NoChange":
        self.p = ejection_rate(data.train)
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        x = inputs(data)
        zero = np.zeros(x.sizes["flyby"])
        return submission(x["flyby"].values, zero, zero, zero, np.full(x.sizes["flyby"], self.p))


class HeggieRasio:
    """Analytic reference: Heggie & Rasio (1996) secular Δe; Δa/a = ΔI = 0; P(ejection) = training rate."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "HeggieRasio":
        self.p = ejection_rate(data.train)
        self.system = system_params(data.config)
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        x = inputs(data)
        n = x.sizes["flyby"]
        de = np.array([physics.heggie_rasio_delta_e(enc, **self.system) for enc in encounters_from_inputs(x)])
        # the first-order theory diverges as q → 0: keep e_after within [0, 1) (bound, as the theory assumes)
        e0 = x["e_before"].values
        de = np.clip(de, -e0, np.nextafter(1.0, 0.0) - e0)
        zero = np.zeros(n)
        return submission(x["flyby"].values, zero, de, zero, np.full(n, self.p))


def encounters_from_inputs(x: xr.Dataset) -> list[physics.Encounter]:
    """Encounters from the model-visible inputs (osculating e, ω, M of REBOUND at the start)."""
    cols = [x[v].values for v in ("e_before", "peri_before", "mean_anomaly_before", "m_perturber", "v_inf", "b",
                                  "inc_perturber", "node_perturber", "peri_perturber")]
    return [physics.Encounter(*map(float, row)) for row in zip(*cols)]


class Rebound:
    """Physics reference: every test flyby integrated again with REBOUND IAS15 from its stored initial state."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "Rebound":
        if data.test is None:
            raise ValueError("the rebound reference needs the test split")
        self.test, self.config = data.test, data.config
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        system, r_start = system_params(self.config), self.config["r_start"]
        rows = [physics.simulate(enc, r_start=r_start, **system) for enc in encounters_of(self.test)]
        a0 = np.array([r["before"]["a"] for r in rows])
        da = (np.array([r["after"]["a"] for r in rows]) - a0) / a0
        de = np.array([r["after"]["e"] - r["before"]["e"] for r in rows])
        di = np.array([r["after"]["inc"] - r["before"]["inc"] for r in rows])
        ej = np.array([float(r["outcome"] != 0) for r in rows])
        return submission(self.test["flyby"].values, da, de, di, ej)


REFERENCES = [
    ModelEntry("no-change", TASK.name, "static reference",
               "Δa/a = Δe = ΔI = 0, P(ejection) = training ejection fraction", NoChange),
    ModelEntry("heggie-rasio", TASK.name, "physics reference",
               "analytic reference: Heggie & Rasio (1996) secular Δe; Δa/a = ΔI = 0; P(ej) = training rate",
               HeggieRasio, HR96),
    ModelEntry("rebound", TASK.name, "physics reference",
               "REBOUND IAS15 re-integrating every test flyby (error 0 by construction; its speed is REBOUND's)",
               Rebound, REBOUND),
]


# --------------------------------------------------------------------------------------------------
# flybys/sequence: the same three, encounter after encounter
# --------------------------------------------------------------------------------------------------
def loss_rate_per_encounter(ds: xr.Dataset) -> float:
    """Fraction of the integrated encounters of a sequence split after which the planet is lost."""
    outcome = ds["outcome"].values
    return float(np.mean(outcome[outcome >= 0] != 0))


class SequenceNoChange:
    """Static reference: no encounter changes anything; every planet survives with its initial orbit."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SequenceNoChange":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        x = data.inputs["test"]
        k = x.sizes["encounter"]
        tile = lambda v: np.repeat(v.values[:, None], k, axis=1)  # noqa: E731
        return sequence_task.submission(x["sequence"].values, tile(x["a_initial"]), tile(x["e_initial"]),
                                        np.ones((x.sizes["sequence"], k)))


class SequenceHeggieRasio:
    """Analytic reference applied K times: Heggie & Rasio's Δe at every encounter (with the planet's current
    a and e, its unknown phases drawn uniformly), Δa = 0, and a loss probability per encounter equal to the
    training sequences' loss rate (the theory says nothing about losses), carried as a survival weight."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SequenceHeggieRasio":
        self.p = loss_rate_per_encounter(data.train)
        self.system = system_params(data.config)
        return self

    def step(self, rows: xr.Dataset):
        a = rows["a_before"].values
        de = np.array([physics.heggie_rasio_delta_e(enc, **{**self.system, "a_planet": float(ai)})
                       for enc, ai in zip(encounters_from_inputs(rows), a)])
        e0 = rows["e_before"].values
        # the first-order theory diverges as q → 0: keep e_after within [0, 1), as for flybys/encounter
        de = np.clip(de, -e0, np.nextafter(1.0, 0.0) - e0)
        return np.zeros_like(a), de, np.full_like(a, self.p)

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return sequence_task.rollout(data.inputs["test"], self.step, seed=seed, sample=False)


class SequenceRebound:
    """Physics reference: REBOUND integrating the ``reference`` split's sequences again (an independent
    sample of the same environment, paired with the test labels in order): the sampling-noise floor."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SequenceRebound":
        self.reference, self.config = data.split("reference"), data.config
        if self.reference.sizes["sequence"] != data.config["test_sequences"]:
            raise ValueError("the reference split must hold as many sequences as the test split")
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        ref, system = self.reference, system_params(self.config)
        k = self.config["encounters"]
        x = sequence_task.inputs_of(ref)
        states = []
        for i in range(ref.sizes["sequence"]):
            first = physics.Encounter(float(x["e_initial"][i]), float(x["peri_initial"][i]),
                                      float(x["mean_anomaly_initial"][i]), *(float(x[v][i, 0]) for v in (
                                          "m_perturber", "v_inf", "b", "inc_perturber", "node_perturber",
                                          "peri_perturber")))
            later = [physics.Encounter(0.0, 0.0, 0.0, *(float(x[v][i, j]) for v in (
                "m_perturber", "v_inf", "b", "inc_perturber", "node_perturber", "peri_perturber")))
                for j in range(1, k)]
            _, run = physics.simulate_sequence([first, *later], x["gap"].values[i], r_start=self.config["r_start"],
                                               **{**system, "a_planet": float(x["a_initial"][i])})
            states.append(run[1:])
        a, e, bound = np.zeros((len(states), k)), np.ones((len(states), k)), np.zeros((len(states), k))
        for i, run in enumerate(states):
            for j, s in enumerate(run):
                a[i, j], e[i, j], bound[i, j] = s["a"], s["e"], 1.0
        labels = data.inputs["test"]["sequence"].values
        return sequence_task.submission(labels, a, e, bound)


REFERENCES += [
    ModelEntry("no-change", sequence_task.TASK.name, "static reference",
               "no encounter changes the orbit; every planet survives", SequenceNoChange),
    ModelEntry("heggie-rasio", sequence_task.TASK.name, "physics reference",
               "analytic reference applied K times: Heggie & Rasio (1996) Δe per encounter, Δa = 0, training loss "
               "rate per encounter as a survival weight", SequenceHeggieRasio, HR96),
    ModelEntry("rebound", sequence_task.TASK.name, "physics reference",
               "REBOUND IAS15 on an independent sample of sequences (the dataset's reference split): the "
               "sampling-noise floor of every distance", SequenceRebound, REBOUND),
]
