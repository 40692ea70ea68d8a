"""``ala100-smd``: constant-velocity steered MD of an ideal 100-alanine α-helix (Gupta et al. 2020)."""

from __future__ import annotations

import functools

from mdbench.core.params import DatasetConfig, Param
from mdbench.systems.md_forecast.setup import MDSetup, Pulling
from mdbench.systems.md_forecast.dataset import ForecastMDDataset, md_params
from mdbench.systems.md_forecast.task import ForecastTask

SETUP = MDSetup(temperature_k=300.0, timestep_fs=1.0)
_PULL = {
    "n_residues": Param(100, "residues", "alanines in the ideal helix (φ = −57°, ψ = −47°)"),
    "spring": Param(7.0, "kcal/mol/angstrom²", "SMD spring constant on the C-terminal Cα"),
    "pull_speed": Param(0.2, "angstrom/ps", "anchor speed along the initial Cα₁→Cα_N direction"),
    "fix_spring": Param(100.0, "kcal/mol/angstrom²", "harmonic restraint holding the N-terminal Cα"),
}


def _config(name, description, seed, *, n_res, replicas, n_frames, eq, histories, leads, restarts, members):
    params = md_params(SETUP, replicas=replicas, equilibration_steps=eq, n_frames=n_frames, save_every=10,
                       histories=histories, leads=leads, restart_frames=restarts, members=members,
                       extra={**_PULL, "n_residues": Param(n_res, "residues", _PULL["n_residues"].description)})
    return DatasetConfig(name, description, params, seed, notes=(
        "implicit solvent: Amber ff99SB-ILDN + OBC (native GBSAOBCForce) with a cutoff; the paper used "
        "CHARMM36m + GB in NAMD, which OpenMM does not ship",))


class Ala100SMD(ForecastMDDataset):
    name = "ala100-smd"
    version = "0.2.0"
    # Reference first: OpenMM's CPU platform picks AVX or AVX2+FMA kernels by CPU at run time, so 0.1.0 made on
    # this AMD EPYC differed from its record in every split; the Reference platform (plain double-precision C++)
    # gives the same bits on every x86-64 CPU, as trpcage-like's records show, at 2.8× the CPU platform's cost
    # here (6.5 s against 2.4 s per 200 steps of the 100-residue helix, medians of 3 interleaved runs)
    platforms = ("Reference", "CPU", "CUDA", "OpenCL")
    summary = "steered MD (constant velocity) of a 100-alanine helix, Cα time series (Gupta et al. 2020)"
    configs = {
        "tiny": _config("tiny", "seconds-to-minutes; a 10-residue helix, for tests", 11, n_res=10,
                        replicas=(1, 1, 1), n_frames=40, eq=100, histories=(1, 5), leads=(1, 5),
                        restarts=(10, 20), members=2),
        # 3 test replicas × 5 origins 150 frames apart (≥ h 10 + L 120): 15 independent forecast windows
        "small": _config("small", "default; 7 replicas × 10 ps, 15 independent test windows", 12, n_res=100,
                         replicas=(3, 1, 3), n_frames=1000, eq=1000, histories=(1, 5, 10),
                         leads=(1, 5, 15, 60, 120), restarts=(150, 300, 450, 600, 750), members=2),
        "full": _config("full", "paper scale: 5 replicas of 500 ps (GPU or dask cluster)", 13, n_res=100,
                        replicas=(3, 1, 1), n_frames=50_000, eq=10_000, histories=(1, 5, 10),
                        leads=(1, 5, 15, 60, 120), restarts=tuple(range(1000, 49_000, 2000)), members=8),
    }

    def structure(self, config: DatasetConfig, setup: MDSetup):
        return _helix(config["n_residues"], setup)

    def pulling(self, config: DatasetConfig, modeller) -> Pulling:
        from mdbench.systems.md_forecast import physics as proteins

        ca = proteins.ca_indices(modeller.topology)
        return Pulling(pulled_atom=int(ca[-1]), fixed_atom=int(ca[0]), spring_kcal_per_a2=config["spring"],
                                speed_a_per_ps=config["pull_speed"], fix_kcal_per_a2=config["fix_spring"])


@functools.lru_cache(maxsize=2)
def _helix(n_res: int, setup: MDSetup):
    from mdbench.systems.md_forecast import physics as proteins

    return proteins.alanine_helix(n_res, setup)


ALA100_SMD = Ala100SMD()
TASK = ForecastTask(ALA100_SMD)
