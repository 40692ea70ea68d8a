"""Which compute platforms an engine has on this machine (for ``--platform`` / ``--device``).

Each function imports its engine only when called, and answers with what is usable here, so a
platform that is not present gives a one-line error naming what is.
"""

from __future__ import annotations


def openmm_platforms() -> list[str]:
    """OpenMM platforms that can create a context here (``Reference``, ``CPU``, ``CUDA``, ``OpenCL``)."""
    import openmm

    usable = []
    for i in range(openmm.Platform.getNumPlatforms()):
        platform = openmm.Platform.getPlatform(i)
        system = openmm.System()
        system.addParticle(1.0)  # a context needs a particle
        try:  # a GPU platform is listed when its plug-in loads, even without a device
            openmm.Context(system, openmm.VerletIntegrator(1.0), platform)
        except Exception:  # noqa: BLE001 - OpenMMException and driver errors alike mean "not here"
            continue
        usable.append(platform.getName())
    return usable


def torch_devices() -> list[str]:
    """``cpu``, plus ``cuda`` when torch sees a GPU."""
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
