"""Particle-physics events: exact two-body decays, Pythia 8 e⁺e⁻ → Z/γ* → ℓ⁺ℓ⁻ and pp → tt̄, with GAN, VAE and B-VAE
event generators (Otten et al., Nature Communications 12, 2985 (2021), arXiv:1901.00875)."""

from mdbench.core.system import System

SYSTEM = System(
    name="particle-events",
    datasets={"two-body-decay": "mdbench.systems.particle_events.dataset:TWO_BODY",
              "z-dilepton": "mdbench.systems.particle_events.dataset:ZLL",
              "ttbar": "mdbench.systems.particle_events.dataset:TTBAR"},
    tasks={"two-body-decay/generate": "mdbench.systems.particle_events.task:DECAY_TASK",
           "z-dilepton/generate": "mdbench.systems.particle_events.task:Z_TASK",
           "ttbar/generate": "mdbench.systems.particle_events.task:TT_TASK"},
    models=("mdbench.systems.particle_events.references:REFERENCES", "baselines.particle_events:MODELS"),
    figures={"*/generate": "mdbench.systems.particle_events.figures:plot_all"},
)
