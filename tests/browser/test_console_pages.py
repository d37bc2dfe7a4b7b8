"""Each console page in Chinese and English without script errors, and usable by keyboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.api import Api, gas, measures, person_id
from tests.browser.conftest import fire_brief_drawn, tab_to, wait_rendered
from tests.scenarios.test_migration import BRIEF_FORM, upload
from tests.web.conftest import new_permit


@pytest.fixture()
def console_state(plant, frozen_clock, monkeypatch) -> dict[str, int]:
    """hot_work v1 and v2, a permit waiting for approval on v1, an open incident."""
    from handlers import gas as gas_handler

    waiting = new_permit(plant, frozen_clock, area="PR-1", prepared=True)
    upload(Api(plant, "designer"), {"hot_work.bpmn": fire_brief_drawn(),
                                    "hot_work.fire_brief.schema.json": BRIEF_FORM})
    failing = new_permit(plant, frozen_clock, area="W-1")
    applicant = failing["api"]
    applicant.complete(failing["id"], "safety_measures", measures(person_id(plant, "applicant")))

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("gas detector gateway unreachable")

    monkeypatch.setattr(gas_handler.gas, "record_test", unreachable)
    r = applicant.complete(failing["id"], "gas_test", gas(
        applicant, 5.0, sampled_at=failing["start"] - timedelta(minutes=21)))
    assert r.json["process"]["has_incident"] is True
    return {"instance": waiting["process"]["instance_id"]}


def flash(text: str):
    return lambda page: text in page.inner_text(".flash")


@dataclass
class ConsolePage:
    path: str
    title: tuple[str, str]       # zh-CN, en
    diagrams: tuple[str, ...]    # bpmn-js canvases that must be drawn
    control: str                 # the page's main button, reached with Tab
    label: tuple[str, str]       # its text in zh-CN and en
    navigates: bool              # Enter on it loads a page
    done: Any                    # page -> True once Enter did its job


PAGES = {
    "processes": ConsolePage(
        "/console", ("流程与版本", "Processes and versions"), (),
        "#process-hot_work a.btn", ("编辑流程", "Edit process"), True,
        lambda page: page.url.endswith("/console/modeler/hot_work")),
    "diff": ConsolePage(
        "/console/processes/hot_work/diff?from=1&to=2", ("版本比较", "Compare versions"),
        ("#diff-old", "#diff-new"), "form.filters button[type=submit]", ("比较", "Compare"),
        True, lambda page: "from=1&to=2" in page.url),
    "modeler": ConsolePage(
        "/console/modeler/hot_work", ("流程建模", "Process modeler"), ("#modeler",),
        "#modeler-validate", ("校验", "Validate"), False,
        lambda page: "校验通过" in page.inner_text("#modeler-status")),
    "instance": ConsolePage(
        "/console/instances/{instance}", ("流程实例", "Process instance"),
        ("#instance-diagram",), "form[action$='/migrate'] button", ("迁移", "Migrate"), True,
        flash("实例已迁移到第 2 版")),
    "decisions": ConsolePage(
        "/console/decisions", ("决策表", "Decision tables"), (),
        "a.btn[href$='/console/decisions/hot_work_routing.dmn']",
        ("编辑决策表", "Edit decision table"), True,
        lambda page: page.url.endswith("/console/decisions/hot_work_routing.dmn")),
    "decision": ConsolePage(
        "/console/decisions/hot_work_routing.dmn", ("决策表", "Decision tables"),
        ("#decision-editor",), "#decision-validate", ("校验", "Validate"), False,
        lambda page: "校验通过" in page.inner_text("#decision-status")),
    "incidents": ConsolePage(
        "/console/incidents", ("故障", "Incidents"), (), ".incident button.primary",
        ("立即重试", "Retry now"), True, flash("重试仍然失败")),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_console_page_in_both_languages_and_by_keyboard(people, console_state, name):
    spec = PAGES[name]
    path = spec.path.format(**console_state)
    admin = people("admin")
    for lang, html_lang, index in ((None, "zh-CN", 0), ("en", "en", 1)):
        page = admin.open(path, lang)
        assert page.get_attribute("html", "lang") == html_lang
        assert spec.title[index] in page.inner_text("h1")
        assert page.inner_text(spec.control).strip() == spec.label[index]
        for diagram in spec.diagrams:
            wait_rendered(page, diagram)
        admin.check()

    page = admin.open(path)
    for diagram in spec.diagrams:
        wait_rendered(page, diagram)
    tab_to(page, spec.control)
    if spec.navigates:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.keyboard.press("Enter")
    assert _eventually(page, spec.done), (name, page.url)


def _eventually(page: Any, done: Any, tries: int = 50) -> bool:
    for _ in range(tries):
        if done(page):
            return True
        page.wait_for_timeout(100)
    return False


def test_the_decision_table_editor_speaks_the_page_language(people, plant):
    """dmn-js ships English labels only; the page hands it the Chinese ones."""
    designer = people("designer")
    page = designer.open("/console/decisions/hot_work_routing.dmn")
    wait_rendered(page, "#decision-editor")
    table = page.inner_text("#decision-editor")
    assert "当" in table and "则" in table and "When" not in table, table[:300]
    page = designer.open("/console/decisions/hot_work_routing.dmn", "en")
    wait_rendered(page, "#decision-editor")
    assert "When" in page.inner_text("#decision-editor")
    designer.check()
