"""Fidelity of the Tersoff labels: GPAW PBE energies of a seeded subset of held-out sheets.

The Tersoff labels of ``sheets`` are not DFT.  This module measures how far they are from PBE on a
few dozen held-out configurations, so the data card can say whether a surrogate's error is
smaller or larger than the label error::

    make setup-fidelity                                                # apt libxc/openblas + pip '.[fidelity]'
    python -m mdbench.systems.sheets.fidelity converge --out DIR       # h and k-point scans
    python -m mdbench.systems.sheets.fidelity label --config small --n 30   # the labelled subset

``label`` draws ``n`` configurations from the ``test`` split (seeded, stratified over
kind × vacancies, one snapshot per trajectory so the structures are independent), evaluates each
with GPAW (LCAO, dzp basis, PBE, spin-paired, Fermi–Dirac 0.1 eV smearing, energy extrapolated to
zero width) at :data:`SETTINGS`, writes one JSON per structure under
``$MDBENCH_HOME/sheets_fidelity/<config>/`` (atomic rename: a killed run resumes where it
stopped) and finally the small committed summary ``fidelity_<config>.json`` next to this file.

The two energies have different zeros (Tersoff: separated atoms at 0; GPAW: its PAW reference
atoms), so they are compared after per-species chemical potentials:
E_PBE − E_Tersoff = Σ_Z n_Z δμ_Z + residual.  :func:`compare` fits δμ by least squares with the
structure itself left out (leave-one-out), so a structure's own gap is never fitted away, and
reports the mean/median |residual| per area (meV/Å²) and per atom (meV/atom) with standard errors
over the n structures.

GPAW is optional (the ``fidelity`` extra): nothing else in the project imports it, and
:func:`compare` and the committed summary need only numpy.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mdbench.core.atomic import write_text_atomic
from mdbench.core.errors import MdbenchError

#: the committed summaries live next to this module (shipped as package data)
HERE = Path(__file__).parent
#: out-of-plane box edge for GPAW (Å): sheets ripple by < 1 Å, so ≥ 13 Å of vacuum remains
BOX_Z = 15.0


class FidelityError(MdbenchError):
    """GPAW (or its PAW datasets) is missing, or the fidelity inputs are unusable."""


@dataclass(frozen=True)
class Settings:
    """GPAW settings of one PBE evaluation.

    Parameters
    ----------
    h
        Real-space grid spacing (Å).
    kpts
        Monkhorst–Pack k-points along x and y (1 along z).
    basis
        LCAO basis set name.
    width
        Fermi–Dirac smearing (eV); the energy is extrapolated to zero width.
    box_z
        Box edge normal to the sheet (Å).
    """

    h: float = 0.2
    kpts: int = 3
    basis: str = "dzp"
    width: float = 0.1
    box_z: float = BOX_Z
    mode: str = "lcao"
    xc: str = "PBE"

    def key(self) -> str:
        return f"{self.mode}-{self.basis}-{self.xc}-h{self.h:g}-k{self.kpts}-w{self.width:g}-z{self.box_z:g}"


#: the settings of the labelled subset (chosen from the convergence scans, see the data card)
SETTINGS = Settings(h=0.2, kpts=2)


# --------------------------------------------------------------------------------------------
# GPAW (optional)
# --------------------------------------------------------------------------------------------
def gpaw_module():
    """``gpaw``, with its PAW datasets on the search path (from the ``gpaw-data`` package when the
    user set neither ``GPAW_SETUP_PATH`` nor ``~/.gpaw/rc.py``); a one-line error when missing."""
    try:
        import gpaw
    except ImportError as err:
        raise FidelityError(f"GPAW is not installed ({err}); run `make setup-fidelity` (apt-get install "
                            "libxc-dev libopenblas-dev, then pip install -c constraints.txt '.[fidelity]')") from None
    if not any(Path(p, "C.PBE.gz").exists() or Path(p, "C.PBE").exists() for p in gpaw.setup_paths):
        try:  # gpaw < 25 does not look into gpaw-data by itself
            import gpaw_data
        except ImportError:
            raise FidelityError("GPAW finds no PAW datasets (C.PBE); pip install gpaw-data, or set "
                                "GPAW_SETUP_PATH") from None
        gpaw.setup_paths.append(str(gpaw_data.datapath()))
    return gpaw


def gpaw_available() -> bool:
    try:
        gpaw_module()
    except FidelityError:
        return False
    return True


def versions() -> dict:
    gpaw = gpaw_module()
    out = {"gpaw": gpaw.__version__}
    try:
        import gpaw_data

        out["gpaw_data"] = gpaw_data.__version__
    except ImportError:  # datasets from GPAW_SETUP_PATH
        out["gpaw_setup_path"] = os.environ.get("GPAW_SETUP_PATH", "")
    return out


def atoms_of(positions: np.ndarray, numbers: np.ndarray, cell, box_z: float = BOX_Z):
    """ASE ``Atoms`` of one sheet (padding removed by the caller), centred in z in a ``box_z`` box."""
    from ase import Atoms

    pos = np.array(positions, dtype=float)
    pos[:, 2] += 0.5 * box_z - pos[:, 2].mean()
    return Atoms(numbers=np.asarray(numbers, dtype=int), positions=pos, cell=[cell[0], cell[1], box_z],
                 pbc=True)


def pbe_energy(positions: np.ndarray, numbers: np.ndarray, cell, settings: Settings = SETTINGS,
               txt: str | None = None) -> dict:
    """GPAW PBE energy of one sheet.

    Returns
    -------
    dict with ``energy`` (eV, extrapolated to zero smearing), ``seconds`` (wall), ``scf_iterations``.
    """
    gpaw = gpaw_module()
    atoms = atoms_of(positions, numbers, cell, settings.box_z)
    start = time.perf_counter()
    atoms.calc = gpaw.GPAW(mode=settings.mode, basis=settings.basis, xc=settings.xc, h=settings.h,
                           kpts=(settings.kpts, settings.kpts, 1),
                           occupations={"name": "fermi-dirac", "width": settings.width}, txt=txt)
    energy = float(atoms.get_potential_energy())
    seconds = time.perf_counter() - start
    try:
        iterations = int(atoms.calc.get_number_of_iterations())
    except Exception:  # not every GPAW version reports it; the energy is what matters
        iterations = None
    return {"energy": energy, "seconds": seconds, "scf_iterations": iterations}


# --------------------------------------------------------------------------------------------
# the subset
# --------------------------------------------------------------------------------------------
def select(ds, n: int, seed: int = 0) -> np.ndarray:
    """``n`` configuration indices of ``ds``: one random snapshot of distinct trajectories, drawn
    round-robin over the strata kind × (vacancies or not), each stratum in a seeded random order."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(0xF1DE,)))
    traj = ds["trajectory"].values
    kind = ds["kind"].values
    vac = ds["vacancies"].values > 0
    firsts = {t: np.flatnonzero(traj == t) for t in dict.fromkeys(traj.tolist())}
    strata: dict[tuple[int, bool], list] = {}
    for t, idx in firsts.items():
        strata.setdefault((int(kind[idx[0]]), bool(vac[idx[0]])), []).append(t)
    queues = {s: list(rng.permutation(len(v))) for s, v in sorted(strata.items())}
    picked: list[int] = []
    while len(picked) < n and any(queues.values()):
        for s in sorted(queues):
            if queues[s] and len(picked) < n:
                idx = firsts[strata[s][queues[s].pop(0)]]
                picked.append(int(idx[rng.integers(len(idx))]))
    if len(picked) < n:
        raise FidelityError(f"the split has only {len(picked)} trajectories; ask for --n {len(picked)} or fewer")
    return np.array(picked)


