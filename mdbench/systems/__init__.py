"""The built-in systems, one folder each: ``physics.py``, ``dataset.py``, ``task.py``, ``figures.py``
and whatever else is the system's own (metrics, features, references).

Each folder's ``__init__.py`` declares its :class:`~mdbench.core.system.System` as ``SYSTEM``; the
catalog (:mod:`mdbench.catalog`) reads the declarations and imports a system's modules only when
one of its datasets, tasks, models or figures is asked for.  Systems never import each other.
"""
