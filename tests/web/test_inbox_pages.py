"""Inbox pages: filters, overdue in words, claim/unclaim/delegate buttons, bulk approval."""

from __future__ import annotations

import re

import pytest

from engine import HumanTask, db
from tests.inbox import add_person, high_risk_permit, low_risk_permit, task_of


@pytest.fixture()
def second(plant_all):
    add_person(plant_all, "unit_approver2", "林峰（基层单位负责人）", ["unit_approver"])
    return plant_all


def row(html: str, task_id: str) -> str:
    start = html.rindex("<li", 0, html.index(f'id="task-{task_id}"'))
    return html[start:html.index("</li>", start)]


def test_overdue_is_said_in_words_and_filters_narrow_the_list(browser, second, frozen_clock):
    low = low_risk_permit(second, frozen_clock)
    frozen_clock.advance(minutes=75)
    high = high_risk_permit(second, frozen_clock)
    b = browser("unit_approver")
    html = b.text("/inbox")
    late = row(html, task_of(second, low["id"], "approve_1"))
    assert "urgency-overdue" in late and "⚠</span> 已超时 15 分钟" in late
    assert "1 项已超时" in html
    fresh = row(html, task_of(second, high["id"], "approve_1"))
    assert "办理期限 06-03 12:15" in fresh and "超时" not in fresh
    # filter choices come from what is in the inbox, with labels
    assert '<option value="hot_work" >动火作业</option>' in html
    assert '<option value="PR-1" >PR-1 1号管廊</option>' in html
    assert '<option value="grade1" >一级</option>' in html
    only_late = b.text("/inbox?urgency=overdue")
    assert low["number"] in only_late and high["number"] not in only_late
    assert '<option value="overdue" selected>' in only_late and "清除筛选" in only_late
    only_hot = b.text("/inbox?type=hot_work&area=PR-1")
    assert high["number"] in only_hot and low["number"] not in only_hot
    assert "没有符合条件的待办" in b.text("/inbox?grade=II&type=hot_work")
    assert "urgency" in b.text("/inbox?urgency=later", status=422)


def test_claim_from_the_inbox_then_others_see_who_holds_it(browser, second, frozen_clock):
    permit = low_risk_permit(second, frozen_clock)
    task = task_of(second, permit["id"], "approve_1")
    b = browser("unit_approver")
    html = b.text("/inbox")
    assert f'action="/tasks/{task}/claim"' in html and ">认领</button>" in html
    r = b.post(f"/tasks/{task}/claim", {"next": "/inbox?type=work_at_height"})
    assert r.status_code == 302 and r.headers["Location"] == "/inbox?type=work_at_height"
    html = b.text("/inbox")
    start = html.index('id="mine-h"')
    mine = html[start:html.find("<section", start)]
    assert permit["number"] in mine and "我已认领" in mine and ">退回组待办</button>" in mine
    other = browser("unit_approver2")
    seen = row(other.text("/inbox"), task)
    assert "已由 陈刚（基层单位负责人） 认领，其他人不能办理" in seen
    assert "/claim" not in seen and "办理</a>" not in seen and 'type="checkbox"' not in seen
    page = other.text(f"/tasks/{task}")
    assert "已由 陈刚（基层单位负责人） 认领" in page and 'name="decision"' not in page
    r = other.post(f"/tasks/{task}", {"decision": "approve"})
    assert r.status_code == 409 and "陈刚" in r.get_data(as_text=True)
    r = other.post(f"/tasks/{task}/claim")
    assert r.status_code == 302
    assert "陈刚" in other.text("/inbox")  # flashed: who holds it
    # a safety manager may release it, and sees the button to
    assert ">解除认领</button>" in browser("safety_dept").text(f"/tasks/{task}")
    r = browser("safety_dept").post(f"/tasks/{task}/unclaim", {"next": f"/tasks/{task}"})
    assert r.status_code == 302 and r.headers["Location"] == f"/tasks/{task}"
    with second.app_context():
        assert db.session.get(HumanTask, task).claimed_by is None


def test_delegate_page_offers_only_people_who_may_do_the_step(browser, second,
                                                              frozen_clock):
    permit = low_risk_permit(second, frozen_clock)
    task = task_of(second, permit["id"], "approve_1")
    b = browser("unit_approver")
    html = b.text(f"/tasks/{task}/delegate")
    options = re.findall(r'<option value="(\d+)" >([^<]+)</option>', html)
    assert [name for _, name in options] == ["林峰（基层单位负责人）"]
    assert '<label for="reason">转办原因</label>' in html
    r = b.post(f"/tasks/{task}/delegate", {"to": options[0][0], "reason": ""})
    assert r.status_code == 422
    assert "say why" in r.get_data(as_text=True)
    assert f'<option value="{options[0][0]}" selected>' in r.get_data(as_text=True)
    r = b.post(f"/tasks/{task}/delegate", {"to": "", "reason": "出差"})
    assert r.status_code == 422 and "请选择转办给谁" in r.get_data(as_text=True)
    r = b.post(f"/tasks/{task}/delegate", {"to": options[0][0], "reason": "出差"})
    assert r.status_code == 302
    assert "已转办给 林峰（基层单位负责人）" in b.text("/inbox")
    with second.app_context():
        assert db.session.get(HumanTask, task).claimed_by == "unit_approver2"
    # the permit's history says who handed it to whom, and why
    history = b.text(f"/permits/{permit['id']}")
    assert "转办任务" in history and "转给 林峰（基层单位负责人） · 出差" in history


def test_bulk_approval_form_and_its_report(browser, second, frozen_clock):
    lows = [low_risk_permit(second, frozen_clock) for _ in range(2)]
    high = high_risk_permit(second, frozen_clock)
    low_ids = [task_of(second, p["id"], "approve_1") for p in lows]
    high_id = task_of(second, high["id"], "approve_1")
    b = browser("unit_approver")
    html = b.text("/inbox")
    assert 'data-select-all="task_ids"' in html and "全选可批量批准的任务（2 项）" in html
    for t in low_ids:
        assert f'<input type="checkbox" name="task_ids" value="{t}" form="bulk-form"' in html
        assert f'<label for="pick-{t}" class="visually-hidden">' in html
    assert f'value="{high_id}" form="bulk-form"' not in html  # high risk: one by one
    r = b.post("/inbox/bulk-approve", {"task_ids": [*low_ids, high_id], "comment": "已核查"})
    assert r.status_code == 200
    report = r.get_data(as_text=True)
    assert "已批准 2 项，未批准 1 项" in report
    assert report.count("✓ 已批准") == 2 and report.count("✗ 未批准") == 1
    assert "only low-risk approvals" in report and high["number"] in report
    r = b.post("/inbox/bulk-approve", {"next": "/inbox"})
    assert r.status_code == 302 and "请先勾选要批准的任务" in b.text("/inbox")


def test_english_inbox(browser, second, frozen_clock):
    low_risk_permit(second, frozen_clock)
    frozen_clock.advance(minutes=90)
    b = browser("unit_approver")
    b.get("/lang/en?next=/inbox")
    html = b.text("/inbox")
    assert "My tasks" in html and "Group tasks" in html and "Overdue" in html
    assert "Claim</button>" in html and "Approve selected" in html
