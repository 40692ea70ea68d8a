"""The ``mdbench`` command line: list, data generate|verify|info|export|import, run, score, leaderboard.

Every user error ends with one ``mdbench: error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from mdbench import catalog
from mdbench.core.errors import MdbenchError


def _report(message: str) -> None:
    """The one error line: control characters (from a user's own names) are shown escaped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    print(f"mdbench: error: {text}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (the house style), not usage + message."""

    def error(self, message: str):
        _report(f"{message} (see `{self.prog} --help`)")
        raise SystemExit(2)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _output_file(path: str) -> Path:
    """A file the command may write at the end: checked now, before any work is done."""
    out = Path(path)
    try:
        if out.is_dir():
            raise MdbenchError(f"{out} is a directory; give a file name")
        if not out.parent.is_dir():
            raise MdbenchError(f"{out.parent} is not a directory; create it or choose another path")
    except OSError as exc:
        raise MdbenchError(f"{path[:80]}: {exc.strerror}") from None
    return out


def _output_dir(path: Path, what: str) -> Path:
    """A directory the command will create or write into at the end: checked now, before any work (training)
    is done.  Its nearest existing ancestor must be a directory this process may write into."""
    path = Path(path)
    probe = path
    try:
        while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise MdbenchError(f"{what} {path}: {probe} is not a directory; choose another path")
        if not os.access(probe, os.W_OK | os.X_OK):  # read-only filesystems say so here even to root
            raise MdbenchError(f"{what} {path}: {probe} is not writable; choose another path")
    except OSError as exc:
        raise MdbenchError(f"{what} {str(path)[:80]}: {exc.strerror or exc}") from None
    return path


def _cmd_list(args) -> None:
    # a light install lists everything: what needs an extra that is not installed says which, and the
    # listing goes on
    print("datasets:")
    for name in catalog.dataset_names():
        try:
            spec = catalog.dataset(name)
        except MdbenchError as exc:
            print(f"  {name} — not available here: {exc}")
            continue
        print(f"  {name} v{spec.version} — {spec.summary}")
        for cfg in spec.configs.values():
            default = " (default)" if cfg.name == spec.default_config else ""
            print(f"      config {cfg.name}{default}: {cfg.description}")
        platforms = f"; platforms: {', '.join(spec.platforms)}" if spec.platforms else ""
        print(f"      splits: {', '.join(spec.splits)}{platforms}; card: {catalog.card_path(name)}")
    print("tasks:")
    for name in catalog.task_names():
        try:
            task = catalog.task(name)
        except MdbenchError as exc:
            print(f"  {name} — not available here: {exc}")
            continue
        print(f"  {name} — {task.summary} (dataset {task.dataset}; primary metric {task.primary_metric})")
        try:
            models = catalog.models(name).values()
        except MdbenchError as exc:
            print(f"      models not available here: {exc}")
            continue
        for model in models:
            print(f"      {model.role:>17}: {model.name} — {model.summary}")


def _cmd_generate(args) -> None:
    from mdbench.data import store

    spec = catalog.dataset(args.name)
    record_to = _generation_record_dir(args.name) if args.record else None  # refused before any work
    path = store.generate(spec, args.config, force=args.force, workers=args.workers, scheduler=args.scheduler,
                          platform=args.platform, progress="lines" if args.quiet else True)
    manifest = store.read_manifest(spec, args.config)
    platform = f" on {manifest['platform']}" if manifest["platform"] else ""
    print(f"{manifest['name']}/{manifest['config']} v{manifest['version']}{platform} at {path}")
    for split, entry in manifest["splits"].items():
        print(f"  {split}: {entry['sizes']} sha256 {entry['sha256'][:16]}…")
    if record_to is not None:
        _record_generation(manifest, record_to)


def _generation_record_dir(name: str) -> Path:
    system = catalog.system_of_dataset(name)
    return system.recording_dir(system.generation_dir, "generation records")


def _record_generation(manifest: dict, directory: Path) -> None:
    """Commit-able copy of a manifest (hashes, parameters, wall time, per-shard throughput) in the system's
    ``cards/generation/``: the file every generation time quoted in a data card comes from."""
    from mdbench.core.atomic import write_text_atomic

    path = directory / f"{manifest['name']}__{manifest['config']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"recorded {manifest['generation_seconds']:.0f} s of generation in {path}")


def _cmd_verify(args) -> None:
    from mdbench.data import store

    for split, digest in store.verify(catalog.dataset(args.name), args.config).items():
        print(f"{split}: ok (sha256 {digest[:16]}…)")


def _cmd_info(args) -> None:
    from mdbench.data import store

    spec = catalog.dataset(args.name)
    cfg = spec.config(args.config)
    print(f"{spec.name} v{spec.version}, config {cfg.name}: {cfg.description}")
    print(f"card: {catalog.card_path(spec.name)}\ncache: {store.dataset_dir(spec, cfg.name)}")
    record_path = catalog.system_of_dataset(spec.name).generation_record(spec.name, cfg.name)
    record = json.loads(record_path.read_text()) if record_path.is_file() else None
    if record is not None:
        print(f"generation record: {record_path} ({record.get('created', '?')}, "
              f"{record.get('generation_seconds', '?')} s on {record.get('machine', 'an unrecorded machine')})")
    print("parameters:")
    for key, p in cfg.params.items():
        print(f"  {key} = {p.value} [{p.units}] — {p.description}")
    try:
        manifest = store.read_manifest(spec, cfg.name)
    except MdbenchError as err:
        print(f"status: not generated ({err})")
        return
    if record is not None:  # the committed boards were scored on the record's data: is this copy that data?
        differ = sorted(split for split, v in manifest["splits"].items()
                        if record["splits"].get(split, {}).get("sha256") != v["sha256"])
        print("this copy: " + (
            "the recorded data (every split's sha256 equals the record's)" if not differ else
            f"differs from the record in {', '.join(differ)} (made on {manifest.get('machine', '?')}; "
            "entries of the committed boards were scored on the record's data)"))
    runs = manifest.get("shard_runs", [])
    seconds = sum(r["seconds"] for r in runs)
    work = sum(r["work"] for r in runs)
    print(f"status: generated {manifest.get('created', '?')} in {manifest.get('generation_seconds', '?')} s "
          f"(platform {manifest['platform'] or 'n/a'}; {len(runs)} shards, {seconds:.1f} s of engine time, "
          f"{work / seconds if seconds else float('nan'):.3g} {spec.work_units}/s); versions {manifest.get('versions', {})}")
    print(f"dataset sha256 {manifest['sha256']}")
    for split, entry in manifest["splits"].items():
        print(f"  {split}: sizes {entry['sizes']} sha256 {entry['sha256']}")


def _cmd_export(args) -> None:
    from mdbench.data import store
    from mdbench.data.hf import to_hf

    spec = catalog.dataset(args.name)
    out = Path(args.out or f"{spec.name}-{args.config or spec.default_config}-{args.split}-hf")
    ds = store.load(spec, args.config, args.split)
    row_dim = spec.shard_dim if spec.shard_dim in ds.dims else None  # else the first dimension of the data
    hf = to_hf(ds, row_dim, card=catalog.card_path(spec.name))
    _save_hf(hf, out)
    print(f"wrote {hf.num_rows} rows with features {list(hf.features)} to {out} "
          "(load with datasets.load_from_disk)")


def _cmd_croissant(args) -> None:
    from mdbench.data import croissant, store

    spec = catalog.dataset(args.name)
    cfg = spec.config(args.config)
    out = _output_file(args.out or f"{spec.name}-{cfg.name}-croissant.json")
    manifest = store.read_manifest(spec, cfg.name)
    doc = croissant.build(spec, cfg, manifest, store.dataset_dir(spec, cfg.name), card=catalog.card_path(spec.name),
                          base=out.parent, lock=store._HDF5_LOCK)
    croissant.write(out, doc)
    print(f"wrote {out}: Croissant 1.0, {len(doc['distribution'])} files with sha256, record sets "
          f"{', '.join(r['name'] for r in doc['recordSet'])}")


def _save_hf(hf, out: Path) -> None:
    """Save into a hidden directory beside ``out`` and move it into place only when complete: a full disk or
    an unwritable place leaves no partial output (nor a 0-byte ``.arrow``), an existing ``out`` stays as it was."""
    import shutil

    from mdbench.core.atomic import DENIED, FULL, write_errors

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with write_errors(out):
            try:
                hf.save_to_disk(str(tmp))
                if out.is_dir() and not out.is_symlink():
                    shutil.rmtree(out)
                os.replace(tmp, out)
            except OSError as exc:  # neither full nor read-only (write_errors maps those): still one line
                if exc.errno in FULL | DENIED:
                    raise
                raise MdbenchError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cmd_run(args) -> None:
    from mdbench.benchmark import leaderboard
    from mdbench.benchmark.run import run

    task = catalog.task(args.task)
    config = task.spec.config(args.config)
    names = args.model.split(",")
    if names == ["all"]:  # the full sweep: every model of the task (references run with each)
        names = [m.name for m in catalog.models(task.name).values() if m.role == "model"]
    entries = [catalog.model(task.name, name) for name in names]  # every name checked before any work
    if args.record:
        leaderboard.record_dir(task.name)  # an installed copy says so now, not after the training
    # every place written at the end is checked now: an unwritable one must not cost a training
    _output_dir(Path(args.out) if args.out else Path("runs"), "--out")
    if not args.no_leaderboard and not args.record:
        _output_dir(args.leaderboard_dir or leaderboard.run_dir(), "--leaderboard-dir")
    for entry in entries:
        out = Path(args.out) / entry.name if args.out and len(entries) > 1 else (Path(args.out) if args.out else None)
        result = run(task, entry, config=config.name, seed=args.seed, outdir=out, device=args.device,
                     leaderboard_dir=args.leaderboard_dir, update_leaderboard=not args.no_leaderboard,
                     record=args.record, progress=not args.quiet)
        print(f"\nresults: {result.directory / 'results.json'}")
        for fig in result.figures:
            print(f"figure:  {fig}")
    if result.leaderboard:
        print(f"leaderboard: {result.leaderboard}\n")
        print(leaderboard.render(task, config.name, directory=result.leaderboard.parent))


def _cmd_score(args) -> None:
    from mdbench.benchmark.submission import read_submission
    from mdbench.core.atomic import write_text_atomic
    from mdbench.data.store import load_task_data

    task = catalog.task(args.task)
    out = _output_file(args.json) if args.json else None
    ds, meta, config = read_submission(task, Path(args.file))
    data = load_task_data(task, config)
    scores = task.score(ds, data, items_per_second=meta.get("items_per_second"),
                        engine_items_per_second=task.engine_items_per_second(data))
    info = task.info_by_name()
    print(f"{task.name}: model {meta['model']} (config {config.name}, seed {meta['seed']}, code {meta['code']})")
    from mdbench.benchmark.external import score_context_lines  # primary metric, references, rank

    for line in score_context_lines(task, config.name, scores):
        print(line)
    if "items_per_second" in meta:
        print("note: timings use the items_per_second the submission reports")
    print("all metrics:")
    for name, est in scores.items():
        err = f" ± {est.stderr:.3g}" if est.stderr is not None else ""
        n = f" (n={est.n}{', weak' if est.weak else ''})" if est.n is not None and est.stderr is not None else ""
        print(f"  {name:32s} {est.value:.4g}{err}{n} [{info[name].units}]")
    if out is not None:
        try:
            write_text_atomic(out, json.dumps(
                {"task": task.name, "submission": meta, "metrics": {k: v.to_record() for k, v in scores.items()}},
                indent=1) + "\n")
        except OSError as exc:
            raise MdbenchError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"wrote {out}")


