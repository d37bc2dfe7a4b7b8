"""The status engine and what a certificate authorizes: pure rules, no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from processes import certificates, fatigue, thresholds
from processes.models import Certificate, CertificateType, Permit, Person

TODAY = date(2026, 6, 3)


def welding_type(**kwargs) -> CertificateType:
    values = {"code": "welding_cutting", "name_zh": "熔化焊接与热切割作业", "name_en": "x",
              "category": "special_operation", "family": "welding", "validity_years": 6,
              "review_years": 3, "extended_review_years": 6, "extension_clean_years": 10,
              "review_window_days": 60,
              "authorizes": [{"permit_type": "hot_work", "role": "worker", "grades": None}]}
    return CertificateType(**{**values, **kwargs})


def cert(expires: date, review: date | None = None, *, voided: bool = False,
         ctype: CertificateType | None = None, number: str = "N1", **kwargs) -> Certificate:
    return Certificate(type=ctype or welding_type(), type_code="welding_cutting",
                       number=number, issued_on=expires - timedelta(days=6 * 365),
                       expires_on=expires, review_due_on=review, voided=voided,
                       violations=kwargs.pop("violations", 0), **kwargs)


@pytest.mark.parametrize(("days", "colour", "reason"), [
    (91, "green", "ok"), (90, "yellow", "expires_soon"), (0, "yellow", "expires_soon"),
    (-1, "red", "expired")])
def test_expiry_boundaries(days, colour, reason):
    st = certificates.status_of(cert(TODAY + timedelta(days=days)), TODAY)
    assert (st.colour, st.reason, st.usable) == (colour, reason, colour != "red")


def test_review_is_the_nearer_date_and_expiry_outranks_a_missed_review():
    review_soon = cert(TODAY + timedelta(days=900), TODAY + timedelta(days=30))
    assert certificates.status_of(review_soon, TODAY).reason == "review_due_soon"
    missed = cert(TODAY + timedelta(days=900), TODAY - timedelta(days=1))
    assert certificates.status_of(missed, TODAY).reason == "review_missed"
    both = cert(TODAY - timedelta(days=3), TODAY - timedelta(days=400))
    st = certificates.status_of(both, TODAY)
    assert (st.reason, st.due_on) == ("expired", TODAY - timedelta(days=3))
    assert certificates.status_of(cert(TODAY + timedelta(days=900), voided=True),
                                  TODAY).reason == "voided"


def test_review_interval_three_years_or_six_after_ten_clean_years():
    ctype = welding_type()
    issued = date(2024, 1, 10)
    plain = Certificate(type=ctype, issued_on=issued, expires_on=date(2030, 1, 10),
                        violations=0)
    assert certificates.review_due_after(ctype, plain, issued) == date(2027, 1, 10)
    veteran = Certificate(type=ctype, issued_on=issued, expires_on=date(2030, 1, 10),
                          in_trade_since=date(2016, 12, 1), violations=0)
    assert certificates.review_due_after(ctype, veteran, issued) is None  # = the renewal
    fined = Certificate(type=ctype, issued_on=issued, expires_on=date(2030, 1, 10),
                        in_trade_since=date(2010, 1, 1), violations=1)
    assert certificates.review_due_after(ctype, fined, issued) == date(2027, 1, 10)
    crane = welding_type(code="crane_operator", review_years=0, extended_review_years=0)
    assert certificates.review_due_after(crane, plain, issued) is None


def test_review_window_opens_60_days_before_the_next_due_date():
    c = cert(date(2029, 1, 1), date(2026, 7, 20))
    assert certificates.window_opens_on(c.type, c) == date(2026, 5, 21)


def test_grade_scoped_certificates():
    brazing = welding_type(code="brazing", authorizes=[
        {"permit_type": "hot_work", "role": "worker", "grades": ["grade1", "grade2"]}])
    assert certificates.authorizes(brazing, "hot_work", "worker", "grade2")
    assert not certificates.authorizes(brazing, "hot_work", "worker", "special")
    assert certificates.authorizes(brazing, "hot_work", "worker", None)  # not graded yet
    assert not certificates.authorizes(brazing, "confined_space", "worker", None)
    assert certificates.covered_grades(brazing, "hot_work", "worker") == ["grade1", "grade2"]
    assert certificates.covered_grades(welding_type(), "hot_work", "worker") is None


def test_check_person_explains_each_failure():
    person = Person(id=7, name="王五", active=True)
    brazing = welding_type(code="brazing", name_zh="钎焊作业", authorizes=[
        {"permit_type": "hot_work", "role": "worker", "grades": ["grade1", "grade2"]}])
    person.certificates = [cert(TODAY + timedelta(days=800), ctype=brazing, number="B1"),
                           cert(TODAY - timedelta(days=5), number="W1")]
    problems = certificates.check_person(person, permit_type="hot_work", role="worker",
                                         grade="special", today=TODAY)
    assert [(p["rule"], p["certificate"]) for p in problems] == [
        ("expired", "W1"), ("out_of_scope", "B1")]
    assert certificates.check_person(person, permit_type="hot_work", role="worker",
                                     grade="grade1", today=TODAY) == []
    [none] = certificates.check_person(person, permit_type="hot_work", role="watcher",
                                       grade=None, today=TODAY)
    assert none["rule"] == "no_certificate" and "4.10" in none["message"]
    person.active = False
    [inactive] = certificates.check_person(person, permit_type="hot_work", role="worker",
                                           grade="grade1", today=TODAY)
    assert inactive["rule"] == "person_inactive"


@pytest.mark.parametrize(("ptype", "fields", "related", "counted"), [
    ("hot_work", {"method": "gas_cutting", "in_confined_space": True}, [], True),
    ("hot_work", {"method": "gas_cutting"}, ["SX-20260603-0001"], True),
    ("hot_work", {"method": "gas_cutting"}, [], False),
    ("hot_work", {"method": "grinding", "in_confined_space": True}, [], False),
    ("confined_space", {}, ["DH-20260603-0002"], True),
    ("confined_space", {}, [], False),
])
def test_what_counts_as_confined_space_welding(ptype, fields, related, counted):
    rule = thresholds.defaults()["fatigue"][0]
    permit = Permit(type=ptype, fields=fields, related_permits=related,
                    created_at=datetime(2026, 6, 3))
    assert fatigue.matches(permit, rule["match"]) is counted


def test_threshold_edits_are_validated():
    assert thresholds.validate("calibration_warning_days", 30) == []
    assert thresholds.validate("calibration_warning_days", True)
    assert thresholds.validate("rest", {"long_job_hours": 8, "min_rest_hours": 99,
                                        "permit_types": ["hot_work"]})
    assert thresholds.validate("fatigue", [{"key": "x", "warn_at": 5,
                                            "permit_types": ["nope"]}])
    assert thresholds.validate("colour", 1) == ["unknown setting; one of fatigue, rest, "
                                                "calibration_warning_days"]
