"""Errors that the CLI turns into one actionable line and a non-zero exit.

Every error a user can cause (an unknown name, a missing or corrupted dataset, a malformed
submission, a bad leaderboard entry) is raised as a subclass of :class:`MdbenchError` whose message
is a single line that says what is wrong and what to do about it.
"""

from __future__ import annotations


class MdbenchError(Exception):
    """Base class: the message is one line, complete and actionable."""

    exit_code = 2


class UnknownNameError(MdbenchError):
    """An unknown dataset, config, split, task or model name."""


class DatasetMissingError(MdbenchError):
    """The dataset (or one of its files) is not in the cache."""


class DatasetCorruptError(MdbenchError):
    """A dataset file cannot be read or its content hash does not match the manifest."""


class DatasetBusyError(MdbenchError):
    """Another process holds the generation lock of this dataset."""


class SubmissionError(MdbenchError):
    """A submission file violates the task's prediction contract."""


class LeaderboardError(MdbenchError):
    """A leaderboard file or entry violates the schema."""


def unknown(kind: str, name: str, known, of: str = "") -> UnknownNameError:
    """Build the standard 'unknown X' error listing the valid choices (``of``: e.g. "of dataset 'x'")."""
    choices = ", ".join(sorted(known)) or "(none)"
    where = f" {of}" if of else ""
    return UnknownNameError(f"unknown {kind} {name!r}{where}; known: {choices} (see `mdbench list`)")


def check_schema(instance, schema: dict, error: type[MdbenchError], where: str, *, field: str = "",
                 top: str = "top level") -> None:
    """Validate JSON data against a JSON schema; the first violation becomes one line of ``error``:
    ``<where>: <field><path inside the data, or top>: <what is wrong>``."""
    import jsonschema

    try:
        jsonschema.validate(instance, schema)
    except jsonschema.ValidationError as err:
        path = "/".join(map(str, err.absolute_path)) or top
        raise error(f"{where}: {field}{path}: {err.message}") from None
