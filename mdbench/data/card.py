"""What the exports take from a data card: its text, license, citation and pretty name.

A card (``cards/<dataset>.md`` of its system's package, Hugging Face card structure) starts with a YAML
header (``license``, ``pretty_name``, ``version``, the configs) and has a ``## Citation`` section holding
a BibTeX block.  The exports (:mod:`mdbench.data.hf`, :mod:`mdbench.data.croissant`) put these into
their own metadata, so an exported dataset says where it comes from and under which license.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mdbench.core.errors import MdbenchError

_HEADER = re.compile(r"^---\n(.*?)\n---\n", re.S)
_SECTION = re.compile(r"^## Citation[ \t]*\n(.*?)(?=^## |\Z)", re.S | re.M)
_FENCE = re.compile(r"```[a-zA-Z]*\n(.*?)```", re.S)


@dataclass(frozen=True)
class Card:
    """A data card as the exports use it (every field empty when there is no card)."""

    text: str = ""
    license: str = ""
    citation: str = ""
    pretty_name: str = ""
    header: dict = field(default_factory=dict)
    path: Path | None = None


def read_card(path: Path | str | None) -> Card:
    """Parse the card at ``path`` (``None``: no card, every field empty)."""
    if path is None:
        return Card()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MdbenchError(f"cannot read the data card {path} ({exc.strerror or exc}); reinstall mdbench or the "
                           "system's package") from None
    match = _HEADER.match(text)
    try:
        header = yaml.safe_load(match.group(1)) if match else {}
    except yaml.YAMLError:
        raise MdbenchError(f"data card {path}: its YAML header does not parse; fix the card "
                           "(`mdbench check-system` names the problem)") from None
    header = header if isinstance(header, dict) else {}
    section = _SECTION.search(text)
    citation = ""
    if section:
        fenced = _FENCE.search(section.group(1))
        citation = (fenced.group(1) if fenced else section.group(1)).strip()
    return Card(text=text, license=str(header.get("license") or ""), citation=citation,
                pretty_name=str(header.get("pretty_name") or ""), header=header, path=path)


def card_beside(spec) -> Path | None:
    """The card of ``spec`` found without the catalog: the spec's own ``card_path``, else
    ``cards/<name>.md`` in the package of the module defining the spec or in a package above it (the
    layout of every system package; the catalog's :func:`~mdbench.catalog.card_path` is the
    authority and the CLI passes it)."""
    own = getattr(spec, "card_path", None)
    if own:  # a discovered dataset's own record (an import's JSON) is no card
        return Path(own) if Path(own).suffix == ".md" and Path(own).is_file() else None
    module = sys.modules.get(type(spec).__module__)
    if module is None or not getattr(module, "__file__", None):
        return None
    parts = type(spec).__module__.split(".")
    folder = Path(module.__file__).parent
    for _ in range(len(parts)):
        candidate = folder / "cards" / f"{spec.name}.md"
        if candidate.is_file():
            return candidate
        folder = folder.parent
    return None

