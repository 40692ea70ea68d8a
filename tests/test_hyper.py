"""Hyper-parameters per dataset config: declared for every config, and an undeclared one is an error."""

from __future__ import annotations

import sys

import pytest

from baselines.estimators.hyper import ByConfig
from mdbench import catalog
from mdbench.core.errors import MdbenchError
from mdbench.core.params import DatasetConfig


def _tables() -> dict[str, ByConfig]:
    """Every :class:`ByConfig` of the baselines modules the catalog's models come from."""
    for name in catalog.task_names():
        catalog.models(name)  # imports every system's baselines package
    return {f"{mod}.{attr}": value for mod, module in list(sys.modules.items()) if mod.startswith("baselines")
            for attr, value in vars(module).items() if isinstance(value, ByConfig)}


def test_an_undeclared_config_is_a_one_line_error_naming_where_to_declare_it():
    from baselines.ising import HYPER

    assert HYPER["small"]["epochs"] == 40 and HYPER[catalog.dataset("ising").config("full")]["epochs"] == 200
    medium = DatasetConfig("medium", "a config added later", {}, 0)
    with pytest.raises(MdbenchError) as err:
        HYPER[medium]
    message = str(err.value)
    assert "\n" not in message
    assert message == ("model 'ednn*/dense' has no hyper-parameters for config 'medium' of dataset 'ising'; "
                       "declare them in baselines/ising/__init__.py (it declares tiny, small, full)")
    assert "medium" not in HYPER and "small" in HYPER and medium not in HYPER
    assert not hasattr(HYPER, "get")  # no silent fallback to a default


def test_every_table_declares_exactly_the_configs_of_its_dataset():
    tables = _tables()
    assert {"baselines.ising.HYPER", "baselines.sheets.HYPER", "baselines.channel.HYPER",
            "baselines.rfmip.HYPER"} <= set(tables)
    for where, table in tables.items():
        assert set(table) == set(catalog.dataset(table.dataset).configs), where


def test_the_a_posteriori_les_settings_are_declared_per_config_without_fallback():
    from mdbench.systems.channel.posteriori import LES, les_settings

    spec = catalog.dataset("channel")
    assert set(LES) == set(spec.configs)
    assert les_settings(spec.config("small")) == {"dt": 0.08, "time": 64.0, "every": 2.0}
    with pytest.raises(MdbenchError, match=r"no LES settings for config 'medium' of dataset 'channel'; declare "
                                           r"them in LES of mdbench/systems/channel/posteriori\.py"):
        les_settings(DatasetConfig("medium", "a config added later", {}, 0))
