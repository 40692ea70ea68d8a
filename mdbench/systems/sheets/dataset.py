"""The ``sheets`` dataset: B/N/C monolayers sampled by LAMMPS NVT MD with the Tersoff potential.

A *trajectory* is one starting geometry (a random kind: graphene, h-BN or a B/N/C heterostructure,
with or without vacancies) run with LAMMPS' Nosé–Hoover NVT at a thermostat temperature drawn from
the config's list; snapshots (positions, species, cell, total energy, forces) are stored every
``snapshot_interval`` steps after ``equilibration_steps``.  Every trajectory belongs to exactly one
split (shards are groups of whole trajectories), as in the paper's held-out starting geometries.

Train/val/test use the paper's 60-atom rectangular cell (12.50 × 12.99 Å).  Transfer splits hold
larger sheets the models never trained on: the 2 × 2 supercell (240 atoms), the paper's
62.6 × 65.1 Å-class 5 × 5 supercell (1 500 atoms), and porous graphene (37.5 × 39.0 Å, random
pores).  Atoms, not images, are stored; :mod:`mdbench.systems.sheets.images` renders images.
Arrays are padded to the split's largest possible atom count with Z = 0 (``n_atoms`` says how many
are real).
"""

from __future__ import annotations

import json
import math

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import SPLITS, DatasetSpec, ShardSpec
from mdbench.systems.sheets import physics

KINDS = ("graphene", "h-BN", "heterostructure", "porous")
#: transfer splits: name → (supercell factor of the 60-atom cell, porous?)
TRANSFER = {"transfer_2x2": (2, False), "transfer_5x5": (5, False), "transfer_porous": (3, True)}
#: pixel size of the images (Å): the 60-atom cell at 64 × 64 (the paper: 256 × 256, ``full``)
BASE_CELL = (physics.BASE_REPEATS[0] * physics.LATTICE_CONSTANT,
             physics.BASE_REPEATS[1] * physics.LATTICE_CONSTANT * math.sqrt(3))


def _config(name: str, description: str, *, seed: int, trajectories: tuple[int, int, int],
            snapshots: int, transfer_trajectories: tuple[int, int, int], transfer_snapshots: int,
            equilibration: int, interval: int, per_shard: int, pixels: int,
            notes: tuple[str, ...] = (), labels: dict[str, Param] | None = None) -> DatasetConfig:
    """A config; ``labels``: the label parameters of ``sheets-gfn2`` (v1 configs have none, so their
    parameter record, and with it every v1 manifest hash, stays what it was)."""
    train, val, test = trajectories
    return DatasetConfig(
        name=name, description=description, seed=seed, notes=notes,
        params={
            "potential": Param("BNC.tersoff", "1", "LAMMPS Tersoff parameters for B/N/C (Kınacı et al., PRB 86, 115410 (2012))"),
            "lattice_constant": Param(physics.LATTICE_CONSTANT, "Å", "lattice constant of the starting geometries (the paper's cell)"),
            "cell": Param(tuple(round(c, 4) for c in BASE_CELL), "Å", "rectangular periodic cell of train/val/test (60 atoms)"),
            "kind_probabilities": Param((0.3, 0.2, 0.5), "1", "probability of graphene, h-BN, heterostructure per trajectory"),
            "vacancy_probability": Param(0.4, "1", "probability that a trajectory's sheet has vacancies"),
            "vacancies": Param((1, 4), "atoms per 60-atom cell", "range of vacancies removed (scaled by the supercell area)"),
            "temperatures": Param((300.0, 600.0, 1000.0, 1000.0, 1000.0, 1500.0), "K",
                                  "thermostat temperatures, one drawn per trajectory (1000 K three times as likely)"),
            "timestep": Param(0.5, "fs", "MD time step"),
            "thermostat_damping": Param(50.0, "fs", "Nosé–Hoover damping time"),
            "equilibration_steps": Param(equilibration, "steps", "MD steps discarded per trajectory"),
            "snapshot_interval": Param(interval, "steps", "MD steps between stored snapshots"),
            "train_trajectories": Param(train, "trajectories", "trajectories of the train split"),
            "val_trajectories": Param(val, "trajectories", "trajectories of the val split"),
            "test_trajectories": Param(test, "trajectories", "trajectories of the test split"),
            "snapshots_per_trajectory": Param(snapshots, "configurations", "snapshots per train/val/test trajectory"),
            "transfer_splits": Param(tuple(TRANSFER), "1", "transfer split names: 2×2 and 5×5 supercells, porous 3×3"),
            "transfer_trajectories": Param(transfer_trajectories, "trajectories", "trajectories per transfer split"),
            "transfer_snapshots": Param(transfer_snapshots, "configurations", "snapshots per transfer trajectory"),
            "porous_pores": Param((2, 4), "pores", "range of random pores per porous sheet"),
            "porous_radius": Param((2.0, 5.0), "Å", "range of pore radii"),
            "trajectories_per_shard": Param(per_shard, "trajectories", "trajectories generated per shard"),
            "image_pixels": Param(pixels, "pixels", "image edge of the 60-atom cell (grid Nx = Ny); larger cells keep the pixel size"),
            "gamma": Param(0.2, "Å", "Gaussian width γ of the image V = Σ Z exp(−r²/2γ²)"),
            **(labels or {}),
        },
    )


