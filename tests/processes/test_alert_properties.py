"""Property-based: over random certificate sets and dates, the alert list holds every
certificate within 90 days of its review or expiry (or lapsed, or voided) and no other.

The oracle is written from the rule, not from the code: flagged ⇔ voided or
min(expiry, review) ≤ today + 90 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from engine import db
from handlers.jobs import certificates_daily
from processes import alerts, certificates
from processes.models import Certificate, CertificateAlert, Person

BASE = date(2026, 6, 3)


@dataclass
class Cert:
    expires_on: date
    review_due_on: date | None
    voided: bool


def flagged(cert: Cert, today: date) -> bool:
    dues = [cert.expires_on] + ([cert.review_due_on] if cert.review_due_on else [])
    return cert.voided or min(dues) <= today + timedelta(days=90)


@st.composite
def certs(draw: st.DrawFn) -> Cert:
    issued = BASE + timedelta(days=draw(st.integers(-3000, 400)))
    expires = issued + timedelta(days=draw(st.integers(1, 6 * 366)))
    review = None
    if draw(st.booleans()):
        review = issued + timedelta(days=draw(st.integers(1, (expires - issued).days)))
    return Cert(expires, review, draw(st.booleans()) and draw(st.booleans()))


days = st.integers(-3200, 2600).map(lambda n: BASE + timedelta(days=n))


@settings(max_examples=400, deadline=None)
@given(st.lists(certs(), max_size=25), days)
def test_alerts_are_exactly_the_certificates_due_within_90_days(cert_set, today):
    alerted = [c for c in cert_set if alerts.evaluate(c, today) is not None]
    assert alerted == [c for c in cert_set if flagged(c, today)]


@settings(max_examples=400, deadline=None)
@given(certs(), days)
def test_level_is_red_once_lapsed_and_yellow_only_inside_the_window(cert, today):
    found = alerts.evaluate(cert, today)
    if found is None:
        return
    level, _, due = found
    nearest = min([cert.expires_on] + ([cert.review_due_on] if cert.review_due_on else []))
    lapsed = cert.voided or nearest < today
    assert (level == "red") == lapsed
    if level == "yellow":
        assert due is not None and 0 <= (due - today).days <= certificates.WARNING_DAYS


_message_ids = count(10_000_000)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(certs(), min_size=1, max_size=8),
       st.lists(st.integers(0, 150), min_size=1, max_size=5),
       st.integers(-900, 600), st.data())
def test_daily_job_keeps_the_alert_list_exact_over_time(plant, cert_set, steps, start, data):
    """The real daily job over a run of days, with renewals in between: after every run
    the open alerts are exactly the flagged certificates."""
    with plant.app_context():
        session = db.session
        person = Person(name="性质测试", roles=[], site_code="SH1")
        session.add(person)
        session.flush()
        rows = []
        for i, c in enumerate(cert_set):
            row = Certificate(person=person, type_code="welding_cutting", number=f"P-{i}",
                              issued_on=c.expires_on - timedelta(days=1),
                              expires_on=c.expires_on, review_due_on=c.review_due_on,
                              voided=c.voided)
            session.add(row)
            rows.append(row)
        session.commit()
        try:
            day = BASE + timedelta(days=start)
            for step in steps:
                day += timedelta(days=step)
                if data.draw(st.booleans(), label="renew one"):
                    row = rows[data.draw(st.integers(0, len(rows) - 1), label="which")]
                    row.expires_on = day + timedelta(days=data.draw(st.integers(0, 800)))
                    row.review_due_on, row.voided = None, False
                    session.commit()
                certificates_daily(session, next(_message_ids), {"day": day.isoformat()})
                session.commit()
                open_ids = set(session.execute(select(CertificateAlert.certificate_id).where(
                    CertificateAlert.person_id == person.id,
                    CertificateAlert.resolved_at.is_(None))).scalars())
                expected = {r.id for r in rows if flagged(
                    Cert(r.expires_on, r.review_due_on, r.voided), day)}
                assert open_ids == expected, day
                per_cert = session.execute(select(CertificateAlert.certificate_id).where(
                    CertificateAlert.person_id == person.id,
                    CertificateAlert.resolved_at.is_(None))).scalars().all()
                assert len(per_cert) == len(set(per_cert))  # one open alert per certificate
        finally:
            session.rollback()
            session.execute(delete(CertificateAlert).where(
                CertificateAlert.person_id == person.id))
            session.execute(delete(Certificate).where(Certificate.person_id == person.id))
            session.execute(delete(Person).where(Person.id == person.id))
            session.commit()
