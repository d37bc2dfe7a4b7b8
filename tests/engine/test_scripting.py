"""The sandbox holds at run time too, for anything that slipped past deploy."""

from __future__ import annotations

import pytest

from engine import HumanTask, Incident, ProcessDefinition, ScriptPolicyError, clock
from engine.deploy import content_hash, read_sources
from engine.scripting import RestrictedEnvironment, check_source
from tests.engine.conftest import simple_files

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "__import__('os').getpid()",
    "open('/etc/passwd').read()",
    "eval('1')",
    "type(1)",
    "[x for x in (1).__class__.__mro__]",
    "getattr(1, '__class__')",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escapes_are_rejected_by_the_checker(source):
    assert check_source(source)


@pytest.mark.parametrize("source", ESCAPES)
def test_escapes_cannot_run(source):
    with pytest.raises(ScriptPolicyError):
        RestrictedEnvironment().evaluate(source, {})


def test_ordinary_expressions_still_work():
    env = RestrictedEnvironment()
    assert env.evaluate('facts["x"] >= 5 and grade in ("a", "b")',
                        {"facts": {"x": 7}, "grade": "a"}) is True
    ctx = {"items": [1, 2, 3]}
    env.execute("total = 0\nfor i in items:\n    total += i\nbig = total > 5", ctx)
    assert (ctx["total"], ctx["big"]) == (6, True)


def test_a_stored_definition_that_skipped_deploy_cannot_escape(session, engine):
    """Even a definition written straight into the table runs sandboxed: an incident."""
    files = dict(simple_files())
    files["simple.bpmn"] = files["simple.bpmn"].replace(
        b'<bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="end"/>',
        b'<bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="evil"/>'
        b'<bpmn:scriptTask id="evil"><bpmn:incoming>f5</bpmn:incoming>'
        b'<bpmn:outgoing>f8</bpmn:outgoing><bpmn:script>pid = __import__("os").getpid()'
        b'</bpmn:script></bpmn:scriptTask>'
        b'<bpmn:sequenceFlow id="f8" sourceRef="evil" targetRef="end"/>')
    sources, _ = read_sources(files.items())
    session.add(ProcessDefinition(
        key="simple", version=1, name="smuggled", sha256=content_hash(sources),
        main_file="simple.bpmn", files=[{"name": s.name, "kind": s.kind, "content": s.content}
                                        for s in sources], warnings=[],
        deployed_at=clock.now()))
    session.flush()
    row = engine.start(session, "simple", {})
    [fill] = session.query(HumanTask).filter_by(instance_id=row.id, status="open").all()
    engine.complete_task(session, fill.id, {"amount": 1})
    incident = session.query(Incident).one()
    assert incident.bpmn_id == "evil" and "__import__" in incident.error
    assert row.status == "running"