class Sheets(DatasetSpec):
    name = "sheets"
    version = "1.0.0"
    summary = "graphene / h-BN / B-N-C sheets, LAMMPS Tersoff NVT snapshots: energies and forces (Mills et al. 2019)"
    splits = SPLITS + tuple(TRANSFER)
    shard_dim = "config"
    work_units = "MD steps"
    configs = {
        "tiny": _config("tiny", "for tests", seed=21, trajectories=(12, 4, 6), snapshots=5,
                        transfer_trajectories=(2, 1, 2), transfer_snapshots=2, equilibration=200, interval=20,
                        per_shard=6, pixels=64),
        "small": _config("small", "default (generation time: the system's cards/generation/)", seed=22, trajectories=(400, 75, 150), snapshots=8,
                         transfer_trajectories=(10, 4, 10), transfer_snapshots=6, equilibration=1000, interval=100,
                         per_shard=25, pixels=64),
        "full": _config("full", "paper scale: 18 520 hexagonal training configurations, 256×256 images", seed=23,
                        trajectories=(2315, 250, 500), snapshots=8, transfer_trajectories=(50, 20, 349),
                        transfer_snapshots=10, equilibration=2000, interval=100, per_shard=50, pixels=256,
                        notes=("2 315 × 8 = 18 520 training configurations (paper: 18 515 hexagonal)",
                               "transfer_porous: 349 held-out porous starting geometries as in the paper; the paper's "
                               "≈500 000 porous training configurations are not part of this dataset")),
    }

    # --- plan ---------------------------------------------------------------------------------
    def plan(self, config: DatasetConfig, split: str) -> tuple[int, int, int, bool]:
        """(trajectories, snapshots per trajectory, supercell factor k, porous) of ``split``."""
        if split in SPLITS:
            return config[f"{split}_trajectories"], config["snapshots_per_trajectory"], 1, False
        k, porous = TRANSFER[split]
        return config["transfer_trajectories"][list(TRANSFER).index(split)], config["transfer_snapshots"], k, porous

    def max_atoms(self, split: str) -> int:
        k = 1 if split in SPLITS else TRANSFER[split][0]
        return 60 * k * k

    def pixel_size(self, config: DatasetConfig) -> tuple[float, float]:
        """(Δx, Δy) Å of every image of this config (the 60-atom cell is ``image_pixels`` wide)."""
        n = config["image_pixels"]
        return (BASE_CELL[0] / n, BASE_CELL[1] / n)

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return math.ceil(self.plan(config, split)[0] / config["trajectories_per_shard"])

    def _trajectories_of(self, config: DatasetConfig, shard: ShardSpec) -> range:
        per = config["trajectories_per_shard"]
        return range(shard.index * per, min((shard.index + 1) * per, self.plan(config, shard.split)[0]))

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        n, snaps, k, _ = self.plan(config, shard.split)
        steps = config["equilibration_steps"] + snaps * config["snapshot_interval"]
        return len(self._trajectories_of(config, shard)) * steps

    # --- generation ---------------------------------------------------------------------------
    def starting_geometry(self, config: DatasetConfig, rng: np.random.Generator, k: int, porous: bool):
        """(sheet, kind index, vacancies) of one trajectory."""
        repeats = (physics.BASE_REPEATS[0] * k, physics.BASE_REPEATS[1] * k)
        if porous:
            lo, hi = config["porous_pores"]
            return physics.porous_sheet(rng, repeats, int(rng.integers(lo, hi + 1)), config["porous_radius"]), 3, 0
        kind = int(rng.choice(3, p=config["kind_probabilities"]))
        if kind == 0:
            sheet = physics.graphene_sheet(repeats)
        elif kind == 1:
            sheet = physics.hbn_sheet(repeats)
        else:
            sheet = physics.heterostructure(rng, repeats, scale=k)
        n_vac = 0
        if rng.random() < config["vacancy_probability"]:
            lo, hi = config["vacancies"]
            n_vac = int(rng.integers(lo * k * k, hi * k * k + 1))
            sheet = physics.with_vacancies(sheet, n_vac, rng)
        return sheet, kind, n_vac

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        _, snaps, k, porous = self.plan(config, shard.split)
        width = self.max_atoms(shard.split)
        engine = physics.Tersoff.shared()
        rows = []
        for t in self._trajectories_of(config, shard):
            seq = np.random.SeedSequence(entropy=shard.seed, spawn_key=(t,))
            traj_seed = int(seq.generate_state(1, dtype=np.uint32)[0])
            rng = np.random.default_rng(seq)
            sheet, kind, n_vac = self.starting_geometry(config, rng, k, porous)
            temperature = float(rng.choice(config["temperatures"]))
            md = engine.nvt(sheet, temperature, seed=int(rng.integers(1, 2**30)), n_snapshots=snaps,
                            interval=config["snapshot_interval"], equilibration=config["equilibration_steps"],
                            timestep=config["timestep"] * 1e-3, damping=config["thermostat_damping"] * 1e-3)
            n = sheet.n_atoms
            pos, frc = np.zeros((snaps, width, 3)), np.zeros((snaps, width, 3))
            num = np.zeros((snaps, width), dtype=np.int8)
            pos[:, :n], frc[:, :n], num[:, :n] = md["positions"], md["forces"], sheet.numbers
            rows.append(dict(positions=pos, forces=frc, numbers=num, energy=md["energy"],
                             kinetic_temperature=md["temperature"], n_atoms=np.full(snaps, n, np.int32),
                             cell=np.tile(np.asarray(sheet.cell), (snaps, 1)),
                             temperature=np.full(snaps, temperature), kind=np.full(snaps, kind, np.int8),
                             vacancies=np.full(snaps, n_vac, np.int32), trajectory=np.full(snaps, traj_seed, np.int64),
                             snapshot=np.arange(snaps, dtype=np.int32)))
        cat = {key: np.concatenate([r[key] for r in rows]) for key in rows[0]}
        def var(name, dims, long_name, units):
            return (dims, cat[name], {"long_name": long_name, "units": units})

        kinds = "sheet kind: " + ", ".join(f"{i} = {k}" for i, k in enumerate(KINDS))
        return xr.Dataset(
            {
                "positions": var("positions", ("config", "atom", "xyz"), "atom positions (wrapped in x, y)", "Å"),
                "numbers": var("numbers", ("config", "atom"), "atomic number Z (0 = padding)", "1"),
                "n_atoms": var("n_atoms", ("config",), "real atoms (the rest is padding)", "atoms"),
                "cell": var("cell", ("config", "axis"), "periodic cell edges (Lx, Ly)", "Å"),
                "energy": var("energy", ("config",), "Tersoff total potential energy (LAMMPS)", "eV"),
                "forces": var("forces", ("config", "atom", "xyz"), "Tersoff forces (LAMMPS)", "eV/Å"),
                "temperature": var("temperature", ("config",), "thermostat temperature", "K"),
                "kinetic_temperature": var("kinetic_temperature", ("config",), "instantaneous kinetic temperature",
                                           "K"),
                "kind": var("kind", ("config",), kinds, "1"),
                "vacancies": var("vacancies", ("config",), "vacancies of the starting geometry", "atoms"),
                "trajectory": var("trajectory", ("config",), "trajectory id (seed of its starting geometry)", "1"),
                "snapshot": var("snapshot", ("config",), "snapshot index within its trajectory", "1"),
            },
            attrs={"generator_params": json.dumps(config.to_record()["params"]), "shard_seed": shard.seed},
        )

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        ds = super().assemble(config, split, parts)
        ds["config"].attrs.update(long_name="configuration index", units="1")
        ds.attrs["pixel_size"] = list(self.pixel_size(config))
        ds.attrs["pixel_size_units"] = "Å"
        return ds

    def engine_versions(self) -> dict[str, str]:
        return {"lammps": physics.lammps_version(), "potential": str(physics.potential_file().name),
                "engine": "LAMMPS pair_style tersoff, fix nvt (Nosé–Hoover)"}


