"""The declaration a system makes of itself: names and where they live, as strings.

A system package (``mdbench/systems/<name>/__init__.py``, or any installed package that names a
:class:`System` in the ``mdbench.systems`` entry-point group) holds one ``SYSTEM = System(...)``.
Nothing in it is imported until the catalog is asked for one of its datasets, tasks, models or
figures, so listing the catalog never imports OpenMM, torch or a system's physics.

A reference ``"package.module:attribute"`` names a :class:`~mdbench.core.spec.DatasetSpec` or
:class:`~mdbench.core.task.Task` instance, or a callable that builds one from the declared name
(for families of datasets such as the user's imported trajectories).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class System:
    """One physical system: its datasets, tasks, models and figures.

    Parameters
    ----------
    name
        The system's name (its folder name for built-in systems).
    datasets, tasks
        ``{name: "module:attribute"}``.
    models
        ``"module:attribute"`` of lists of :class:`~mdbench.core.task.ModelEntry` (references and
        baselines); an entry's ``task`` may be a pattern such as ``"*/forecast"``.
    figures
        ``{task name or pattern: "module:function"}``; the function is called as
        ``function(task, data, predictions, results, outdir)`` and returns the written paths.
    discover
        ``"module:function"`` returning further ``(datasets, tasks)`` mappings of the same form,
        found at run time (e.g. trajectories imported under ``$MDBENCH_HOME``); it must be cheap.
    """

    name: str
    datasets: Mapping[str, str] = field(default_factory=dict)
    tasks: Mapping[str, str] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    figures: Mapping[str, str] = field(default_factory=dict)
    discover: str | None = None
