"""CHGNet energies of sheets: the pretrained universal potential (CHGNet 0.3.0 weights inside the ``chgnet``
0.4.2 wheel, trained on Materials Project PBE(+U); offline), used by the fidelity table and by the zero-shot
baseline of ``sheets-gfn2/energy`` (``baselines/sheets/foundation.py``).

CHGNet needs a 3D lattice: the sheet sits in a cell with :data:`VACUUM` Å along z (its graph cut-off is
5 Å, so periodic images in z never interact).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from mdbench.core.errors import MdbenchError
from mdbench.core.lazy import xr

#: z edge of CHGNet's cell (Å)
VACUUM = 20.0


def _rows(ds: xr.Dataset):
    """(positions, Z, cell) of every configuration of ``ds``, padding removed."""
    for i in range(ds.sizes["config"]):
        n = int(ds["n_atoms"][i])
        yield ds["positions"].values[i, :n], ds["numbers"].values[i, :n], tuple(float(c) for c in ds["cell"].values[i])


@functools.lru_cache(maxsize=1)
def chgnet_model():
    """The pretrained CHGNet of the wheel (offline), or a one-line error naming the install."""
    try:
        from chgnet.model import CHGNet
    except ImportError as err:
        raise MdbenchError(f"chgnet is not installed ({err}); pip install -c constraints.txt 'mdbench[sheets]'") from None
    return CHGNet.load(verbose=False)


def chgnet_energies(ds: xr.Dataset, batch_size: int = 16) -> np.ndarray:
    """CHGNet total energies (eV) of every configuration of ``ds`` (no forces: energy only)."""
    from pymatgen.core import Lattice, Structure

    structures = []
    for pos, z, cell in _rows(ds):
        pos = np.array(pos, dtype=float)
        pos[:, 2] += VACUUM / 2 - pos[:, 2].mean()
        structures.append(Structure(Lattice.orthorhombic(cell[0], cell[1], VACUUM), np.asarray(z, dtype=int),
                                    pos, coords_are_cartesian=True))
    with warnings.catch_warnings():  # chgnet 0.4.2 warns on every batch about a tensor it converts itself
        warnings.simplefilter("ignore", UserWarning)
        out = chgnet_model().predict_structure(structures, task="e", batch_size=batch_size)
    out = out if isinstance(out, list) else [out]
    # CHGNet predicts energy per atom
    return np.array([float(o["e"]) * len(s) for o, s in zip(out, structures)])
