"""Errors of every layer, flattened and placed next to fields; timeline wording."""

from __future__ import annotations

import pytest

from web.pages import timeline
from web.pages.form_errors import TOP, flatten, humanize, longest_prefix, place


@pytest.fixture()
def ctx(app):
    with app.test_request_context("/"):
        yield


def test_flatten_marshmallow_nesting():
    messages = {"description": ["Shorter than minimum length 4."],
                "fields": {"method": ["Missing data for required field."]},
                "workers": {1: ["Not a valid integer."]},
                "_schema": ["whole form"], "location": {"_schema": ["bad point"]}}
    assert flatten(messages) == {
        "description": ["Shorter than minimum length 4."],
        "fields.method": ["Missing data for required field."],
        "workers.1": ["Not a valid integer."], "_schema": ["whole form"],
        "location": ["bad point"]}
    assert flatten("plain") == {TOP: ["plain"]}


def test_place_resolves_deepest_known_field_and_keeps_the_rest(ctx):
    resolve = longest_prefix(["readings", "readings.0", "readings.0.value", "items",
                              "items.purged"])
    placed = place({"readings.0.value": ["above"], "readings.0.point": ["required"],
                    "readings": ["[] should be non-empty"], "items.purged": ["required"],
                    "permit": ["permit is closed"], "(form)": ["this task takes no data"]},
                   resolve)
    assert placed["readings.0.value"] == ["above"]
    assert placed["readings.0"] == ["必填"]  # no such field: shown on its row
    assert placed["readings"] == ["至少填写一行"]
    assert placed["items.purged"] == ["必填"]
    assert placed[TOP] == ["permit: permit is closed", "this task takes no data"]


@pytest.mark.parametrize(("message", "shown"), [
    ("Missing data for required field.", "必填"),
    ("-1 is less than the minimum of 0", "不能小于 0"),
    ("'q' is not of type 'integer'", "请填写整数"),
    ("'x' is not of type 'number'", "请填写数字"),
    ("'z' is not one of ['%LEL', '%VOL']", "请从列表中选择"),
    ("Must be greater than or equal to 0 and less than or equal to 17.", "应在 0 到 17 之间"),
    ("methane 12 %LEL (0.6 %VOL) is above 0.5 %VOL", "methane 12 %LEL (0.6 %VOL) is above 0.5 %VOL"),
])
def test_humanize(ctx, message, shown):
    assert humanize(message) == shown


def test_timeline_reads_like_a_log(ctx):
    events = [
        {"at": "2026-06-03T02:00:00+00:00", "actor": "applicant", "action": "instance.started",
         "data": {"business_key": "DH-20260603-0001"}},
        {"at": "2026-06-03T02:00:00+00:00", "actor": "applicant",
         "action": "service.completed",
         "data": {"operator": "permit.set_grade", "result": {"grade": "special",
                                                              "risk": "high"}}},
        {"at": "2026-06-03T02:00:00+00:00", "actor": "applicant",
         "action": "service.completed",
         "data": {"operator": "routing.auto_approve",
                  "result": {"rule": "hot_work_routing", "rule_version": 3}}},
        {"at": "2026-06-03T02:05:00+00:00", "actor": "unit_approver",
         "action": "task.completed",
         "data": {"task": "approve_1", "data": {"decision": "reject", "comment": "不行"}}},
        {"at": "2026-06-03T05:00:00+00:00", "actor": "timer", "action": "service.completed",
         "data": {"operator": "permit.expire", "result": {}}},
        {"at": "2026-06-03T05:00:00+00:00", "actor": "x", "action": "something.new",
         "data": {}},
    ]
    entries = timeline.build(events, names={"applicant": "王建国", "unit_approver": "陈刚"},
                             step_names={"approve_1": "所在基层单位审批"})
    assert [e.who for e in entries] == ["王建国", "系统", "系统", "陈刚", "系统", "x"]
    assert entries[0].at == "2026-06-03 10:00" and entries[0].detail == "DH-20260603-0001"
    assert entries[1].detail == "特级 · 高风险"
    assert entries[2].title == "系统按规则自动批准 (hot_work_routing v3)"
    assert (entries[3].title, entries[3].detail, entries[3].tone) == (
        "所在基层单位审批", "驳回 · 不行", "bad")
    assert entries[4].title == "有效期满" and entries[4].tone == "bad"
    assert entries[5].title == "something.new"
