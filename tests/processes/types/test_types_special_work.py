"""Permit-type modules of work at height, lifting, excavation and road closure: registry,
validity and where it comes from, certificates, checklists."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from processes.types import REGISTRY, rules_for

KEYS = ("work_at_height", "lifting", "excavation", "road_closure")


def test_registered_under_their_process_keys() -> None:
    for key in KEYS:
        assert REGISTRY[key].key == key and rules_for(key) is REGISTRY[key]


@pytest.mark.parametrize(("key", "hours", "source"), [
    ("work_at_height", 168, "standard"), ("lifting", 24, "plant_setting"),
    ("excavation", 72, "plant_setting"), ("road_closure", 72, "plant_setting")])
def test_validity_and_its_basis(key: str, hours: int, source: str) -> None:
    rules = rules_for(key)
    permit = SimpleNamespace(grade=None)
    assert rules.validity(permit) == timedelta(hours=hours)  # type: ignore[arg-type]
    basis = rules.validity_basis()
    assert (basis["hours"], basis["basis"]) == (hours, source)
    assert ("工厂设置" in basis["text"]) is (source == "plant_setting")
    assert basis["clause"] == ("8.2.11" if key == "work_at_height" else None)


def test_only_height_and_lifting_workers_need_a_certificate() -> None:
    assert [k for k in KEYS if rules_for(k).workers_need_certificate] == [
        "work_at_height", "lifting"]


@pytest.mark.parametrize(("key", "count"), [
    ("work_at_height", 15), ("lifting", 20), ("excavation", 11), ("road_closure", 4)])
def test_checklists_are_the_numbered_form_items(key: str, count: int) -> None:
    items = list(rules_for(key).checklist.CHECKLIST.values())
    assert [i.form_item for i in items] == list(range(1, count + 1))
    assert all(i.label_zh and i.label_en and i.step == "safety_measures" for i in items)


@pytest.mark.parametrize(("key", "fields", "area", "conditions"), [
    ("work_at_height", {"working_height_m": 31, "risk_factors": ["poor_light"]}, "general",
     {"above_30m", "poor_light"}),
    ("work_at_height", {"working_height_m": 30}, "general", set()),
    ("lifting", {"load_t": 40}, "fire_explosion", {"lift_plan_required", "hazardous_area",
                                                   "outdoor"}),
    ("lifting", {"load_t": 5, "outdoor": False}, "general", set()),
    ("lifting", {"load_t": 5, "complex_load": True, "outdoor": False}, "general",
     {"lift_plan_required"}),
    ("excavation", {"depth_m": 1.5, "near_buried_lines": True}, "general",
     {"confined_space_rules"}),
    ("excavation", {"depth_m": 1.5}, "general", set()),
    ("road_closure", {"night_work": True}, "general", {"night"}),
    ("road_closure", {}, "general", set()),
])
def test_checklist_conditions_come_from_the_application(key, fields, area, conditions):
    from datetime import UTC, datetime

    from processes.models import Area, Permit

    start = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: daytime
    permit = Permit(fields=fields, area=Area(hazard_class=area), site_code="SH1",
                    planned_start=start, planned_end=start + timedelta(hours=4))
    assert rules_for(key).checklist_conditions(permit) == conditions