def _write_atomic(path: Path, payload: dict) -> None:
    write_text_atomic(path, json.dumps(payload, indent=1) + "\n")


def _test_split(config: str):
    from mdbench.data.store import load
    from mdbench.systems.sheets.dataset import SHEETS

    return load(SHEETS, config, "test")


def _sheet(ds, i: int) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Positions (Å), atomic numbers and cell (Å) of configuration ``i``, padding removed."""
    k = int(ds["n_atoms"][i])
    return ds["positions"].values[i, :k], ds["numbers"].values[i, :k], tuple(float(c) for c in ds["cell"].values[i])


def work_dir(config: str) -> Path:
    from mdbench.data.store import home

    return home() / "sheets_fidelity" / config


def label(config: str = "small", n: int = 30, seed: int = 0, settings: Settings = SETTINGS,
          out: Path | None = None, progress: bool = True, convergence: tuple[Path, ...] = ()) -> dict:
    """PBE-label ``n`` seeded test configurations (resumable), then write and return the summary.

    ``convergence``: directories of :func:`converge` runs whose rows the summary keeps."""
    from tqdm.auto import tqdm

    from mdbench.systems.sheets.physics import composition

    ds = _test_split(config)
    picks = select(ds, n, seed)
    parts = work_dir(config) / settings.key()
    parts.mkdir(parents=True, exist_ok=True)
    info = versions()
    bar = tqdm(total=len(picks), desc="GPAW PBE", unit="structure", disable=not progress)
    for i in picks:
        path = parts / f"config{i:05d}.json"
        if path.exists():
            bar.update(1)
            continue
        result = pbe_energy(*_sheet(ds, i), settings)
        _write_atomic(path, {"config": int(i), **result})
        bar.update(1)
    bar.close()
    rows = []
    for i in picks:
        part = json.loads((parts / f"config{i:05d}.json").read_text())
        _, z, _ = _sheet(ds, i)
        rows.append({"config": int(i), "trajectory": int(ds["trajectory"][i]), "kind": int(ds["kind"][i]),
                     "vacancies": int(ds["vacancies"][i]), "temperature_K": float(ds["temperature"][i]),
                     "n_atoms": len(z), "counts_BCN": [int(c) for c in composition(z[None])[0]],
                     "area_A2": float(np.prod(ds["cell"].values[i])), "tersoff_eV": float(ds["energy"][i]),
                     "pbe_eV": part["energy"], "seconds": part["seconds"], "scf_iterations": part["scf_iterations"]})
    summary = {"dataset": "sheets", "config": config, "split": "test", "dataset_version": ds.attrs.get("dataset_version"),
               "selection": f"select(test, n={n}, seed={seed})", "settings": asdict(settings), **info,
               "units": {"energy": "eV", "area": "Å²", "seconds": "s (wall, one core)"}, "structures": rows}
    summary["comparison"] = compare_rows(rows)
    # vacancies are where the two differ most (under-coordinated atoms): the gap without them too
    pristine = [r for r in rows if r["vacancies"] == 0]
    summary["comparison_without_vacancies"] = compare_rows(pristine) if len(pristine) >= 6 else None
    summary["comparison_with_vacancy_term"] = compare_rows(rows, vacancy_term=True)
    # the scale of the gap: what each energy varies beyond its own per-species fit (LOO), per area
    zero = np.zeros(len(rows))
    counts, area, atoms = (np.array([r[k] for r in rows]) for k in ("counts_BCN", "area_A2", "n_atoms"))
    summary["beyond_composition"] = {
        key: {m: compare(zero, np.array([r[key] for r in rows]), counts, area, atoms)[m]
              for m in ("mae_per_area", "mae_per_atom")} for key in ("tersoff_eV", "pbe_eV")}
    summary["convergence"] = [{**{k: r[k] for k in ("config", "h", "kpts", "n_atoms", "energy", "seconds")},
                               "tersoff_eV": float(ds["energy"][r["config"]])}
                              for d in convergence for r in json.loads((Path(d) / "convergence.json").read_text())["rows"]]
    out = out or HERE / f"fidelity_{config}.json"
    _write_atomic(out, summary)
    return summary


# --------------------------------------------------------------------------------------------
# the comparison (numpy only)
# --------------------------------------------------------------------------------------------
def _lstsq(counts: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-species δμ (eV/atom): minimum-norm least squares, since n_B ≈ n_N in most sheets makes
    μ_B and μ_N nearly collinear (their sum, the only thing a B/N-balanced sheet sees, is determined)."""
    return np.linalg.lstsq(counts, y, rcond=None)[0]


