"""Applying for any deployed permit type from a phone, on one page.

The shared fields (where, what, when, who) are the same for every type; the type's own
fields are rendered and read back from its API schema (see :mod:`.apply_fields`). The
posted form becomes the same body the API takes and is loaded with the API's marshmallow
schemas, so the input rules live in one place; the domain and the credential check then
say what is wrong, and every message lands next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError
from marshmallow.validate import OneOf
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine import ProcessDefinition, StepRefused, clock, conflicts, db
from processes import catalog, certificates, permits, roster
from processes.errors import NotAllowed, ValidationFailed
from processes.models import Person
from processes.types import rules_for

from .. import get_engine
from ..api.permit_fields import TYPE_FIELDS, HotWorkFields
from ..api.schemas import PermitApplication
from ..errors import audit_refusal
from . import apply_fields, bp, labels
from .auth import me
from .form_errors import TOP, flatten, longest_prefix, place
from .schema_form import from_local_input

#: form inputs that carry an application field of the same name
PLAIN = ("description", "planned_start", "planned_end", "workers", "watcher",
         "related_permits")


def method_choices() -> list[str]:
    """The hot-work methods the schema accepts (the schema is the one source)."""
    for validator in HotWorkFields().fields["method"].validators:
        if isinstance(validator, OneOf):
            return [str(c) for c in validator.choices]
    return []


def _number(text: str | None, *, integer: bool = False) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text) if integer else float(text)
    except ValueError:
        return text  # the schema says what is wrong with it


def deployed_types() -> list[catalog.PermitType]:
    """The catalogue's types that have a deployed process, in catalogue order."""
    keys = set(db.session.execute(select(ProcessDefinition.key).distinct()).scalars())
    return [t for key, t in catalog.permit_types().items()
            if key in keys and key in TYPE_FIELDS]


def _span(hours: float) -> str:
    if hours >= 48 and hours % 24 == 0:
        return _("%(h)s 小时（%(d)s 天）", h=f"{hours:g}", d=f"{hours / 24:g}")
    return _("%(h)s 小时", h=f"{hours:g}")


def validity_text(kind: str) -> str:
    """How long a permit of this type may be valid, and whether the standard or the plant
    says so (hot work: by grade)."""
    basis = rules_for(kind).validity_basis()
    hours = basis.get("hours")
    if basis.get("hours_by_grade"):
        span = "、".join(f"{labels.label('grade', grade)} {_span(h)}"
                         for grade, h in basis["hours_by_grade"].items())
    elif hours:
        span = _span(hours)
    else:
        return ""
    if basis.get("basis") == "plant_setting":
        return _("有效期：厂规设置 %(span)s（标准未规定）", span=span)
    return _("有效期：不超过 %(span)s（GB 30871-2022 %(clause)s）", span=span,
             clause=basis.get("clause") or "")


def application_body(form: MultiDict[str, str], zone: ZoneInfo,
                     kind: str = "hot_work") -> dict[str, Any]:
    """The posted form as the API's application body; blanks are left out."""
    site, _sep, area_code = (form.get("area") or "").partition("|")
    body: dict[str, Any] = {"type": kind, "site": site, "area_code": area_code}
    location = {k: _number(form.get(k)) for k in ("lat", "lon")}
    body["location"] = {k: v for k, v in location.items() if v is not None}
    description = (form.get("description") or "").strip()
    if description:
        body["description"] = description
    for key in ("planned_start", "planned_end"):
        if (form.get(key) or "").strip():
            body[key] = from_local_input(form[key].strip(), zone)
    body["workers"] = [_number(v, integer=True) for v in form.getlist("workers") if v.strip()]
    watcher = _number(form.get("watcher"), integer=True)
    if watcher is not None:
        body["watcher"] = watcher
    body["related_permits"] = [s for s in re.split(r"[,，;；\s]+",
                                                  form.get("related_permits") or "") if s]
    body["fields"] = apply_fields.parse(TYPE_FIELDS[kind], form)
    return body


def field_resolver(worker_ids: list[Any], field_paths: list[str] | None = None
                   ) -> Callable[[str], str | None]:
    """Error path → the form field (or worker row, ``worker:<id>``) that shows it;
    ``fields.…`` paths go to the deepest type input they name (``cranes.0.name``)."""
    deepest = longest_prefix(field_paths or [])

    def resolve(path: str) -> str | None:
        head, _sep, rest = path.partition(".")
        if head == "fields":
            return deepest(rest) or rest.split(".")[0] or None
        if head in ("site", "area_code"):
            return "area"
        if head == "location":
            return "location"
        if head == "workers" and rest.split(".")[0].isdigit():
            index = int(rest.split(".")[0])
            if index < len(worker_ids) and isinstance(worker_ids[index], int):
                return f"worker:{worker_ids[index]}"
            return "workers"
        if head in PLAIN:
            return head
        return None

    return resolve


def _default_form(zone: ZoneInfo) -> dict[str, Any]:
    local_now = clock.now().astimezone(zone)
    start = (local_now + timedelta(minutes=30)).replace(second=0, microsecond=0)
    start += timedelta(minutes=(10 - start.minute % 10) % 10)
    end = start + timedelta(hours=4)
    return {"planned_start": start.strftime("%Y-%m-%dT%H:%M"),
            "planned_end": end.strftime("%Y-%m-%dT%H:%M"), "workers": []}


