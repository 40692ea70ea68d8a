"""The one cost model of every board (issue 25): every task names the engine a surrogate replaces and its item;
every entry of every committed board gets ``engine_seconds_per_item``, ``surrogate_seconds_per_item``,
``data_seconds``, ``training_seconds``, ``speedup`` and ``breakeven_items`` derived from what it records, and
this file re-derives each of them independently from the raw JSON, generation records and prediction files."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import netCDF4
import pytest

from mdbench import catalog
from mdbench.benchmark import cost, leaderboard
from mdbench.core.task import COST_ITEMS, CostModel
from mdbench.site.build import cost_table, readme_path


def _value(entry: dict, metric: str | None) -> float | None:
    rec = entry["metrics"].get(metric) if metric else None
    v = None if rec is None else rec["value"]
    if v is None or isinstance(v, str):
        return None
    return float(v) if math.isfinite(v) and v > 0 else None


def _file_attrs(entry: dict, board_dir: Path) -> dict:
    rec = entry.get("predictions")
    if not rec or rec.get("location") == "store":
        return {}
    with netCDF4.Dataset(board_dir / rec["file"]) as nc:
        return {k: float(nc.getncattr(k)) for k in nc.ncattrs() if k in ("items_per_second", "training_seconds")}


def _training_data_seconds(task, config: str) -> float | None:
    path = catalog.system_of(task.name).generation_dir / f"{task.dataset}__{config}.json"
    if not path.is_file():
        return None
    return sum(r["seconds"] for r in json.loads(path.read_text())["shard_runs"] if r["split"] in ("train", "val"))


def test_every_task_names_its_engine_and_its_item():
    for name in catalog.task_names():
        task = catalog.task(name)
        cm = task.cost
        assert isinstance(cm, CostModel), f"{name} declares no cost model (Task.cost)"
        assert cm.engine.strip() and cm.item in COST_ITEMS, name
        timing = {m.name for m in task.metric_info() if m.timing}
        if cm.ratio_metric is None:
            assert cm.unmeasured, name
        else:
            assert cm.ratio_metric in timing, f"{name}: {cm.ratio_metric} is not a declared timing metric"
            assert cm.speed_metric is None or cm.speed_metric in timing, name
        known = set(catalog.models(name))
        assert set(cm.engine_models) <= known, f"{name}: engine entries {cm.engine_models} are not its models"


def test_a_cost_model_refuses_an_unnamed_engine_an_unknown_item_or_no_ratio():
    with pytest.raises(ValueError, match="names its engine"):
        CostModel(" ", "frames", ratio_metric="x")
    with pytest.raises(ValueError, match="cost item"):
        CostModel("OpenMM", "widgets", ratio_metric="x")
    with pytest.raises(ValueError, match="either the ratio metric"):
        CostModel("OpenMM", "frames")
    with pytest.raises(ValueError, match="'speedup' or 'cost'"):
        CostModel("OpenMM", "frames", ratio_metric="x", ratio="slowdown")


def test_speedup_and_breakeven_arithmetic():
    assert cost.speedup(2e-3, 1e-5) == pytest.approx(200.0)
    # 10 s of data + 90 s of training, saving 1e-3 − 1e-5 s per item
    assert cost.breakeven_items(10.0, 90.0, 1e-3, 1e-5) == pytest.approx(100.0 / (1e-3 - 1e-5))
    assert cost.breakeven_items(10.0, 90.0, 1e-5, 1e-3) == math.inf  # slower than the engine: never
    assert cost.breakeven_items(10.0, 90.0, 1e-5, 1e-5) == math.inf  # as fast: never either
    assert cost.fmt("breakeven_items", cost.Part(math.inf)) == "never"
    assert cost.fmt("breakeven_items", cost.Part(None, "why")) == cost.MISSING
    assert cost.fmt("breakeven_items", cost.Part(None, applies=False)) == cost.NOT_APPLICABLE


def test_every_entry_of_every_committed_board_follows_from_its_recorded_parts():
    """Re-derives each cost column of every committed entry from the raw records (not through the module's
    helpers) and checks the arithmetic of ``speedup`` and ``breakeven_items``."""
    boards = leaderboard.committed_boards()
    assert boards, "no committed board"
    checked = breakevens = 0
    for task, entries, board_dir in boards:
        cm = task.cost
        for e in entries:
            where = f"{task.name} {e['config']} {e['model']}"
            c = cost.entry_cost(task, e, board_dir)
            parts = c.parts()
            assert list(parts) == list(cost.COLUMNS)
            for name, part in parts.items():  # a part that is missing says why
                assert part.value is not None or not part.applies or part.why, f"{where}: {name} missing without why"
            attrs = _file_attrs(e, board_dir)
            training = (e.get("training") or {}).get("seconds", attrs.get("training_seconds"))
            if training is None:
                assert not c.training_seconds.known, where
            else:
                assert c.training_seconds.value == pytest.approx(training), where
            if c.is_engine:
                assert c.speedup.value == 1.0 and not c.breakeven_items.applies, where
            if cm.ratio_metric is None:
                assert not c.engine_seconds_per_item.known and not c.speedup.known or c.is_engine, where
                continue
            speed = _value(e, cm.speed_metric) if cm.speed_metric else attrs.get("items_per_second")
            ratio = _value(e, cm.ratio_metric)
            if speed and math.isfinite(speed):
                assert c.surrogate_seconds_per_item.value == pytest.approx(1 / speed, rel=1e-12), where
            else:
                assert not c.surrogate_seconds_per_item.known, where
            if ratio is not None and speed:
                # the engine timed in the entry's own run: E = S ÷ (S/E), or E = (E/S)·S
                engine_speed = speed / ratio if cm.ratio == "speedup" else ratio * speed
                assert c.engine_seconds_per_item.value == pytest.approx(1 / engine_speed, rel=1e-12), where
                if not c.is_engine:
                    assert c.speedup.value == pytest.approx(
                        c.engine_seconds_per_item.value / c.surrogate_seconds_per_item.value, rel=1e-12), where
                    assert c.speedup.value == pytest.approx(ratio if cm.ratio == "speedup" else 1 / ratio), where
            elif ratio is not None and not c.is_engine:  # only the ratio survives (prediction file elsewhere)
                assert c.speedup.value == pytest.approx(ratio if cm.ratio == "speedup" else 1 / ratio), where
            if e["role"] != "model" or c.is_engine:
                assert not c.breakeven_items.applies and not c.data_seconds.applies, where
                continue
            data = _training_data_seconds(task, e["config"])
            assert c.data_seconds.value == (pytest.approx(data) if data is not None else None), where
            parts_known = [c.engine_seconds_per_item, c.surrogate_seconds_per_item, c.data_seconds, c.training_seconds]
            if all(p.known for p in parts_known):
                eng, sur = c.engine_seconds_per_item.value, c.surrogate_seconds_per_item.value
                if eng > sur:
                    assert c.breakeven_items.value == pytest.approx((data + training) / (eng - sur), rel=1e-12), where
                else:
                    assert c.breakeven_items.value == math.inf, where
                breakevens += 1
            elif c.engine_seconds_per_item.known and c.surrogate_seconds_per_item.known and \
                    c.engine_seconds_per_item.value <= c.surrogate_seconds_per_item.value:
                assert c.breakeven_items.value == math.inf, where  # not faster: never, whatever it cost
                breakevens += 1
            else:
                assert not c.breakeven_items.known and c.breakeven_items.why, where
            checked += 1
    assert checked >= 20 and breakevens >= 5, (checked, breakevens)  # the boards do record the parts


def test_every_rendered_board_shows_the_cost_table_of_every_entry():
    for task, entries, board_dir in leaderboard.committed_boards():
        text = leaderboard.render(task, directory=board_dir)
        assert cost.definition(task) in text and task.cost.engine in text
        heads = [line for line in text.splitlines() if line.startswith("| model | engine_seconds_per_item")]
        assert len(heads) == len({e["config"] for e in entries}), task.name
        for column in cost.COLUMNS:
            assert f"{column} [" in heads[0], (task.name, column)
        for e in entries:
            c = cost.entry_cost(task, e, board_dir)
            row = "| " + " | ".join([c.label] + c.cells()) + " |"
            assert row in text, (task.name, e["model"])
        for line in text.splitlines():
            if line.startswith("— not recorded: "):
                assert ": " in line[len("— not recorded: "):], line  # every "—" names its reason


def test_the_readme_cost_table_has_every_board_with_its_engine_and_item():
    """The README's table is printed by `mdbench site cost-table`; its tasks, engines and items are the
    generated table's (numbers move whenever a board is re-recorded: re-paste the command's output)."""
    def rows(text: str) -> dict[str, list[str]]:
        out = {}
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            m = re.fullmatch(r"`([^`]+)`", cells[0]) if cells else None
            if m and len(cells) == 6:
                out[m.group(1)] = cells
        return out

    generated = rows(cost_table())
    assert generated
    readme = readme_path().read_text()
    assert "## Cost" in readme
    section = readme.split("## Cost", 1)[1].split("\n## ", 1)[0]
    shown = rows(section)
    assert set(shown) == set(generated), ("README's cost table is out of date: paste the output of "
                                          "`mdbench site cost-table` under its ## Cost")
    for task, cells in generated.items():
        assert shown[task][1:3] == cells[1:3], task  # engine and item


def test_the_site_shows_the_cost_columns_of_every_entry():
    """Each task page's cost table (mdbench.site.build) holds the derived parts as they are, per config."""
    from mdbench.site import build as site_build

    for task, entries, board_dir in leaderboard.committed_boards():
        for config in sorted({e["config"] for e in entries}):
            board = site_build._board(task, config, entries, board_dir)
            shown = {(r["model"], r["seed"]): r["cells"] for r in board.cost_rows}
            assert set(shown) == {(e["model"], e["seed"]) for e in entries if e["config"] == config}
            for e in (x for x in entries if x["config"] == config):
                c = cost.entry_cost(task, e, board_dir)
                cells = shown[e["model"], e["seed"]]
                assert [x["column"] for x in cells] == list(cost.COLUMNS)
                assert [x["text"] for x in cells] == c.cells()
                for x, part in zip(cells, c.parts().values()):
                    assert x["value"] == (None if part.value is None or math.isinf(part.value) else part.value)
            assert board.cost_missing == cost.missing(cost.board_costs(
                task, [r.entry for r in board.rows], board_dir))