def compare(e_ref: np.ndarray, e_label: np.ndarray, counts: np.ndarray, areas: np.ndarray,
            n_atoms: np.ndarray) -> dict:
    """Gap between two energy scales with different zeros, after per-species offsets.

    Fits E_label − E_ref = Σ_Z n_Z δμ_Z by least squares on all structures but one and takes the
    left-out structure's residual (leave-one-out), so the gap is not fitted away.

    Parameters
    ----------
    e_ref, e_label
        (n,) total energies (eV), e.g. Tersoff and PBE.
    counts
        (n, species) atoms of each species.
    areas
        (n,) cell areas (Å²).
    n_atoms
        (n,) atoms per structure.

    Returns
    -------
    dict of {"value", "se", "n"} for ``mae_per_area`` and ``median_ae_per_area`` (meV/Å²),
    ``mae_per_atom`` and ``median_ae_per_atom`` (meV/atom), the in-sample ``fit_mae_per_area``, the
    LOO residuals (eV) and the all-structure δμ (eV/atom).  ``se`` of a mean is std/√n; of a median
    the bootstrap standard error (1 000 resamples, seed 0).
    """
    e_ref, e_label, areas, n_atoms = (np.asarray(a, dtype=float) for a in (e_ref, e_label, areas, n_atoms))
    counts = np.asarray(counts, dtype=float)
    n = len(e_ref)
    if n < counts.shape[1] + 2:
        raise FidelityError(f"{n} structures cannot fit {counts.shape[1]} offsets with one left out")
    y = e_label - e_ref
    loo = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        loo[i] = y[i] - counts[i] @ _lstsq(counts[keep], y[keep])
    mu = _lstsq(counts, y)
    rng = np.random.default_rng(0)
    boot = rng.integers(n, size=(1000, n))

    def stats(x: np.ndarray) -> tuple[dict, dict]:
        mean = {"value": float(x.mean()), "se": float(x.std(ddof=1) / np.sqrt(n)), "n": n, "how": "std/sqrt(n)"}
        med = {"value": float(np.median(x)), "se": float(np.median(x[boot], axis=1).std(ddof=1)), "n": n,
               "how": "bootstrap over structures"}
        return mean, med

    per_area = 1e3 * np.abs(loo) / areas
    per_atom = 1e3 * np.abs(loo) / n_atoms
    out = {}
    out["mae_per_area"], out["median_ae_per_area"] = stats(per_area)
    out["mae_per_atom"], out["median_ae_per_atom"] = stats(per_atom)
    fit = 1e3 * np.abs(y - counts @ mu) / areas
    out["fit_mae_per_area"] = {"value": float(fit.mean()), "se": float(fit.std(ddof=1) / np.sqrt(n)), "n": n,
                               "how": "in-sample offsets (optimistic)"}
    out["loo_residual_eV"] = loo.tolist()
    out["delta_mu_eV_per_atom"] = mu.tolist()
    out["units"] = {"per_area": "meV/Å²", "per_atom": "meV/atom"}
    return out


