"""The md-forecast system's command: ``mdbench data import`` (declared in ``SYSTEM.commands``).

Light on purpose: the command line imports this module whenever it is built; MDAnalysis and the
importer load only when the command runs.
"""

from __future__ import annotations

import argparse

from mdbench.core.errors import MdbenchError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def add_import_command(subparsers, name: str) -> None:
    im = subparsers.add_parser(name, help="turn your own MD (any MDAnalysis format) into a forecasting dataset")
    im.add_argument("topology")
    im.add_argument("trajectory", nargs="+", help="trajectory files, each its own trajectory (≥ 3: split by file)")
    im.add_argument("--name", required=True, help="dataset name (lower case, digits, '-')")
    im.add_argument("--selection", default="name CA", help="MDAnalysis selection (default: name CA)")
    im.add_argument("--origins", type=_positive_int, default=20, help="forecast origins in the test split")
    im.add_argument("--histories", default="1,5,10", help="history lengths h in frames (subset of 1,5,10)")
    im.add_argument("--leads", default="1,5,15,60,120", help="lead times L in frames (subset of 1,5,15,60,120)")
    im.set_defaults(fn=run_import)


def run_import(args) -> None:
    """``args.declared_datasets``: every dataset name a system declares (the command line adds it)."""
    from mdbench.systems.md_forecast.imported import import_and_generate

    try:
        histories, leads = ([int(v) for v in arg.split(",")] for arg in (args.histories, args.leads))
    except ValueError:
        raise MdbenchError("--histories and --leads take comma-separated whole numbers of frames") from None
    spec, manifest = import_and_generate(args.name, args.topology, args.trajectory, selection=args.selection,
                                         histories=histories, leads=leads, n_origins=args.origins,
                                         reserved=args.declared_datasets)
    for split, entry in manifest["splits"].items():
        print(f"  {split}: {entry['sizes']}")
    print(f"imported {spec.name}; benchmark it with `mdbench run {spec.name}/forecast --model all`")
