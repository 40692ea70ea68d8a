"""Render the static site from committed files only.

What each page shows and where it comes from:

- ``index.html``: the README's first paragraph, one row per system (status from the README's system
  table, headline from its results table, else the card's Summary), its datasets and tasks, and the
  README's own "Two commands" and "Submitting a model" sections.
- ``datasets/<name>.html``: the data card (``cards/<name>.md``, YAML header as a table, body as HTML),
  every config's parameters with units (the :class:`~mdbench.core.spec.DatasetSpec`), the generation
  records (``cards/generation/<name>__<config>.json``: sizes, time, throughput, platform), the command
  that generates each config, and a Croissant file where the system ships one.
- ``tasks/<task>.html``: the committed board (``leaderboards/<task>.json``) as sortable, filterable
  tables, one per config, columns from ``leaderboard_columns_for(config)`` with the primary metric
  first and units in the header; an accuracy-against-cost plot of every entry (inline SVG); every
  committed figure and data file of the task (copied under ``files/``).
- ``glossary.html``: every declared metric (``MetricInfo``) of every task: long name, units, direction.

Numbers on the pages are the committed numbers, rounded for display (3 significant digits, errors 2);
each board cell carries the exact JSON value in ``data-value`` (``tests/test_site.py`` compares them).
"""

from __future__ import annotations

import json
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markdown as md
import yaml

import mdbench
from mdbench import catalog
from mdbench.benchmark import cost, leaderboard, seeds
from mdbench.core.errors import MdbenchError
from mdbench.core.estimate import MIN_INDEPENDENT, decode_number
from mdbench.core.system import System
from mdbench.core.task import Task
from mdbench.site import plot

HERE = Path(__file__).parent
#: a file that marks a folder as a built site (only such a folder is replaced by a new build)
MARKER = ".mdbench-site"
ROLE_CLASS = {"model": "model", "static reference": "ref ref-static", "physics reference": "ref ref-physics",
              "data reference": "ref ref-data"}


# --- formatting -------------------------------------------------------------------------------------
def number(x: Any) -> float | None:
    """A JSON number of a board (``"nan"``, ``"inf"`` strings decoded; ``None`` stays ``None``)."""
    return decode_number(x)


def fmt_value(v: float | None) -> str:
    if v is None or math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.3g}"


def fmt_error(e: float | None) -> str:
    return f"{e:.2g}" if e is not None and math.isfinite(e) else ""


def slug(name: str) -> str:
    return name.replace("/", "__")


def render_markdown(text: str) -> str:
    return md.markdown(text, extensions=["tables", "fenced_code", "sane_lists"], output_format="html")


# --- the README and the cards -----------------------------------------------------------------------
def _card_links(body: str) -> str:
    """A card's links to a sibling card (``[text](other.md)``) point at that dataset's page, beside this one."""
    return re.sub(r"\]\(([A-Za-z0-9_.-]+)\.md\)", r"](\1.html)", body)


def readme_path() -> Path | None:
    """The README of the source tree this package sits in (``None`` for an installed copy)."""
    path = Path(mdbench.__file__).resolve().parent.parent / "README.md"
    return path if path.is_file() else None


def markdown_tables(text: str) -> list[list[dict[str, str]]]:
    """Every pipe table of a Markdown text as a list of rows ``{header: cell}``."""
    tables, block = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            block.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        if len(block) >= 2:
            head = block[0]
            tables.append([dict(zip(head, row)) for row in block[2:]])
        block = []
    return tables