def compare_rows(rows: list[dict], vacancy_term: bool = False) -> dict:
    """:func:`compare` of Tersoff vs PBE on the rows of a summary.

    ``vacancy_term``: fit a per-vacancy energy difference too (a fourth column, the vacancies of the
    60-atom cell; its δ is the last entry of ``delta_mu_eV_per_atom``, in eV per vacancy)."""
    counts = np.array([r["counts_BCN"] for r in rows], dtype=float)
    if vacancy_term:
        counts = np.column_stack([counts, [r["vacancies"] for r in rows]])
    return compare(np.array([r["tersoff_eV"] for r in rows]), np.array([r["pbe_eV"] for r in rows]), counts,
                   np.array([r["area_A2"] for r in rows]), np.array([r["n_atoms"] for r in rows]))


def load_summary(config: str = "small") -> dict:
    """The committed summary of ``config`` (``fidelity_<config>.json``)."""
    path = HERE / f"fidelity_{config}.json"
    if not path.exists():
        raise FidelityError(f"no fidelity summary for config {config!r}; run `python -m "
                            f"mdbench.systems.sheets.fidelity label --config {config}`")
    return json.loads(path.read_text())


def plot_parity(summary: dict, path: Path) -> Path:
    """Parity figure: PBE vs Tersoff energy per area beyond composition (each scale's own per-species
    least-squares fit removed, meV/Å²), coloured by kind; the LOO gap in the legend."""
    import matplotlib.pyplot as plt

    from mdbench.plotting import save_figure

    rows = summary["structures"]
    counts = np.array([r["counts_BCN"] for r in rows], dtype=float)
    area = np.array([r["area_A2"] for r in rows])
    kind = np.array([r["kind"] for r in rows])
    res = {}
    for key in ("tersoff_eV", "pbe_eV"):
        e = np.array([r[key] for r in rows])
        res[key] = 1e3 * (e - counts @ _lstsq(counts, e)) / area
    fig, ax = plt.subplots(figsize=(4.4, 4.2))
    lims = [min(v.min() for v in res.values()), max(v.max() for v in res.values())]
    ax.plot(lims, lims, "k-", lw=0.8)
    vac = np.array([r["vacancies"] > 0 for r in rows])
    for k, name in enumerate(("graphene", "h-BN", "heterostructure")):
        for with_vac, style in ((False, dict(marker="o")), (True, dict(marker="o", mfc="none"))):
            sel = (kind == k) & (vac == with_vac)
            if sel.any():
                ax.plot(res["tersoff_eV"][sel], res["pbe_eV"][sel], ls="none", ms=5, color=f"C{k}",
                        label=f"{name}{' (vacancies)' if with_vac else ''}", **style)
    cmp = summary["comparison"]
    ax.set(xlabel="Tersoff E/A − composition fit [meV/Å²]", ylabel="PBE E/A − composition fit [meV/Å²]",
           title=f"sheets {summary['config']} test subset, n = {len(rows)}")
    ax.legend(title=f"LOO gap: MAE {cmp['mae_per_area']['value']:.3g} ± {cmp['mae_per_area']['se']:.2g} meV/Å²",
              fontsize=7, title_fontsize=7)
    return save_figure(fig, Path(path))


