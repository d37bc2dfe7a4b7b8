"""Drafts: stored as saved, refused with located problems, one per (key, author)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engine import Draft, DraftRefused, drafts
from tests.engine.conftest import simple_files

NOW = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)


def count(session) -> int:
    return session.execute(select(func.count(Draft.id))).scalar_one()


def test_saving_again_replaces_the_authors_draft_only(session):
    files = simple_files()
    first = drafts.save(session, "simple", "alice", files, now=NOW, based_on_version=1,
                        notes="first try")
    drafts.save(session, "simple", "bob", files, now=NOW, based_on_version=1)
    edited = [(n, c.replace(b'name="Fill in"', b'name="Fill in v2"') if n.endswith(".bpmn")
               else c) for n, c in files]
    again = drafts.save(session, "simple", "alice", edited, now=NOW, based_on_version=1)
    assert again.id == first.id and count(session) == 2
    assert 'name="Fill in v2"' in again.bpmn_xml and again.notes is None
    assert again.sha256 != drafts.get(session, "simple", "bob").sha256
    assert sorted(f["kind"] for f in again.files) == ["bpmn", "form", "form"]
    assert drafts.discard(session, "simple", "alice") is True
    assert drafts.discard(session, "simple", "alice") is False
    assert drafts.get(session, "simple", "bob") is not None


@pytest.mark.parametrize(("files", "where", "says"), [
    ([("simple.bpmn", b"<bpmn:definitions xmlns:bpmn='x'>\n<oops></bpmn:definitions>")],
     ("simple.bpmn", 2), "not well-formed XML"),
    ([("simple.bpmn", b"<notbpmn/>")], ("simple.bpmn", 1), "not a BPMN 2.0"),
    ([("simple.bpmn", dict(simple_files())["simple.bpmn"]),
      ("form.json", b'{"type": "object",\n "x": }')], ("form.json", 2), "invalid JSON"),
    ([("simple.bpmn", b"x" * (5 * 1024 * 1024 + 1))], ("simple.bpmn", None),
     "larger than 5 MiB"),
    ([("notes.txt", b"hello")], ("notes.txt", None), "unsupported file type"),
    ([("a.dmn", b"<x/>")], ("a.dmn", 1), "not a DMN"),
])
def test_unreadable_files_are_refused_with_located_problems(session, files, where, says):
    with pytest.raises(DraftRefused) as refused:
        drafts.save(session, "simple", "alice", files, now=NOW)
    located = [(p.file, p.line) for p in refused.value.problems if says in p.message]
    assert located == [where], refused.value.problems
    assert count(session) == 0


def test_a_draft_holds_exactly_one_diagram(session):
    bpmn = dict(simple_files())["simple.bpmn"]
    with pytest.raises(DraftRefused) as refused:
        drafts.save(session, "simple", "alice", [("a.bpmn", bpmn), ("b.bpmn", bpmn)], now=NOW)
    assert "exactly one .bpmn" in refused.value.problems[0].message


def test_a_deploy_deletes_the_deployers_drafts_of_that_process(session, engine):
    drafts.save(session, "simple", "alice", simple_files(), now=NOW, based_on_version=1)
    drafts.save(session, "simple", "bob", simple_files(), now=NOW, based_on_version=1)
    drafts.save(session, "other", "alice", simple_files(), now=NOW)
    engine.deploy(session, simple_files(), actor="alice")
    assert drafts.get(session, "simple", "alice") is None
    assert drafts.get(session, "simple", "bob") is not None
    assert drafts.get(session, "other", "alice") is not None
