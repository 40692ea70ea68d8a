"""The domain of the four-well potential that the exact reference (:mod:`mdbench.systems.four_well.physics`)
and the task's binnings share, declared without numba: the task is declared (and listed) without its engine."""

#: domain of the exact reference and of the task's bins (length units of the potential); e^(−V/kT) < 1e-7 outside
#: for A ≥ 2
DOMAIN = (-1.3, 1.3)
