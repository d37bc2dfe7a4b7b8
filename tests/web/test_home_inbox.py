"""Home, inbox and notifications."""

from __future__ import annotations

from engine import db
from tests.api import person_id
from tests.web.conftest import new_permit, task_id


def test_home_shows_my_tasks_and_my_permits(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    html = browser("applicant").text("/")
    assert "你好，王建国（作业负责人）" in html
    assert '<b class="inbox-count">1</b>' in html
    assert "安全措施确认" in html and f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}" in html
    assert permit["number"] in html
    assert 'href="/permits/new/hot_work"' in html and "申请动火作业" in html
    # the watcher is named on it too, but has nothing to do yet
    html = browser("watcher").text("/")
    assert permit["number"] in html and '<b class="inbox-count">0</b>' in html
    assert "没有待办事项" in html and "申请动火作业" not in html


def test_inbox_lists_my_group_tasks_oldest_first(browser, plant, frozen_clock):
    first = new_permit(plant, frozen_clock, area="PR-1", prepared=True)
    frozen_clock.advance(minutes=5)
    second = new_permit(plant, frozen_clock, area="PR-1", prepared=True)
    frozen_clock.advance(minutes=25)
    html = browser("unit_approver").text("/inbox")
    assert "(2)" in html
    assert html.count('<li class="inbox-task') == 2
    assert "组待办 · 所在基层单位" in html and "没有认领或指定给我的任务" in html
    assert html.index(first["number"]) < html.index(second["number"])  # oldest first
    assert "所在基层单位审批" in html and "一级" in html and "PR-1 1号管廊" in html
    assert "已等待 30 分钟" in html and "已等待 25 分钟" in html
    assert 'class="count">2</b>' in html  # the badge on the bottom nav


def test_inbox_is_empty_for_people_with_nothing_to_do(browser):
    assert "没有待办事项" in browser("plant_leader").text("/inbox")


def test_notifications_for_me_and_my_roles_at_my_site(browser, plant, frozen_clock):
    from processes import notifications

    permit = new_permit(plant, frozen_clock)
    with plant.app_context():
        notifications.record(db.session, message_id=None, kind="permit.active",
                             role="team_leader", site_code="SH1", permit_id=permit["id"],
                             title="作业许可已生效 / Permit live: DH-1")
        notifications.record(db.session, message_id=None, kind="permit.expired",
                             role="team_leader", site_code="NJ1", severity="high",
                             title="南京的通知")
        notifications.record(db.session, message_id=None, kind="permit.rejected",
                             person_id=person_id(plant, "team_leader"), severity="high",
                             title="给赵磊本人的通知", body="盲板未加到位")
        notifications.record(db.session, message_id=None, kind="info", role="safety_dept",
                             site_code="SH1", title="安全部门的通知")
        db.session.commit()
    html = browser("team_leader").text("/notifications")
    assert "作业许可已生效" in html and "给赵磊本人的通知" in html and "盲板未加到位" in html
    assert "南京的通知" not in html and "安全部门的通知" not in html
    assert f'href="/permits/{permit["id"]}"' in html
    assert "紧急" in html
    assert "暂无通知" in browser("designer").text("/notifications")