def markdown_section(text: str, title: str) -> str:
    """The body of the section headed ``title`` (any level), up to the next heading of that level or above."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m and m.group(2).strip() == title:
            level = len(m.group(1))
            body = []
            for rest in lines[i + 1:]:
                n = re.match(r"^(#+)\s", rest)
                if n and len(n.group(1)) <= level:
                    break
                body.append(rest)
            return "\n".join(body).strip()
    return ""


def first_paragraph(text: str) -> str:
    """The first paragraph of Markdown ``text`` that is not a heading or a table."""
    for para in re.split(r"\n\s*\n", text.strip()):
        if para.strip() and not para.lstrip().startswith(("#", "|")):
            return para.strip()
    return ""


def split_card(text: str) -> tuple[dict, str]:
    """(YAML header, Markdown body) of a data card."""
    if text.startswith("---"):
        _, header, body = text.split("---", 2)
        return yaml.safe_load(header) or {}, body.strip()
    return {}, text


def backticked(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


# --- collected content ------------------------------------------------------------------------------
@dataclass
class Column:
    name: str
    units: str
    long_name: str
    higher_is_better: bool
    anchor: str
    primary: bool = False


@dataclass
class Cell:
    text: str
    error: str = ""
    n: int | None = None
    weak: bool = False
    value: Any = None  # the JSON value, as committed
    sort: str = ""


@dataclass
class Row:
    entry: dict
    css: str
    cells: list[Cell]
    training: str
    training_sort: str


@dataclass
class Board:
    config: str
    dataset_version: str
    columns: list[Column]
    rows: list[Row]
    plot_svg: str
    cost_note: str
    no_cost: list[str]
    #: every entry compared on each column's metric (one dot plot per metric with a finite value)
    comparisons: list[str]
    #: the cost columns of every entry (:mod:`mdbench.benchmark.cost`): ``{"model", "role", "cells": [(text,
    #: value)]}``, in the table's order, and the reasons for every "—"
    cost_rows: list[dict] = field(default_factory=list)
    cost_missing: list[str] = field(default_factory=list)
    #: the primary metric of every learned model over its training seeds (:mod:`mdbench.benchmark.seeds`)
    seed_spreads: list = field(default_factory=list)


@dataclass
class Figure:
    file: str  # relative to the site root
    name: str
    config: str | None
    model: str | None
    image: bool


@dataclass
class TaskPage:
    name: str
    slug: str
    system: str
    summary: str
    dataset: str
    error_note: str
    primary: Column
    boards: list[Board]
    figures: list[Figure]
    data_files: list[Figure]
    board_json: str | None
    board_md: str | None
    has_origin: bool
    headline: str = ""
    glossary: list[Column] = field(default_factory=list)
    #: the cost model's sentence (engine, item, definitions) and the units of the cost columns
    cost_definition: str = ""
    cost_units: dict[str, str] = field(default_factory=dict)


def _sort_key(entry: dict, metric: str, higher_is_better: bool) -> float:
    value = number(entry["metrics"].get(metric, {}).get("value"))
    if value is None or math.isnan(value):
        return math.inf
    return -value if higher_is_better else value


def _cell(rec: dict | None) -> Cell:
    if rec is None:
        return Cell(text="—")
    value, err = number(rec.get("value")), number(rec.get("stderr"))
    n = rec.get("n")
    finite = value is not None and math.isfinite(value)
    return Cell(text=fmt_value(value), error=fmt_error(err) if finite else "", n=n if finite else None,
                weak=finite and n is not None and n < MIN_INDEPENDENT, value=rec.get("value"),
                sort=repr(value) if finite else "")


def metric_anchor(task: str, metric: str) -> str:
    return f"m-{slug(task)}-{metric}"


def _columns(task: Task, names: list[str]) -> list[Column]:
    info = task.info_by_name()
    return [Column(n, info[n].units, info[n].long_name, info[n].higher_is_better, metric_anchor(task.name, n),
                   primary=n == task.primary_metric) for n in names]


def _cost(task: Task, entries: list[dict]) -> tuple[str, str, bool, dict[str, float]] | None:
    """The cost axis of a config's plot: ``(label, kind, higher_is_faster, {entry sha: value})``.

    The first of: a measured speed in items/s (a timing metric whose units end in ``/s``), the training
    seconds, another timing metric (a speed-up ×) that at least one entry reports as a positive number.
    """
    info = task.metric_info()
    speeds = [m for m in info if m.timing and m.units.endswith("/s")]
    others = [m for m in info if m.timing and not m.units.endswith("/s")]

    def of_metric(m):
        out = {}
        for e in entries:
            v = number(e["metrics"].get(m.name, {}).get("value"))
            if v is not None and math.isfinite(v) and v > 0:
                out[e["sha256"]] = v
        return out

    for m in speeds:
        found = of_metric(m)
        if found:
            return f"{m.name} [{m.units}] ({m.long_name})", m.name, True, found
    seconds = {e["sha256"]: float(e["training"]["seconds"]) for e in entries
               if e.get("training") and e["training"].get("seconds", 0) > 0}
    if seconds:
        return "training time [s]", "training", False, seconds
    for m in others:
        found = of_metric(m)
        if found:
            return f"{m.name} [{m.units}] ({m.long_name})", m.name, m.higher_is_better, found
    return None


def _cost_rows(task: Task, rows_e: list[dict], board_dir: Path | None) -> tuple[list[dict], list[str]]:
    """The cost table of a config (:func:`mdbench.benchmark.cost.board_costs`): rows and the reasons for "—"."""
    rows, costs = [], cost.board_costs(task, rows_e, board_dir)
    for c in costs:
        cells = [{"column": name, "text": text, "value": None if part.value is None or math.isinf(part.value)
                  else part.value} for (name, part), text in zip(c.parts().items(), c.cells())]
        rows.append({"model": c.model, "seed": c.seed, "label": c.label, "role": c.role,
                     "css": ROLE_CLASS.get(c.role, "ref"), "cells": cells})
    return rows, cost.missing(costs)


def _board(task: Task, config: str, entries: list[dict], board_dir: Path | None = None) -> Board:
    primary = task.primary_metric
    info = task.info_by_name()
    cols = [primary] + [c for c in task.leaderboard_columns_for(task.spec.config(config)) if c != primary]
    columns = _columns(task, cols)
    rows_e = sorted((e for e in entries if e["config"] == config),
                    key=lambda e: _sort_key(e, primary, info[primary].higher_is_better))
    rows = []
    for e in rows_e:
        tr = e.get("training") or {}
        seconds = tr.get("seconds")
        rows.append(Row(entry=e, css=ROLE_CLASS.get(e["role"], "ref"),
                        cells=[_cell(e["metrics"].get(c)) for c in cols],
                        training=f"{seconds:.3g} s" if seconds else "—",
                        training_sort=repr(float(seconds)) if seconds else ""))
    cost = _cost(task, rows_e)
    points, lines, no_cost = [], [], []
    for e in rows_e:
        y = number(e["metrics"].get(primary, {}).get("value"))
        err = number(e["metrics"].get(primary, {}).get("stderr"))
        x = cost[3].get(e["sha256"]) if cost else None
        if y is None or not math.isfinite(y):
            no_cost.append(e["model"])
            continue
        point = plot.Point(x=x or 0.0, y=y, err=err if err is not None and math.isfinite(err) else 0.0,
                           label=e["model"], role=e["role"])
        if x is not None:
            points.append(point)
        elif e["role"] != "model":  # a reference without a cost: a horizontal line at its value
            lines.append(point)
        else:
            no_cost.append(e["model"])
    p = info[primary]
    if cost and points:
        svg = plot.scatter_svg(points, xlabel=cost[0] + (" → faster" if cost[2] else " → costlier"),
                               ylabel=f"{primary} [{p.units}] ({'higher' if p.higher_is_better else 'lower'} is better)",
                               title=f"{task.name} ({config}): {primary} against cost, every entry", lines=lines)
        note = f"cost axis: {cost[0]}, log scale" + ("; dashed lines: references without a cost" if lines else "")
    else:
        svg = ""
        note = ("no entry of this board records a cost (a measured speed, training seconds or a speed-up), "
                "so there is no accuracy-against-cost plot")
    comparisons = []
    for c in cols:
        dots = []
        for e in rows_e:
            value, err = (number(e["metrics"].get(c, {}).get(k)) for k in ("value", "stderr"))
            if value is not None and math.isfinite(value):
                dots.append(plot.Point(x=0.0, y=value, err=err if err is not None and math.isfinite(err) else 0.0,
                                       label=e["model"], role=e["role"]))
        if dots:
            comparisons.append(plot.dots_svg(dots, metric=c, units=info[c].units,
                                             higher_is_better=info[c].higher_is_better))
    cost_rows, cost_missing = _cost_rows(task, rows_e, board_dir)
    return Board(config=config, dataset_version=rows_e[0]["dataset_version"] if rows_e else "", columns=columns,
                 rows=rows, plot_svg=svg, cost_note=note, no_cost=no_cost if svg else [], comparisons=comparisons,
                 cost_rows=cost_rows, cost_missing=cost_missing, seed_spreads=seeds.spreads(task, rows_e))


FIGURE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg"}


def _figures(task: Task, board_dir: Path, out: Path, models: set[str]) -> tuple[list[Figure], list[Figure]]:
    """Copy ``leaderboards/figures/<task>/`` into the site; figures and data files, named by config and model."""
    src = board_dir / "figures" / slug(task.name)
    figures, data = [], []
    if not src.is_dir():
        return figures, data
    dest = out / "files" / "figures" / slug(task.name)
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.iterdir()):
        if not path.is_file():
            continue
        shutil.copyfile(path, dest / path.name)
        config = model = None
        name = path.stem
        parts = path.stem.split("__")
        if len(parts) >= 2 and parts[0] in task.spec.configs:
            config, name = parts[0], "__".join(parts[1:])
            if len(parts) >= 3 and parts[1] in models:
                model, name = parts[1], "__".join(parts[2:])
        fig = Figure(file=f"files/figures/{slug(task.name)}/{path.name}", name=name.replace("_", " "),
                     config=config, model=model, image=path.suffix.lower() in FIGURE_SUFFIXES)
        (figures if fig.image else data).append(fig)
    return figures, data


def _task_page(system: System, name: str, out: Path, headlines: dict[str, str]) -> TaskPage:
    task = catalog.task(name)
    board_dir = system.leaderboard_dir
    entries = leaderboard.read(task, board_dir, allow_stale=True)
    configs = sorted({e["config"] for e in entries}, key=lambda c: list(task.spec.configs).index(c))
    boards = [_board(task, c, entries, board_dir) for c in configs]
    figures, data_files = _figures(task, board_dir, out, {e["model"] for e in entries})
    files = out / "files" / "boards"
    files.mkdir(parents=True, exist_ok=True)
    board_json = board_md = None
    src = leaderboard.path_for(name, board_dir)
    if src.is_file():
        shutil.copyfile(src, files / src.name)
        board_json = f"files/boards/{src.name}"
        if src.with_suffix(".md").is_file():
            shutil.copyfile(src.with_suffix(".md"), files / src.with_suffix(".md").name)
            board_md = f"files/boards/{src.with_suffix('.md').name}"
    info = task.info_by_name()
    return TaskPage(name=name, slug=slug(name), system=system.name, summary=task.summary, dataset=task.dataset,
                    error_note=task.error_note, primary=_columns(task, [task.primary_metric])[0], boards=boards,
                    figures=figures, data_files=data_files, board_json=board_json, board_md=board_md,
                    has_origin=any("origin" in e for e in entries), headline=headlines.get(name, ""),
                    glossary=_columns(task, list(info)), cost_definition=cost.definition(task),
                    cost_units=cost.units(task))


def _param_value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _record(path: Path, out: Path) -> dict:
    rec = json.loads(path.read_text())
    dest = out / "files" / "generation"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, dest / path.name)
    runs = rec.get("shard_runs") or []
    units = sorted({r.get("units") for r in runs if r.get("units")})
    return {"config": rec.get("config"), "created": rec.get("created", ""), "seconds": rec.get("generation_seconds"),
            "platform": rec.get("platform") or "—", "version": rec.get("version", ""),
            "splits": {s: ", ".join(f"{d} {n}" for d, n in v.get("sizes", {}).items())
                       for s, v in (rec.get("splits") or {}).items()},
            "shards": len(rec.get("shards") or []), "shards_reused": rec.get("shards_reused"),
            "work": sum(r.get("work", 0) for r in runs) if len(units) == 1 else None,
            "work_units": units[0] if len(units) == 1 else "",
            "shard_seconds": sum(r.get("seconds", 0) for r in runs),
            "versions": rec.get("versions") or {}, "sha256": rec.get("sha256", ""),
            "file": f"files/generation/{path.name}"}


def _croissant(system: System, dataset: str, out: Path) -> str | None:
    """A Croissant file the system ships for ``dataset`` (``cards/`` or ``cards/croissant/``), copied; or ``None``."""
    cards = system.root / "cards"
    found = sorted(p for pattern in (f"{dataset}*croissant*.json", f"croissant/{dataset}*.json",
                                     f"{dataset}.croissant*")
                   for p in cards.glob(pattern) if p.is_file())
    if not found:
        return None
    dest = out / "files" / "croissant"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(found[0], dest / found[0].name)
    return f"files/croissant/{found[0].name}"


def _dataset_page(system: System, name: str, out: Path, tasks: list[str]) -> dict:
    spec = catalog.dataset(name)
    card = system.card_path(name)
    header, body = split_card(card.read_text()) if card.is_file() else ({}, "")
    configs = []
    for cname, cfg in spec.configs.items():
        configs.append({"name": cname, "description": cfg.description, "seed": cfg.seed, "notes": list(cfg.notes),
                        "default": cname == spec.default_config,
                        "params": [{"name": k, "value": _param_value(p.value), "units": p.units,
                                    "description": p.description} for k, p in cfg.params.items()],
                        "command": f"mdbench data generate {name} --config {cname}"})
    records = [_record(p, out) for p in sorted(system.generation_dir.glob(f"{name}__*.json"))]
    order = list(spec.configs)
    records.sort(key=lambda r: order.index(r["config"]) if r["config"] in order else len(order))
    header_rows = [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in header.items()
                   if k != "configs"]
    return {"name": name, "system": system.name, "version": spec.version, "summary": spec.summary,
            "card_html": render_markdown(_card_links(body)), "card_header": header_rows, "configs": configs,
            "records": records, "tasks": tasks, "croissant": _croissant(system, name, out),
            "splits": list(spec.splits)}


def _system_rows(readme: str) -> tuple[dict[str, str], dict[str, str]]:
    """``({dataset: status}, {task: headline})`` from the README's tables."""
    status, headline = {}, {}
    for table in markdown_tables(readme):
        for row in table:
            if "status" in row and "dataset" in row:
                for name in backticked(row["dataset"]):
                    status[name] = row["status"]
            head = next((k for k in row if k.startswith("headline")), None)
            if head and "task" in row:
                for name in backticked(row["task"]):
                    headline[name] = row[head]
    return status, headline