SHEETS = Sheets()


# --------------------------------------------------------------------------------------------
# version 2: the same Tersoff-NVT geometries, GFN2-xTB labels
# --------------------------------------------------------------------------------------------
def _gfn2_labels(transfer_labelled: tuple[int, int, int]) -> dict[str, Param]:
    from mdbench.systems.sheets.xtb import SETTINGS

    return {
        "label_method": Param(SETTINGS.method, "1", "method of energy and forces: tblite GFN2-xTB (Bannwarth, Ehlert & "
                              "Grimme, JCTC 15, 1652 (2019)) on the Tersoff-NVT geometries"),
        "electronic_temperature": Param(SETTINGS.electronic_temperature, "K", "Fermi smearing of the SCC"),
        "scc_accuracy": Param(SETTINGS.accuracy, "1", "tblite accuracy factor (1 = default SCC and integral thresholds)"),
        "scc_max_iterations": Param(SETTINGS.max_iterations, "iterations", "SCC cycles before a label fails"),
        "periodicity": Param(tuple(int(p) for p in SETTINGS.periodic), "1",
                             "periodic directions (x, y, z) of the tblite lattice: 2D sheet, Γ point"),
        "labelled_transfer_snapshots": Param(transfer_labelled, "configurations per trajectory",
                                             "GFN2-labelled snapshots (the first ones) per trajectory of transfer_2x2, "
                                             "transfer_5x5, transfer_porous; the others keep energy = NaN"),
    }


