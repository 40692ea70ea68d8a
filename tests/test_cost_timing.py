"""Timings that are measurements (issue 25): `mdbench run` times the engine and each surrogate alternately in
one process, records the median with its spread, the thread count and the machine, and the cost table shows
the spread.  The interleaving and the statistics are checked with an injected clock; the one test on real
timings asserts a bound on the ratio through the lower end of its spread, never a wall-clock time."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mdbench import catalog
from mdbench.benchmark import cost, leaderboard
from mdbench.systems.ising import physics


class _Clock:
    """A clock the timed functions advance: each engine run takes ``engine`` s, each surrogate run ``surrogate`` s."""

    def __init__(self, engine: float, surrogate: float):
        self.now, self.engine, self.surrogate, self.log = 0.0, engine, surrogate, []

    def __call__(self) -> float:
        return self.now

    def run_engine(self, speeds):
        def run():
            self.log.append("engine")
            self.now += self.engine
            return next(speeds)
        return run

    def run_surrogate(self, speeds):
        def run():
            self.log.append("surrogate")
            self.now += self.surrogate
            return next(speeds)
        return run


def test_engine_and_surrogate_alternate_and_give_medians_with_their_spread():
    clock = _Clock(engine=0.5, surrogate=0.1)
    engine = iter([100.0, 80.0, 120.0, 90.0, 110.0])
    surrogate = iter([1000.0, 1200.0, 600.0, 1100.0, 900.0])
    t = cost.interleaved(clock.run_engine(engine), clock.run_surrogate(surrogate), pairs=5, budget=10.0, clock=clock)
    assert clock.log == ["engine", "surrogate"] * 5  # interleaved, engine first
    assert (t.engine.median, t.engine.low, t.engine.high, t.engine.n) == (100.0, 80.0, 120.0, 5)
    assert (t.surrogate.median, t.surrogate.low, t.surrogate.high) == (1000.0, 600.0, 1200.0)
    ratios = [1000 / 100, 1200 / 80, 600 / 120, 1100 / 90, 900 / 110]  # pairs, not medians of each
    assert t.speedup.median == pytest.approx(float(np.median(ratios)))
    assert (t.speedup.low, t.speedup.high) == (pytest.approx(min(ratios)), pytest.approx(max(ratios)))
    rec = t.record()
    assert rec["threads"] == 1 and rec["machine"] and rec["speedup"]["n"] == 5
    assert set(rec) == {"surrogate_items_per_second", "engine_items_per_second", "speedup", "threads", "machine"}


def test_the_budget_stops_further_pairs_but_keeps_at_least_one():
    clock = _Clock(engine=4.0, surrogate=2.0)  # 6 s a pair: the second pair passes a 10 s budget
    speeds = iter([1.0] * 10)
    t = cost.interleaved(clock.run_engine(speeds), clock.run_surrogate(speeds), pairs=5, budget=10.0, clock=clock)
    assert t.surrogate.n == t.engine.n == 2
    clock = _Clock(engine=30.0, surrogate=30.0)
    t = cost.interleaved(clock.run_engine(iter([1.0])), clock.run_surrogate(iter([2.0])), budget=10.0, clock=clock)
    assert t.surrogate.n == 1 and t.speedup.median == 2.0


def test_a_task_without_a_yardstick_times_the_surrogate_alone():
    clock = _Clock(engine=0.0, surrogate=0.1)
    t = cost.interleaved(lambda: None, clock.run_surrogate(iter([5.0, 7.0, 6.0])), pairs=3, clock=clock)
    assert t.engine is None and t.speedup is None and t.surrogate.median == 6.0
    assert "engine_items_per_second" not in t.record()


def test_a_surrogate_that_skips_the_hamiltonian_is_faster_by_the_lower_end_of_its_spread():
    """Real timings, the way a board claims a speed-up: the exact Hamiltonian (the ising engine) on 64 128×128
    configurations against a surrogate that returns the training mean without reading them.  The claim
    "faster" is asserted on the slowest pair (the spread's low end), not on one sample or a time."""
    spins = np.where(np.random.default_rng(0).random((64, 128, 128)) < 0.5, -1, 1).astype(np.int8)
    n = spins.size
    mean = float(physics.energy(spins[:4]).mean())

    def engine():
        import time
        start = time.perf_counter()
        physics.energy(spins)
        return n / (time.perf_counter() - start)

    def surrogate():
        import time
        start = time.perf_counter()
        np.full(len(spins), mean)
        return n / max(time.perf_counter() - start, 1e-9)

    t = cost.interleaved(engine, surrogate, pairs=5, budget=5.0)
    assert t.speedup.low <= t.speedup.median <= t.speedup.high
    assert t.speedup.low > 1.0, t.record()


def test_a_recorded_run_carries_its_timing_and_the_cost_table_shows_the_spread(tiny_four_well_board):
    """The session board (`mdbench run four-well/propagator --model msm --config tiny`, yardstick fixed at
    1000 frames/s): the entry that generates frames records interleaved timings; its speed metric is their
    median and the cost table shows the per-pair spread."""
    task = catalog.task("four-well/propagator")
    entries = leaderboard.read(task, tiny_four_well_board)
    timed = [e for e in entries if "timing" in e]
    assert [e["model"] for e in timed] == ["exact-propagator"]  # the others replay frames: no speed to time
    e = timed[0]
    rec = e["timing"]
    assert rec["engine_items_per_second"] == {"median": 1000.0, "min": 1000.0, "max": 1000.0,
                                              "n": rec["engine_items_per_second"]["n"]}
    s = rec["surrogate_items_per_second"]
    assert s["min"] <= s["median"] <= s["max"] and s["n"] >= 1 and rec["threads"] == 1
    assert e["metrics"]["generation_speedup"]["value"] == pytest.approx(s["median"] / 1000.0)
    c = cost.entry_cost(task, e, tiny_four_well_board)
    assert c.surrogate_seconds_per_item.value == pytest.approx(1 / s["median"])
    assert c.engine_seconds_per_item.value == pytest.approx(1e-3)
    pairs = rec["speedup"]
    table = leaderboard.render(task, directory=tiny_four_well_board)
    assert f"({pairs['min']:.3g}–{pairs['max']:.3g}, n={pairs['n']})" in table
    assert leaderboard.check(tiny_four_well_board)  # the schema takes the timing record
    board = json.loads(leaderboard.path_for(task.name, tiny_four_well_board).read_text())
    assert all(x["sha256"] == leaderboard.entry_hash(x) for x in board["entries"])


def test_the_timing_rescore_sets_the_recorded_spread_beside_the_yardstick_measured_here(tiny_four_well_board,
                                                                                         monkeypatch):
    """`mdbench leaderboard --rescore --timing` re-measures the yardstick and reports it against the engine spread
    the run recorded (1000 frames/s in the session board): inside at 1000, outside at 1500."""
    import shutil

    from mdbench.benchmark import retime

    shutil.copytree(tiny_four_well_board, leaderboard.run_dir())
    task_class = type(catalog.task("four-well/propagator"))
    for speed, where in ((1000.0, "inside"), (1500.0, "outside")):
        monkeypatch.setattr(task_class, "engine_items_per_second", lambda self, data, s=speed: s)
        lines = retime.rescore_timing(task_name="four-well/propagator")
        line = next(x for x in lines if "recorded interleaved timing" in x)
        assert "exact-propagator" in line and f"the yardstick here {speed:.4g}/s is {where}" in line, line
        assert "engine median 1000/s (1000–1000, n=" in line
