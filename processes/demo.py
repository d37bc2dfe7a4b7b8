"""A demo plant: three sites, areas with real coordinates, one user per role, certificates.

Used by ``permitflow seed-demo`` and by tests; idempotent (running it twice changes
nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from . import geo, people
from .models import Area, Certificate, CertificateType, Organization, Person, Site

SITES = [
    ("SH1", "华东一厂（上海金山）", "Asia/Shanghai"),
    ("NJ1", "华东二厂（南京江北）", "Asia/Shanghai"),
    ("XJ1", "西北厂（新疆独山子）", "Asia/Shanghai"),
]


def _box(lat: float, lon: float, dlat: float = 0.0012, dlon: float = 0.0016) -> dict[str, Any]:
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat],
            [lon - dlon, lat + dlat], [lon - dlon, lat - dlat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


#: (site, code, name, hazard class, centre lat, centre lon, pipe rack, tank-farm dike)
AREAS = [
    ("SH1", "B-3", "B-3 罐区（甲类储罐）", "fire_explosion", 30.7262, 121.3361, False, True),
    ("SH1", "U-1", "U-1 乙烯装置", "fire_explosion", 30.7290, 121.3402, False, False),
    ("SH1", "PR-1", "PR-1 1号管廊", "fire_explosion", 30.7275, 121.3440, True, False),
    ("SH1", "W-1", "W-1 机修车间", "general", 30.7240, 121.3420, False, False),
    ("SH1", "T-1", "T-1 液氯库", "toxic", 30.7310, 121.3370, False, False),
    ("NJ1", "A-2", "A-2 芳烃装置", "fire_explosion", 32.2655, 118.7520, False, False),
    ("NJ1", "W-2", "W-2 维修车间", "general", 32.2630, 118.7560, False, False),
    ("XJ1", "C-5", "C-5 炼油装置", "fire_explosion", 44.3290, 84.8850, False, False),
]

#: demo users, one per role of design §5 (username = role key)
USERS = [
    ("applicant", "王建国（作业负责人）", ["applicant"], "SH1", "维修一班"),
    ("watcher", "李秀英（监护人）", ["watcher"], "SH1", "维修一班"),
    ("team_leader", "赵磊（班组长）", ["team_leader"], "SH1", "维修一班"),
    ("unit_approver", "陈刚（基层单位负责人）", ["unit_approver"], "SH1", "乙烯车间"),
    ("specialist", "周敏（专业部门）", ["specialist"], "SH1", "设备管理部"),
    ("safety_dept", "孙强（安全管理部门）", ["safety_dept"], "SH1", "安全环保部"),
    ("plant_leader", "吴志华（主管厂长）", ["plant_leader"], "SH1", "厂领导"),
    ("power_supplier", "郑海（配送电单位）", ["power_supplier"], "SH1", "电气车间"),
    ("safety_director", "冯丽（安全总监）", ["safety_director"], None, "安全环保部"),
    ("contractor_admin", "何平（承包商管理员）", ["contractor_admin"], "SH1", "华安检修公司"),
    ("designer", "蒋涛（流程设计）", ["designer"], None, "安全环保部"),
    ("admin", "系统管理员", ["admin"], None, "信息中心"),
]

ORGS = [
    ("维修一班", "team"), ("乙烯车间", "unit"), ("设备管理部", "department"),
    ("安全环保部", "department"), ("厂领导", "department"), ("电气车间", "unit"),
    ("信息中心", "department"), ("华安检修公司", "contractor"),
]

#: (name, employee no, org, [(cert type, number, issued years ago, state)])
#: state: ok | expired | yellow | review_missed
WORKERS = [
    ("张伟（焊工）", "W1001", "维修一班", [("welding_cutting", "T320101198801011234", 2, "ok")]),
    ("刘洋（焊工）", "W1002", "维修一班", [("welding_cutting", "T320101199002023456", 7, "expired")]),
    ("杨帆（焊工）", "W1003", "维修一班", [("welding_cutting", "T320101199203034567", 3, "yellow")]),
    ("黄勇（电工）", "W1004", "电气车间", [("electrician_lv", "T320101198504045678", 1, "ok")]),
    ("徐静（高处）", "W1005", "维修一班", [("height_work", "T320101199305056789", 1, "ok")]),
    ("马超（承包商焊工）", "C2001", "华安检修公司", [("welding_cutting", "T440101199106067890", 1, "ok")]),
    # hazardous-chemical operation: confined-space entry and line blinding
    ("钱进（危化作业）", "W1006", "维修一班", [("hazchem_ops", "T320101199007077891", 1, "ok")]),
    ("孙浩（危化作业）", "W1007", "维修一班", [("hazchem_ops", "T320101199108088902", 2, "ok")]),
    ("吴迪（危化作业）", "W1008", "维修一班", [("hazchem_ops", "T320101198909099013", 7, "expired")]),
]


def _cert_dates(years_ago: int, state: str, validity: int, review: int, today: date
                ) -> tuple[date, date, date | None]:
    if state == "expired":
        issued = today - timedelta(days=365 * validity + 30)
    elif state == "yellow":
        issued = today - timedelta(days=365 * review - 60)
    elif state == "review_missed":
        issued = today - timedelta(days=365 * review + 10)
    else:
        issued = today - timedelta(days=365 * years_ago)
    expires = people._add_years(issued, validity)
    review_due = min(people._add_years(issued, review), expires) if review else None
    if state == "ok" and review_due is not None and review_due <= today + timedelta(days=120):
        review_due = people._add_years(review_due, review)  # the last review was passed
    return issued, expires, review_due


def seed(session: Session, *, password_hash: Callable[[str], str], password: str = "demo"
         ) -> dict[str, int]:
    today = clock.now().date()
    people.sync_certificate_types(session)
    for code, name, tz in SITES:
        if session.get(Site, code) is None:
            session.add(Site(code=code, name=name, timezone=tz))
    session.flush()
    for site, code, name, hazard, lat, lon, rack, dike in AREAS:
        exists = session.execute(select(Area.id).where(Area.site_code == site,
                                                       Area.code == code)).first()
        if exists is None:
            polygon = _box(lat, lon)
            clat, clon = geo.polygon_center(polygon)
            session.add(Area(site_code=site, code=code, name=name, hazard_class=hazard,
                             polygon=polygon, center_lat=clat, center_lon=clon,
                             is_pipe_rack=rack, is_tank_farm_dike=dike))
    orgs: dict[str, Organization] = {}
    for name, kind in ORGS:
        org = session.execute(select(Organization).where(Organization.name == name)
                              ).scalar_one_or_none()
        if org is None:
            org = Organization(name=name, kind=kind, site_code="SH1")
            session.add(org)
        orgs[name] = org
    session.flush()
    hashed = password_hash(password)
    for username, name, roles, site, org in USERS:
        person = session.execute(select(Person).where(Person.username == username)
                                 ).scalar_one_or_none()
        if person is None:
            session.add(Person(name=name, username=username, password_hash=hashed, roles=roles,
                               site_code=site, organization_id=orgs[org].id,
                               created_at=clock.now()))
    session.flush()
    types = {t.code: t for t in session.execute(select(CertificateType)).scalars()}
    watcher = session.execute(select(Person).where(Person.username == "watcher")).scalar_one()
    workers_with_watcher = [*WORKERS, (watcher.name, None, None,
                                       [("watcher", "JH-SH1-0001", 1, "ok")])]
    for name, emp, org, certs in workers_with_watcher:
        person = session.execute(select(Person).where(Person.name == name)).scalar_one_or_none()
        if person is None:
            person = Person(name=name, employee_no=emp, roles=[], site_code="SH1",
                            organization_id=orgs[org].id if org else None,
                            created_at=clock.now())
            session.add(person)
            session.flush()
        for type_code, number, years_ago, state in certs:
            if session.execute(select(Certificate.id).where(
                    Certificate.type_code == type_code, Certificate.number == number)).first():
                continue
            ctype = types[type_code]
            issued, expires, review_due = _cert_dates(years_ago, state, ctype.validity_years,
                                                      ctype.review_years, today)
            session.add(Certificate(person_id=person.id, type_code=type_code, number=number,
                                    issued_on=issued, expires_on=expires,
                                    review_due_on=review_due))
    session.flush()
    return {"sites": len(SITES), "areas": len(AREAS), "users": len(USERS),
            "workers": len(WORKERS)}
