"""The declaration a system makes of itself: names and where they live, as strings.

A system package (``mdbench/systems/<name>/__init__.py``, or any installed package that names a
:class:`System` in the ``mdbench.systems`` entry-point group) holds one ``SYSTEM = System(...)``.
Nothing in it is imported until the catalog is asked for one of its datasets, tasks, models or
figures, so listing the catalog never imports OpenMM, torch or a system's physics.

A reference ``"package.module:attribute"`` names a :class:`~mdbench.core.spec.DatasetSpec` or
:class:`~mdbench.core.task.Task` instance, or a callable that builds one from the declared name
(for families of datasets such as the user's imported trajectories).

The system package is the unit that travels: beside its code it holds, as package resources,

- ``cards/<dataset>.md``: the data card of each dataset, and ``cards/generation/<dataset>__<config>.json``,
  the generation records (manifests) that ``mdbench data generate … --record`` writes and the cards cite;
- ``leaderboards/<task>.json`` (and its rendered ``.md``), with ``predictions/`` and ``figures/`` beside it,
  written by ``mdbench run … --record``.

A built-in system and a plug-in keep them in the same places, so an installed plug-in carries its card
and its board, and its ``--record`` writes into its own source tree, never into mdbench's.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from mdbench.core.errors import MdbenchError


@dataclass(frozen=True)
class System:
    """One physical system: its datasets, tasks, models, figures, commands and resource folders.

    Parameters
    ----------
    name
        The system's name (its folder name for built-in systems).
    datasets, tasks
        ``{name: "module:attribute"}``.
    models
        ``"module:attribute"`` of lists of :class:`~mdbench.core.task.ModelEntry` (references and
        baselines); an entry's ``task`` may be a pattern such as ``"*/forecast"``.  Further models for
        a task may come from other packages (entry-point group ``mdbench.models``).
    figures
        ``{task name or pattern: "module:function"}``; the function is called as
        ``function(task, data, predictions, results, outdir)`` and returns the written paths.
    discover
        ``"module:function"`` returning further ``(datasets, tasks)`` mappings of the same form,
        found at run time (e.g. trajectories imported under ``$MDBENCH_HOME``); it must be cheap.
    commands
        ``{"group name": "module:function"}``: extra command-line commands of the system.  ``group`` is
        an existing command group (``data``) or ``tools``; ``function(subparsers, name)`` adds the command
        and sets its handler as ``fn`` (called with the parsed arguments).  Keep the module light: it is
        imported whenever the command line is built.
    package
        The importable package whose folder holds ``cards/`` and ``leaderboards/``; the catalog fills it
        in with the package that declares the system.
    """

    name: str
    datasets: Mapping[str, str] = field(default_factory=dict)
    tasks: Mapping[str, str] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    figures: Mapping[str, str] = field(default_factory=dict)
    discover: str | None = None
    commands: Mapping[str, str] = field(default_factory=dict)
    package: str = ""

    @property
    def root(self) -> Path:
        """The folder of :attr:`package` (a source folder, or the installed copy in site-packages)."""
        if not self.package:
            raise MdbenchError(f"system {self.name!r} names no package for its cards and leaderboards")
        return Path(str(importlib.resources.files(self.package)))

    def card_path(self, dataset: str) -> Path:
        return self.root / "cards" / f"{dataset}.md"

    @property
    def generation_dir(self) -> Path:
        return self.root / "cards" / "generation"

    def generation_record(self, dataset: str, config: str) -> Path:
        """The committed generation record of ``dataset``/``config`` (a copy of its manifest)."""
        return self.generation_dir / f"{dataset}__{config}.json"

    @property
    def leaderboard_dir(self) -> Path:
        return self.root / "leaderboards"

    def source_tree(self) -> Path | None:
        """The source checkout holding :attr:`package` (the folder with its ``pyproject.toml``), or
        ``None`` for an installed copy: ``--record`` writes only into a source tree."""
        root = self.root.resolve()
        if any(part in ("site-packages", "dist-packages") for part in root.parts):
            return None
        for parent in list(root.parents)[:4]:
            if (parent / "pyproject.toml").is_file():
                return parent
        return None

    def recording_dir(self, directory: Path, what: str) -> Path:
        """``directory`` (one of this system's resource folders), if ``--record`` may write ``what`` there."""
        if self.source_tree() is None:
            raise MdbenchError(f"--record writes the {what} of system {self.name!r} into its source tree, and "
                               f"{self.root} is an installed copy; run from a clone of the package "
                               "(pip install -e) or set MDBENCH_LEADERBOARDS")
        return directory
