"""Deploying through the API: real-world files get located problems, never a 500."""

from __future__ import annotations

import io

import pytest

from tests.api import Api
from tests.engine.test_deploy import CORPUS_FILES


def post_files(api: Api, files: list[tuple[str, bytes]]):
    r = api.client.post("/api/v1/process-definitions", headers=api._headers(),
                        data={"files": [(io.BytesIO(c), n) for n, c in files]},
                        content_type="multipart/form-data")
    return r.status_code, r.get_json()


@pytest.fixture()
def designer(plant):
    return Api(plant, "designer")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_through_the_api(designer, path):
    status, body = post_files(designer, [(path.name, path.read_bytes())])
    assert status in (201, 422), body
    if status == 422:
        for problem in body["errors"]["problems"]:
            assert problem["file"] == path.name
            assert problem["line"] is not None or problem["element_id"] is not None


@pytest.mark.parametrize(("files", "fragment"), [
    ([], "no files"),
    ([("notes.txt", b"hello")], "unsupported file type"),
    ([("x.bpmn", b"\xff\xfe\x00garbage")], "UTF-8"),
    ([("x.bpmn", b"<definitions/>")], "not a BPMN"),
    ([("x.bpmn", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                 b"<x>&e;</x>")], "BPMN"),
])
def test_bad_uploads_are_422_with_a_reason(designer, files, fragment):
    status, body = post_files(designer, files)
    assert status == 422
    assert fragment in str(body["errors"]["problems"])


def test_deploy_needs_login(plant):
    r = plant.test_client().post("/api/v1/process-definitions")
    assert r.status_code == 401
