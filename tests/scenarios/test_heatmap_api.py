"""The heatmap over HTTP: filters, scope, the plant map, and located errors."""

from __future__ import annotations

from engine import db
from tests.api import Api
from tests.processes.analytics.hotspot import HOT, generate


def load(plant):
    with plant.app_context():
        jobs, incidents = generate(db.session)
        db.session.remove()
    return jobs, incidents


def test_the_safety_department_sees_the_hot_spot(plant):
    load(plant)
    r = Api(plant, "safety_dept").get("/analytics/heatmap", by="slot", start="2026-03-01",
                                      end="2026-03-31")
    assert r.status == 200, r.json
    flagged = [c for c in r.json["cells"] if c["flagged"]]
    assert [(c["weekday"], c["hour"]) for c in flagged] == [(HOT["weekday"], HOT["hour"])]
    assert r.json["filters"]["site"] == "SH1"  # scoped to the caller's site
    assert r.json["labels"]["weekday"]["4"] == "周五"
    assert r.json["min_jobs"] == 20 and r.json["confidence"] == 0.95


def test_the_plant_map_colours_areas_by_the_same_ratio(plant):
    load(plant)
    r = Api(plant, "safety_dept").get("/analytics/heatmap/map")
    assert r.status == 200
    features = {f["properties"]["code"]: f for f in r.json["features"]}
    assert features["B-3"]["geometry"]["type"] == "Polygon"
    assert features["B-3"]["properties"]["risk_ratio"] > 1
    assert r.json["overall"]["jobs"] == sum(f["properties"]["jobs"]
                                            for f in r.json["features"])


def test_a_contractor_admin_sees_only_their_firm(plant):
    jobs, _ = load(plant)
    r = Api(plant, "contractor_admin").get("/analytics/heatmap", by="area")
    assert r.status == 200
    firm = int(jobs.contractor_id.dropna().iloc[0])
    assert r.json["filters"]["contractor"] == firm
    assert r.json["overall"]["jobs"] == int((jobs.contractor_id == firm).sum())
    assert Api(plant, "contractor_admin").get("/analytics/heatmap",
                                              contractor=firm + 1).status == 403


def test_bad_arguments_are_located(plant):
    api = Api(plant, "safety_dept")
    r = api.get("/analytics/heatmap", by="moon")
    assert r.status == 422 and "by" in r.json["errors"]["fields"]
    r = api.get("/analytics/heatmap", kinds="fire")
    assert r.status == 422 and "kinds" in r.json["errors"]
    r = api.get("/analytics/heatmap", start="yesterday")
    assert r.status == 422 and "start" in r.json["errors"]
    assert Api(plant, "applicant").get("/analytics/heatmap").status == 403
    assert api.get("/analytics/heatmap", site="NJ1").status == 403
