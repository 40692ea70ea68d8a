"""The generic extensive deep neural network (tiling, extensivity, O(N) cost, training)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from baselines.estimators.ednn import EDNN, MLP, TilingError, paper_mlp, train_extensive
from mdbench.core.errors import MdbenchError
from mdbench.systems.ising import physics as ising


def _spins(n: int, size: int, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    return torch.as_tensor(np.where(rng.random((n, size, size)) < 0.5, 1.0, -1.0), dtype=torch.float32)


@pytest.mark.parametrize("focus,context", [(1, 1), (1, 2), (1, 3), (4, 1), (2, 0)])
def test_tiles_cover_every_site_once_with_periodic_context(focus, context):
    size = 8
    x = torch.arange(size * size, dtype=torch.float32).reshape(1, size, size)
    model = EDNN(MLP(1, ()), focus, context)
    t = model.tiles(x)
    n = size // focus
    assert t.shape == (1, n, n, focus + 2 * context, focus + 2 * context)
    # the focus regions tile the lattice exactly once
    foci = t[0, :, :, context : context + focus, context : context + focus]
    assert sorted(foci.reshape(-1).tolist()) == list(range(size * size))
    # the tile of focus (0, 0) starts c sites up-left of the origin, wrapped periodically
    expected = np.roll(x[0].numpy(), (context, context), axis=(0, 1))[: focus + 2 * context, : focus + 2 * context]
    np.testing.assert_array_equal(t[0, 0, 0].numpy(), expected)


def test_periodic_8x8_tiled_to_16x16_is_predicted_as_exactly_four_times():
    torch.manual_seed(0)
    model = EDNN(paper_mlp(1, 1), 1, 1).double()
    x8 = _spins(5, 8).double()
    x16 = x8.repeat(1, 2, 2)  # the same configuration, periodically tiled 2×2
    e8, e16 = model.predict(x8), model.predict(x16)
    # every tile of the 16×16 lattice sees exactly the neighbourhood of a tile of the 8×8 one
    torch.testing.assert_close(e16, 4 * e8, rtol=1e-12, atol=1e-10)
    assert not torch.allclose(e8, e8[0].expand(5))  # the prediction does depend on the configuration


def test_chunked_prediction_equals_the_differentiable_forward():
    torch.manual_seed(1)
    model = EDNN(paper_mlp(1, 1, hidden=(16,)), 1, 1, max_tiles=100).double()
    x = _spins(3, 32, seed=2).double()  # 1 024 tiles per input: evaluated in chunks of ≤ 100
    torch.testing.assert_close(model.predict(x), model(x).detach(), rtol=1e-12, atol=1e-10)


def test_three_dimensional_tiling_is_extensive_too():
    torch.manual_seed(0)
    inner = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(27, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    model = EDNN(inner, 1, 1, ndim=3).double()
    x = torch.randn(2, 4, 4, 4, dtype=torch.float64)
    torch.testing.assert_close(model.predict(x.repeat(1, 2, 1, 1)), 2 * model.predict(x), rtol=1e-12, atol=1e-10)


def test_bad_inputs_give_one_line_errors():
    model = EDNN(paper_mlp(4, 1), 4, 1)
    with pytest.raises(TilingError, match="not a multiple of the focus f = 4"):
        model(torch.ones(1, 10, 10))
    with pytest.raises(TilingError, match="spatial axes"):
        model(torch.ones(10, 10))
    assert issubclass(TilingError, MdbenchError)


def test_ednn_learns_the_ising_energy():
    """A few epochs on 2 000 random-temperature 8×8 configurations already beat the mean by far."""
    rng = np.random.default_rng(0)
    temps = rng.uniform(1.5, 4.0, 12)
    x = np.concatenate([ising.sample(8, t, 200, seed=i, equilibration_steps=100, pilot_steps=100)["spins"]
                        for i, t in enumerate(temps)]).astype(np.float32)
    y = ising.energy(x)
    model = EDNN(paper_mlp(1, 1, hidden=(64, 64)), 1, 1)
    history = train_extensive(model, x[:2000], y[:2000], x_val=x[2000:], y_val=y[2000:], epochs=6,
                              batch_size=50, lr=3e-3, seed=0, progress=False)
    pred = model.predict(torch.as_tensor(x[2000:])).numpy()
    mae = np.mean(np.abs(pred - y[2000:]))
    assert mae < 0.1 * np.mean(np.abs(y[2000:] - y[:2000].mean()))
    assert history.val_mse[-1] < history.val_mse[0]
    assert history.report.epochs == 6 and history.report.epoch_seconds > 0  # what `mdbench run` records


@pytest.mark.benchmark(group="ednn inference")
def test_inference_time_per_spin_is_flat_from_8x8_to_2048x2048(benchmark):
    """O(N): one 2048² lattice costs no more per spin than a lattice 64× smaller (256²).

    The yardstick is the smaller system in the same process, evaluated 64 times in a row so that
    both workloads last as long and a busy neighbour slows them alike (interleaved rounds, the
    fastest of each kept); a cost that grows faster than the lattice (index tables, padding or
    gathers over the whole lattice) shows as a ratio above one.  The inner network is the paper's
    (1, 1) MLP with narrower hidden layers to keep the default tier fast (the tiling, not the
    width, decides the scaling).
    """
    torch.manual_seed(0)
    model = EDNN(paper_mlp(1, 1, hidden=(32, 32)), 1, 1)
    small = _spins(1, 256)
    large = _spins(1, 2048, seed=1)
    model.predict(small), model.predict(large)  # warm up

    def small_systems():
        for _ in range(64):
            model.predict(small)

    smalls, larges = [], []
    for _ in range(3):
        smalls.append(_timed(small_systems))
        larges.append(_timed(lambda: model.predict(large)))
    benchmark.pedantic(model.predict, args=(large,), rounds=1, iterations=1)
    per_spin_small = min(smalls) / (64 * small.numel())
    per_spin_large = min(larges) / large.numel()
    benchmark.extra_info["seconds_per_spin_256x256"] = per_spin_small
    benchmark.extra_info["seconds_per_spin_2048x2048"] = per_spin_large
    benchmark.extra_info["ratio"] = per_spin_large / per_spin_small
    assert per_spin_large / per_spin_small < 1.5


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
