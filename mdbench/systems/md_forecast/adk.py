"""``adk``: equilibrium all-atom MD of adenylate kinase (open form, PDB 4AKE), Cα time series."""

from __future__ import annotations

import functools

from mdbench.core.params import DatasetConfig
from mdbench.systems.md_forecast import physics as proteins
from mdbench.systems.md_forecast.dataset import ForecastMDDataset, md_params
from mdbench.systems.md_forecast.task import ForecastTask

FAST = proteins.MDSetup(temperature_k=310.0, timestep_fs=2.0)  # ff99SB-ILDN + native OBC, 1 nm cutoff
PAPER = proteins.MDSetup(forcefield=("amber14-all.xml", "implicit/gbn2.xml"), cutoff_nm=None,
                         temperature_k=310.0, timestep_fs=2.0)  # the authors' script (ff14SB + GBn2)
DEVIATION = ("tiny/small: Amber ff99SB-ILDN + OBC (native GBSAOBCForce) with a 1 nm cutoff, because GBn2 runs "
             "as a CustomGBForce at ~1 step/s for 3341 atoms on 2 CPU cores here; full uses the paper's "
             "ff14SB (OpenMM amber14-all) + GBn2 without cutoff (the 'onlysc' variant is not shipped)")


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
        "small": _config("small", "default; 5 replicas × 2 ps", 22, FAST, replicas=(3, 1, 1),
                         n_frames=100, eq=500, histories=(1, 5, 10), leads=(1, 5, 15, 60),
                         restarts=(20, 25, 30, 35), members=2),
        "full": _config("full", "paper scale (GPU: --platform CUDA, or a dask cluster)", 23, PAPER,
                        replicas=(3, 1, 1), n_frames=50_000, eq=50_000, histories=(1, 5, 10),
                        leads=(1, 5, 15, 60, 120), restarts=tuple(range(1000, 49_000, 2000)), members=8),
    }

    def structure(self, config: DatasetConfig, setup: proteins.MDSetup):
        return _adk(setup)


@functools.lru_cache(maxsize=2)
def _adk(setup: proteins.MDSetup):
    return proteins.adenylate_kinase(setup)


ADK_DATASET = ADK()
TASK = ForecastTask(ADK_DATASET)
