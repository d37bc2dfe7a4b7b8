"""Deploy: versions, located problems, and the sandbox rules checked before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import DeployError, ProcessDefinition
from engine.deploy import check
from tests.engine.conftest import DATA, simple_files

#: the bpmn-miwg test suite's models (CC BY 3.0, tests/data/corpus/README.md), kept in the
#: repository so a fresh clone tests against real modelers' files
CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "bpmn-miwg"
CORPUS_FILES = sorted(CORPUS.rglob("*.bpmn"))


def simple_with(old: str, new: str) -> list[tuple[str, bytes]]:
    files = dict(simple_files())
    files["simple.bpmn"] = files["simple.bpmn"].decode().replace(old, new).encode()
    return list(files.items())


def test_same_content_returns_the_existing_version(session, engine):
    [v1] = engine.deploy(session, simple_files(), actor="designer")
    [again] = engine.deploy(session, simple_files(), actor="designer")
    assert (v1.version, again.id) == (1, v1.id)
    [v2] = engine.deploy(session, simple_with('name="Fill in"', 'name="Fill in v2"'))
    assert v2.version == 2 and v2.sha256 != v1.sha256


def test_a_changed_diagram_may_omit_unchanged_forms(session, engine):
    engine.deploy(session, simple_files())
    bpmn = dict(simple_files())["simple.bpmn"].replace(b"Fill in", b"Fill it")
    [v2] = engine.deploy(session, [("simple.bpmn", bpmn)])
    assert {f["name"] for f in v2.files} == {"simple.bpmn", "simple.fill.schema.json",
                                             "simple.approve.schema.json"}


def test_script_task_importing_is_refused_at_its_element(session, engine):
    bad = simple_with(
        '<bpmn:sequenceFlow id="f5"',
        '<bpmn:scriptTask id="evil" name="Evil"><bpmn:script>x = __import__("os").getpid()'
        '</bpmn:script></bpmn:scriptTask>\n    <bpmn:sequenceFlow id="f5"')
    with pytest.raises(DeployError) as err:
        engine.deploy(session, bad)
    [problem] = [p for p in err.value.problems if p.element_id == "evil"]
    assert "__import__" in problem.message and problem.line is not None
    assert problem.element_name == "Evil"
    assert session.query(ProcessDefinition).count() == 0


@pytest.mark.parametrize("expression", [
    "().__class__.__base__.__subclasses__()", "open('/etc/passwd').read()",
    "getattr(amount, 'real')", "[c for c in ().__class__.__mro__]"])
def test_escapes_in_conditions_are_refused(session, engine, expression):
    bad = simple_with('checked["big"]', expression)
    with pytest.raises(DeployError) as err:
        engine.deploy(session, bad)
    assert any(p.element_id == "f4" for p in err.value.problems)


def test_unknown_operator_missing_form_and_broken_xml_are_located(session, engine):
    problems = check(simple_with('id="test.check"', 'id="test.nope"'),
                     has_operator=engine.registry.__contains__)
    assert [(p.element_id, "not registered" in p.message) for p in problems] == [("check", True)]
    problems = check([f for f in simple_files() if "approve" not in f[0]],
                     has_operator=engine.registry.__contains__)
    assert [p.element_id for p in problems] == ["approve_1"]
    problems = check([("simple.bpmn", b"<bpmn:definitions>\n<oops")], has_operator=bool)
    assert problems[0].line is not None and "XML" in problems[0].message


def test_more_than_four_approvals_in_a_row_is_refused(session, engine):
    chain = "".join(
        f'<bpmn:userTask id="approve_{i}" name="A{i}"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
        'value="simple.approve.schema.json"/></spiffworkflow:properties>'
        f'</bpmn:extensionElements><bpmn:incoming>g{i}</bpmn:incoming>'
        f'<bpmn:outgoing>g{i + 1}</bpmn:outgoing></bpmn:userTask>'
        f'<bpmn:sequenceFlow id="g{i + 1}" sourceRef="approve_{i}" '
        f'targetRef="{"approve_" + str(i + 1) if i < 5 else "end"}"/>'
        for i in range(2, 6))
    bad = simple_with('<bpmn:sequenceFlow id="f6" sourceRef="approve_1" targetRef="end"/>',
                      '<bpmn:sequenceFlow id="g2" sourceRef="approve_1" targetRef="approve_2"/>'
                      + chain)
    problems = check(bad, has_operator=engine.registry.__contains__)
    assert [p.element_id for p in problems if "in a row" in p.message] == ["approve_5"]


@pytest.mark.skipif(not CORPUS_FILES, reason="tests/data/corpus missing")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_deploys_or_is_refused_with_located_problems(session, engine, path):
    try:
        rows = engine.deploy(session, [(path.name, path.read_bytes())])
    except DeployError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == path.name and problem.message
            assert problem.line is not None or problem.element_id is not None, problem
    else:
        assert rows and all(r.version >= 1 for r in rows)


def test_corpus_is_there():
    assert len(CORPUS_FILES) >= 50, CORPUS


def test_forms_must_be_valid_json_schema(session, engine):
    files = dict(simple_files())
    files["simple.fill.schema.json"] = b'{"type": "object", "properties": {"a": {"type": 5}}}'
    with pytest.raises(DeployError) as err:
        engine.deploy(session, list(files.items()))
    assert err.value.problems[0].file == "simple.fill.schema.json"


def test_data_dir_has_the_fixture(data_dir):
    assert (DATA / "simple.bpmn").exists()
