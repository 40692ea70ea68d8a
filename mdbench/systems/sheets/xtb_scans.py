"""The scans that chose the GFN2-xTB label settings of ``sheets-gfn2`` (:mod:`mdbench.systems.sheets.xtb`): the
convergence of the SCC and periodicity settings, the lattice z edge against PBE, and GFN2/GFN1/CHGNet on the
committed PBE subset::

    python -m mdbench.systems.sheets.xtb_scans converge --config tiny --out DIR   # T_el, accuracy, periodicity, supercell
    python -m mdbench.systems.sheets.xtb_scans vacuum --config small              # the lattice z edge against PBE
    python -m mdbench.systems.sheets.xtb_scans fidelity --config small            # GFN2/GFN1/CHGNet on the PBE subset
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from mdbench.core.atomic import write_text_atomic
from mdbench.core.errors import MdbenchError
from mdbench.systems.sheets.xtb import SETTINGS, THREADS, evaluate, tblite_version

HERE = Path(__file__).parent

# --------------------------------------------------------------------------------------------
# convergence scans
# --------------------------------------------------------------------------------------------
#: what :func:`converge` varies, one at a time from :data:`SETTINGS`
SCANS = {
    "electronic_temperature": [100.0, 300.0, 1000.0, 3000.0],
    "accuracy": [3.0, 1.0, 0.1, 0.01],
    "periodic": [(True, True, False), (True, True, True)],
    "lattice_z": [20.0, 30.0, 60.0],
}


def _sheets_of(config: str, split: str, n: int):
    """The first configuration of each of ``n`` distinct trajectories of a ``sheets`` split (positions, Z, cell,
    meta)."""
    from mdbench.data.store import load
    from mdbench.systems.sheets.dataset import SHEETS

    ds = load(SHEETS, config, split)
    _, first = np.unique(ds["trajectory"].values, return_index=True)
    out = []
    for i in sorted(first)[:n]:
        k = int(ds["n_atoms"][i])
        out.append((ds["positions"].values[i, :k], ds["numbers"].values[i, :k].astype(int),
                    tuple(float(c) for c in ds["cell"].values[i]),
                    {"config": int(i), "kind": int(ds["kind"][i]), "vacancies": int(ds["vacancies"][i]),
                     "n_atoms": k}))
    return out


def converge(config: str = "tiny", n: int = 4, out: Path | None = None, supercell: int = 2,
             progress: bool = True) -> dict:
    """Energies of ``n`` test structures of ``sheets``/``config`` with each setting of :data:`SCANS` varied
    alone, and of the ``supercell`` × ``supercell`` tiling (Γ point of the supercell = a k-point mesh
    of the cell); every row gives the energy change per atom against :data:`SETTINGS` (meV/atom), the
    largest force change (meV/Å), the SCC cycles and the seconds."""
    from mdbench.systems.sheets.physics import Sheet

    rows = []
    structures = _sheets_of(config, "test", n)
    for pos, z, cell, meta in structures:
        base = evaluate(pos, z, cell)

        def row(what, value, res, atoms=len(z), forces=None):
            df = np.abs(res.forces[:len(z)] - base.forces).max() if forces is None else forces
            rows.append({**meta, "scan": what, "value": value, "energy_eV": res.energy,
                         "delta_meV_per_atom": 1e3 * (res.energy / atoms - base.energy / len(z)),
                         "max_force_delta_meV_per_A": 1e3 * float(df), "scc_cycles": res.iterations,
                         "seconds": round(res.seconds, 3)})
            if progress:
                print(json.dumps(rows[-1]))

        for key, values in SCANS.items():
            for v in values:
                res = base if v == getattr(SETTINGS, key) else evaluate(pos, z, cell, replace(SETTINGS, **{key: v}))
                row(key, list(v) if isinstance(v, tuple) else v, res)
        big = Sheet(pos, z, cell).tiled(supercell, supercell)
        res = evaluate(big.positions, big.numbers, big.cell)
        # atom i of the cell is atom i of the first image of the tiling
        row("supercell", supercell, res, atoms=big.n_atoms, forces=np.abs(res.forces[:len(z)] - base.forces).max())
    summary = {"dataset": "sheets", "config": config, "split": "test", "settings": SETTINGS.record(),
               "tblite": tblite_version(), "threads": THREADS, "scans": {k: [list(v) if isinstance(v, tuple) else v
                                                                              for v in vs] for k, vs in SCANS.items()},
               "units": {"delta": "meV/atom", "force": "meV/Å", "seconds": "s (wall, one thread)"}, "rows": rows}
    if out is not None:
        write_text_atomic(Path(out), json.dumps(summary, indent=1) + "\n")
    return summary


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    con = sub.add_parser("converge", help="electronic temperature, accuracy, periodicity and supercell scans")
    con.add_argument("--config", default="tiny", help="sheets (v1) config whose test split is scanned")
    con.add_argument("--n", type=int, default=4, help="structures (first snapshot of distinct trajectories)")
    con.add_argument("--out", type=Path, default=HERE / "xtb_convergence.json")
    fid = sub.add_parser("fidelity", help="GFN2, GFN1 (and CHGNet) on the committed PBE subset")
    fid.add_argument("--config", default="small")
    fid.add_argument("--no-chgnet", action="store_true")
    vac = sub.add_parser("vacuum", help="GFN2 gap to PBE on the fidelity subset for several lattice z edges")
    vac.add_argument("--config", default="small")
    vac.add_argument("--lattice-z", type=float, nargs="+", default=[15.0, 30.0, 60.0])
    args = parser.parse_args(argv)
    try:
        if args.cmd == "converge":
            converge(args.config, args.n, args.out)
        elif args.cmd == "vacuum":
            from mdbench.systems.sheets import fidelity

            for row in fidelity.vacuum_scan(args.config, tuple(args.lattice_z))["rows"]:
                print(row["lattice_z_A"], {m: row[m] for m in ("mae_per_area", "mae_per_atom")})
        else:
            from mdbench.systems.sheets import fidelity

            summary = fidelity.label_xtb(args.config, chgnet=not args.no_chgnet)
            print(json.dumps(summary["table"], indent=1))
    except MdbenchError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
