"""Task pages: forms rendered from the step's JSON Schema, completed from a phone."""

from __future__ import annotations

import io

from tests.api import CHECKLIST_OK, PNG, person_id
from tests.web.conftest import field_block, new_permit, task_id


def checklist_form(app, permit, **answers):
    data = {f"items.{k}": "true" for k in CHECKLIST_OK}
    data.update({f"items.{k}": v for k, v in answers.items()})
    data.update({"blind_count": "2", "confirmed_by": str(person_id(app, "applicant")),
                 "revision": str(permit["revision"])})
    return data


def upload(browser) -> str:
    """What the page's script does: the session cookie plus the page's CSRF header."""
    r = browser.client.post("/api/v1/uploads", data={
        "file": (io.BytesIO(PNG + b"page"), "screen.png", "image/png")},
        content_type="multipart/form-data", headers=browser.csrf_headers())
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def gas_form(photo, methane="12", revision=None):
    return {
        "readings.0.gas": "CH4", "readings.0.value": methane, "readings.0.unit": "%LEL",
        "readings.0.sampled_at": "2026-06-03T09:59", "readings.0.point": "法兰下方0.5m",
        "readings.1.gas": "O2", "readings.1.value": "20.9", "readings.1.unit": "%VOL",
        "readings.1.sampled_at": "2026-06-03T09:59", "readings.1.point": "法兰下方0.5m",
        "instrument_id": "GD-2026-017", "photo": photo,
        "revision": "" if revision is None else str(revision),
    }


def test_checklist_renders_three_way_radios_and_hidden_confirmer(browser, plant,
                                                                frozen_clock):
    permit = new_permit(plant, frozen_clock)
    html = browser("applicant").text(f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}")
    assert "安全措施确认" in html
    for value, text in (("true", "是"), ("false", "否"), ("na", "不涉及")):
        assert f'name="items.purged" value="{value}"' in html
        assert f"<span>{text}</span>" in html
    assert "动火设备已清洗、吹扫或置换合格" in html
    assert f'name="confirmed_by" value="{person_id(plant, "applicant")}"' in html
    assert f'name="revision" value="{permit["revision"]}"' in html
    assert 'name="blind_count" type="number"' in html


def test_completing_the_checklist_moves_the_permit_on(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    b = browser("applicant")
    r = b.post(f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}",
               checklist_form(plant, permit))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/permits/{permit['id']}")
    page = b.text(r.headers["Location"])
    assert "已完成：安全措施确认" in page
    assert "气体检测" in page  # the next open step


def test_a_measure_not_in_place_is_refused_at_that_item(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    r = browser("applicant").post(
        f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}",
        checklist_form(plant, permit, purged="false", fire_kit=""))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "措施未落实" not in field_block(html, "f-items-blinds_fitted")
    assert "必填" in field_block(html, "f-items-fire_kit")
    # the answers given are kept
    assert 'name="items.purged" value="false" checked' in html


def test_checklist_answer_no_gives_the_domain_message(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    r = browser("applicant").post(
        f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}",
        checklist_form(plant, permit, purged="false"))
    assert r.status_code == 422
    assert "措施未落实" in field_block(r.get_data(as_text=True), "f-items-purged")


def test_gas_test_renders_reading_rows_with_add_and_photo_upload(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    b = browser("applicant")
    b.post(f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}",
           checklist_form(plant, permit))
    html = b.text(f"/tasks/{task_id(plant, permit['id'], 'gas_test')}")
    for name in ("gas", "value", "unit", "sampled_at", "point"):
        assert f'name="readings.0.{name}"' in html
        assert f'name="readings.__i__.{name}"' in html  # the row template for "add a row"
    assert "data-add-row" in html and "data-remove-row" in html
    assert '<option value="CH4">' in html  # examples offered
    assert '<option value="%LEL"' in html
    assert 'type="datetime-local" value="2026-06-03T10:00"' in html  # now, in Shanghai
    assert 'data-upload-url="/api/v1/uploads"' in html and 'name="photo"' in html


