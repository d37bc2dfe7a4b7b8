"""Drafts: a designer's edit of a process saved without deploying it.

A draft is only stored, never parsed into specs or run: it may be incomplete or fail the
deploy lint (that is what drafts are for). What it must be is readable later, so a save is
refused, with located problems and nothing stored, when a file is not well-formed XML or
JSON, of an unknown type, or too large. One draft per (process key, author): saving again
replaces it; a deploy by that author deletes it (:func:`clear`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from lxml import etree
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import lint
from .deploy import _parse_xml, content_hash, read_sources
from .errors import DraftRefused, Problem
from .models import Draft

#: all files of one draft together (each file is also held to deploy's 5 MiB)
MAX_DRAFT_BYTES = 8 * 1024 * 1024


def _problems(files: list[tuple[str, bytes | str]]) -> tuple[list, list[Problem]]:
    total = sum(len(raw) for _, raw in files)
    if total > MAX_DRAFT_BYTES:
        return [], [Problem(file="(upload)", message=f"the draft's files are {total} bytes "
                            f"together, more than {MAX_DRAFT_BYTES // (1024 * 1024)} MiB",
                            hint="save the diagram with only the decision tables and forms "
                                 "you changed")]
    sources, problems = read_sources(files)
    for source in sources:
        if source.kind == "form":
            try:
                json.loads(source.content)
            except json.JSONDecodeError as exc:
                problems.append(Problem(file=source.name, line=exc.lineno,
                                        message=f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        root, found = _parse_xml(source)
        problems.extend(found)
        if root is None:
            continue
        namespace = etree.QName(root).namespace
        if source.kind == "bpmn" and namespace != lint.BPMN:
            problems.append(Problem(file=source.name, line=root.sourceline,
                                    message="not a BPMN 2.0 definitions document"))
        elif source.kind == "dmn" and namespace not in lint.DMN_NAMESPACES:
            problems.append(Problem(file=source.name, line=root.sourceline,
                                    message="not a DMN 1.2/1.3 definitions document"))
    bpmn = [s for s in sources if s.kind == "bpmn"]
    if len(bpmn) != 1 and not any(p.file == s.name for p in problems for s in bpmn):
        problems.append(Problem(file="(upload)",
                                message="a draft holds exactly one .bpmn file "
                                        f"({len(bpmn)} given)"))
    return sources, problems


def save(session: Session, key: str, author: str, files: Iterable[tuple[str, bytes | str]],
         *, now: datetime, based_on_version: int | None = None,
         notes: str | None = None) -> Draft:
    """Store (or replace) ``author``'s draft of ``key``; raise :class:`DraftRefused`."""
    files = list(files)
    sources, problems = _problems(files)
    if problems:
        raise DraftRefused(problems)
    row = get(session, key, author) or Draft(process_key=key, author=author)
    row.files = [{"name": s.name, "kind": s.kind, "content": s.content} for s in sources]
    row.sha256 = content_hash(sources)
    row.based_on_version = based_on_version
    row.notes = notes
    row.saved_at = now
    session.add(row)
    session.flush()
    return row


def get(session: Session, key: str, author: str) -> Draft | None:
    return session.execute(select(Draft).where(Draft.process_key == key,
                                               Draft.author == author)).scalar_one_or_none()


def discard(session: Session, key: str, author: str) -> bool:
    """Delete the draft; False when there was none."""
    row = get(session, key, author)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def clear(session: Session, keys: Iterable[str], author: str | None) -> None:
    """A deploy by ``author`` supersedes their drafts of the deployed processes."""
    keys = list(keys)
    if author and keys:
        session.execute(delete(Draft).where(Draft.process_key.in_(keys),
                                            Draft.author == author))
