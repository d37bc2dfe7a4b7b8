"""People analytics: worker quality score, capability matrix, failures vs work density."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from engine import db
from processes import geo
from processes.analytics import people, synthetic
from processes.models import Area, GasReading, PermitWorker, Person, WorkerRating
from tests.api import Api, person_id

START = datetime(2026, 4, 6, 1, 0, tzinfo=UTC)


def add_jobs(session, worker: Person, statuses: list[str], readings: list[bool],
             ratings: list[int]) -> None:
    area = session.execute(select(Area).where(Area.code == "W-1")).scalar_one()
    pid = synthetic.next_id(session, synthetic.Permit.id)
    rows = [synthetic.permit_row(
        pid + i, number=f"Q-{pid + i}", type="hot_work", site_code="SH1", area_id=area.id,
        lat=area.center_lat, lon=area.center_lon, start=START + timedelta(days=i),
        end=START + timedelta(days=i, hours=3), applicant_id=worker.id,
        watcher_id=worker.id, status=s, tz="Asia/Shanghai") for i, s in enumerate(statuses)]
    synthetic.insert_permits(session, rows)
    for i in range(len(statuses)):
        session.add(PermitWorker(permit_id=pid + i, person_id=worker.id))
    for j, ok in enumerate(readings):
        session.add(GasReading(permit_id=pid, step="gas_test", gas="CH4", value=1.0,
                               unit="%LEL", passed=ok, sampled_at=START, instrument_id="X",
                               recorded_at=START + timedelta(seconds=j)))
    for score in ratings:
        session.add(WorkerRating(permit_id=pid, person_id=worker.id, score=score,
                                 rated_at=START))
    session.flush()


def test_quality_score_mixes_rating_rework_and_inspections_by_the_settings(plant):
    with plant.app_context():
        session = db.session
        welder = session.execute(select(Person).where(Person.name == "张伟（焊工）")).scalar_one()
        add_jobs(session, welder, ["closed", "closed", "closed", "rejected"],
                 readings=[True, True, True, False], ratings=[5, 4])
        session.commit()
        result = people.quality_scores(session, site="SH1")
        row = next(r for r in result["items"] if r["person_id"] == welder.id)
        w = result["weights"]
        expected = 100 * (w["watcher_rating"] * (4.5 - 1) / 4 + w["rework"] * 0.75
                          + w["inspection_pass"] * 0.75) / sum(w.values())
        assert row["score"] == pytest.approx(expected, abs=0.05)
        assert (row["jobs"], row["rework_rate"], row["inspection_pass_rate"],
                row["mean_rating"]) == (4, 0.25, 0.75, 4.5)
        db.session.remove()


def test_capability_matrix_counts_composite_qualifications(plant):
    safety = Api(plant, "safety_dept")
    before = safety.get("/analytics/people").json["capability"]
    seeded = before["composite"]  # the demo's HV electrician with a chlorination certificate
    welder = person_id(plant, "张伟（焊工）")
    r = safety.post(f"/people/{welder}/certificates", json={
        "type_code": "height_work", "number": "GC-0001", "issued_on": "2025-01-01",
        "expires_on": "2031-01-01"})
    assert r.status == 201, r.json
    after = safety.get("/analytics/people").json["capability"]
    assert after["composite"] == seeded + 1
    assert after["composite_pairs"]["height_work+welding_cutting"] == 1
    row = next(r for r in after["rows"] if r["person_id"] == welder)
    assert row["composite"] and row["certificates"]["height_work"] == "green"


def test_failure_rate_against_work_density_with_pearson_r(plant):
    with plant.app_context():
        session = db.session
        areas = session.execute(select(Area).where(Area.site_code == "SH1")
                                .order_by(Area.code)).scalars().all()
        person = session.execute(select(Person).where(Person.username == "applicant")
                                 ).scalar_one()
        pid, iid = synthetic.next_id(session, synthetic.Permit.id), 1
        jobs, failures = [], []
        for a, area in enumerate(areas):
            for i in range(10 * (a + 1)):
                start = START + timedelta(hours=7 * i)
                jobs.append(synthetic.permit_row(
                    pid, number=f"D-{pid}", type="lifting", site_code="SH1", area_id=area.id,
                    lat=area.center_lat, lon=area.center_lon, start=start,
                    end=start + timedelta(hours=2), applicant_id=person.id,
                    watcher_id=person.id, status="closed", tz="Asia/Shanghai"))
                pid += 1
            for k in range(a * a):
                failures.append(synthetic.incident_row(
                    iid, occurred_at=START + timedelta(days=k), site_code="SH1",
                    area_id=area.id, kind="equipment_failure", tz="Asia/Shanghai"))
                iid += 1
        synthetic.insert_permits(session, jobs)
        synthetic.insert_incidents(session, failures)
        session.commit()
        sizes = [geo.polygon_area_m2(a.polygon) / 10000 for a in areas]
        db.session.remove()
    result = Api(plant, "safety_dept").get("/analytics/people", start="2026-04-01",
                                           end="2026-06-30").json["failures_vs_density"]
    points = {p["code"]: p for p in result["points"]}
    assert [points[a.code]["jobs"] for a in areas] == [10, 20, 30, 40, 50]
    density = np.array([10 * (a + 1) / s for a, s in enumerate(sizes)])
    rate = np.array([a * a for a in range(5)], dtype=float)
    assert result["r"] == pytest.approx(np.corrcoef(density, rate)[0, 1], abs=1e-3)
    assert result["n"] == 5 and result["r"] > 0.9