def test_failing_methane_reading_is_shown_next_to_that_reading(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    b = browser("applicant")
    b.post(f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}",
           checklist_form(plant, permit))
    gas_task = task_id(plant, permit["id"], "gas_test")
    photo = upload(b)  # what the page's script does, with the session cookie
    r = b.post(f"/tasks/{gas_task}", gas_form(photo, "12"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    value_block = field_block(html, "f-readings-0-value")
    assert "12 %LEL" in value_block and "0.5 %VOL" in value_block
    assert "above" not in field_block(html, "f-readings-1-value")
    assert 'name="readings.0.value" type="number"' in html and 'value="12"' in html
    assert f'value="{photo}"' in html  # what was entered is kept
    detail = b.text(f"/permits/{permit['id']}")
    assert "CH4" not in detail  # nothing recorded
    r = b.post(f"/tasks/{gas_task}", gas_form(photo, "8"))
    assert r.status_code == 302
    detail = b.text(f"/permits/{permit['id']}")
    assert "CH4" in detail and "合格" in detail


def test_removed_rows_and_missing_photo(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    b = browser("applicant")
    b.post(f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}",
           checklist_form(plant, permit))
    data = gas_form("", "5")
    # the phone removed row 0 and added row 3: the server renumbers
    for key in [k for k in data if k.startswith("readings.0.")]:
        data[key.replace(".0.", ".3.")] = data.pop(key)
    r = b.post(f"/tasks/{task_id(plant, permit['id'], 'gas_test')}", data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "必填" in field_block(html, "f-photo")
    assert 'name="readings.0.gas" value="O2"' in html
    assert 'name="readings.1.gas" value="CH4"' in html


def test_approver_decides_with_two_big_buttons(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, area="PR-1", prepared=True)
    approve = task_id(plant, permit["id"], "approve_1")
    b = browser("unit_approver")
    html = b.text(f"/tasks/{approve}")
    assert 'name="decision" value="approve"' in html and 'name="decision" value="reject"' in html
    assert html.index('name="comment"') < html.index('value="approve"')  # comment first
    assert "data-geo-lat" in html  # approvers sign where they stand
    r = b.post(f"/tasks/{approve}", {"decision": "reject", "comment": ""})
    assert r.status_code == 422
    assert "必填" in field_block(r.get_data(as_text=True), "f-comment")
    r = b.post(f"/tasks/{approve}", {"decision": "approve", "comment": "同意",
                                     "_lat": "30.7275", "_lon": "121.344"})
    assert r.status_code == 302
    page = b.text(f"/permits/{permit['id']}")
    assert "所在基层单位" in page and "批准" in page and "现场签批" in page


def test_watcher_confirms_presence_with_one_checkbox(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, prepared=True)
    sign_in = task_id(plant, permit["id"], "watcher_sign_in")
    b = browser("watcher")
    html = b.text(f"/tasks/{sign_in}")
    assert 'type="checkbox" name="present" value="true"' in html
    r = b.post(f"/tasks/{sign_in}", {})
    assert r.status_code == 422
    r = b.post(f"/tasks/{sign_in}", {"present": "true"})
    assert r.status_code == 302
    assert "作业中" in b.text(f"/permits/{permit['id']}")


def test_stale_revision_gets_a_friendly_conflict(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    measures_task = task_id(plant, permit["id"], "safety_measures")
    first, second = browser("applicant"), browser("applicant")
    assert first.post(f"/tasks/{measures_task}",
                      checklist_form(plant, permit)).status_code == 302
    r = second.post(f"/tasks/{measures_task}", checklist_form(plant, permit))
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "该步骤已被他人处理，请刷新" in html
    assert f'href="/permits/{permit["id"]}"' in html
    gas_task = task_id(plant, permit["id"], "gas_test")
    r = second.post(f"/tasks/{gas_task}", gas_form(upload(second), "5",
                                                   revision=permit["revision"]))
    assert r.status_code == 409  # the permit moved on since that revision


def test_done_task_page_and_strangers(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    measures_task = task_id(plant, permit["id"], "safety_measures")
    r = browser("watcher").get(f"/tasks/{measures_task}")
    assert r.status_code == 403
    assert browser("watcher").post(f"/tasks/{measures_task}",
                                   checklist_form(plant, permit)).status_code == 403
    browser("applicant").post(f"/tasks/{measures_task}", checklist_form(plant, permit))
    assert "该步骤已完成" in browser("applicant").text(f"/tasks/{measures_task}")
    assert browser("applicant").get("/tasks/no-such-task").status_code == 404
