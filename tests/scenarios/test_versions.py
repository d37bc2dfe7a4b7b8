"""A new version of hot_work affects only new permits; running ones finish on theirs."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from tests.api import Api, gas, hot_work_application, measures, person_id

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


def upload(api: Api, files: dict[str, bytes]):
    r = api.client.post("/api/v1/process-definitions", headers=api._headers(),
                        data={"files": [(io.BytesIO(c), n) for n, c in files.items()],
                              "notes": "test"},
                        content_type="multipart/form-data")
    return r.status_code, r.get_json()


def test_v2_deploys_while_a_v1_permit_finishes_on_v1(plant, frozen_clock):
    applicant, watcher = Api(plant, "applicant"), Api(plant, "watcher")
    unit, designer = Api(plant, "unit_approver"), Api(plant, "designer")
    start = frozen_clock.now() + timedelta(minutes=20)
    v1 = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    assert v1["process"]["version"] == 1

    changed = (BPMN / "hot_work.bpmn").read_bytes().replace(
        "完工验收".encode(), "完工验收（第二版）".encode(), 1)
    status, body = upload(designer, {"hot_work.bpmn": changed})
    assert status == 201, body
    assert body["items"][0]["version"] == 2
    status, again = upload(designer, {"hot_work.bpmn": changed})
    assert status == 201 and again["items"][0]["version"] == 2  # same content, same version

    v2 = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    assert v2["process"]["version"] == 2

    applicant.complete(v1["id"], "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(v1["id"], "gas_test",
                       gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    watcher.complete(v1["id"], "watcher_sign_in", {"present": True})
    applicant.complete(v1["id"], "work", {"finished": True})
    done = unit.complete(v1["id"], "close", {"accepted": True}).json
    assert done["status"] == "closed" and done["process"]["version"] == 1
    assert {e["process_version"] for e in done["history"]} == {1}

    r = designer.get("/process-definitions/hot_work/versions/2")
    assert r.status == 200 and "完工验收（第二版）" in r.json["bpmn_xml"]
    listing = designer.get("/process-definitions").json["items"]
    assert [d["versions"] for d in listing if d["key"] == "hot_work"] == [[2, 1]]


def test_only_designers_deploy(plant):
    status, _ = upload(Api(plant, "applicant"),
                          {"hot_work.bpmn": (BPMN / "hot_work.bpmn").read_bytes()})
    assert status == 403
