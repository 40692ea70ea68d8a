"""`mdbench check-system NAME`: everything a system package must get right, checked in one place.

The same checks serve mdbench's built-in systems (its tests call :func:`check_system` for each) and a
plug-in's own CI (``mdbench check-system my-system``): the data cards are complete and agree with the
configs, quoted generation times come from committed records, files a card names exist, every task
declares its metrics and has both references, every model's code resolves, the committed boards pass
``--check``, and — unless ``round_trip=False`` — a tiny generate → run → score → re-score round trip.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from mdbench import catalog
from mdbench.core.errors import MdbenchError
from mdbench.core.system import System
from mdbench.core.task import LazyFactory, source_path

#: the sections of a data card (Hugging Face card structure)
REQUIRED_SECTIONS = (
    "## Summary",
    "## Physics and generator",
    "## Splits and sizes",
    "## Fields",
    "## References",
    "## Known limitations and deviations from the paper",
    "## Citation",
)
GENERATION_TIME = re.compile(r"Generation of `(\w[\w-]*)`: ([\d ]+) s\b")
CODE_PATH = re.compile(r"`((?:[a-z_][\w]*/)+[\w.-]+\.(?:py|json|txt|csv|nc))(?::\w+)?`")


class SystemCheckError(MdbenchError):
    """A system package breaks the contract (the message lists every problem)."""


@dataclass
class Report:
    system: str
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def run(self, what: str, check: Callable[[], str | None]) -> None:
        try:
            detail = check()
        except MdbenchError as err:
            self.problems.append(f"{what}: {err}")
        except (AssertionError, KeyError, ValueError, OSError) as err:
            self.problems.append(f"{what}: {type(err).__name__}: {err}")
        else:
            self.passed.append(f"{what}{': ' + detail if detail else ''}")


def card_problems(system: System, dataset: str) -> list[str]:
    """What is missing from the card of ``dataset`` (empty: complete and consistent with its configs)."""
    spec = catalog.dataset(dataset)
    path = catalog.card_path(dataset)
    if not path.is_file():
        return [f"no data card at {path} (write cards/{dataset}.md in the system's package)"]
    text = path.read_text()
    problems = []
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    header = yaml.safe_load(match.group(1)) if match else None
    if not isinstance(header, dict):
        return [f"{path}: the card must start with a YAML header (--- … ---)"]
    for key in ("pretty_name", "license"):
        if not header.get(key):
            problems.append(f"{path}: the YAML header has no {key}")
    configs = {c.get("config_name") for c in header.get("configs") or [] if isinstance(c, dict)}
    if configs != set(spec.configs):
        problems.append(f"{path}: the YAML header lists configs {sorted(configs)}, the dataset has {sorted(spec.configs)}")
    if str(header.get("version")) != spec.version:
        problems.append(f"{path}: the YAML header says version {header.get('version')}, the dataset is {spec.version}")
    problems += [f"{path}: missing section {s!r}" for s in REQUIRED_SECTIONS if s not in text]
    for config in spec.configs.values():
        for param, p in config.params.items():
            rows = [line for line in text.splitlines() if f"`{param}`" in line]
            if not rows:
                problems.append(f"{path}: parameter `{param}` (config {config.name}) is not documented")
                continue
            # the units stand in a cell of the parameter's own row, not anywhere in the card
            cells = {c.strip().strip("`") for row in rows for c in row.split("|")}
            if p.units not in cells and not any(f"[{p.units}]" in row or f"({p.units})" in row for row in rows):
                problems.append(f"{path}: parameter `{param}`: its units {p.units!r} are not on its row")
    for role in ("static reference", "physics reference"):
        if role not in text:
            problems.append(f"{path}: the card never names its {role}")
    for config, seconds in GENERATION_TIME.findall(text):
        record = system.generation_record(dataset, config)
        if not record.is_file():
            problems.append(f"{path}: quotes a generation time of `{config}`, but {record} is missing (record it with "
                            f"`mdbench data generate {dataset} --config {config} --record`)")
            continue
        manifest = json.loads(record.read_text())
        if (manifest.get("name"), manifest.get("config")) != (dataset, config):
            problems.append(f"{record}: is the record of {manifest.get('name')}/{manifest.get('config')}")
        elif int(seconds.replace(" ", "")) != round(manifest["generation_seconds"]):
            problems.append(f"{path}: `{config}` took {round(manifest['generation_seconds'])} s by its record, the "
                            f"card says {seconds} s")
    if re.search(r"Generation of `[^`]+`: \d+ min", text):
        problems.append(f"{path}: quote generation times in seconds from the record")
    tree = system.source_tree()
    if tree is not None:  # an installed copy carries no source tree to resolve paths against
        # a path into the tree's own code (a package of it, or its tests) must exist; paths into another
        # package's data or into a user's run folder are not the tree's to check
        def own(path: str) -> bool:
            top = tree / path.split("/")[0]
            return (top / "__init__.py").is_file() or top.name == "tests"

        missing = sorted({p for p in CODE_PATH.findall(text) if own(p) and not (tree / p).exists()})
        if missing:
            problems.append(f"{path}: names files that do not exist in {tree}: {missing}")
    return problems


def _check_task(name: str) -> str:
    task = catalog.task(name)
    task.check_declaration()  # the primary metric and every config's columns among the declared metrics
    info = task.info_by_name()
    roles = {m.role for m in catalog.references(name)}
    for role in ("static reference", "physics reference"):
        if role not in roles:
            raise SystemCheckError(f"no {role} among its models")
    for entry in catalog.models(name).values():
        factory = entry.factory
        while isinstance(factory, LazyFactory):  # declared by reference: it must import, from the file it names
            if factory.code != source_path(factory.target):
                raise SystemCheckError(f"model {entry.name!r}: {factory.ref} is defined in "
                                       f"{source_path(factory.target)}, not in {factory.code}; name that module")
            factory = next((a for a in factory.args if isinstance(a, LazyFactory)), None)
        entry.code  # noqa: B018 - resolves the source file the leaderboard records
    return f"{len(info)} metrics, {len(catalog.models(name))} models and references"


def _round_trip(system: System, task_name: str, config: str | None) -> str:
    """Generate ``config`` (default: the smallest, ``tiny`` where there is one), run the static reference
    with every other reference, score its prediction file again, and re-score the board it wrote."""
    from mdbench.benchmark import leaderboard
    from mdbench.benchmark.run import run
    from mdbench.benchmark.submission import read_submission
    from mdbench.data import store

    task = catalog.task(task_name)
    cfg = task.spec.config(config or ("tiny" if "tiny" in task.spec.configs else None))
    static = next(m for m in catalog.references(task_name) if m.role == "static reference")
    with tempfile.TemporaryDirectory(prefix="mdbench-check-") as tmp:
        result = run(task, static, config=cfg.name, outdir=Path(tmp) / "run", leaderboard_dir=Path(tmp) / "boards",
                     progress=False)
        recorded = result.results["entries"][static.name]["metrics"]
        pred, meta, _ = read_submission(task, result.directory / "predictions" / f"{static.name}.nc")
        data = store.load_task_data(task, cfg)
        again = task.score(pred, data, items_per_second=meta.get("items_per_second"), engine_items_per_second=None)
        differ = [k for k, v in again.items() if not task.info_by_name()[k].timing
                  and not leaderboard.close(v.to_record(), recorded[k])]
        if differ:
            raise SystemCheckError(f"scoring the written prediction file again changes {differ}")
        lines = leaderboard.rescore(Path(tmp) / "boards", task_name)
    return f"config {cfg.name}: {len(result.results['entries'])} entries run, scored and re-scored ({len(lines)} lines)"


def check_system(name: str, *, round_trip: bool = True, config: str | None = None) -> Report:
    """Run every check of system ``name``; raises :class:`SystemCheckError` listing every problem."""
    from mdbench.benchmark import leaderboard

    system = catalog.system(name)
    report = Report(name)
    report.run("package", lambda: f"{system.package} at {system.root}"
               + ("" if system.source_tree() else " (installed copy: --record refuses)"))
    for dataset in system.datasets:
        report.run(f"card of {dataset}", lambda d=dataset: _raise_all(card_problems(system, d))
                   or str(catalog.card_path(d)))
    for task_name in system.tasks:
        report.run(f"task {task_name}", lambda t=task_name: _check_task(t))
        if leaderboard.path_for(task_name, system.leaderboard_dir).is_file():
            report.run(f"committed board of {task_name}",
                       lambda t=task_name: leaderboard.check(system.leaderboard_dir, t)[0])
        if round_trip:
            report.run(f"round trip of {task_name}", lambda t=task_name: _round_trip(system, t, config))
    if report.problems:
        raise SystemCheckError(f"system {name!r}: {len(report.problems)} problems: " + " | ".join(report.problems))
    return report


def _raise_all(problems: list[str]) -> None:
    if problems:
        raise SystemCheckError("; ".join(problems))


def main_lines(name: str, *, round_trip: bool, config: str | None) -> list[str]:
    """The lines `mdbench check-system` prints."""
    report = check_system(name, round_trip=round_trip, config=config)
    return [f"ok  {line}" for line in report.passed] + [f"system {name!r}: {len(report.passed)} checks passed"]
