"""The page scripts that moved out of the templates (static/js) work under the CSP, and
their API writes carry the CSRF token (shared.js), which API v1 demands of the cookie."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from engine import db
from tests.api import PNG, Api, measures, person_id
from tests.supervision import approved_permit
from tests.web.conftest import new_permit, task_id


def test_qr_card_and_pre_work_taps(people, plant, frozen_clock):
    permit = approved_permit(plant, {"applicant": Api(plant, "applicant")}, frozen_clock)
    crew = people("applicant")
    page = crew.open(f"/supervision/permits/{permit['id']}/card")
    page.wait_for_function(  # a function: Playwright evals a bare expression each poll (CSP)
        "() => document.getElementById('qr').src.startsWith('data:image/svg')")

    page = crew.open(f"/supervision/permits/{permit['id']}/pre-work")
    first = page.locator("#items button").first
    key = first.get_attribute("data-key")
    first.click()
    page.wait_for_selector(f'#items button[data-key="{key}"].done')
    from processes.models import PreWorkCheck

    with plant.app_context():
        assert db.session.execute(select(PreWorkCheck.item).where(
            PreWorkCheck.permit_id == permit["id"])).scalars().all() == [key]

    # someone outside the crew is refused, and the page says why, as text
    page = people("team_leader").open(f"/supervision/permits/{permit['id']}/pre-work")
    page.locator("#items button:not([disabled])").first.click()
    page.wait_for_selector("#memo .bad")
    assert "only the crew and watcher" in page.inner_text("#memo")
    with plant.app_context():
        assert db.session.execute(select(func.count(PreWorkCheck.id)).where(
            PreWorkCheck.permit_id == permit["id"])).scalar_one() == 1


def test_the_watcher_signs_in_from_the_phone_page(people, plant, frozen_clock):
    """Plain profile (no face, no GPS): challenge, then upload, both POSTs with the token."""
    permit = approved_permit(plant, {"applicant": Api(plant, "applicant")}, frozen_clock)
    qr = Api(plant, "applicant").get(f"/permits/{permit['id']}/qr").json["token"]
    watcher = people("watcher")
    page = watcher.open(f"/supervision/permits/{permit['id']}/sign-in?qr={qr}")
    page.wait_for_selector("#go:not([disabled])")
    page.click("#go")
    page.wait_for_selector("#status .ok, #status .bad")
    assert "签到成功" in page.inner_text("#status"), page.inner_text("#status")
    assert "CSRF" not in page.inner_text("#status")


def test_the_instrument_photo_uploads_with_the_session(people, plant, frozen_clock,
                                                       tmp_path: Path):
    permit = new_permit(plant, frozen_clock)
    permit["api"].complete(permit["id"], "safety_measures",
                           measures(person_id(plant, "applicant")))
    gas_task = task_id(plant, permit["id"], "gas_test")
    page = people("applicant").open(f"/tasks/{gas_task}")
    photo = tmp_path / "meter.png"
    photo.write_bytes(PNG)
    page.set_input_files("[data-photo-file]", str(photo))
    page.wait_for_function(
        "() => document.querySelector('[data-photo-id]').value.length > 0")
    assert "照片已上传" in page.inner_text("[data-photo-status]")
    # a reading row added by the page script gets the next index in its names
    group = page.locator("[data-rows]").first
    before = int(group.get_attribute("data-next"))
    group.locator("[data-add-row]").click()
    names = group.locator("[data-row-list] > [data-row]").last.evaluate(
        "row => [...row.querySelectorAll('[name]')].map(e => e.name)")
    assert names and all(f".{before}." in n for n in names), names
    assert not any("__i__" in n for n in names)


#: (who, page): every page without an id, as someone who may see it
PAGES = [("admin", p) for p in ("/", "/inbox", "/permits", "/notifications", "/console",
                                 "/console/decisions", "/console/incidents",
                                 "/certificates", "/certificates/alerts", "/capabilities")] + [
    ("safety_dept", p) for p in ("/analytics/", "/analytics/map", "/analytics/compliance",
                                 "/analytics/reports")] + [
    ("contractor_admin", "/contractor"), ("applicant", "/permits/new/hot_work")]


def test_every_page_runs_under_the_csp(people, plant):
    """No page has script the policy refuses (the browser logs each refusal as an error,
    which fails the test), and the base page's script still answers."""
    tabs: dict[str, object] = {}
    for who, path in PAGES:
        if who not in tabs:
            tabs[who] = people(who)
        page = tabs[who].open(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof window.permitflow.fetch") == "function", path
    page = tabs["applicant"].open("/login")
    assert page.get_attribute('meta[name="csrf-token"]', "content")


def test_a_queued_report_is_polled(people, plant):
    from processes.models import Person, ReportJob

    with plant.app_context():
        who = db.session.execute(select(Person.id).where(Person.username == "safety_dept")
                                 ).scalar_one()
        job = ReportJob(kind="quarterly", params={"year": 2026, "quarter": 1, "site": None},
                        status="queued", progress=0, requested_by=who,
                        created_at=datetime(2026, 6, 3, 2, 0, tzinfo=UTC), result={})
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    person = people("safety_dept")
    with person.page.expect_response(lambda r: r.url.endswith(f"/api/v1/reports/jobs/{job_id}")):
        person.open(f"/analytics/reports/{job_id}")
    assert person.page.inner_text("#status") == "queued"
