"""Reference implementations of the models from the literature.

* ``baselines/estimators/`` — the generic estimators (deeptime style,
  ``Estimator(...).fit(data).fetch_model()``) and the training utilities they share; they know no
  system.
* ``baselines/<system>/`` — one package per system, named like ``mdbench/systems/<system>/``
  (``four_well``, ``ising``, ``trpcage_like``, ``md_forecast``, ``sheets``, ``channel``, ``rfmip``):
  its ``__init__`` declares the ``MODELS`` that the system's declaration names (and their hyper-parameters)
  without importing torch or an engine, each factory a reference into its ``models`` module (imported
  when a model is run); the system's tools sit beside it (``sheets/scale.py``, ``sheets/mc.py``,
  ``ising/scaling.py``, each run as ``python -m baselines.<system>.<tool>``).

Nothing registers itself on import.
"""
