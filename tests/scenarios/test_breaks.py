"""Resuming hot work after a long break needs a fresh gas test (GB 30871 5.3.4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, gas, hot_work_application, measures, person_id


def live_permit(plant, frozen_clock, **kwargs):
    applicant, watcher = Api(plant, "applicant"), Api(plant, "watcher")
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = applicant.post("/permits", json=hot_work_application(plant, start=start,
                                                                   **kwargs)).json
    applicant.complete(permit["id"], "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    if permit["grade"] != "grade2" or permit["risk"] != "low":
        for role, step in (("unit_approver", "approve_1"), ("safety_dept", "approve_2")):
            if Api(plant, role).inbox():
                Api(plant, role).complete(permit["id"], step, {"decision": "approve"})
    watcher.complete(permit["id"], "watcher_sign_in", {"present": True})
    frozen_clock.set(start)
    return applicant, permit


@pytest.mark.parametrize(("area", "minutes", "allowed"), [
    ("W-1", 55, True),     # grade2: up to 60 min
    ("W-1", 65, False),
    ("PR-1", 25, True),    # grade1 (pipe rack): up to 30 min
    ("PR-1", 35, False),
])
def test_break_length_decides_whether_a_retest_is_needed(plant, frozen_clock, area, minutes,
                                                         allowed):
    applicant, permit = live_permit(plant, frozen_clock, area=area)
    assert applicant.post(f"/permits/{permit['id']}/work/pause", json={"reason": "午饭"}
                          ).status == 200
    frozen_clock.advance(minutes=minutes)
    r = applicant.post(f"/permits/{permit['id']}/work/resume")
    if allowed:
        assert r.status == 200, r.json
    else:
        assert r.status == 422
        assert "gas_retest" in r.json["errors"]["fields"]
        retest = gas(applicant, 4.0, sampled_at=frozen_clock.now() - timedelta(minutes=2))
        assert applicant.post(f"/permits/{permit['id']}/gas-readings", json=retest
                              ).status == 201
        assert applicant.post(f"/permits/{permit['id']}/work/resume").status == 200


def test_failing_retest_is_refused_and_work_stays_paused(plant, frozen_clock):
    applicant, permit = live_permit(plant, frozen_clock)
    applicant.post(f"/permits/{permit['id']}/work/pause", json={})
    frozen_clock.advance(minutes=90)
    bad = gas(applicant, 15.0, sampled_at=frozen_clock.now() - timedelta(minutes=1))
    r = applicant.post(f"/permits/{permit['id']}/gas-readings", json=bad)
    assert r.status == 422 and "readings.0.value" in r.json["errors"]["fields"]
    assert applicant.post(f"/permits/{permit['id']}/work/resume").status == 422


def test_only_the_crew_pauses(plant, frozen_clock):
    _, permit = live_permit(plant, frozen_clock)
    r = Api(plant, "safety_dept").post(f"/permits/{permit['id']}/work/pause", json={})
    assert r.status == 403