# --- the build --------------------------------------------------------------------------------------
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(fmt_value=fmt_value, fmt_error=fmt_error, min_seeds=seeds.MIN_SEEDS)
    env.filters["md"] = lambda text: jinja2.utils.markupsafe.Markup(render_markdown(text))
    env.filters["mdinline"] = lambda text: jinja2.utils.markupsafe.Markup(
        re.sub(r"^<p>(.*)</p>$", r"\1", render_markdown(text), flags=re.S))
    return env


def _prepare(out: Path) -> None:
    """Empty ``out`` for a new build: a folder holding anything but an earlier build is refused."""
    if out.exists():
        if not out.is_dir():
            raise MdbenchError(f"{out} is a file; name a folder for the site")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise MdbenchError(f"{out} exists and is not an mdbench site (no {MARKER}); name an empty or new folder")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("built by `mdbench site build`; the whole folder is replaced by the next build\n")


def cost_table() -> str:
    """The README's cost table (one line per task: the best learned model's speed-up and breakeven, with its
    item) from every committed board; ``mdbench site cost-table`` prints it."""
    return cost.headline_table(leaderboard.committed_boards(), _sort_key)


def build(out: Path) -> Path:
    """Build the site into ``out`` (replacing an earlier build there); returns ``out``."""
    out = Path(out)
    _prepare(out)
    shutil.copytree(HERE / "static", out / "static")
    readme_file = readme_path()
    readme = readme_file.read_text() if readme_file else ""
    status, headlines = _system_rows(readme)
    env = _environment()
    systems, task_pages, dataset_pages = [], [], []
    for system in catalog.systems().values():
        tasks = sorted(system.tasks)
        datasets = sorted(system.datasets)
        pages = [_task_page(system, t, out, headlines) for t in tasks]
        task_pages += pages
        dpages = [_dataset_page(system, d, out, [t for t in tasks if catalog.task(t).dataset == d]) for d in datasets]
        dataset_pages += dpages
        summaries = []
        for d in dpages:
            card = system.card_path(d["name"])
            _, body = split_card(card.read_text()) if card.is_file() else ({}, "")
            summaries.append(first_paragraph(markdown_section(body, "Summary")))
        heads = list(dict.fromkeys(headlines[t] for t in tasks if t in headlines))  # one row may name two tasks
        systems.append({"name": system.name, "datasets": dpages, "tasks": pages,
                        "status": "; ".join(dict.fromkeys(status[d] for d in datasets if d in status)),
                        "headlines": heads or summaries[:1], "headline_from": "README" if heads else "card"})
    common = {"version": mdbench.__version__}
    intro = first_paragraph(markdown_section(readme, "mdbench")) if readme else ""
    pages = {"index.html": env.get_template("index.html").render(
        root="", systems=systems, intro=intro, install=markdown_section(readme, "Two commands"),
        submit=markdown_section(readme, "Submitting a model"), tasks=task_pages, cost_table=cost_table(), **common)}
    pages["glossary.html"] = env.get_template("glossary.html").render(root="", tasks=task_pages, **common)
    for d in dataset_pages:
        pages[f"datasets/{d['name']}.html"] = env.get_template("dataset.html").render(
            root="../", d=d, task_slugs={t: slug(t) for t in d["tasks"]}, **common)
    for t in task_pages:
        pages[f"tasks/{t.slug}.html"] = env.get_template("task.html").render(root="../", t=t, **common)
    for rel, text in pages.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return out

