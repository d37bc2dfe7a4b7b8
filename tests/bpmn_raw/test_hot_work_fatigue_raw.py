"""Raw SpiffWorkflow tests of the pre-approval hold in hot_work.bpmn: a fatigue warning
routes the application to the team leader's fatigue_review before anything else."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from test_hot_work_raw import (
    BPMN_FILE,
    DMN_FILES,
    PERMIT_ID,
    PROCESS_ID,
    StubEngine,
    complete,
    finish,
    finished_ids,
    load_form,
    prepare,
    ready,
    start,
    stub_results,
)

RELEASE = {"decision": "release", "comment": "本月已安排轮休，同意继续"}
REFUSE = {"decision": "reject", "comment": "连续受限空间焊接，换人作业"}


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(BPMN_FILE)])
    parser.add_dmn_files([str(f) for f in DMN_FILES])
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


def test_no_warning_goes_straight_to_the_safety_measures(specs):
    engine = StubEngine(stub_results())
    wf = start(specs, engine)
    assert set(ready(wf)) == {"safety_measures"}
    assert engine.params("credentials.fatigue_check") == [{"permit_id": PERMIT_ID}]
    assert "credentials.release_hold" not in engine.ops()


def test_warning_freezes_until_the_team_leader_releases(specs):
    engine = StubEngine(stub_results(fatigue=True))
    wf = start(specs, engine)
    assert set(ready(wf)) == {"fatigue_review"}
    assert ready(wf)["fatigue_review"].task_spec.lane == "team_leader"
    complete(wf, "fatigue_review", RELEASE)
    assert engine.params("credentials.release_hold") == [
        {"permit_id": PERMIT_ID, **RELEASE}]
    assert set(ready(wf)) == {"safety_measures"}
    prepare(wf)
    complete(wf, "watcher_sign_in", {"present": True})
    finish(wf)
    assert {"fatigue_review", "release_hold", "end_closed"} <= finished_ids(wf)


def test_rejected_review_ends_like_any_rejection(specs):
    engine = StubEngine(stub_results(fatigue=True))
    wf = start(specs, engine)
    complete(wf, "fatigue_review", REFUSE)
    assert wf.is_completed()
    done = finished_ids(wf)
    assert {"mark_rejected", "end_rejected"} <= done
    assert not done & {"safety_measures", "gas_test", "approve_1", "watcher_sign_in"}
    assert engine.params("permit.reject") == [{"permit_id": PERMIT_ID}]


@pytest.mark.parametrize("bad", [{}, {"decision": "release"}, {"decision": "maybe",
                                                                "comment": "x"},
                                 {**RELEASE, "fatigue_check": {"fatigue": False}}])
def test_review_form_needs_a_decision_and_a_reason(bad):
    validator = Draft202012Validator(load_form("fatigue_review"))
    validator.validate(RELEASE)
    assert not validator.is_valid(bad)