def _cmd_check_system(args) -> None:
    from mdbench.benchmark.check_system import main_lines

    for line in main_lines(args.name, round_trip=not args.no_round_trip, config=args.config):
        print(line)


def _cmd_leaderboard(args) -> None:
    from mdbench.benchmark import leaderboard

    if args.update and not (args.rescore and args.task):
        raise MdbenchError("--update goes with --rescore and one task: `mdbench leaderboard --rescore --update TASK`")
    if args.timing and (not args.rescore or args.update):
        raise MdbenchError("--timing goes with --rescore and never rewrites entries: `mdbench leaderboard --rescore "
                           "--timing [TASK]`")
    if args.render:
        if not args.task:
            raise MdbenchError("--render re-renders one board: `mdbench leaderboard --render TASK`")
        print(f"wrote {leaderboard.write_table(catalog.task(args.task), args.dir or leaderboard.record_dir(args.task))}")
        return
    if args.reproduce:
        from mdbench.benchmark.reproduce import reproduce

        if not args.task:
            raise MdbenchError("--reproduce re-runs one board's entries: `mdbench leaderboard --reproduce TASK`")
        models = tuple(args.model.split(",")) if args.model else ()
        lines = reproduce(args.dir, args.task, config=args.config, models=models, generate_missing=args.generate,
                          progress=True, echo=lambda line: print(line, flush=True))
        print(lines[-1])  # where the re-run prediction files are
        return
    if args.check or args.rescore:
        lines = (leaderboard.rescore(args.dir, args.task, generate_missing=args.generate, update=args.update)
                 if args.rescore else leaderboard.check(args.dir, args.task))
        if args.timing:
            from mdbench.benchmark.retime import rescore_timing

            lines += rescore_timing(args.dir, args.task, generate_missing=args.generate)
        for line in lines:
            print(line)
        return
    if not args.task:
        raise MdbenchError("name a task (`mdbench leaderboard TASK`) or use --check; tasks: see `mdbench list`")
    task = catalog.task(args.task)
    directory = leaderboard.existing_dir(args.dir) if args.dir else None
    local = leaderboard.path_for(task.name, leaderboard.run_dir())
    if directory is None and not args.committed and local.is_file() and local != leaderboard.path_for(task.name):
        directory = local.parent  # right after `mdbench run`: the run's own board
        print(f"(your runs' board {local}; the committed one: {leaderboard.path_for(task.name)}, shown with "
              "--committed)\n")
    print(leaderboard.render(task, args.config, directory=directory))


