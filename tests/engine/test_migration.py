"""Version diffs and moving running instances between versions (engine level)."""

from __future__ import annotations

import pytest

from engine import HumanTask, MigrationRefused, StaleInstance, audit
from engine.versions import diff_versions
from tests.engine.conftest import DATA, simple_files

SIMPLE = (DATA / "simple.bpmn").read_text()

# v2: a review step between "fill" and "check"
WITH_REVIEW = SIMPLE.replace(
    '<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="check"/>',
    '<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="review"/>'
    '<bpmn:userTask id="review" name="Review"><bpmn:extensionElements>'
    '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
    'value="simple.approve.schema.json"/></spiffworkflow:properties></bpmn:extensionElements>'
    '<bpmn:incoming>f2</bpmn:incoming>'
    '<bpmn:outgoing>f2b</bpmn:outgoing></bpmn:userTask>'
    '<bpmn:sequenceFlow id="f2b" sourceRef="review" targetRef="check"/>').replace(
    '<bpmn:flowNodeRef>fill</bpmn:flowNodeRef>',
    '<bpmn:flowNodeRef>fill</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>'
).replace('<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>',
          '<bpmn:incoming>f2b</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>')

# v2': "fill" is gone: the process starts with the check
_FILL = SIMPLE[SIMPLE.index('<bpmn:userTask id="fill"'):SIMPLE.index('<bpmn:serviceTask id="check"')]
WITHOUT_FILL = SIMPLE.replace(_FILL, "").replace(
    '<bpmn:flowNodeRef>fill</bpmn:flowNodeRef>', '').replace(
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>',
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>').replace(
    '<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="check"/>', '').replace(
    '<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>',
    '<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>')


def deploy(engine, session, bpmn: str, notes: str = ""):
    files = [(n, c) for n, c in simple_files() if n != "simple.bpmn"]
    return engine.deploy(session, [("simple.bpmn", bpmn.encode()), *files], notes=notes)[0]


def open_tasks(session, instance_id):
    return session.query(HumanTask).filter_by(instance_id=instance_id, status="open").all()


def test_a_modeler_resaving_the_same_process_is_no_change(session, engine):
    """bpmn-js writes default attributes out and reorders reference lists on save."""
    import re

    lane = re.search(r'<bpmn:lane id="lane_boss"[^>]*>(.*?)</bpmn:lane>', SIMPLE).group(1)
    refs = re.findall(r"<bpmn:flowNodeRef>.*?</bpmn:flowNodeRef>", lane)
    resaved = SIMPLE.replace(lane, "".join(reversed(refs))).replace(
        ' cancelActivity="true"', "")  # the default, left out
    assert resaved != SIMPLE and "cancelActivity" not in resaved
    deploy(engine, session, SIMPLE)
    deploy(engine, session, resaved)
    assert diff_versions(session, "simple", 1, 2).as_dict()["identical"]
    interrupting = resaved.replace('<bpmn:boundaryEvent id="wait"',
                                   '<bpmn:boundaryEvent cancelActivity="false" id="wait"')
    deploy(engine, session, interrupting)
    [changed] = diff_versions(session, "simple", 2, 3).as_dict()["changed"]
    assert (changed["id"], changed["fields"]) == ("wait", ["cancelActivity"])


def test_diff_names_added_removed_and_changed_elements(session, engine):
    deploy(engine, session, SIMPLE)
    deploy(engine, session, WITH_REVIEW)
    diff = diff_versions(session, "simple", 1, 2).as_dict()
    assert {e["id"] for e in diff["added"]} == {"review", "f2b"}
    assert diff["removed"] == []
    changed = {e["id"]: e["fields"] for e in diff["changed"]}
    assert "targetRef" in changed["f2"] and "incoming" in changed["check"]
    assert "lane_clerk" in changed and not diff["identical"]
    back = diff_versions(session, "simple", 2, 1).as_dict()
    assert {e["id"] for e in back["removed"]} == {"review", "f2b"}
    assert diff_versions(session, "simple", 1, 1).as_dict()["identical"]


def test_waiting_instance_moves_to_a_version_with_a_new_task(session, engine):
    deploy(engine, session, SIMPLE)
    row = engine.start(session, "simple", {"ref": "A1"}, actor="alice")
    [fill] = open_tasks(session, row.id)
    deploy(engine, session, WITH_REVIEW)
    preview = engine.migration_preview(session, row.id)
    assert preview.possible and preview.to_version == 2
    assert "review" in preview.added and preview.orphaned == []
    assert [t["bpmn_id"] for t in preview.reset] == ["fill"]

    revision = row.revision
    engine.migrate(session, row.id, to_version=None, actor="admin",
                   expected_revision=revision)
    assert row.definition.version == 2 and row.revision > revision
    [still] = open_tasks(session, row.id)
    assert still.id == fill.id  # the inbox row survives the move
    engine.complete_task(session, fill.id, {"amount": 5}, actor="alice")
    [review] = open_tasks(session, row.id)
    assert review.bpmn_id == "review"
    engine.complete_task(session, review.id, {"decision": "approve"}, actor="bob")
    assert row.status == "completed"
    [migrated] = [e for e in audit.pending(session) if e["action"] == "instance.migrated"]
    assert migrated["actor"] == "admin" and migrated["process_version"] == 2
    assert migrated["data"]["from_version"] == 1 and "review" in migrated["data"]["added"]


def test_move_is_refused_when_the_waiting_task_is_removed(session, engine):
    deploy(engine, session, SIMPLE)
    row = engine.start(session, "simple", {})
    deploy(engine, session, WITHOUT_FILL)
    preview = engine.migration_preview(session, row.id, to_version=2)
    assert not preview.possible
    assert [t["bpmn_id"] for t in preview.orphaned] == ["fill"]
    revision = row.revision
    with pytest.raises(MigrationRefused) as err:
        engine.migrate(session, row.id, to_version=2, actor="admin")
    assert "fill" in str(err.value)
    assert row.definition.version == 1 and row.revision == revision
    assert not [e for e in audit.pending(session) if e["action"] == "instance.migrated"]


def test_stale_revision_and_same_version_are_refused(session, engine):
    deploy(engine, session, SIMPLE)
    row = engine.start(session, "simple", {})
    with pytest.raises(MigrationRefused, match="already on version 1"):
        engine.migrate(session, row.id, to_version=1, actor="admin")
    deploy(engine, session, WITH_REVIEW)
    with pytest.raises(StaleInstance):
        engine.migrate(session, row.id, to_version=2, actor="admin",
                       expected_revision=row.revision - 1)


def test_redeploy_makes_an_old_version_the_newest(session, engine):
    deploy(engine, session, SIMPLE)
    deploy(engine, session, WITH_REVIEW)
    row = engine.redeploy(session, "simple", 1, actor="admin", notes="review step not wanted")
    assert row.version == 3 and "review step not wanted" in row.notes
    assert row.sha256 == engine.definition(session, "simple", 1).sha256
    assert engine.redeploy(session, "simple", 1).version == 3  # already the newest: no-op
    assert diff_versions(session, "simple", 1, 3).as_dict()["identical"]
