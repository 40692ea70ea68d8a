"""``adk``: equilibrium all-atom MD of adenylate kinase (open form, PDB 4AKE), Cα time series."""

from __future__ import annotations

import dataclasses
import functools

from mdbench.core.params import DatasetConfig
from mdbench.systems.md_forecast.setup import MDSetup
from mdbench.systems.md_forecast.dataset import ForecastMDDataset, md_params
from mdbench.systems.md_forecast.task import ForecastTask

FAST = MDSetup(temperature_k=310.0, timestep_fs=2.0)  # ff99SB-ILDN + native OBC, 1 nm cutoff
PAPER = MDSetup(forcefield=("amber14-all.xml", "implicit/gbn2.xml"), cutoff_nm=None,
                         temperature_k=310.0, timestep_fs=2.0)  # the authors' script (ff14SB + GBn2)
PAPER_1FS = dataclasses.replace(PAPER, timestep_fs=1.0)  # the paper's protocol: 1 fs, a frame every 10 fs
DEVIATION = ("tiny/small: Amber ff99SB-ILDN + OBC (native GBSAOBCForce) with a 1 nm cutoff, because OpenMM runs "
             "the amber14 implicit-solvent models (GBn2 among them) as a CustomGBForce, several times slower "
             "on a CPU (timings in the data card); full uses the paper's ff14SB (OpenMM amber14-all) + GBn2 "
             "without cutoff (the 'onlysc' variant is not shipped)")


def _config(name, description, seed, setup, *, replicas, n_frames, eq, histories, leads, restarts, members):
    params = md_params(setup, replicas=replicas, equilibration_steps=eq, n_frames=n_frames, save_every=10,
                       histories=histories, leads=leads, restart_frames=restarts, members=members)
    return DatasetConfig(name, description, params, seed, notes=(DEVIATION,))


class ADK(ForecastMDDataset):
    name = "adk"
    version = "0.1.0"
    summary = "equilibrium MD of adenylate kinase (4AKE), implicit solvent, Cα time series (Gupta et al. 2020)"
    configs = {
        "tiny": _config("tiny", "minutes; for the slow tests", 21, FAST, replicas=(1, 1, 1), n_frames=12, eq=20,
                        histories=(1, 5), leads=(1, 5), restarts=(4, 6), members=2),
        # 5 test replicas × 2 origins 70 frames apart (h 10 + L 60): 10 independent forecast windows
        "small": _config("small", "default; 9 replicas × 3 ps, 10 independent test windows", 22, FAST,
                         replicas=(3, 1, 5), n_frames=150, eq=500, histories=(1, 5, 10), leads=(1, 5, 15, 60),
                         restarts=(10, 80), members=2),
        # small's design with 13 test replicas: 26 independent windows, for a 1 % standard error at L = 60
        "medium": _config("medium", "small with 13 test replicas (26 independent windows)", 25,
                          FAST, replicas=(3, 1, 13), n_frames=150, eq=500, histories=(1, 5, 10),
                          leads=(1, 5, 15, 60), restarts=(10, 80), members=2),
        "full": _config("full", "paper scale (GPU: --platform CUDA, or a dask cluster)", 23, PAPER,
                        replicas=(3, 1, 1), n_frames=50_000, eq=50_000, histories=(1, 5, 10),
                        leads=(1, 5, 15, 60, 120), restarts=tuple(range(1000, 49_000, 2000)), members=8),
        # Gupta et al.'s protocol: 5 × 0.1 ns at 1 fs, a frame every 10 fs; origins 130 frames apart
        # (h 10 + L 120) so that no two windows of the test replica share a frame: 76 windows
        "paper": _config("paper", "the paper's protocol: 5 × 0.1 ns, ff14SB + GBn2, 1 fs (GPU: --platform CUDA)",
                         24, PAPER_1FS, replicas=(3, 1, 1), n_frames=10_000, eq=10_000, histories=(1, 5, 10),
                         leads=(1, 5, 15, 60, 120), restarts=tuple(range(10, 9_870, 130)), members=4),
    }

    def structure(self, config: DatasetConfig, setup: MDSetup):
        return _adk(setup)


@functools.lru_cache(maxsize=2)
def _adk(setup: MDSetup):
    from mdbench.systems.md_forecast import physics as proteins

    return proteins.adenylate_kinase(setup)


ADK_DATASET = ADK()
TASK = ForecastTask(ADK_DATASET)
