"""The authorization matrix: every OpenAPI operation × every role × same site / other site /
other firm, the expected answer worked out from the policy table's grants.

A refused cell is sent for real (bearer token, a body that names the site-A object) and must
answer 403 (404 where the table hides the object) with nothing written. An allowed cell must
pass the policy's decision for that very object — the view is not run, so an allowed
cancel does not cancel the permit the next cells are about. The test fails for an
operation of the OpenAPI document or a route of the app that the table does not cover.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import AuditEvent, HumanTask, Incident, clock, db
from processes import scope
from processes.models import (
    AccessCode,
    Certificate,
    CertificateAlert,
    Equipment,
    Organization,
    Permit,
    PermitHold,
    Person,
    ReportJob,
    SafetyIncident,
    SignIn,
)
from processes.people import ROLES
from processes.tasks import BOUND_LANES
from tests.api import Api, hot_work_application, person_id
from web.auth import ApiToken
from web.policy import decide, operation_key, table

VARIANTS = ("same_site", "other_site", "other_firm")
SITE_A, SITE_B = "SH1", "NJ1"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def openapi_operations(app) -> list[tuple[str, str]]:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    return [(method.upper(), "/api/v1" + path) for path, item in doc["paths"].items()
            for method in item if method in ("get", "post", "put", "patch", "delete")]


def table_key(method: str, openapi_path: str) -> str | None:
    """The table's key for an OpenAPI operation (parameter names may differ)."""
    shape = _shape(openapi_path)
    found = [k for k in table() if k.split(" ", 1)[0] == method
             and _shape(k.split(" ", 1)[1]) == shape]
    return found[0] if len(found) == 1 else None


def test_every_openapi_operation_and_every_route_is_in_the_table(app):
    missing = [f"{m} {p}" for m, p in openapi_operations(app) if table_key(m, p) is None]
    assert missing == []
    routes = {operation_key(m, r.rule) for r in app.url_map.iter_rules()
              if r.endpoint != "static" for m in r.methods - {"HEAD", "OPTIONS"}}
    assert sorted(routes - set(table())) == []
    assert sorted(set(table()) - routes) == [], "the table names routes that do not exist"


def _token(person: Person) -> str:
    token = secrets.token_urlsafe(24)
    now = clock.now()
    db.session.add(ApiToken(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                            person_id=person.id, created_at=now,
                            expires_at=now + timedelta(hours=2)))
    return token


@pytest.fixture()
def world(plant, frozen_clock):
    """Objects at site A belonging to firm A, and for every role one person at site A of
    firm A, one at site B, and one at site A of another firm."""
    start = frozen_clock.now() + timedelta(minutes=30)
    with plant.app_context():  # the contractor's welder comes in on an access code
        code = AccessCode(nonce=secrets.token_hex(8), person_id=person_id(plant, "马超（承包商焊工）"),
                          scope="检修", permit_types=["hot_work"],
                          issued_by=person_id(plant, "admin"), issued_at=clock.now(),
                          expires_at=clock.now() + timedelta(hours=48))
        db.session.add(code)
        db.session.commit()
        code_id = code.id
    applicant = Api(plant, "applicant")
    body = hot_work_application(plant, start=start, workers=("张伟（焊工）", "马超（承包商焊工）"))
    r = applicant.post("/permits", json=body)
    assert r.status == 201, r.json
    with plant.app_context():
        firm_a = db.session.execute(select(Organization).where(
            Organization.name == "华安检修公司")).scalar_one()
        firm_b = db.session.execute(select(Organization).where(
            Organization.name == "宏达防腐工程公司")).scalar_one()
        permit = db.session.get(Permit, r.json["id"])
        task = db.session.execute(select(HumanTask).where(
            HumanTask.instance_id == permit.instance_id, HumanTask.status == "open")
        ).scalars().first()
        worker = db.session.get(Person, person_id(plant, "马超（承包商焊工）"))
        cert = db.session.execute(select(Certificate).where(
            Certificate.person_id == worker.id)).scalars().first()
        job = ReportJob(kind="quarterly", params={"site": SITE_A}, status="done",
                        requested_by=person_id(plant, "admin"), created_at=clock.now())
        incident = SafetyIncident(occurred_at=clock.now(), site_code=SITE_A,
                                  area_id=permit.area_id, kind="near_miss", category="other",
                                  severity=1, local_weekday=0, local_hour=10,
                                  description="演练", created_at=clock.now())
        alert = CertificateAlert(certificate_id=cert.id, person_id=worker.id, level="yellow",
                                 reason="review_due", due_on=clock.now().date(),
                                 created_at=clock.now())
        failure = Incident(instance_id=permit.instance_id, task_id=task.id, bpmn_id="check",
                           operator="credentials.check", error="演练", status="open",
                           created_at=clock.now())
        sign_in = SignIn(permit_id=permit.id, person_id=permit.watcher_id,
                         method="confirmation", signed_at=clock.now())
        hold = PermitHold(permit_id=permit.id, kind="fatigue", blocks="application",
                          reason="演练", created_at=clock.now())
        db.session.add_all([job, incident, alert, failure, sign_in, hold])
        db.session.flush()
        equipment = db.session.execute(select(Equipment).where(
            Equipment.site_code == SITE_A)).scalars().first()
        actors: dict[tuple[str, str], tuple[Person, str]] = {}
        for role in ROLES:
            for variant in VARIANTS:
                site = SITE_B if variant == "other_site" else SITE_A
                org = firm_b.id if variant == "other_firm" else (
                    None if variant == "other_site" else firm_a.id)
                person = Person(name=f"{role}-{variant}", username=f"m-{role}-{variant}",
                                roles=[role], site_code=site, organization_id=org,
                                created_at=clock.now())
                db.session.add(person)
                db.session.flush()
                actors[(role, variant)] = (person.id, _token(person))
        db.session.commit()
        ids = {"permit_id": permit.id, "task_id": task.id, "instance_id": permit.instance_id,
               "person_id": worker.id, "cert_id": cert.id, "code_id": code_id,
               "equipment_id": equipment.id, "job_id": job.id, "sign_in_id": sign_in.id,
               "hold_id": hold.id, "alert_id": alert.id, "delivery_id": 999_999,
               "message_id": 999_999,
               "key": "hot_work", "version": 1, "name": "hot_work_grade", "step": task.bpmn_id,
               "item": "ventilation", "upload_id": "0" * 64, "code": "x", "kind": "hot_work"}
        objects = {"safety_incident": incident.id, "incident": failure.id}
        lane = task.lane
    return {"app": plant, "ids": ids, "objects": objects, "actors": actors, "lane": lane,
            "firm_a": firm_a.id, "worker": worker.id}


