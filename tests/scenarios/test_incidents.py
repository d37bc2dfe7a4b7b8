"""A failing service task becomes an incident an admin can see and retry; users get no 500."""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from tests.api import Api, hot_work_application, measures, person_id
from tests.scenarios.test_migration import NS


def test_failing_handler_makes_an_incident_that_an_admin_retries(plant, frozen_clock,
                                                                 monkeypatch):
    from handlers import gas as gas_handler

    applicant, admin = Api(plant, "applicant"), Api(plant, "admin")
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    applicant.complete(permit["id"], "safety_measures",
                       measures(person_id(plant, "applicant")))

    original = gas_handler.gas.record_test

    def broken(*args, **kwargs):
        raise ConnectionError("gas detector gateway unreachable")

    monkeypatch.setattr(gas_handler.gas, "record_test", broken)
    from tests.api import gas

    r = applicant.complete(permit["id"], "gas_test",
                           gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    assert r.json["process"]["has_incident"] is True
    assert applicant.get("/incidents").status == 403
    [incident] = admin.get("/incidents").json["items"]
    assert incident["task"] == "validate_gas" and "unreachable" in incident["error"]
    assert incident["permit"]["id"] == permit["id"]

    monkeypatch.setattr(gas_handler.gas, "record_test", original)
    r = admin.post(f"/incidents/{incident['id']}/retry")
    assert r.status == 200 and r.json["status"] == "resolved"
    detail = applicant.get(f"/permits/{permit['id']}").json
    assert detail["status"] == "approved" and not detail["process"]["has_incident"]


def _gas_incident(plant, frozen_clock, monkeypatch) -> tuple[dict, dict]:
    from handlers import gas as gas_handler
    from tests.api import gas

    applicant, admin = Api(plant, "applicant"), Api(plant, "admin")
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    applicant.complete(permit["id"], "safety_measures",
                       measures(person_id(plant, "applicant")))

    def broken(*args, **kwargs):
        raise ConnectionError("gas detector gateway unreachable")

    monkeypatch.setattr(gas_handler.gas, "record_test", broken)
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    [incident] = admin.get("/incidents").json["items"]
    return permit, incident


def test_a_mandatory_automatic_step_of_a_permit_cannot_be_skipped(plant, frozen_clock,
                                                                   monkeypatch):
    _permit, incident = _gas_incident(plant, frozen_clock, monkeypatch)
    admin = Api(plant, "admin")
    assert incident["skippable"] is False
    r = admin.post(f"/incidents/{incident['id']}/skip", json={"reason": "网关坏了，先放行"})
    assert r.status == 422 and "incident" in r.json["errors"]["fields"]
    assert admin.get("/incidents").json["items"][0]["status"] == "open"  # nothing changed
    assert Api(plant, "applicant").post(f"/incidents/{incident['id']}/skip",
                                        json={"reason": "x y"}).status == 403


def test_a_step_the_designer_marked_skippable_is_skipped_with_a_reason(plant, frozen_clock,
                                                                       monkeypatch):
    from engine import OutboxMessage, db
    from tests.scenarios.test_migration import _one, _tree, upload

    root = _tree()
    task = _one(root, "//bpmn:serviceTask[@id='validate_gas']")
    props = etree.SubElement(task.find(f"{{{NS['bpmn']}}}extensionElements"),
                             f"{{{NS['spiffworkflow']}}}properties")
    etree.SubElement(props, f"{{{NS['spiffworkflow']}}}property",
                     name="skippable", value="true")
    upload(Api(plant, "designer"), {"hot_work.bpmn": etree.tostring(root)})
    permit, incident = _gas_incident(plant, frozen_clock, monkeypatch)
    assert incident["skippable"] is True
    admin = Api(plant, "admin")
    assert admin.post(f"/incidents/{incident['id']}/skip",
                      json={"reason": ""}).status == 422
    r = admin.post(f"/incidents/{incident['id']}/skip", json={"reason": "检测仪网关停用，人工复核"})
    assert r.status == 200 and r.json["status"] == "skipped"
    assert all(i["id"] != incident["id"] for i in admin.get("/incidents").json["items"])
    with plant.app_context():
        notes = [m.payload for m in db.session.query(OutboxMessage).all()
                 if m.payload.get("kind") == "incident.skipped"]
    assert notes and notes[0]["permit_id"] == permit["id"]
    detail = Api(plant, "applicant").get(f"/permits/{permit['id']}").json
    assert any(e.get("action") == "incident.skipped" for e in detail["history"]), detail["history"]
