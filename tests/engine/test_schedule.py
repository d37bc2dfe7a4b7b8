"""Once-per-period claims: the first worker to tick on a day runs the daily job."""

from __future__ import annotations

from datetime import UTC, datetime

from engine import schedule

NOW = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)


def test_first_claim_of_a_period_wins(session):
    assert schedule.claim(session, "certificates.daily", "2026-06-03", now=NOW) is True
    assert schedule.claim(session, "certificates.daily", "2026-06-03", now=NOW) is False
    assert schedule.claim(session, "certificates.daily", "2026-06-04", now=NOW) is True
    assert schedule.claim(session, "other.daily", "2026-06-03", now=NOW) is True
    session.commit()
    assert schedule.claim(session, "certificates.daily", "2026-06-03", now=NOW) is False
