"""How much a learned entry owes to one training run: the spread of the primary metric over training seeds.

A board entry is one training run (model, config, seed).  Re-training the same network with another seed, or
on another thread count, can move its error by several standard errors of the test set, or let it collapse
to the static reference (issue 25: a sheets CNN scored 37.5 meV/Å², the composition baseline's error, where
its recorded run had 19.5).  So every learned model of a board is summarised over its seeds: the mean and
the sample standard deviation across seeds with their number, every seed's value, and a flag on each seed
whose run is no better than the static reference.  A collapsed seed is flagged and kept in the mean, never
dropped from it.
"""

from __future__ import annotations

import dataclasses
import math
import statistics

from mdbench.core.estimate import decode_number
from mdbench.core.task import Task

#: seeds a learned entry needs before its spread over training runs counts as measured
MIN_SEEDS = 3
#: combined standard errors within which a seed counts as no better than the static reference
COLLAPSE_SE = 2.0


@dataclasses.dataclass(frozen=True)
class SeedSpread:
    """The primary metric of one learned model on one config, over its training seeds."""

    model: str
    values: dict[int, float]  # seed → primary metric
    collapsed: tuple[int, ...]  # seeds no better than the static reference

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        """Mean across seeds (nan where a seed has no finite value, e.g. n/a or ∞)."""
        values = list(self.values.values())
        return statistics.fmean(values) if all(map(math.isfinite, values)) else math.nan

    @property
    def sd(self) -> float:
        """Sample standard deviation across seeds (nan for one seed: not measured, or a value that is not finite)."""
        values = list(self.values.values())
        return statistics.stdev(values) if self.n > 1 and all(map(math.isfinite, values)) else math.nan


def _value(entry: dict, metric: str) -> tuple[float, float]:
    rec = entry["metrics"].get(metric) or {}
    value, err = decode_number(rec.get("value")), decode_number(rec.get("stderr"))
    return (math.nan if value is None else value), (0.0 if err is None or not math.isfinite(err) else err)


def no_better_than(entry: dict, static: dict, metric: str, higher_is_better: bool) -> bool:
    """Whether ``entry`` scores no better than the ``static`` reference on ``metric``: worse, or within
    :data:`COLLAPSE_SE` combined standard errors of it."""
    (v, e), (s, es) = _value(entry, metric), _value(static, metric)
    if math.isnan(v) or math.isnan(s):
        return False
    better_by = (v - s) if higher_is_better else (s - v)
    return better_by <= COLLAPSE_SE * math.hypot(e, es)


def spreads(task: Task, rows: list[dict]) -> list[SeedSpread]:
    """One :class:`SeedSpread` per learned model (not external) among ``rows`` (the entries of one config)."""
    primary = task.info_by_name()[task.primary_metric]
    static = next((e for e in rows if e["role"] == "static reference"), None)
    out = []
    for model in sorted({e["model"] for e in rows if e["role"] == "model" and e.get("origin") != "external"}):
        runs = sorted((e for e in rows if e["model"] == model), key=lambda e: e["seed"])
        collapsed = tuple(e["seed"] for e in runs if static is not None
                          and no_better_than(e, static, primary.name, primary.higher_is_better))
        out.append(SeedSpread(model, {e["seed"]: _value(e, primary.name)[0] for e in runs}, collapsed))
    return out


def markdown(task: Task, rows: list[dict]) -> list[str]:
    """The seed table under a config's board (nothing if the config has no learned model)."""
    found = spreads(task, rows)
    if not found:
        return []
    primary = task.info_by_name()[task.primary_metric]
    lines = ["", f"Training seeds (`{primary.name}` [{primary.units}] of every learned model over its training runs; "
                 f"mean ± sample standard deviation across seeds, n = seeds; ≥ {MIN_SEEDS} seeds measure how much a "
                 f"result owes to one run; \"≤ static\" marks a seed no better than the static reference, "
                 f"within {COLLAPSE_SE:g} combined standard errors (a collapsed training, or a primary metric on "
                 f"which the model does not beat it), kept in the mean):", "",
             "| model | seeds | mean ± sd over seeds | per seed |", "|---|---|---|---|"]
    for s in found:
        if math.isnan(s.mean):
            spread = f"n/a (n={s.n}: a seed has no finite value)"
        else:
            spread = f"{s.mean:.3g} ± {s.sd:.2g} (n={s.n})" if s.n > 1 else f"{s.mean:.3g} (n=1: spread not measured)"
        per_seed = ", ".join(f"{seed}: {value:.3g}{' (≤ static)' if seed in s.collapsed else ''}"
                             for seed, value in s.values.items())
        lines.append(f"| {s.model} | {s.n}{'' if s.n >= MIN_SEEDS else f' (fewer than {MIN_SEEDS})'} | {spread} "
                     f"| {per_seed} |")
    return lines