def _args(key: str, world: dict[str, Any], openapi_path: str) -> dict[str, Any]:
    path = key.split(" ", 1)[1]
    args = {}
    for name in re.findall(r"\{([^}]+)\}", path):
        if name == "incident_id":
            kind = "safety_incident" if "safety-incidents" in path else "incident"
            args[name] = world["objects"][kind]
        else:
            args[name] = world["ids"][name]
    return args


def _body(key: str, world: dict[str, Any]) -> dict[str, Any]:
    """A body that places a new object at site A / firm A / for site A's worker."""
    return {"site": SITE_A, "site_code": SITE_A, "organization_id": world["firm_a"],
            "person_id": world["worker"]}


def expected(rule, role: str, variant: str, world: dict[str, Any]) -> bool:
    """Worked out from the grants, independently of the resolver: the target is site A and
    firm A; the test's people own nothing; a task is theirs when it is their lane's."""
    wide = role in scope.plant_wide_roles()
    for grant in rule.grants:
        if "*" not in grant.roles and role not in grant.roles:
            continue
        if grant.scope in ("public", "plant"):
            return True
        if grant.scope == "site" and (wide or variant != "other_site"):
            return True
        if grant.scope == "firm" and variant == "same_site":
            return True
        if grant.scope == "assignee" and role == world["lane"] \
                and world["lane"] not in BOUND_LANES and (wide or variant != "other_site"):
            return True  # a bound lane (the applicant's, the watcher's step) is one person's
    return False


def _fingerprint() -> tuple[int, ...]:
    return (db.session.execute(select(func.count(AuditEvent.id))).scalar_one(),
            db.session.execute(select(func.count(Permit.id))).scalar_one(),
            db.session.execute(select(func.count(Person.id))).scalar_one())


def _audit_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(AuditEvent.id))).scalar_one()


def test_authorization_matrix(world):
    app = world["app"]
    client = app.test_client()
    cells = refused = 0
    wrong: list[str] = []
    started = time.perf_counter()
    with app.app_context():
        before_all = _fingerprint()
    for method, openapi_path in openapi_operations(app):
        key = table_key(method, openapi_path)
        rule = table()[key]
        if rule.public:
            continue
        args = _args(key, world, openapi_path)
        url = "/".join(str(args.get(seg[1:-1], seg)) if seg.startswith("{") else seg
                       for seg in key.split(" ", 1)[1].split("/"))
        for role in ROLES:
            for variant in VARIANTS:
                cells += 1
                pid, token = world["actors"][(role, variant)]
                if expected(rule, role, variant, world):
                    with app.test_request_context(url, method=method):
                        try:
                            decide(db.session.get(Person, pid), rule, args, _body(key, world))
                        except Exception as exc:
                            wrong.append(f"{key} {role}/{variant}: expected allowed, "
                                         f"policy said {exc!r}")
                    continue
                refused += 1
                before = _audit_count(app)
                r = client.open(url, method=method, json=_body(key, world),
                                headers={"Authorization": f"Bearer {token}"})
                want = 404 if rule.hide else 403
                if r.status_code != want:
                    wrong.append(f"{key} {role}/{variant}: expected {want}, "
                                 f"got {r.status_code} {r.get_data(as_text=True)[:120]}")
                if _audit_count(app) != before:
                    wrong.append(f"{key} {role}/{variant}: refused but wrote audit events")
    with app.app_context():
        assert _fingerprint() == before_all
    elapsed = time.perf_counter() - started
    print(f"\nauthorization matrix: {cells} cells ({refused} refused for real), "
          f"{elapsed:.1f} s")
    assert wrong == [], "\n".join(wrong[:60]) + f"\n… {len(wrong)} in all"
