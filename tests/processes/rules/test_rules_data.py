"""The rule data files, the standard's permit types, the error tree, and the purity of the
package (processes.rules.data, .standard, .errors)."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from processes.rules import data, errors, gas_test, hot_work, retest, standard

RULES_DIR = Path(standard.__file__).parent


@pytest.mark.parametrize(
    "name", ["gb30871.json", "gases.json", "holidays_cn.json", "checklists.json"]
)
def test_every_data_file_explains_itself(name: str) -> None:
    assert data.load(name)["_about"]


def test_load_is_cached() -> None:
    assert data.load("gb30871.json") is data.load("gb30871.json")


def test_gb30871_numbers() -> None:
    assert gas_test.LEL_THRESHOLD_PERCENT_VOL == 4.0
    assert gas_test.FLAMMABLE_MAX_HIGH_LEL == 0.5
    assert gas_test.FLAMMABLE_MAX_LOW_LEL == 0.2
    assert timedelta(minutes=30) == gas_test.SAMPLE_MAX_BEFORE_START
    cs = gas_test.oxygen_limit("confined_space")
    assert cs is not None and (cs.low, cs.high) == (19.5, 21.0)
    enriched = gas_test.oxygen_limit("confined_space", oxygen_enriched=True)
    assert enriched is not None and enriched.high == 23.5
    hot = gas_test.oxygen_limit("hot_work", oxygen_enriched=True)
    assert hot is not None and (hot.low, hot.high) == (None, 23.5)
    assert gas_test.oxygen_limit("temporary_power") is None
    assert [g.validity.total_seconds() / 3600 for g in hot_work.GRADES.values()] == [8, 8, 72]
    assert hot_work.OUTDOOR_BAN_WIND_FORCE == 5
    assert retest.RULES["hot_work"].break_minutes == {"special": 30, "grade1": 30, "grade2": 60}
    assert retest.RULES["confined_space"].break_minutes == 60
    assert retest.RULES["confined_space"].monitoring_interval == timedelta(hours=2)


def test_every_rule_names_its_clause() -> None:
    gb = data.load("gb30871.json")
    for block in (gb["flammable_limit"], *gb["oxygen"].values(), gb["gas_test"]["sampling"]):
        assert block["clause"]
    for block in (*gb["gas_test"]["criteria"].values(), *gb["retest"].values()):
        assert block["clause"]
    assert all(g["clause"] for g in gb["hot_work"]["grades"])


def test_permit_types_are_the_eight_process_keys() -> None:
    assert standard.PERMIT_TYPES == (
        "hot_work",
        "confined_space",
        "blind_plate",
        "work_at_height",
        "lifting",
        "temporary_power",
        "excavation",
        "road_closure",
    )
    assert standard.STANDARD_CODE == "GB 30871-2022"
    assert standard.check_permit_type("lifting") == "lifting"
    with pytest.raises(errors.UnknownPermitTypeError) as info:
        standard.check_permit_type("Hot_Work")
    assert info.value.field == "permit_type"
    assert "hot_work" in str(info.value)


def test_holiday_2027_is_marked_provisional_in_the_data() -> None:
    year = data.load("holidays_cn.json")["years"]["2027"]
    assert year["status"] == "provisional"
    assert "PROVISIONAL" in year["note"]


def _error_classes() -> list[type[errors.RuleError]]:
    return [
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, errors.RuleError)
    ]


def test_error_tree() -> None:
    classes = _error_classes()
    assert len(classes) >= 8
    assert all(issubclass(cls, ValueError) for cls in classes)
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("error", "attrs"),
    [
        (errors.UnknownGasError("xx"), {"gas": "xx", "field": "gas"}),
        (errors.UnitError("ppb", gas="ch4"), {"unit": "ppb", "gas": "ch4", "field": "unit"}),
        (errors.NaiveDatetimeError("sampled_at", "2025-01-01T00:00"), {"field": "sampled_at"}),
        (errors.InvalidValueError("value", -1, "must be >= 0"), {"field": "value", "value": -1}),
        (errors.UnknownPermitTypeError("x"), {"permit_type": "x", "field": "permit_type"}),
        (errors.UnknownGradeError("g"), {"grade": "g", "field": "grade"}),
        (errors.CalendarYearError(2030, covered=(2025,)), {"year": 2030, "covered": (2025,)}),
    ],
)
def test_errors_carry_their_data(error: errors.RuleError, attrs: dict) -> None:
    for name, value in attrs.items():
        assert getattr(error, name) == value
    message = str(error)
    assert message.isascii()
    if error.field:
        assert error.field in message


STDLIB = set(sys.stdlib_module_names)


@pytest.mark.parametrize("path", sorted(RULES_DIR.rglob("*.py")), ids=lambda p: p.name)
def test_rules_import_only_stdlib_and_themselves(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in STDLIB or name.startswith("processes.rules"), f"{path.name}: {name}"


def test_importing_the_rules_loads_no_framework() -> None:
    code = (
        "import sys\n"
        "import processes.rules.gas_test, processes.rules.retest, processes.rules.hot_work\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'engine', 'handlers', 'web', 'SpiffWorkflow'}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=RULES_DIR
    )
    assert out.stdout.strip() == ""
