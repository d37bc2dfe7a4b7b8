"""A failing service task becomes an incident an admin can see and retry; users get no 500."""

from __future__ import annotations

from datetime import timedelta

from tests.api import Api, hot_work_application, measures, person_id


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
