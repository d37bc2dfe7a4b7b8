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
    assert (basis["hours"], basis["source"]) == (hours, source)
    assert ("本厂设定" in basis["note_zh"]) is (source == "plant_setting")


def test_only_height_and_lifting_workers_need_a_certificate() -> None:
    assert [k for k in KEYS if rules_for(k).workers_need_certificate] == [
        "work_at_height", "lifting"]


@pytest.mark.parametrize(("key", "count"), [
    ("work_at_height", 15), ("lifting", 20), ("excavation", 11), ("road_closure", 4)])
def test_checklists_are_the_numbered_form_items(key: str, count: int) -> None:
    items = list(rules_for(key).checklist.CHECKLIST.values())
    assert [i.form_item for i in items] == list(range(1, count + 1))
    assert all(i.label_zh and i.label_en for i in items)