# --------------------------------------------------------------------------------------------
# convergence scans
# --------------------------------------------------------------------------------------------
def converge(config: str, picks: list[int], grid: list[tuple[float, int]], out: Path, progress: bool = True) -> dict:
    """Energies of configurations ``picks`` of the test split at every (h, k) of ``grid``; resumable
    (one JSON per calculation under ``out``), summary in ``out/convergence.json``."""
    from tqdm.auto import tqdm

    ds = _test_split(config)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    bar = tqdm(total=len(picks) * len(grid), desc="GPAW convergence", unit="calc", disable=not progress)
    for h, k in grid:
        settings = Settings(h=h, kpts=k)
        for i in picks:
            path = out / f"config{i:05d}-{settings.key()}.json"
            if not path.exists():
                positions, numbers, cell = _sheet(ds, i)
                res = pbe_energy(positions, numbers, cell, settings)
                _write_atomic(path, {"config": int(i), "h": h, "kpts": k, "n_atoms": len(numbers), **res})
            rows.append(json.loads(path.read_text()))
            bar.update(1)
    bar.close()
    summary = {"config": config, "picks": picks, **versions(), "settings": asdict(Settings()), "rows": rows}
    _write_atomic(out / "convergence.json", summary)
    return summary


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    lab = sub.add_parser("label", help="PBE-label a seeded subset of the test split")
    lab.add_argument("--config", default="small")
    lab.add_argument("--n", type=int, default=30, help="structures")
    lab.add_argument("--seed", type=int, default=0)
    lab.add_argument("--out", type=Path, help="summary path (default: fidelity_<config>.json next to this module)")
    lab.add_argument("--figure", type=Path, help="also write the parity figure here (PNG)")
    lab.add_argument("--convergence", type=Path, nargs="*", default=(), help="`converge` output directories to keep")
    con = sub.add_parser("converge", help="grid-spacing and k-point scans")
    con.add_argument("--config", default="small")
    con.add_argument("--picks", type=int, nargs="+", required=True, help="test-split configuration indices")
    con.add_argument("--grid", nargs="+", required=True, help="h:k pairs, e.g. 0.25:1 0.2:1 0.2:2")
    con.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "label":
            summary = label(args.config, args.n, args.seed, out=args.out, convergence=tuple(args.convergence))
            if args.figure:
                plot_parity(summary, args.figure)
            print(json.dumps({k: v for k, v in summary["comparison"].items() if isinstance(v, dict)}, indent=1))
        else:
            grid = [(float(g.split(":")[0]), int(g.split(":")[1])) for g in args.grid]
            for row in converge(args.config, args.picks, grid, args.out)["rows"]:
                print(json.dumps(row))
    except MdbenchError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()


