"""What the channel generator fixes about its numerics, without importing torch: the dataset declaration (its
shard key) and the DNS run (its restart sidecars) read it from here, and the tasks read the staggered grid's
locations (the solver, :mod:`mdbench.systems.channel.physics`, re-exports them)."""

#: torch intra-op threads of the DNS and the filter (their reductions split per thread, so the count is part of
#: the numerics): the committed hashes were made on one
TORCH_THREADS = 1

#: MKL's conditional-numerical-reproducibility branch for the DNS (``MKL_CBWR``): torch's FFTs and matrix products
#: on x86 are MKL's, whose default code path is picked per CPU (an AMD EPYC and the Intel machine of the 1.0.0
#: record give other bits for `small`); "COMPATIBLE" is Intel's documented branch that gives the same results on
#: every x86-64 CPU. MKL reads it once, when it starts, so the DNS runs in a child process started with it
MKL_BRANCH = "COMPATIBLE"

COMPONENTS = ("u", "v", "w")
#: staggered location of each flux τ_ij (and F_ij): (x dim, y dim, z dim) names
LOCATIONS = {
    (0, 0): ("x", "y", "z"), (1, 1): ("x", "y", "z"), (2, 2): ("x", "y", "z"),
    (0, 1): ("xh", "yh", "z"), (1, 0): ("xh", "yh", "z"),
    (0, 2): ("xh", "y", "zh"), (2, 0): ("xh", "y", "zh"),
    (1, 2): ("x", "yh", "zh"), (2, 1): ("x", "yh", "zh"),
}
FIELD_LOCATIONS = {"u": ("xh", "y", "z"), "v": ("x", "yh", "z"), "w": ("x", "y", "zh")}
#: the tensor axes of x, y and z of a field [..., x, y, z]
X, Y, Z = -3, -2, -1
