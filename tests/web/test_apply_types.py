"""Applying for each of the eight GB 30871 permit types on the one generic phone page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine import db
from tests.api import Api, person_id
from tests.web.conftest import Browser, count_permits, field_block

TYPES = ("hot_work", "confined_space", "blind_plate", "temporary_power", "work_at_height",
         "lifting", "excavation", "road_closure")

CREW = {"hot_work": ("张伟（焊工）",), "confined_space": ("钱进（危化作业）", "孙浩（危化作业）"),
        "blind_plate": ("钱进（危化作业）",), "temporary_power": ("黄勇（电工）",),
        "work_at_height": ("徐静（高处）",), "lifting": ("吴刚（起重司机）",),
        "excavation": ("罗斌（普工）", "梁伟（普工）"), "road_closure": ("罗斌（普工）",)}
AREA = {"confined_space": "U-1", "blind_plate": "U-1"}


def type_fields(app: Any, kind: str) -> list[tuple[str, str]]:
    """Valid type-specific inputs, as the phone posts them (from the scenario tests)."""
    upload = Api(app, "applicant").upload_photo
    return {
        "hot_work": [("method", "gas_cutting"), ("wind_force", "0"), ("outdoor", "1")],
        "confined_space": [("space_name", "T-101 原料罐"), ("original_medium", "粗苯"),
                           ("entry_count_planned", "2"), ("toxic_gases", "H2S"),
                           ("flammable_gases", "CH4")],
        "blind_plate": [("action", "insert"), ("equipment", "P-101 进料泵出口管线"),
                        ("line_id", "P-101-DN100"), ("medium", "苯"), ("temperature_c", "35"),
                        ("pressure_mpa", "0.4"), ("toxic", "1"), ("blind_material", "20#钢"),
                        ("blind_spec", "DN100 PN2.5"), ("drawing_id", "MB-U1-2026-03"),
                        ("blind_number", "MB-07")],
        "temporary_power": [("access_point", "W-1 配电室 2# 柜 QF5"), ("permitted_kw", "20"),
                            ("voltage_v", "380"), ("equipment.0.name", "电焊机"),
                            ("equipment.0.rated_kw", "12"), ("equipment.1.name", "照明"),
                            ("equipment.1.rated_kw", "1"), ("cable_laying", "surface"),
                            ("days", "3")],
        "work_at_height": [("working_height_m", "4"), ("fall_reference", "地面"),
                           ("wind_force", "2"), ("weather", "clear")],
        "lifting": [("load_t", "20"), ("load_description", "换热器管束"),
                    ("rigging_gear", "吊梁、卸扣"), ("cranes.0.name", "QY50汽车吊"),
                    ("cranes.0.rated_capacity_t", "150"),
                    ("riggers", str(person_id(app, "林峰（司索工）"))),
                    ("signal_person", str(person_id(app, "高翔（起重指挥）"))),
                    ("outdoor", "1"), ("wind_force", "3"), ("weather", "cloudy")],
        "excavation": [("depth_m", "1.0"), ("area_m2", "6"), ("method", "digging"),
                       ("sketch", upload())],
        "road_closure": [("road_section", "3号路（乙烯装置东侧）"), ("reason", "横穿道路敷设电缆"),
                         ("affected_units", "乙烯车间"), ("sketch", upload())],
    }[kind]


def form_data(app: Any, kind: str, **overrides: str | None) -> MultiDict[str, str]:
    from processes.models import Area

    code = AREA.get(kind, "W-1")
    with app.app_context():
        row = db.session.execute(select(Area).where(Area.code == code)).scalar_one()
        lat, lon, site = row.center_lat, row.center_lon, row.site_code
    data = MultiDict([
        ("area", f"{site}|{code}"), ("lat", f"{lat:.6f}"), ("lon", f"{lon:.6f}"),
        ("description", "检修作业，按作业票要求进行"),
        ("planned_start", "2026-06-03T10:20"), ("planned_end", "2026-06-03T13:20"),
        ("watcher", str(person_id(app, "watcher"))),
        *[("workers", str(person_id(app, name))) for name in CREW[kind]],
        *type_fields(app, kind)])
    for key, value in overrides.items():
        data.pop(key, None)
        if value is not None:
            data[key] = value
    return data


@pytest.fixture()
def applicant(plant_all) -> Browser:
    return Browser(plant_all, "applicant")


@pytest.mark.parametrize("kind", TYPES)
def test_every_type_has_a_page_with_its_own_fields_and_validity(applicant, kind):
    from web.api.permit_fields import TYPE_FIELDS

    html = applicant.text(f"/permits/new/{kind}")
    assert "有效期：" in html  # the validity and where it comes from
    for name in TYPE_FIELDS[kind]().fields:
        assert f'name="{name}' in html, name  # every schema field has an input
    assert "使用我的位置" in html and 'type="datetime-local"' in html


def test_widgets_follow_the_schema(applicant):
    html = applicant.text("/permits/new/lifting")
    assert "有效期：厂规设置" in html and "标准未规定" in html
    assert 'name="cranes.0.rated_capacity_t"' in html and "data-add-row" in html
    assert 'name="cranes.__i__.name"' in html  # the template row for "add a row"
    assert "高翔（起重指挥）" in field_block(html, "signal_person")  # a select of people
    assert 'type="number" id="load_t"' in html and 'max="20000"' in html
    assert "<option value=\"fog\"" in html  # OneOf → select
    assert "吊物质量（t）" in html  # the label is the schema's description
    html = applicant.text("/permits/new/temporary_power")
    assert 'name="cable_laying" value="overhead"' in html and "架空" in html
    assert 'name="served_permit"' in html
    html = applicant.text("/permits/new/road_closure")
    assert "data-photo-file" in html and 'name="sketch"' in html  # an upload
    html = applicant.text("/permits/new/work_at_height")
    assert "GB 30871-2022" in html  # the standard's validity, with its clause


@pytest.mark.parametrize("kind", TYPES)
def test_a_valid_application_creates_the_permit(applicant, plant_all, kind):
    r = applicant.post(f"/permits/new/{kind}", form_data(plant_all, kind))
    assert r.status_code == 302, field_errors(r)
    from processes.models import Permit

    with plant_all.app_context():
        permit = db.session.execute(select(Permit)).scalar_one()
        assert permit.type == kind
        assert r.headers["Location"].endswith(f"/permits/{permit.id}")
        number = permit.number
    assert number in applicant.text(r.headers["Location"])


def field_errors(r: Any) -> str:
    import re

    return " | ".join(re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>',
                                 r.get_data(as_text=True), re.S))


REFUSALS = [
    ("hot_work", {"method": None}, "method", "必填"),
    ("confined_space", {"toxic_gases": "XYZ"}, "toxic_gases", "气体表中没有"),
    ("blind_plate", {"temperature_c": "很热"}, "temperature_c", "请填写数字"),
    ("temporary_power", {"equipment.1.rated_kw": "-5"}, "equipment-1-rated_kw", "0 到 10000"),
    ("work_at_height", {"live_conductor_voltage_kv": "10"}, "live_conductor_distance_m",
     "同时填写"),
    ("lifting", {"load_t": "70", "cranes.0.rated_capacity_t": "50", "cranes.0.load_share_t": "45",
                 "cranes.1.name": "B", "cranes.1.rated_capacity_t": "50",
                 "cranes.1.load_share_t": "25"}, "cranes-0-load_share_t", "80%"),
    ("lifting", {"load_t": "40"}, "lift_plan", "吊装方案"),
    ("excavation", {"depth_m": "0.3"}, "depth_m", "不属于动土作业"),
    ("road_closure", {"sketch": None}, "sketch", "必填"),
]


@pytest.mark.parametrize(("kind", "change", "dom_id", "message"), REFUSALS)
def test_a_typical_refusal_is_shown_at_its_field(applicant, plant_all, kind, change, dom_id,
                                                 message):
    r = applicant.post(f"/permits/new/{kind}", form_data(plant_all, kind, **change))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in field_block(html, dom_id), field_errors(r)
    assert count_permits(plant_all) == 0


def test_shared_errors_land_as_for_hot_work(applicant, plant_all):
    r = applicant.post("/permits/new/lifting", form_data(
        plant_all, "lifting", planned_end="2026-06-03T10:00", related_permits="x" * 60))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "must be after planned_start" in field_block(html, "planned_end") or \
        "内容太长" in field_block(html, "related_permits")
    assert 'value="QY50汽车吊"' in html  # the rows come back as typed


def test_credential_refusal_names_the_worker(applicant, plant_all):
    data = form_data(plant_all, "lifting")
    data.setlist("workers", [str(person_id(plant_all, "罗斌（普工）"))])
    r = applicant.post("/permits/new/lifting", data)
    assert r.status_code == 422
    assert "申请未通过系统核验" in r.get_data(as_text=True)
    assert count_permits(plant_all) == 0


@pytest.mark.parametrize("kind", TYPES)
def test_garbage_never_gives_a_500(applicant, plant_all, kind):
    from web.api.permit_fields import TYPE_FIELDS

    junk = MultiDict([(name, "垃圾") for name in TYPE_FIELDS[kind]().fields])
    for data in ({}, junk, MultiDict([*form_data(plant_all, kind).items(multi=True),
                                     ("cranes.x.name", "y"), ("equipment.99.rated_kw", "inf"),
                                     ("riggers", "nobody"), ("signal_person", "1e9")])):
        r = applicant.post(f"/permits/new/{kind}", data)
        assert r.status_code in (302, 422), (kind, r.status_code)
    junk_all = form_data(plant_all, kind)
    for name in TYPE_FIELDS[kind]().fields:
        junk_all.setlist(name, ["垃圾"])
    assert applicant.post(f"/permits/new/{kind}", junk_all).status_code == 422


def test_home_offers_every_deployed_type(applicant):
    html = applicant.text("/")
    for kind in TYPES:
        assert f'href="/permits/new/{kind}"' in html
    assert "申请吊装作业" in html


def test_types_not_deployed_are_not_offered(browser):
    html = browser("applicant").text("/")
    assert 'href="/permits/new/hot_work"' in html
    assert 'href="/permits/new/lifting"' not in html
    assert browser("applicant").get("/permits/new/nonsense").status_code == 404


def test_every_field_label_is_in_the_catalogue():
    from web.pages import field_labels

    missing = set(field_labels.current()) - set(field_labels.FIELD_LABELS)
    assert not missing, f"add to web/pages/field_labels.py and the catalogue: {missing}"


def test_the_page_speaks_english(applicant):
    applicant.get("/lang/en")
    html = applicant.text("/permits/new/lifting")
    assert "Apply for lifting" in html and "Load mass (t)" in html and "Signal person" in html
    assert "Validity: plant setting 24 h" in html
