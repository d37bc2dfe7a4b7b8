import json
from datetime import timedelta

from tests.api import Api, gas, hot_work_application, measures, person_id


def test_explore(plant, frozen_clock):
    a = Api(plant, "applicant")
    start = frozen_clock.now() + timedelta(minutes=20)
    r = a.post("/permits", json=hot_work_application(plant, start=start, workers=("张伟（焊工）", "刘洋（焊工）")))
    print("REFUSED", json.dumps(r.json, ensure_ascii=False, indent=1))
    r = a.post("/permits", json=hot_work_application(plant, start=start, area="PR-1"))
    pid = r.json["id"]
    a.complete(pid, "safety_measures", measures(person_id(plant, "applicant")))
    r = a.complete(pid, "gas_test", gas(a, 12.0, sampled_at=start - timedelta(minutes=21)), expect=422)
    print("GAS", json.dumps(r.json, ensure_ascii=False, indent=1))
    r = a.complete(pid, "gas_test", gas(a, 8.0, sampled_at=start - timedelta(minutes=21)))
    print("DETAIL", json.dumps(r.json, ensure_ascii=False, indent=1))
    r = a.post("/permits", json=hot_work_application(plant, start=start))
    pid = r.json["id"]
    a.complete(pid, "safety_measures", measures(person_id(plant, "applicant")))
    r = a.complete(pid, "gas_test", gas(a, 8.0, sampled_at=start - timedelta(minutes=21)))
    print("AUTO", json.dumps({k: r.json[k] for k in ("history", "evidence", "compliance")}, ensure_ascii=False, indent=1))
    t = a.inbox()
    print("INBOX", json.dumps(t, ensure_ascii=False, indent=1)[:3000])
