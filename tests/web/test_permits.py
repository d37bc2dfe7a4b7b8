"""The permit page, the ledger and cancelling."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine import db
from tests.api import Api
from tests.web.conftest import new_permit


def test_permit_page_shows_grade_validity_evidence_timeline_and_compliance(
        browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, prepared=True)
    html = browser("applicant").text(f"/permits/{permit['id']}")
    assert permit["number"] in html and "动火作业" in html
    assert 'class="grade grade-grade2 big">二级' in html
    assert "低风险" in html and "已批准" in html
    # evidence
    assert "CH4" in html and "8 %LEL" in html and "0.4 %VOL" in html and "合格" in html
    assert "5.3.2" in html  # the limit it was judged against
    assert "系统按规则自动批准 (hot_work_routing v1)" in html
    # timeline, in words
    timeline = html[html.index('class="timeline"'):]
    for words in ("提交申请", "作业人员资质核验通过", "确定作业等级", "安全措施确认", "气体检测",
                  "气体检测结果合格", "王建国（作业负责人）"):
        assert words in timeline
    assert "task.completed" not in timeline and "service.completed" not in timeline
    # compliance and the process version
    assert "流程合规率" in html and "100%" in html
    assert "hot_work v1" in html
    # who is waiting for what
    assert "监护人到岗签到" in html and "监护人 李秀英（监护人）" in html
    assert "W-1 机修车间" in html and "30.72400, 121.34200" in html


def test_special_grade_is_marked_red_and_missing_evidence_is_named(browser, plant,
                                                                   frozen_clock):
    permit = new_permit(plant, frozen_clock, area="U-1", running_equipment=True)
    html = browser("safety_dept").text(f"/permits/{permit['id']}")
    assert 'class="grade grade-special big">特级' in html
    assert "grade-edge-special" in html
    assert "在运行的设备、管道上动火" in html
    assert "尚无已到达的必经节点" in html


def test_active_permit_counts_down_its_validity(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, prepared=True)
    Api(plant, "watcher").complete(permit["id"], "watcher_sign_in", {"present": True})
    html = browser("applicant").text(f"/permits/{permit['id']}")
    assert "作业中" in html and "有效期至" in html
    assert re.search(r"剩余 \d+ 小时 \d+ 分", html)
    assert "李秀英（监护人） · 已签到" in html
    frozen_clock.advance(hours=3)
    html = browser("applicant").text(f"/permits/{permit['id']}")
    assert re.search(r"剩余 1 小时 \d+ 分", html)


def test_applicant_cancels_with_a_reason(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    b = browser("applicant")
    html = b.text(f"/permits/{permit['id']}")
    assert "取消作业票" in html
    r = b.post(f"/permits/{permit['id']}/cancel", {"reason": " "})
    assert r.status_code == 422
    assert "长度应在 2 到 1000 之间" in r.get_data(as_text=True)
    r = b.post(f"/permits/{permit['id']}/cancel", {"reason": "检修计划调整"})
    assert r.status_code == 302
    html = b.text(f"/permits/{permit['id']}")
    assert "已取消" in html and "检修计划调整" in html
    assert "取消作业票" not in html  # nothing left to cancel
    r = b.post(f"/permits/{permit['id']}/cancel", {"reason": "再次取消"})
    assert r.status_code == 409


def test_only_applicant_or_safety_department_may_cancel(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    assert "取消作业票" not in browser("unit_approver").text(f"/permits/{permit['id']}")
    r = browser("unit_approver").post(f"/permits/{permit['id']}/cancel", {"reason": "不需要了"})
    assert r.status_code == 403
    assert "取消作业票" in browser("safety_dept").text(f"/permits/{permit['id']}")


def test_permit_of_another_site_and_missing_permits(browser, plant, frozen_clock):
    from processes.models import Person

    permit = new_permit(plant, frozen_clock)
    with plant.app_context():
        person = db.session.execute(select(Person).where(Person.username == "team_leader")
                                    ).scalar_one()
        person.site_code = "NJ1"
        db.session.commit()
    r = browser("team_leader").get(f"/permits/{permit['id']}")
    assert r.status_code == 403
    r = browser("applicant").get("/permits/424242")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "找不到该页面或记录" in html and "permit 424242 not found" in html
    assert "回到首页" in html


def test_ledger_filters_by_status_and_type_and_pages(browser, plant, frozen_clock):
    first = new_permit(plant, frozen_clock)
    second = new_permit(plant, frozen_clock, area="PR-1")
    browser("applicant").post(f"/permits/{first['id']}/cancel", {"reason": "计划调整"})
    b = browser("safety_dept")
    html = b.text("/permits")
    assert first["number"] in html and second["number"] in html and "共 2 张" in html
    html = b.text("/permits?status=cancelled")
    assert first["number"] in html and second["number"] not in html
    assert '<option value="cancelled" selected>' in html
    html = b.text("/permits?type=confined_space")
    assert "没有符合条件的作业票" in html
    html = b.text("/permits?status=nonsense&page=zero")  # ignored, not a 500
    assert "共 2 张" in html

    from processes import ledger
    from processes.models import Person

    with plant.app_context():
        person = db.session.execute(select(Person).where(Person.username == "safety_dept")
                                    ).scalar_one()
        page = ledger.search(db.session, person, per_page=1, page=2)
        assert page.total == 2 and page.pages == 2 and page.has_prev and not page.has_next
        assert [p.number for p in page.items] == [first["number"]]


def test_ledger_pager_links(browser, plant, frozen_clock, monkeypatch):
    from web.pages import permits as permit_pages

    monkeypatch.setattr(permit_pages, "PER_PAGE", 1)
    new_permit(plant, frozen_clock)
    new_permit(plant, frozen_clock)
    html = browser("safety_dept").text("/permits?page=1")
    assert "1 / 2" in html and "page=2" in html and "下一页" in html
    html = browser("safety_dept").text("/permits?page=2")
    assert "上一页" in html


def test_contractor_admin_gets_no_ledger(browser):
    assert browser("contractor_admin").get("/permits").status_code == 403
