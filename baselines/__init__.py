"""Reference implementations of the models from the literature.

Generic estimators (deeptime style, ``Estimator(...).fit(data).fetch_model()``) live in their own
modules (``mdn_propagator``, ``msm_propagator``, ``srv``, ``cwgan``, ``lss``, ``ednn``,
``forecasters``); one adapter module per system (``four_well``, ``ising``, ``trpcage``,
``forecast``) exports its ``MODELS``, which the system's declaration names.  Nothing registers
itself on import.
"""