# --------------------------------------------------------------------------------------------
# the same subset against the labels of sheets-gfn2 (tblite) and CHGNet zero-shot
# --------------------------------------------------------------------------------------------
def xtb_summary_path(config: str) -> Path:
    return HERE / f"fidelity_xtb_{config}.json"


def label_xtb(config: str = "small", chgnet: bool = True, out: Path | None = None) -> dict:
    """GFN2-xTB, GFN1-xTB (tblite, :data:`mdbench.systems.sheets.xtb.SETTINGS` otherwise) and, if asked,
    CHGNet zero-shot energies of the committed PBE subset of ``config``, each compared with PBE as
    :func:`compare` does for Tersoff (per-species offsets, leave-one-out); written to
    ``fidelity_xtb_<config>.json`` next to this module.

    The subset's structures are read from ``sheets`` (v1) ``config``'s test split, whose geometries
    ``sheets-gfn2`` shares; each one's stored Tersoff energy must equal the summary's (else the local
    dataset is not the one the subset was drawn from)."""
    from dataclasses import replace

    from mdbench.systems.sheets import xtb

    base = load_summary(config)
    ds = _test_split(config)
    rows = []
    for r in base["structures"]:
        i = r["config"]
        if not np.isclose(float(ds["energy"][i]), r["tersoff_eV"], rtol=0, atol=1e-6):
            raise FidelityError(f"sheets/{config} test configuration {i} has Tersoff energy {float(ds['energy'][i])} eV, "
                                f"the committed subset says {r['tersoff_eV']} eV: regenerate the dataset")
        pos, z, cell = _sheet(ds, i)
        row = {k: r[k] for k in ("config", "kind", "vacancies", "n_atoms", "counts_BCN", "area_A2", "tersoff_eV",
                                 "pbe_eV")}
        for key, method in (("gfn2_eV", "GFN2-xTB"), ("gfn1_eV", "GFN1-xTB")):
            res = xtb.evaluate(pos, z, cell, replace(xtb.SETTINGS, method=method))
            row[key], row[key.replace("_eV", "_seconds")] = res.energy, round(res.seconds, 3)
            row[key.replace("_eV", "_scc_cycles")] = res.iterations
        rows.append(row)
    labels = {"tersoff_eV": "Tersoff (LAMMPS)", "gfn2_eV": "GFN2-xTB (tblite)", "gfn1_eV": "GFN1-xTB (tblite)"}
    if chgnet:
        import time

        from mdbench.systems.sheets.chgnet import chgnet_energies

        import torch

        torch.set_num_threads(1)  # one core, as the tblite timings
        sub = ds.isel(config=[r["config"] for r in rows])
        chgnet_energies(sub.isel(config=[0]))  # load the weights outside the timing
        start = time.perf_counter()
        energies = chgnet_energies(sub, batch_size=1)
        per = (time.perf_counter() - start) / len(rows)
        for row, e in zip(rows, energies):
            row["chgnet_eV"], row["chgnet_seconds"] = float(e), round(per, 3)
        labels["chgnet_eV"] = "CHGNet 0.3.0 zero-shot"
    counts, area, atoms = (np.array([r[k] for r in rows], dtype=float) for k in ("counts_BCN", "area_A2", "n_atoms"))
    pbe = np.array([r["pbe_eV"] for r in rows])
    table = {}
    for key, what in labels.items():
        cmp = compare(pbe, np.array([r[key] for r in rows]), counts, area, atoms)
        seconds = [r.get(key.replace("_eV", "_seconds")) for r in rows]
        table[key.removesuffix("_eV")] = {
            "label": what, **{m: cmp[m] for m in ("mae_per_area", "median_ae_per_area", "mae_per_atom",
                                                  "median_ae_per_atom", "fit_mae_per_area")},
            "seconds_per_structure": None if None in seconds else {"mean": float(np.mean(seconds)),
                                                                   "min": float(np.min(seconds)),
                                                                   "max": float(np.max(seconds))}}
    # how far GFN2 (the new training label) is from Tersoff (the old one), the same way
    table["gfn2_vs_tersoff"] = {"label": "GFN2-xTB against Tersoff (not PBE)",
                                **{m: v for m, v in compare(np.array([r["tersoff_eV"] for r in rows]),
                                                            np.array([r["gfn2_eV"] for r in rows]), counts, area,
                                                            atoms).items() if m in ("mae_per_area", "mae_per_atom")}}
    summary = {"dataset": "sheets", "config": config, "split": "test", "selection": base["selection"],
               "pbe": {"settings": base["settings"], "gpaw": base["gpaw"]}, "xtb_settings": xtb.SETTINGS.record(),
               "tblite": xtb.tblite_version(), "threads": xtb.THREADS,
               "units": {"energy": "eV", "seconds": "s (wall, one thread, shared machine)"},
               "note": "per-species offsets fitted leave-one-out against PBE (compare); MAE ± std/sqrt(n)",
               "table": table, "structures": rows}
    write_text_atomic(out or xtb_summary_path(config), json.dumps(summary, indent=1) + "\n")
    return summary