def _people_view(people: list[Person], kind: str) -> list[dict[str, Any]]:
    """People with their certificates' status colours, certificate holders first."""
    today = clock.now().date()
    rows = []
    for person in people:
        certs = [{"name": c.type.name_zh, "number": c.number,
                  "colour": certificates.status_of(c, today).colour}
                 for c in person.certificates]
        watcher = any(certificates.authorizes(c.type, kind, "watcher", None)
                      for c in person.certificates)
        rows.append({"id": person.id, "name": person.name, "certs": certs,
                     "is_watcher": watcher, "holds": bool(certs)})
    rows.sort(key=lambda r: (not r["holds"], r["name"]))
    return rows


def _all_input_errors(exc: ValidationError, body: dict[str, Any]) -> dict[str, list[str]]:
    """Every input error at once: the application schema checks the type's fields only
    when the shared fields are valid, so check them here too rather than in a second round.
    """
    errors = flatten(exc.messages)
    if not any(path.startswith("fields") for path in errors):
        try:
            TYPE_FIELDS[body["type"]]().load(body.get("fields") or {})
        except ValidationError as fields_exc:
            errors.update(flatten(fields_exc.messages, "fields"))
    return errors


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _render(kind: str, form: dict[str, Any], values: dict[str, Any] | None,
            errors: dict[str, list[str]], status: int) -> Any:
    person = me()
    areas = roster.areas(db.session, person.site_code)
    people = _people_view(roster.site_people(db.session, person.site_code), kind)
    if not form.get("area") and areas:
        first = areas[0]
        form.setdefault("area", f"{first.site_code}|{first.code}")
        form.setdefault("lat", _rounded(first.center_lat))
        form.setdefault("lon", _rounded(first.center_lon))
    ptype = catalog.permit_types()[kind]
    return render_template(
        "permit_apply.html", kind=kind, ptype=ptype, validity=validity_text(kind),
        type_fields=apply_fields.widgets(TYPE_FIELDS[kind], values),
        row_slot=apply_fields.ROW_SLOT, form=form, errors=errors, areas=areas,
        sites=roster.sites(db.session), people=people,
        watchers=sorted(people, key=lambda r: (not r["is_watcher"], r["name"])),
        worker_ids=[int(w) for w in form.get("workers") or []
                                              if str(w).isdigit()]), status


def _offered(kind: str) -> None:
    """404 unless the type is in the catalogue and deployed; 403 for non-applicants."""
    if kind not in TYPE_FIELDS or kind not in {t.key for t in deployed_types()}:
        abort(404)
    if not me().has_role("applicant"):
        raise NotAllowed("only applicants may apply for permits")


@bp.get("/permits/new/<kind>")
@login_required
def apply_form(kind: str) -> Any:
    _offered(kind)
    zone = ZoneInfo(roster.timezone_of(db.session, me().site_code))
    return _render(kind, _default_form(zone), None, {}, 200)


@bp.post("/permits/new/<kind>")
@login_required
def apply_submit(kind: str) -> Any:
    _offered(kind)
    person = me()
    raw = request.form
    site = (raw.get("area") or "").partition("|")[0]
    zone = ZoneInfo(roster.timezone_of(db.session, site or person.site_code))
    body = application_body(raw, zone, kind)
    form = {**raw.to_dict(), "workers": raw.getlist("workers")}
    values = body["fields"]
    resolve = field_resolver(body["workers"], apply_fields.paths(
        apply_fields.widgets(TYPE_FIELDS[kind], values)))
    try:
        loaded = PermitApplication().load(body)
        application = permits.Application(
            type=loaded["type"], site=loaded["site"], area_code=loaded["area_code"],
            lat=loaded["location"]["lat"], lon=loaded["location"]["lon"],
            description=loaded["description"], planned_start=loaded["planned_start"],
            planned_end=loaded["planned_end"], workers=loaded["workers"],
            watcher=loaded["watcher"], related_permits=loaded["related_permits"],
            fields=loaded["fields"])
        permit = permits.apply(db.session, get_engine(), application, applicant=person)
        # what the answer needs, read before the commit: afterwards nothing may fail
        number, permit_id = permit.number, permit.id
        conflicts.commit(db.session)
    except ValidationError as exc:
        db.session.rollback()
        return _render(kind, form, values, place(_all_input_errors(exc, body), resolve), 422)
    except ValidationFailed as exc:
        db.session.rollback()
        return _render(kind, form, values, place(exc.errors, resolve), 422)
    except StepRefused as exc:
        db.session.rollback()
        audit_refusal(exc)
        errors = place(exc.errors, resolve)
        # on a phone the worker's row may be far down: say it at the top as well
        summary = [m for path, texts in sorted(errors.items()) if path != TOP for m in texts]
        errors[TOP] = [_("申请未通过系统核验："), *summary, *errors.get(TOP, [])]
        return _render(kind, form, values, errors, 422)
    flash(_("已提交作业票 %(number)s", number=number), "success")
    return redirect(url_for("pages.permit_detail", permit_id=permit_id))

