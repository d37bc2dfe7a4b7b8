"""Generated job histories with a planted hot spot, for the analytics tests.

Four weeks of background work cover every (weekday, hour, area) of site SH1 once a week
with an incident on every 51st job (2 %, none in the tiny cluster's slot). On top: 300 hot-work jobs in tank area B-3 on
Fridays 15–16 h with 6 % incidents (3× the base rate), and a tiny cluster — 2 extra
incidents among the 4 jobs of Sunday 03–04 h in T-1 — whose interval clears 1 but which
has far fewer than 20 jobs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from processes.analytics import synthetic
from processes.models import Area, Organization, Person

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, tzinfo=SH)  # a Monday, local time
HOT = {"weekday": 4, "hour": 15, "area": "B-3", "type": "hot_work", "jobs": 300,
       "incidents": 18}
TINY = {"weekday": 6, "hour": 3, "area": "T-1", "incidents": 2}


def generate(session) -> tuple[pd.DataFrame, pd.DataFrame]:
    areas = session.execute(select(Area).where(Area.site_code == "SH1").order_by(Area.code)
                            ).scalars().all()
    applicant = session.execute(select(Person).where(Person.username == "applicant")
                                ).scalar_one()
    watcher = session.execute(select(Person).where(Person.username == "watcher")).scalar_one()
    firm = session.execute(select(Organization).where(Organization.kind == "contractor")
                           ).scalars().first()
    by_code = {a.code: a for a in areas}
    pid, iid = synthetic.next_id(session, synthetic.Permit.id), 1
    jobs, incidents = [], []

    def add_job(start, area, kind, contractor=None, incident=False):
        nonlocal pid, iid
        jobs.append(synthetic.permit_row(
            pid, number=f"T-{pid:07d}", type=kind, site_code="SH1", area_id=area.id,
            lat=area.center_lat, lon=area.center_lon, start=start.astimezone(ZoneInfo("UTC")),
            end=start + timedelta(hours=2), applicant_id=applicant.id, watcher_id=watcher.id,
            status="closed", tz="Asia/Shanghai", contractor_id=contractor,
            closed_at=start + timedelta(hours=1)))
        if incident:
            incidents.append(synthetic.incident_row(
                iid, occurred_at=start + timedelta(minutes=5), site_code="SH1",
                area_id=area.id, kind="incident" if iid % 3 else "near_miss",
                tz="Asia/Shanghai", permit_id=pid, work_type=kind, contractor_id=contractor))
            iid += 1
        pid += 1

    k = 0
    for week in range(4):
        for day in range(7):
            for hour in range(24):
                for a, area in enumerate(areas):
                    start = MONDAY + timedelta(days=7 * week + day, hours=hour, minutes=10)
                    kind = "hot_work" if (week + a) % 2 == 0 else "work_at_height"
                    add_job(start, area, kind, contractor=firm.id if a == 3 else None,
                            incident=k % 51 == 7
                            and (day, hour) != (TINY["weekday"], TINY["hour"]))
                    k += 1
    hot_area = by_code[HOT["area"]]
    every = HOT["jobs"] // HOT["incidents"]
    for j in range(HOT["jobs"]):
        start = MONDAY + timedelta(days=7 * (j % 4) + HOT["weekday"], hours=HOT["hour"],
                                   minutes=j % 50)
        add_job(start, hot_area, HOT["type"], incident=j % every == 0
                and j // every < HOT["incidents"])
    tiny_area = by_code[TINY["area"]]
    for n in range(TINY["incidents"]):
        incidents.append(synthetic.incident_row(
            iid, occurred_at=MONDAY + timedelta(days=TINY["weekday"], hours=TINY["hour"],
                                                minutes=30 + n),
            site_code="SH1", area_id=tiny_area.id, kind="near_miss", tz="Asia/Shanghai",
            work_type="work_at_height"))
        iid += 1
    synthetic.insert_permits(session, jobs)
    synthetic.insert_incidents(session, incidents)
    session.commit()
    jdf = pd.DataFrame(jobs)[["id", "planned_start", "area_id", "type", "contractor_id"]]
    idf = pd.DataFrame(incidents)[["id", "occurred_at", "area_id", "work_type", "kind",
                                   "contractor_id"]]
    return jdf, idf
