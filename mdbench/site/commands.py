"""The ``mdbench site`` command group (kept light: the builder is imported only when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _cmd_build(args) -> None:
    from mdbench.site.build import build

    out = build(Path(args.out))
    print(f"wrote the site to {out} (open {out / 'index.html'})")


def _cmd_cost_table(args) -> None:
    from mdbench.site.build import cost_table

    print(cost_table())


def add_parser(sub, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``mdbench site build --out DIR`` to the top-level subparsers ``sub``."""
    site = sub.add_parser("site", help="build the static website of the boards, datasets and figures")
    ssub = site.add_subparsers(dest="site_command", required=True, parser_class=parser_class)
    b = ssub.add_parser("build", help="render the site from the committed boards, cards, records and figures")
    b.add_argument("--out", default="site", help="output folder (default: ./site); its old pages are replaced")
    b.set_defaults(fn=_cmd_build)
    c = ssub.add_parser("cost-table", help="print the README's cost table (speed-up and breakeven of every board's "
                                           "best learned model) from the committed boards")
    c.set_defaults(fn=_cmd_cost_table)