class SheetsGFN2(Sheets):
    """``sheets`` 2.0.0: the MD of ``sheets`` 1.0.0 (same seeds, same LAMMPS Tersoff NVT geometries), each
    snapshot labelled with GFN2-xTB (tblite) energy and forces; the Tersoff ones are kept as
    ``tersoff_energy``/``tersoff_forces``.  A separate dataset name because the store and the boards key a
    dataset by name and version: v1 (``sheets``) and its board stay valid and loadable beside it."""

    name = "sheets-gfn2"
    version = "2.0.0"
    summary = ("graphene / h-BN / B-N-C sheets: GFN2-xTB (tblite) energies and forces of the Tersoff-NVT "
               "snapshots of sheets v1 (Tersoff kept as a second variable)")
    work_units = "labelled atoms"
    #: tblite runs with one OpenMP thread (mdbench.systems.sheets.xtb.THREADS): part of the shard key
    numerics = {"tblite_threads": 1}
    configs = {
        # the first 2 snapshots of the first 3/1/2 trajectories of sheets/tiny (same seed, shards, MD): 12 labels
        "tiny": _config("tiny", "for tests: 12 GFN2 labels (seconds)", seed=21, trajectories=(3, 1, 2), snapshots=2,
                        transfer_trajectories=(2, 1, 2), transfer_snapshots=2, equilibration=200, interval=20,
                        per_shard=6, pixels=64, labels=_gfn2_labels((0, 0, 0)),
                        notes=("transfer splits: Tersoff only (energy NaN), a GFN2 label of a 240-atom cell costs "
                               "≈ 30 s",)),
        # the geometries of sheets/small exactly (same seed and shard layout)
        "small": _config("small", "default: the geometries of sheets/small, GFN2-labelled (core-hours, see the card)",
                         seed=22, trajectories=(400, 75, 150), snapshots=8, transfer_trajectories=(10, 4, 10),
                         transfer_snapshots=6, equilibration=1000, interval=100, per_shard=25, pixels=64,
                         labels=_gfn2_labels((6, 0, 1)),
                         notes=("transfer_5x5 (1 500 atoms): Tersoff only (energy NaN), GFN2 would take hours per "
                                "configuration; transfer_porous: the first snapshot of every trajectory labelled",)),
    }

    def labelled(self, config: DatasetConfig, split: str) -> int:
        """Snapshots per trajectory of ``split`` that carry a GFN2 label (the first ones)."""
        if split in SPLITS:
            return config["snapshots_per_trajectory"]
        return config["labelled_transfer_snapshots"][list(TRANSFER).index(split)]

    def settings(self, config: DatasetConfig):
        from mdbench.systems.sheets.xtb import SETTINGS, XtbSettings

        return XtbSettings(method=config["label_method"], electronic_temperature=config["electronic_temperature"],
                           accuracy=config["scc_accuracy"], max_iterations=config["scc_max_iterations"],
                           periodic=tuple(bool(p) for p in config["periodicity"]), lattice_z=SETTINGS.lattice_z)

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        n, snaps, k, _ = self.plan(config, shard.split)
        return len(self._trajectories_of(config, shard)) * self.labelled(config, shard.split) * self.max_atoms(shard.split)

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        from mdbench.systems.sheets import xtb

        ds = super().generate_shard(config, shard)  # the MD and the Tersoff labels of v1, unchanged
        ds = ds.rename({"energy": "tersoff_energy", "forces": "tersoff_forces"})
        ds["tersoff_energy"].attrs["long_name"] = "Tersoff total potential energy (LAMMPS, BNC.tersoff)"
        ds["tersoff_forces"].attrs["long_name"] = "Tersoff forces (LAMMPS, BNC.tersoff)"
        settings = self.settings(config)
        m = ds.sizes["config"]
        energy, forces = np.full(m, np.nan), np.zeros_like(ds["tersoff_forces"].values)
        cycles, d_energy, d_density = np.zeros(m, np.int16), np.full(m, np.nan), np.full(m, np.nan)
        keep = self.labelled(config, shard.split)
        for i in range(m):
            n = int(ds["n_atoms"][i])
            if ds["snapshot"].values[i] >= keep:
                forces[i, :n] = np.nan
                continue
            res = xtb.evaluate(ds["positions"].values[i, :n], ds["numbers"].values[i, :n],
                               ds["cell"].values[i], settings)
            energy[i], forces[i, :n] = res.energy, res.forces
            cycles[i], d_energy[i], d_density[i] = res.iterations, res.energy_change, res.density_change
        method = f"{settings.method} (tblite {xtb.tblite_version()})"
        ds["energy"] = (("config",), energy, {"long_name": f"{method} total energy (NaN: not labelled)", "units": "eV"})
        ds["forces"] = (("config", "atom", "xyz"), forces, {"long_name": f"{method} forces (NaN: not labelled)",
                                                            "units": "eV/Å"})
        ds["scc_cycles"] = (("config",), cycles, {"long_name": "SCC cycles to convergence (0: not labelled)",
                                                  "units": "iterations"})
        ds["scc_energy_change"] = (("config",), d_energy, {"long_name": "energy change of the last SCC cycle",
                                                           "units": "eV"})
        ds["scc_density_change"] = (("config",), d_density, {"long_name": "density change of the last SCC cycle "
                                                             "(tblite's density error)", "units": "1"})
        ds.attrs["label_engine"] = method
        ds.attrs["label_settings"] = json.dumps(settings.record())
        return ds

    def engine_versions(self) -> dict[str, str]:
        from mdbench.systems.sheets import xtb

        return {**super().engine_versions(), "tblite": xtb.tblite_version(),
                "label_engine": f"tblite.interface.Calculator, {xtb.THREADS} OpenMP thread(s), Γ point"}


SHEETS_GFN2 = SheetsGFN2()
