"""Diagrams drawn by bpmn-js: the instance view's markers, every corpus file in the modeler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api import Api
from tests.browser.conftest import Person, csrf_enabled, login, wait_rendered
from tests.conftest import seed_plant
from tests.engine.test_deploy import CORPUS_FILES
from tests.web.conftest import new_permit

MARKED = """(kind) => [...document.querySelectorAll(`#instance-diagram .djs-element.${kind}`)]
                       .map(e => e.getAttribute("data-element-id")).sort()"""


def test_instance_view_of_a_live_permit_marks_its_current_task(people, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, area="W-1", prepared=True)
    Api(plant, "watcher").complete(permit["id"], "watcher_sign_in", {"present": True})
    applicant = permit["api"]
    assert applicant.get(f"/permits/{permit['id']}").json["status"] == "active"
    instance = permit["process"]["instance_id"]
    view = applicant.get(f"/instances/{instance}").json
    waiting = sorted(c["id"] for c in view["current"])
    assert "work" in waiting

    page = people("applicant").open(f"/console/instances/{instance}")
    wait_rendered(page, "#instance-diagram")
    assert page.evaluate(MARKED, "pf-current") == waiting
    executed = page.evaluate(MARKED, "pf-executed")
    assert {"safety_measures", "gas_test", "watcher_sign_in"} <= set(executed)
    assert "work" not in executed and "close" not in executed + waiting
    work = page.locator('#instance-diagram [data-element-id="work"]')
    assert work.is_visible()
    assert page.locator("#instance-diagram .pf-badge").count() == len(waiting)


# -- the bpmn-miwg corpus through the modeler ------------------------------------------------
@pytest.fixture(scope="module")
def corpus_tab(app, chromium, live_server) -> Iterator[Person]:
    """One designer's modeler tab for the whole corpus: a file is picked per test."""
    seed_plant(app)
    with csrf_enabled(app):
        person = login(chromium, live_server, "designer")
        wait_rendered(person.open("/console/modeler/hot_work"), "#modeler")
        person.check()
        yield person
        person.page.context.close()


DRAWN_PROBLEMS = """(ids) => ids.filter(id => {
  const element = window.permitflowModeler.get("elementRegistry").get(id);
  return element && element.parent;  // drawn, and not the canvas root (a whole process)
}).map(id => [id, !!document.querySelector(
  `#modeler .djs-element[data-element-id="${CSS.escape(id)}"].pf-problem`)])"""


@pytest.mark.skipif(not CORPUS_FILES, reason="tests/data/corpus missing")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_is_drawn_then_deploys_or_shows_located_problems(corpus_tab: Person,
                                                                     path: Path):
    page: Any = corpus_tab.page
    corpus_tab.problems.clear()
    page.evaluate("""() => { document.getElementById("modeler").removeAttribute("data-rendered");
                             document.getElementById("modeler-status").textContent = ""; }""")
    page.set_input_files("#modeler-file", str(path))
    # drawn, or the modeler says why not: either way no waiting for a timeout
    page.wait_for_function("""(name) => document.getElementById("modeler")
        .getAttribute("data-rendered") === name
        || document.getElementById("modeler-status").textContent""", arg=path.name)
    assert page.get_attribute("#modeler", "data-rendered") == path.name, \
        (page.inner_text("#modeler-status"), corpus_tab.problems)
    corpus_tab.check()

    with page.expect_response(lambda r: r.url.endswith("/deploy")) as answer:
        page.click("#modeler-deploy")
    body = answer.value.json()
    if answer.value.status == 200:
        assert body["ok"] and body["versions"]
        page.wait_for_function("() => document.getElementById('modeler-status').textContent"
                               ".includes('已部署')")
        assert page.locator("#modeler-problems li.problem").count() == 0
    else:
        assert answer.value.status == 422, body
        problems = body["problems"]
        assert problems and all(p["line"] or p["element_id"] for p in problems), problems
        shown = page.locator("#modeler-problems li.problem")
        shown.nth(len(problems) - 1).wait_for()
        assert shown.count() == len(problems)
        ids = sorted({p["element_id"] for p in problems if p["element_id"]})
        assert all(marked for _, marked in page.evaluate(DRAWN_PROBLEMS, ids)), \
            page.evaluate(DRAWN_PROBLEMS, ids)
        assert "已部署" not in page.inner_text("#modeler-status")
    corpus_tab.check()