def _plain_text(text: str) -> str:
    """Help text without reStructuredText markup: ````x```` and ``:role:`x``` become x."""
    return re.sub(r"(?::[a-z]+:)?`{1,2}([^`]+)`{1,2}", r"\1", text)


def _version() -> str:
    from importlib import metadata

    import mdbench

    try:
        return metadata.version("mdbench")
    except metadata.PackageNotFoundError:  # a source tree on the path, not installed
        return mdbench.__version__


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mdbench", description=_plain_text(__doc__.splitlines()[0]))
    p.add_argument("--version", action="version", version=f"mdbench {_version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="datasets, configs, tasks and models").set_defaults(fn=_cmd_list)
    tools = sub.add_parser("tools", help="the systems' own tools (see `mdbench tools --help`)").add_subparsers(
        dest="tool", required=True, parser_class=_Parser)

    data = sub.add_parser("data", help="generate, verify, describe, export or import datasets")
    dsub = data.add_subparsers(dest="data_command", required=True, parser_class=_Parser)

    def dataset_args(q, split=False):
        q.add_argument("name", help="dataset name (see `mdbench list`)")
        q.add_argument("--config", help="dataset config (default: the dataset's default)")
        if split:
            q.add_argument("--split", default="train")

    g = dsub.add_parser("generate", help="run the generator and store the dataset (resumes an interrupted run)")
    dataset_args(g)
    g.add_argument("--force", action="store_true", help="regenerate even if a verified copy exists")
    g.add_argument("--workers", type=_positive_int, help="shards on a local dask.distributed cluster of N processes")
    g.add_argument("--scheduler", help="address of an existing dask.distributed scheduler (shared filesystem)")
    g.add_argument("--platform", help="engine platform, e.g. Reference, CPU, CUDA, OpenCL (see `mdbench list`)")
    g.add_argument("--quiet", action="store_true", help="no progress bar, one line per finished shard")
    g.add_argument("--record", action="store_true",
                   help="copy the manifest (hashes, wall time, throughput) to the system's cards/generation/ for the card")
    g.set_defaults(fn=_cmd_generate)
    v = dsub.add_parser("verify", help="check content hashes against the manifest")
    dataset_args(v)
    v.set_defaults(fn=_cmd_verify)
    i = dsub.add_parser("info", help="parameters with units, cache location, manifest")
    dataset_args(i)
    i.set_defaults(fn=_cmd_info)
    e = dsub.add_parser("export", help="export one split (Hugging Face datasets format)")
    dataset_args(e, split=True)
    e.add_argument("--format", choices=["hf"], default="hf")
    e.add_argument("--out", help="output directory")
    e.set_defaults(fn=_cmd_export)
    cr = dsub.add_parser("croissant", help="write the MLCommons Croissant 1.0 metadata (JSON-LD) of a generated config")
    dataset_args(cr)
    cr.add_argument("--out", help="output file (default: ./NAME-CONFIG-croissant.json; every generated dataset "
                                  "also has a croissant.json beside its splits)")
    cr.set_defaults(fn=_cmd_croissant)

    r = sub.add_parser("run", help="train a model, score it with the references, update a leaderboard")
    r.add_argument("task")
    r.add_argument("--model", required=True, help="model name, a comma-separated list, or 'all' (the sweep)")
    r.add_argument("--config")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--device", default="cpu", help="torch device for training and inference: cpu or cuda")
    r.add_argument("--out", help="run directory (default: runs/<task>__<model>__<config>__seed<seed>)")
    r.add_argument("--no-leaderboard", action="store_true", help="do not write a leaderboard")
    r.add_argument("--leaderboard-dir", type=Path, help="leaderboard directory (default: runs/leaderboards)")
    r.add_argument("--record", action="store_true",
                   help="write the entries (predictions and figures too) into the system's committed leaderboards/")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(fn=_cmd_run)

    s = sub.add_parser("score", help="validate and score a submission file")
    s.add_argument("task")
    s.add_argument("file")
    s.add_argument("--json", help="also write the scores to this JSON file")
    s.set_defaults(fn=_cmd_score)

    c = sub.add_parser("check-system", help="check a system package: cards, references, boards, a tiny round trip")
    c.add_argument("name", help="system name (see `mdbench list`)")
    c.add_argument("--config", help="dataset config of the round trip (default: tiny)")
    c.add_argument("--no-round-trip", action="store_true", help="only the static checks (no generation, no run)")
    c.set_defaults(fn=_cmd_check_system)

    lb = sub.add_parser("leaderboard", help="render a task's leaderboard, or --check / --rescore the entries")
    lb.add_argument("task", nargs="?")
    lb.add_argument("--config")
    lb.add_argument("--check", action="store_true", help="validate schema, entry and prediction-file hashes")
    lb.add_argument("--rescore", action="store_true",
                    help="score every entry's stored predictions again; fail on any difference")
    lb.add_argument("--generate", action="store_true",
                    help="with --rescore or --reproduce: generate datasets that are missing")
    lb.add_argument("--committed", action="store_true", help="show the committed board even after a local run")
    lb.add_argument("--reproduce", action="store_true",
                    help="re-run the entries whose prediction files are not on this machine (kept in the recording "
                         "machine's prediction store) and compare their metrics with the recorded ones")
    lb.add_argument("--model", help="with --reproduce: only these models (comma-separated)")
    lb.add_argument("--render", action="store_true", help="re-render the board's Markdown table from its JSON")
    lb.add_argument("--update", action="store_true",
                    help="with --rescore: re-score with the task's current metric set and rewrite the entries")
    lb.add_argument("--timing", action="store_true",
                    help="with --rescore: re-derive every timing metric from its prediction file and a fresh "
                         "measurement of the task's yardstick (median of 3, with spread); fail outside a 2× band")
    lb.add_argument("--dir", type=Path,
                    help="leaderboard directory (default: ./runs/leaderboards after a run, else the committed boards)")
    lb.set_defaults(fn=_cmd_leaderboard)
    from mdbench.site.commands import add_parser as add_site_parser  # `mdbench site build --out DIR`

    add_site_parser(sub, _Parser)
    from mdbench.benchmark.external import add_parsers as add_external_parsers  # `task show|template`, `submit`

    add_external_parsers(sub, _Parser)
    _add_system_commands({"data": dsub, "tools": tools})
    return p


def _add_system_commands(groups: dict) -> None:
    """Commands that systems declare (``System.commands``), e.g. ``mdbench data import`` of md-forecast."""
    for system in catalog.systems().values():
        for where, ref in system.commands.items():
            group, _, name = where.partition(" ")
            if group not in groups or not name:
                raise MdbenchError(f"system {system.name!r} declares command {where!r}; use 'data NAME' or 'tools NAME'")
            catalog.resolve(ref)(groups[group], name)


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()  # systems declare commands: a broken declaration is a one-line error too
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error, already reported on one line
        return int(exit_.code or 0)
    except MdbenchError as err:
        _report(str(err))
        return err.exit_code
    # what a system's own command may need to know of the others (e.g. names an import must not take)
    args.declared_datasets = frozenset(name for system in catalog.systems().values() for name in system.datasets)
    try:
        args.fn(args)
    except MdbenchError as err:
        _report(str(err))
        return err.exit_code
    except ImportError as err:  # an engine imported where it is used (generation, a model): name its extra
        from mdbench.core.extras import missing_extra

        importer, frame = "", err.__traceback__
        while frame is not None:  # the innermost mdbench module that imported it: its system's extra
            module = frame.tb_frame.f_globals.get("__name__", "")
            importer = module if module.startswith(("mdbench.", "baselines.")) else importer
            frame = frame.tb_next
        install = missing_extra(err, importer)
        if install is None:
            raise
        _report(f"this command needs {err.name!r}, which is not installed; {install}")
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("mdbench: interrupted; nothing partial was kept (all writes are atomic; "
              "an interrupted generation resumes)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
