"""The compliance dashboard: snapshots of real finished permits, aggregates that match a
pandas recomputation, closing on time, and certificate warnings missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from engine import db
from processes.analytics import compliance, synthetic
from processes.models import Notification, Person
from tests.api import Api, gas, hot_work_application, measures, person_id


def finish_a_hot_work_job(plant, frozen_clock, workers=("马超（承包商焊工）",)):
    applicant, watcher = Api(plant, "applicant"), Api(plant, "watcher")
    if "马超（承包商焊工）" in workers:  # contractor staff need a valid access code
        code = Api(plant, "contractor_admin").post("/access-codes", json={
            "person_id": person_id(plant, "马超（承包商焊工）"), "scope": "机修车间动火",
            "permit_types": ["hot_work"], "hours": 72})
        assert code.status == 201, code.json
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = applicant.post("/permits", json=hot_work_application(
        plant, start=start, workers=workers)).json
    applicant.complete(permit["id"], "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 8.0, sampled_at=start - timedelta(minutes=21)))
    watcher.complete(permit["id"], "watcher_sign_in", {"present": True})
    applicant.complete(permit["id"], "work", {"finished": True})
    Api(plant, "unit_approver").complete(permit["id"], "close", {"accepted": True})
    return permit


def test_finished_permits_are_snapshotted_and_grouped(plant, frozen_clock):
    permit = finish_a_hot_work_job(plant, frozen_clock)
    applicant = Api(plant, "applicant")
    other = applicant.post("/permits", json=hot_work_application(
        plant, start=frozen_clock.now() + timedelta(hours=2))).json
    applicant.post(f"/permits/{other['id']}/cancel", json={"reason": "计划变更"})
    safety = Api(plant, "safety_dept")
    r = safety.get("/analytics/compliance", group_by="contractor")
    assert r.status == 200, r.json
    totals = r.json["totals"]
    assert totals["permits"] == 2
    assert totals["rate"] == 100.0 and totals["closed_on_time"] == 1
    assert totals["on_time_rate"] == 100.0
    firms = {g["label"]: g for g in r.json["groups"]}
    assert firms["华安检修公司"]["permits"] == 1  # the contractor welder did the job
    assert r.json["most_skipped"] == []
    by_type = safety.get("/analytics/compliance", group_by="type").json["groups"]
    assert [g["key"] for g in by_type] == ["hot_work"]
    month = safety.get("/analytics/compliance", group_by="month").json["groups"]
    assert [g["label"] for g in month] == ["2026-06"]
    assert permit["number"]


def test_rates_match_a_pandas_recomputation(plant):
    rng = np.random.default_rng(7)
    with plant.app_context():
        session = db.session
        applicant = session.execute(select(Person).where(Person.username == "applicant")
                                    ).scalar_one()
        from processes.models import Area, Organization

        areas = session.execute(select(Area)).scalars().all()
        firm = session.execute(select(Organization.id).where(
            Organization.kind == "contractor").order_by(Organization.id).limit(1)).scalar_one()
        pid = synthetic.next_id(session, synthetic.Permit.id)
        permits, snaps, misses = [], [], []
        for i in range(600):
            area = areas[i % len(areas)]
            start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=int(rng.integers(0, 24 * 150)))
            kind = ["hot_work", "confined_space", "lifting"][i % 3]
            status = str(rng.choice(["closed", "closed", "closed", "expired", "cancelled"]))
            contractor = firm if i % 4 == 0 else None
            permits.append(synthetic.permit_row(
                pid, number=f"S-{pid}", type=kind, site_code=area.site_code, area_id=area.id,
                lat=area.center_lat, lon=area.center_lon, start=start,
                end=start + timedelta(hours=4), applicant_id=applicant.id,
                watcher_id=applicant.id, status=status, tz="Asia/Shanghai",
                contractor_id=contractor))
            required = 7
            executed = required - int(rng.binomial(2, 0.3))
            on_time = None if status == "cancelled" else (
                0 if status == "expired" else int(rng.random() < 0.8))
            snaps.append({"permit_id": pid, "site_code": area.site_code, "type": kind,
                          "contractor_id": contractor,
                          "local_month": int(start.astimezone(synthetic.slots.zone(
                              "Asia/Shanghai")).strftime("%Y%m")),
                          "planned_start": start, "status": status, "required": required,
                          "executed": executed, "on_time": on_time, "computed_at": start})
            for node in ["gas_test", "watcher_sign_in"][:required - executed]:
                misses.append({"permit_id": pid, "node": node, "type": kind,
                               "site_code": area.site_code,
                               "local_month": snaps[-1]["local_month"]})
            pid += 1
        synthetic.insert_permits(session, permits)
        synthetic.insert_snapshots(session, snaps)
        synthetic.insert_misses(session, misses)
        session.commit()
        df = pd.DataFrame(snaps)
        for group_by, column in [("type", "type"), ("site", "site_code"),
                                 ("month", "local_month")]:
            got = {r["key"]: r for r in compliance.rates(session, group_by,
                                                         compliance.Filters())}
            for key, part in df.groupby(column):
                row = got[key]
                assert row["permits"] == len(part)
                assert row["rate"] == pytest.approx(
                    round(100 * part.executed.sum() / part.required.sum(), 1))
                assert row["mean_rate"] == pytest.approx(
                    round((100 * part.executed / part.required).mean(), 1))
                counted = part.on_time.dropna()
                assert row["closed_counted"] == len(counted)
                assert row["closed_on_time"] == int(counted.sum())
        skipped = compliance.most_skipped(session, compliance.Filters(type="hot_work"))
        mdf = pd.DataFrame(misses)
        expect = mdf[mdf.type == "hot_work"].groupby("node").size().sort_values(ascending=False)
        assert [(s["node"], s["skipped"]) for s in skipped] == list(expect.items())
        firm_only = compliance.totals(session, compliance.Filters(contractor=firm))
        assert firm_only["permits"] == int((df.contractor_id == firm).sum())
        db.session.remove()


def test_certificate_lapses_and_missed_warnings(plant, frozen_clock):
    safety = Api(plant, "safety_dept")
    welder = person_id(plant, "杨帆（焊工）")
    # put on record only now, a certificate that already lapsed on 20 May: nobody was warned
    r = safety.post(f"/people/{welder}/certificates", json={
        "type_code": "brazing", "number": "LATE-0001", "issued_on": "2024-05-20",
        "expires_on": "2026-05-20"})
    assert r.status == 201, r.json
    dash = safety.get("/analytics/compliance", start="2020-01-01", end="2026-06-30").json
    lapses = {c["number"]: c for c in dash["certificates"]["items"]}
    assert lapses["LATE-0001"]["warned"] is False
    assert lapses["T320101199002023456"]["warned"] is True  # seeded long before it lapsed
    assert dash["certificates"]["warnings_missed"] == 1
    # once the plant sends certificate alerts, only an alert before the lapse counts
    with plant.app_context():
        db.session.add(Notification(kind="certificate.expiring", title="证书即将到期",
                                    data={"certificate_id": lapses["LATE-0001"][
                                        "certificate_id"]},
                                    created_at=datetime(2026, 3, 1, tzinfo=UTC)))
        db.session.commit()
    dash = safety.get("/analytics/compliance", start="2020-01-01", end="2026-06-30").json
    lapses = {c["number"]: c for c in dash["certificates"]["items"]}
    assert lapses["LATE-0001"]["warned_by"] == "notification"
    assert lapses["T320101199002023456"]["warned"] is False
    assert date.fromisoformat(lapses["T320101199002023456"]["lapsed_on"]) < date(2026, 3, 1)


def test_group_by_is_checked_and_scope_is_enforced(plant):
    safety = Api(plant, "safety_dept")
    r = safety.get("/analytics/compliance", group_by="weather")
    assert r.status == 422 and "group_by" in r.json["errors"]
    assert safety.get("/analytics/compliance", site="NJ1").status == 403
    assert Api(plant, "applicant").get("/analytics/compliance").status == 403
    assert Api(plant, "admin").get("/analytics/compliance", site="NJ1").status == 200
    r = safety.get("/analytics/compliance", start="2026-06-01", end="2026-05-01")
    assert r.status == 422 and "end" in r.json["errors"]
