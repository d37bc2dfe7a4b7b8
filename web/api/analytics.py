"""Analytics API: risk heatmap and plant map, compliance dashboard, people analytics.

Scope: a person tied to a site sees that site only; a contractor admin sees only their
firm's jobs; admins and the safety director see every site.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine import clock, db
from processes.analytics import compliance, heatmap, people, snapshots
from processes.errors import NotAllowed
from processes.models import Person

from ..auth import api_login_required, current_person
from . import bp, load

VIEWERS = ("safety_dept", "safety_director", "plant_leader", "unit_approver", "specialist",
           "team_leader", "contractor_admin", "admin")
#: finished permits snapshotted per request before the dashboard aggregates (the report
#: job refreshes everything); keeps a GET bounded
REFRESH_PER_REQUEST = 2000


class PeriodQuery(Schema):
    site = fields.String(load_default=None, validate=validate.Length(max=20))
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)
    contractor = fields.Integer(load_default=None)
    type = fields.String(load_default=None, validate=validate.Length(max=40))

    @validates_schema
    def ordered(self, data, **kwargs):  # type: ignore[no-untyped-def]
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("must not be before start", "end")


class HeatmapQuery(PeriodQuery):
    by = fields.String(load_default="slot", validate=validate.Length(max=40))
    area = fields.Integer(load_default=None)
    kinds = fields.String(load_default="incident,near_miss")


class ComplianceQuery(PeriodQuery):
    group_by = fields.String(load_default="month", validate=validate.OneOf(compliance.GROUPS))


def viewer() -> Person:
    person = current_person()
    assert person is not None
    if not person.has_role(*VIEWERS):
        raise NotAllowed("analytics are for the safety department, leaders and admins")
    return person


def scoped(person: Person, args: dict[str, Any]) -> dict[str, Any]:
    """Narrow the filters to what the caller may see."""
    if person.has_role("admin", "safety_director"):
        return args
    if person.has_role("contractor_admin"):
        if person.organization_id is None:
            raise NotAllowed("your account belongs to no contractor firm")
        if args.get("contractor") not in (None, person.organization_id):
            raise NotAllowed("you may only see your own firm's jobs")
        args["contractor"] = person.organization_id
    if person.site_code:
        if args.get("site") not in (None, person.site_code):
            raise NotAllowed("you may only see your own site")
        args["site"] = person.site_code
    return args


def heatmap_filters(args: dict[str, Any]) -> heatmap.Filters:
    kinds = tuple(k.strip() for k in args["kinds"].split(",") if k.strip())
    bad = [k for k in kinds if k not in ("incident", "near_miss", "equipment_failure")]
    if bad or not kinds:
        raise ValidationError({"kinds": ["incident, near_miss and/or equipment_failure"]})
    return heatmap.Filters(site=args["site"], start=args["start"], end=args["end"],
                           contractor=args["contractor"], type=args["type"],
                           area=args["area"], kinds=kinds,
                           timezone=current_app.config.get("PLANT_TIMEZONE", "Asia/Shanghai"))


@bp.get("/analytics/heatmap")
@api_login_required
def get_heatmap() -> Any:
    """Jobs, incidents, rate and risk ratio (exact Poisson CI) per cell of ``by``."""
    person = viewer()
    args = scoped(person, load(HeatmapQuery(), request.args.to_dict()))
    grid = heatmap.compute(db.session, heatmap_filters(args), args["by"])
    return jsonify(grid.as_dict())


@bp.get("/analytics/heatmap/map")
@api_login_required
def get_heatmap_map() -> Any:
    """Area polygons (GeoJSON) with each area's risk ratio: the Leaflet plant map."""
    person = viewer()
    args = scoped(person, load(HeatmapQuery(), request.args.to_dict()))
    return jsonify(heatmap.area_map(db.session, heatmap_filters(args)))


def compliance_filters(args: dict[str, Any]) -> compliance.Filters:
    return compliance.Filters(site=args["site"], start=args["start"], end=args["end"],
                              contractor=args["contractor"], type=args["type"],
                              timezone=current_app.config.get("PLANT_TIMEZONE",
                                                              "Asia/Shanghai"))


@bp.get("/analytics/compliance")
@api_login_required
def get_compliance() -> Any:
    """Compliance rate by type|site|month|contractor, most-skipped nodes, on-time closing,
    certificate warnings missed."""
    person = viewer()
    args = scoped(person, load(ComplianceQuery(), request.args.to_dict()))
    if snapshots.refresh(db.session, limit=REFRESH_PER_REQUEST):
        db.session.commit()
    data = compliance.dashboard(db.session, compliance_filters(args), args["group_by"],
                                today=clock.now().date())
    return jsonify(data)


@bp.get("/analytics/people")
@api_login_required
def get_people_analytics() -> Any:
    """Worker quality scores, the capability matrix, failure rate vs work density."""
    person = viewer()
    args = scoped(person, load(PeriodQuery(), request.args.to_dict()))
    f = compliance_filters(args)
    return jsonify({
        "quality": people.quality_scores(db.session, site=f.site, start=f.start, end=f.end,
                                         contractor=f.contractor),
        "capability": people.capability_matrix(db.session, site=f.site,
                                               contractor=f.contractor,
                                               today=clock.now().date()),
        "failures_vs_density": people.failures_vs_density(
            db.session, site=f.site, start=f.start, end=f.end,
            timezone=f.timezone)})
