"""The generic task form: JSON Schema → widgets, posted form → typed task data."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import MultiDict

from web.pages import schema_form

FORMS = Path(__file__).resolve().parents[2] / "bpmn" / "forms"
ZONE = ZoneInfo("Asia/Shanghai")


def schema(step: str) -> dict:
    return json.loads((FORMS / f"hot_work.{step}.schema.json").read_text(encoding="utf-8"))


@pytest.fixture()
def ctx(app):
    with app.test_request_context("/"):
        yield


def kinds(root):
    return {f.path: f.kind for f in root.walk() if f.path}


def test_every_hot_work_form_builds(ctx):
    paths = sorted(FORMS.glob("hot_work.*.schema.json"))
    assert len(paths) >= 9
    for path in paths:
        form_schema = json.loads(path.read_text(encoding="utf-8"))
        root = schema_form.build(form_schema, {}, zone=ZONE, person_id=7, now_local="")
        assert root.children, path.name
        assert all(f.kind != "text" or f.path for f in root.walk()), path.name


def test_widgets_follow_the_schema(ctx):
    measures = kinds(schema_form.build(schema("safety_measures"), {}, zone=ZONE,
                                       person_id=7))
    assert measures["items"] == "object" and measures["items.purged"] == "tristate"
    assert measures["blind_count"] == "integer" and measures["confirmed_by"] == "person"
    gas = kinds(schema_form.build(schema("gas_test"), {}, zone=ZONE))
    assert gas["readings"] == "rows" and gas["readings.0.unit"] == "choice"
    assert gas["readings.0.sampled_at"] == "datetime" and gas["readings.0.value"] == "number"
    assert gas["photo"] == "photo" and gas["instrument_id"] == "text"
    approve = schema_form.build(schema("approve_1"), {}, zone=ZONE)
    assert [f.kind for f in approve.children] == ["textarea", "decision"]  # buttons last
    assert approve.has_decision
    assert kinds(schema_form.build(schema("watcher_sign_in"), {}, zone=ZONE))["present"] \
        == "confirm"
    close = schema_form.build(schema("close"), {"accepted": True}, zone=ZONE)
    accepted = close.children[0]
    assert accepted.kind == "yesno" and accepted.value == "true"
    assert accepted.options == [("true", "是"), ("false", "否")]


def test_defaults_and_redisplay(ctx):
    root = schema_form.build(schema("safety_measures"), {"items": {"purged": "na"}},
                             zone=ZONE, person_id=7)
    fields = {f.path: f for f in root.walk()}
    assert fields["confirmed_by"].value == 7
    assert fields["items.purged"].value == "na" and fields["items.cylinders"].value is None
    assert fields["items.purged"].options == [("true", "是"), ("false", "否"),
                                              ("na", "不涉及")]
    gas = schema_form.build(schema("gas_test"), {"readings": [
        {"sampled_at": "2026-06-03T01:59:00+00:00"}, {}, {}]}, zone=ZONE,
        now_local="2026-06-03T10:00")
    fields = {f.path: f for f in gas.walk()}
    assert fields["readings.0.sampled_at"].value == "2026-06-03T09:59"  # shown in Shanghai
    assert fields["readings.2.sampled_at"].value == "2026-06-03T10:00"
    assert gas.children[0].template.children[0].path == "readings.__i__.gas"


def test_parse_types_values_per_schema():
    form = MultiDict({
        "items.purged": "true", "items.blinds_fitted": "false", "items.ex_camera": "na",
        "items.fire_kit": "", "blind_count": "2", "confirmed_by": "7", "unknown": "x"})
    data = schema_form.parse(schema("safety_measures"), form, zone=ZONE)
    assert data == {"items": {"purged": True, "blinds_fitted": False, "ex_camera": "na"},
                    "blind_count": 2, "confirmed_by": 7}


def test_parse_rows_renumbers_and_drops_blank_rows():
    form = MultiDict({
        "readings.3.gas": "CH4", "readings.3.value": "0,5", "readings.3.unit": "%LEL",
        "readings.3.sampled_at": "2026-06-03T09:59", "readings.3.point": "A",
        "readings.1.gas": " ", "readings.1.value": "",
        "readings.__i__.gas": "template row never posts, but ignore it anyway",
        "instrument_id": "GD-1", "photo": "abc"})
    data = schema_form.parse(schema("gas_test"), form, zone=ZONE)
    assert data["readings"] == [{"gas": "CH4", "value": 0.5, "unit": "%LEL",
                                 "sampled_at": "2026-06-03T09:59:00+08:00", "point": "A"}]
    assert data["instrument_id"] == "GD-1" and data["photo"] == "abc"


def test_parse_leaves_bad_values_for_the_schema_check_to_name():
    form = MultiDict({"readings.0.value": "twelve", "readings.0.sampled_at": "soon",
                      "readings.0.unit": "furlongs", "readings.1.value": "nan"})
    data = schema_form.parse(schema("gas_test"), form, zone=ZONE)
    assert data["readings"][0] == {"value": "twelve", "sampled_at": "soon", "unit": "furlongs"}
    assert data["readings"][1] == {"value": "nan"}


def test_parse_decisions_and_confirmations():
    assert schema_form.parse(schema("approve_1"), MultiDict({"decision": "reject",
                                                             "comment": " 不行 "}),
                             zone=ZONE) == {"decision": "reject", "comment": "不行"}
    assert schema_form.parse(schema("watcher_sign_in"), MultiDict({"present": "true"}),
                             zone=ZONE) == {"present": True}
    assert schema_form.parse(schema("watcher_sign_in"), MultiDict(), zone=ZONE) == {}
    assert schema_form.parse(schema("close"), MultiDict({"accepted": "false"}),
                             zone=ZONE) == {"accepted": False}
    assert schema_form.parse(None, MultiDict({"x": "1"}), zone=ZONE) == {}


def test_local_time_conversions():
    assert schema_form.from_local_input("2026-06-03T10:20", ZONE) == "2026-06-03T10:20:00+08:00"
    assert schema_form.from_local_input("2026-06-03T10:20+00:00", ZONE) == \
        "2026-06-03T10:20:00+00:00"
    assert schema_form.from_local_input("later", ZONE) == "later"
    assert schema_form.to_local_input("2026-06-03T02:20:00+00:00", ZONE) == "2026-06-03T10:20"
    assert schema_form.to_local_input("", ZONE) == ""
    assert schema_form.to_local_input("later", ZONE) == "later"