def load_xtb_summary(config: str = "small") -> dict:
    """The committed tblite/CHGNet fidelity summary of ``config`` (``fidelity_xtb_<config>.json``)."""
    path = xtb_summary_path(config)
    if not path.exists():
        raise FidelityError(f"no tblite fidelity summary for config {config!r}; run `python -m "
                            f"mdbench.systems.sheets.xtb_scans fidelity --config {config}`")
    return json.loads(path.read_text())


def vacuum_scan(config: str = "small", values: tuple[float, ...] = (15.0, 30.0, 60.0), method: str = "GFN2-xTB",
                out: Path | None = None) -> dict:
    """GFN2-xTB of the committed PBE subset at each tblite lattice z edge in ``values`` (Å): tblite 0.8.0
    treats the sheet as 3D-periodic whatever its periodic flags (identical energies), and the energy of
    B/N sheets keeps drifting with the vacuum (tens of meV/atom from 15 to 120 Å), so the edge is chosen
    by the gap to PBE it gives (this table), not by a converged limit."""
    from dataclasses import replace

    from mdbench.systems.sheets import xtb

    base = load_summary(config)
    ds = _test_split(config)
    rows = base["structures"]
    counts, area, atoms = (np.array([r[k] for r in rows], dtype=float) for k in ("counts_BCN", "area_A2", "n_atoms"))
    pbe = np.array([r["pbe_eV"] for r in rows])
    table = []
    for lz in values:
        settings = replace(xtb.SETTINGS, method=method, lattice_z=float(lz))
        e = np.array([xtb.evaluate(*_sheet(ds, r["config"]), settings).energy for r in rows])
        cmp = compare(pbe, e, counts, area, atoms)
        table.append({"lattice_z_A": float(lz), "method": method, "energies_eV": e.tolist(),
                      **{m: cmp[m] for m in ("mae_per_area", "median_ae_per_area", "mae_per_atom")}})
    summary = {"dataset": "sheets", "config": config, "selection": base["selection"], "tblite": xtb.tblite_version(),
               "settings": xtb.SETTINGS.record(), "rows": table}
    write_text_atomic(out or HERE / f"xtb_vacuum_{config}.json", json.dumps(summary, indent=1) + "\n")
    return summary
