"""Checklists of the types without grades (processes.rules.checklist): Forms A.2, A.3, A.6."""

from __future__ import annotations

import pytest

from processes.rules.checklist import checklist_of
from processes.rules.errors import UnknownPermitTypeError


@pytest.mark.parametrize(("key", "form", "count"), [
    ("confined_space", "A.2", 15), ("blind_plate", "A.3", 11), ("temporary_power", "A.6", 14)])
def test_forms_are_complete_and_numbered(key, form, count):
    checklist = checklist_of(key)
    assert checklist.form == form
    assert [i.form_item for i in checklist.CHECKLIST.values()] == list(range(1, count + 1))


def test_confined_space_items_are_spread_over_its_mandatory_steps():
    checklist = checklist_of("confined_space")
    assert checklist.steps == ("ventilation", "lighting_check", "emergency_preparation",
                               "gas_test", "communication_test")
    assert [i.key for i in checklist.for_step("communication_test")] == [
        "continuous_detectors", "communication"]


def test_not_applicable_depends_on_the_job():
    item = checklist_of("blind_plate").CHECKLIST["toxic_ppe"]
    assert item.is_na_allowed() and item.is_na_allowed(None, {"hot_medium"})
    assert not item.is_na_allowed(None, {"toxic_medium"})
    assert not checklist_of("blind_plate").CHECKLIST["depressurised"].is_na_allowed()


def test_unknown_types_are_refused():
    with pytest.raises(UnknownPermitTypeError):
        checklist_of("diving")
