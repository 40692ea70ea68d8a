"""Model cards: what an external submission says of the model behind it (`mdbench submit … --card MODEL.yaml`).

A card is a YAML (or JSON) mapping validated by :data:`CARD_SCHEMA`: who made the model and where its code
is (URL and commit), its license and paper, the datasets, configs and splits it was trained on, its
training cost in seconds with the hardware, the inference hardware, its hyper-parameters, and
``saw_test_split: false`` (a model that saw the test split is not scored).  Loaded with ``yaml.safe_load``:
nothing in a card is ever constructed or executed.
"""

from __future__ import annotations

from pathlib import Path

from mdbench.core.errors import MdbenchError, SubmissionError, check_schema

#: a card larger than this is refused before it is parsed
MAX_CARD_BYTES = 256 << 10
_TEXT = {"type": "string", "minLength": 1, "maxLength": 500}
CARD_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "version", "authors", "contact", "code", "license", "paper", "trained_on", "training",
                 "inference", "hyperparameters", "saw_test_split"],
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$"},
        "version": _TEXT,
        "authors": {"type": "array", "minItems": 1, "items": _TEXT},
        "contact": _TEXT,
        "code": {"type": "object", "additionalProperties": False, "required": ["url", "commit"],
                 "properties": {"url": {"type": "string", "pattern": "^https?://"},
                                "commit": {"type": "string", "pattern": "^[0-9a-f]{7,40}$"}}},
        "license": _TEXT,
        "paper": {"type": "string", "maxLength": 500},  # a DOI or URL; "" for none yet
        "trained_on": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["dataset", "config", "splits"],
            "properties": {"dataset": _TEXT, "config": _TEXT,
                           "splits": {"type": "array", "minItems": 1, "uniqueItems": True,
                                      "items": {"enum": ["train", "val"]}}}}},
        "training": {"type": "object", "additionalProperties": False, "required": ["seconds", "hardware"],
                     "properties": {"seconds": {"type": "number", "minimum": 0}, "hardware": _TEXT}},
        "inference": {"type": "object", "additionalProperties": False, "required": ["hardware"],
                      "properties": {"hardware": _TEXT}},
        "hyperparameters": {"type": "object"},
        "saw_test_split": {"const": False},
    },
}


def load(path: Path, *, error: type[MdbenchError] = SubmissionError) -> dict:
    """The validated card at ``path``; any problem is one line of ``error`` naming the field."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such model card")
    if path.stat().st_size > MAX_CARD_BYTES:
        raise error(f"{path}: a model card is at most {MAX_CARD_BYTES >> 10} KiB")
    try:
        card = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not a YAML model card ({type(exc).__name__}); see CONTRIBUTING.md") from None
    if not isinstance(card, dict):
        raise error(f"{path}: a model card is a mapping of the fields in CONTRIBUTING.md, not {type(card).__name__}")
    check_schema(card, CARD_SCHEMA, error, str(path), field="card field ")
    return card


def check_against(card: dict, meta: dict, dataset: str, where: str) -> None:
    """The card describes the submission: the same model name, trained on the submission's dataset config."""
    if card["name"] != meta["model"]:
        raise SubmissionError(f"{where}: the card is for model {card['name']!r}, the submission for {meta['model']!r}")
    if not any(t["dataset"] == dataset and t["config"] == meta["config"] for t in card["trained_on"]):
        raise SubmissionError(f"{where}: trained_on names no {dataset}/{meta['config']}, the dataset config the "
                              "submission is for")
