"""Cost metrics: how much faster (or slower) a surrogate is than the engine or classical model it replaces."""

from __future__ import annotations

from mdbench.core.estimate import Estimate, MetricInfo


def speedup_info(engine: str) -> MetricInfo:
    """The ``generation_speedup`` metric, described against ``engine`` (e.g. "OpenMM")."""
    return MetricInfo("generation_speedup", "×", f"synthetic frames/s ÷ {engine} frames/s", True, timing=True)


def generation_speedup(items_per_second: float | None, engine_items_per_second: float | None) -> Estimate:
    """Model speed ÷ engine speed, both measured in the same run; NaN when either is unknown."""
    if not items_per_second or not engine_items_per_second:
        return Estimate(float("nan"))
    return Estimate(items_per_second / engine_items_per_second)


def cost_relative(items_per_second: float | None, engine_items_per_second: float | None) -> Estimate:
    """Time per item relative to the engine's (engine speed ÷ model speed, same run); NaN when either is unknown."""
    if not items_per_second or not engine_items_per_second:
        return Estimate(float("nan"))
    return Estimate(engine_items_per_second / items_per_second)


def end_to_end_info(engine: str) -> MetricInfo:
    """The ``end_to_end_speedup`` metric: the saving once the model's training time is paid too."""
    return MetricInfo("end_to_end_speedup", "×",
                      f"synthetic frames ÷ (training + generation seconds), ÷ {engine} frames/s", True, timing=True)


def end_to_end_speedup(n_items: int, items_per_second: float | None, training_seconds: float | None,
                       engine_items_per_second: float | None) -> Estimate:
    """Speed-up counting the training time: what replacing the engine saves for this many items."""
    if not items_per_second or training_seconds is None or not engine_items_per_second:
        return Estimate(float("nan"))
    seconds = float(training_seconds) + n_items / items_per_second
    return Estimate(n_items / seconds / engine_items_per_second)
