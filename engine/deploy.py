"""Deploy: parse, validate and lint BPMN/DMN/form sources, then store a new version.

A deploy that fails stores nothing and reports every problem found, each located (file,
line, element). The same content deployed again returns the existing version. Versions
rise per process key; running instances stay pinned to the version they started on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, lint
from .errors import DeployError, Problem
from .models import ProcessDefinition

MAX_FILE_BYTES = 5 * 1024 * 1024
KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}


@dataclass
class SourceFile:
    name: str
    content: str
    kind: str


@dataclass
class ParsedDefinition:
    """A deployed definition ready to run: parsed specs plus its form schemas."""

    key: str
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)


def _xml_parser() -> etree.XMLParser:
    # No entity expansion, no network: uploaded XML is untrusted.
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False,
                           huge_tree=False)


def read_sources(files: Iterable[tuple[str, bytes | str]]) -> tuple[list[SourceFile],
                                                                      list[Problem]]:
    sources: list[SourceFile] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for raw_name, raw in files:
        name = Path(raw_name or "").name
        kind = KINDS.get(Path(name).suffix.lower())
        if not name or kind is None:
            problems.append(Problem(file=name or "(unnamed)",
                                    message="unsupported file type",
                                    hint="upload .bpmn, .dmn and .json (form schema) files"))
            continue
        if name in seen:
            problems.append(Problem(file=name, message="the same file name was given twice"))
            continue
        seen.add(name)
        if len(raw) > MAX_FILE_BYTES:
            problems.append(Problem(file=name, message="file is larger than 5 MiB"))
            continue
        try:
            text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            problems.append(Problem(file=name, message=f"not UTF-8 text (byte {exc.start})"))
            continue
        sources.append(SourceFile(name, text, kind))
    return sources, problems


def _parse_xml(source: SourceFile) -> tuple[Any, list[Problem]]:
    try:
        root = etree.fromstring(source.content.encode("utf-8"), _xml_parser())
    except etree.XMLSyntaxError as exc:
        return None, [Problem(file=source.name, line=exc.lineno,
                              message=f"not well-formed XML: {exc.msg}")]
    return root, []


def _schema_problems(source: SourceFile, root: Any) -> list[Problem]:
    schema = VALIDATOR.validator
    VALIDATOR.preprocess(root)
    if schema.validate(root):
        return []
    problems = []
    for err in schema.error_log:
        problems.append(Problem(file=source.name, line=err.line,
                                message=f"BPMN schema: {err.message}",
                                hint="check the element against the BPMN 2.0 specification"))
    return problems


#: clearer advice for the parser's most common complaints
_HINTS = {
    "Multiple outgoing flows": "add an exclusive or parallel gateway after the task",
    "Exactly one start event": "give the subprocess exactly one start event",
    "Data Store": "data stores are not executed here; remove it or model the data as "
                  "task data",
}


def _spiff_problem(file: str, exc: Exception) -> Problem:
    if isinstance(exc, ValidationException):
        message = " ".join(str(exc).split()) or type(exc).__name__
        hint = next((h for k, h in _HINTS.items() if message.startswith(k)),
                    "the engine cannot execute this element as modelled")
        return Problem(file=exc.file_name or file, line=exc.line_number or None,
                       element_id=exc.id or None, element_name=exc.name or None,
                       message=message, hint=hint)
    return Problem(file=file, message=f"{type(exc).__name__}: {exc}".split("\n")[0],
                   hint="the engine cannot execute this diagram as modelled")


def build(sources: list[SourceFile], has_operator: Callable[[str], bool]
          ) -> tuple[dict[str, ParsedDefinition], dict[str, str], list[Problem]]:
    """Parse and lint; return parsed definitions by key, key → main file, and problems."""
    problems: list[Problem] = []
    trees: list[lint.SourceTree] = []
    forms: dict[str, dict[str, Any]] = {}
    for source in sources:
        if source.kind == "form":
            schema, found = lint.check_form_schema(source.name, source.content)
            problems.extend(found)
            if schema is not None:
                forms[source.name] = schema
            continue
        root, found = _parse_xml(source)
        problems.extend(found)
        if root is None:
            continue
        if source.kind == "bpmn":
            if etree.QName(root).namespace != lint.BPMN:
                problems.append(Problem(file=source.name, line=root.sourceline,
                                        message="not a BPMN 2.0 definitions document"))
                continue
            problems.extend(_schema_problems(source, root))
        elif etree.QName(root).namespace not in lint.DMN_NAMESPACES:
            problems.append(Problem(file=source.name, line=root.sourceline,
                                    message="not a DMN 1.2/1.3 definitions document"))
            continue
        trees.append(lint.SourceTree(source.name, source.kind, root))
    if not any(t.kind == "bpmn" for t in trees):
        if not any(s.kind == "bpmn" for s in sources):
            problems.append(Problem(file="(upload)", message="no BPMN file was given"))
        return {}, {}, problems

    parser = SpiffBpmnParser()
    for tree in trees:
        try:
            if tree.kind == "bpmn":
                parser.add_bpmn_xml(tree.root, filename=tree.name)
            else:
                parser.add_dmn_xml(tree.root, filename=tree.name)
        except (SpiffWorkflowException, ValueError, KeyError, AttributeError, TypeError) as exc:
            problems.append(_spiff_problem(tree.name, exc))

    keys = parser.get_process_ids()
    if not keys:
        first = next(t for t in trees if t.kind == "bpmn")
        problems.append(Problem(file=first.name, line=first.root.sourceline,
                                message="no executable process",
                                hint='set isExecutable="true" on the process to deploy'))
    for tree in trees:
        if tree.kind == "bpmn":
            problems.extend(lint.check_operators(tree, has_operator))
            problems.extend(lint.check_forms(tree, forms))
            problems.extend(lint.check_approval_chains(tree))
            problems.extend(lint.check_lanes(tree))
        problems.extend(lint.check_scripts(tree))

    _fill_locations(problems, trees)
    parsed: dict[str, ParsedDefinition] = {}
    main_files: dict[str, str] = {}
    if any(p.severity == "error" for p in problems):
        return parsed, main_files, problems
    for key in keys:
        try:
            spec = parser.get_spec(key)
            subs = parser.get_subprocess_specs(key)
        except (SpiffWorkflowException, ValueError, KeyError, AttributeError, TypeError) as exc:
            problems.append(_spiff_problem(parser.process_parsers[key].filename or "", exc))
            continue
        parsed[key] = ParsedDefinition(key, spec, subs, forms)
        main_files[key] = parser.process_parsers[key].filename
    _fill_locations(problems, trees)
    return parsed, main_files, problems


def _fill_locations(problems: list[Problem], trees: list[lint.SourceTree]) -> None:
    """Complete each problem's line or element from the source, whichever the parser omitted."""
    by_file = {t.name: t.root for t in trees}
    for problem in problems:
        root = by_file.get(problem.file)
        if root is None:
            continue
        if problem.element_id and problem.line is None:
            found = root.xpath("//*[@id=$id]", id=problem.element_id)
            if found:
                problem.line = found[0].sourceline
                problem.element_name = problem.element_name or found[0].get("name")
        elif problem.line is None and not problem.element_id:
            # Some parser messages name the element only by its name ("… with name X …").
            match = re.search(r"with name (.+?)(?: has|\.?$)", problem.message)
            found = root.xpath("//*[@id and normalize-space(@name)=$n]",
                                n=" ".join(match.group(1).split())) \
                if match else []
            if found:
                problem.line, problem.element_id = found[0].sourceline, found[0].get("id")
                problem.element_name = found[0].get("name")
        elif problem.line and not problem.element_id:
            for node in root.iter():
                if isinstance(node.tag, str) and node.sourceline == problem.line \
                        and node.get("id"):
                    problem.element_id, problem.element_name = node.get("id"), node.get("name")
                    break


def content_hash(sources: list[SourceFile]) -> str:
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: s.name):
        digest.update(source.name.encode() + b"\0" + source.content.encode() + b"\0")
    return digest.hexdigest()


def _complete_from_previous(session: Session, sources: list[SourceFile]) -> list[str]:
    """Take DMN and form files the diagram uses but the upload lacks from the latest version.

    A designer who changed only the diagram should not have to upload every form again.
    """
    names = {s.name for s in sources}
    wanted: set[str] = set()
    decisions: set[str] = set()
    for source in sources:
        if source.kind != "bpmn":
            continue
        root, _ = _parse_xml(source)
        if root is None:
            continue
        for prop in root.iter(f"{{{lint.SPIFF}}}property"):
            if prop.get("name") == lint.FORM_PROPERTY and prop.get("value"):
                wanted.add(prop.get("value"))
        for node in root.iter(f"{{{lint.SPIFF}}}calledDecisionId"):
            if node.text:
                decisions.add(node.text.strip())
        process_keys = [p.get("id") for p in lint._executable_processes(
            lint.SourceTree(source.name, "bpmn", root))]
        for key in process_keys:
            latest = latest_definition(session, key)
            if latest is None:
                continue
            for f in latest.files:
                if f["name"] in names:
                    continue
                if (f["kind"] == "form" and f["name"] in wanted) or (f["kind"] == "dmn" and any(
                        f'id="{d}"' in f["content"] for d in decisions)):
                    sources.append(SourceFile(f["name"], f["content"], f["kind"]))
                    names.add(f["name"])
    return sorted(names)


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    return session.execute(
        select(ProcessDefinition).where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc()).limit(1)
    ).scalar_one_or_none()


def deploy(session: Session, files: Iterable[tuple[str, bytes | str]], *,
           has_operator: Callable[[str], bool], now: datetime, actor: str | None = None,
           notes: str | None = None, reuse_latest_only: bool = False
           ) -> list[ProcessDefinition]:
    """Deploy in the caller's transaction; raise :class:`DeployError` with every problem.

    ``reuse_latest_only`` (a roll back): the content of an *older* version becomes a new
    version; only when the latest already has this content is nothing stored.
    """
    sources, problems = read_sources(files)
    if not problems:
        _complete_from_previous(session, sources)
    parsed, main_files, found = build(sources, has_operator) if sources else ({}, {}, [])
    problems.extend(found)
    errors = [p for p in problems if p.severity == "error"]
    if errors or not parsed:
        raise DeployError(errors or problems or [Problem(file="(upload)",
                                                         message="nothing to deploy")])
    digest = content_hash(sources)
    warnings = [p.as_dict() for p in problems]
    stored = [{"name": s.name, "kind": s.kind, "content": s.content} for s in sources]
    result = []
    for key, definition in parsed.items():
        existing = session.execute(
            select(ProcessDefinition).where(ProcessDefinition.key == key,
                                            ProcessDefinition.sha256 == digest)
            .order_by(ProcessDefinition.version.desc()).limit(1)
        ).scalar_one_or_none()
        if existing is not None and reuse_latest_only:
            latest = latest_definition(session, key)
            existing = existing if latest is not None and latest.id == existing.id else None
        if existing is not None:
            result.append(existing)
            continue
        version = (session.execute(select(func.max(ProcessDefinition.version))
                                   .where(ProcessDefinition.key == key)).scalar() or 0) + 1
        row = ProcessDefinition(key=key, version=version, name=definition.spec.description,
                                sha256=digest, main_file=main_files[key], files=stored,
                                warnings=warnings, deployed_by=actor, deployed_at=now,
                                notes=notes)
        session.add(row)
        session.flush()
        audit.append(session, action="definition.deployed", at=now, actor=actor,
                     process_key=key, process_version=version,
                     data={"sha256": digest, "files": [s.name for s in sources],
                           "notes": notes})
        result.append(row)
    return result


def check(files: Iterable[tuple[str, bytes | str]], *, has_operator: Callable[[str], bool],
          session: Session | None = None) -> list[Problem]:
    """Validate without storing (the modeler's "validate" button).

    With a ``session``, DMN and form files the diagram names are taken from the latest
    version as a deploy would, so a designer can validate an edited diagram on its own.
    """
    sources, problems = read_sources(files)
    if session is not None and not problems:
        _complete_from_previous(session, sources)
    if sources:
        problems.extend(build(sources, has_operator)[2])
    return problems


_cache: dict[tuple[int, str], ParsedDefinition] = {}


def parsed(definition: ProcessDefinition) -> ParsedDefinition:
    """The parsed specs of a stored definition, parsed once per process."""
    cache_key = (definition.id, definition.sha256)
    hit = _cache.get(cache_key)
    if hit is not None:
        return hit
    sources = [SourceFile(f["name"], f["content"], f["kind"]) for f in definition.files]
    parser = SpiffBpmnParser()
    forms: dict[str, dict[str, Any]] = {}
    for source in sources:
        if source.kind == "form":
            forms[source.name] = json.loads(source.content)
        elif source.kind == "bpmn":
            parser.add_bpmn_xml(etree.fromstring(source.content.encode(), _xml_parser()),
                                filename=source.name)
        else:
            parser.add_dmn_xml(etree.fromstring(source.content.encode(), _xml_parser()),
                               filename=source.name)
    result = ParsedDefinition(definition.key, parser.get_spec(definition.key),
                              parser.get_subprocess_specs(definition.key), forms)
    _cache[cache_key] = result
    return result


def collect_related(bpmn_path: Path) -> list[tuple[str, bytes]]:
    """A BPMN file plus the DMN and form files it names, found beside it or in ``forms/``.

    For deploying from a folder (``permitflow init``, ``permitflow deploy FILE``).
    """
    files = [(bpmn_path.name, bpmn_path.read_bytes())]
    root = etree.fromstring(files[0][1], _xml_parser())
    folder = bpmn_path.parent
    decisions = {n.text.strip() for n in root.iter(f"{{{lint.SPIFF}}}calledDecisionId")
                 if n.text}
    if decisions:
        for dmn in sorted(folder.glob("*.dmn")):
            tree = etree.fromstring(dmn.read_bytes(), _xml_parser())
            ids = {d.get("id") for d in tree.iter() if isinstance(d.tag, str)
                   and etree.QName(d).localname == "decision"}
            if ids & decisions:
                files.append((dmn.name, dmn.read_bytes()))
    for prop in root.iter(f"{{{lint.SPIFF}}}property"):
        if prop.get("name") == lint.FORM_PROPERTY and prop.get("value"):
            for candidate in (folder / "forms" / prop.get("value"), folder / prop.get("value")):
                if candidate.exists() and candidate.name not in {n for n, _ in files}:
                    files.append((candidate.name, candidate.read_bytes()))
                    break
    return files


# -- decision tables ----------------------------------------------------------------------
@dataclass
class DecisionFile:
    """A DMN file as deployed with the latest versions of the processes that use it."""

    name: str
    content: str
    #: (decision id, decision name) of each decision in the file
    decisions: list[tuple[str, str]]
    #: latest definitions holding this file, newest deploy first
    used_by: list[ProcessDefinition]


def decisions_in(content: str) -> list[tuple[str, str]]:
    try:
        root = etree.fromstring(content.encode("utf-8"), _xml_parser())
    except etree.XMLSyntaxError:
        return []
    return [(d.get("id") or "", d.get("name") or "") for d in root.iter()
            if isinstance(d.tag, str) and etree.QName(d).localname == "decision"]


def latest_definitions(session: Session) -> list[ProcessDefinition]:
    rows = session.execute(select(ProcessDefinition).order_by(
        ProcessDefinition.key, ProcessDefinition.version.desc())).scalars().all()
    latest: dict[str, ProcessDefinition] = {}
    for row in rows:
        latest.setdefault(row.key, row)
    return list(latest.values())


def decision_files(session: Session) -> dict[str, DecisionFile]:
    """Every DMN file in the processes' latest versions, by file name.

    Two processes may carry different copies under one name (each deploy stores its own);
    the most recently deployed copy is the one shown and edited.
    """
    found: dict[str, DecisionFile] = {}
    for row in sorted(latest_definitions(session), key=lambda r: r.deployed_at, reverse=True):
        for f in row.files:
            if f["kind"] != "dmn":
                continue
            entry = found.get(f["name"])
            if entry is None:
                found[f["name"]] = DecisionFile(f["name"], f["content"],
                                                decisions_in(f["content"]), [row])
            else:
                entry.used_by.append(row)
    return dict(sorted(found.items()))


def _with_decision(session: Session, name: str, content: bytes | str
                   ) -> tuple[list[tuple[ProcessDefinition, list[tuple[str, bytes | str]]]],
                              list[Problem]]:
    sources, problems = read_sources([(name, content)])
    if problems:
        return [], problems
    if sources[0].kind != "dmn":
        return [], [Problem(file=name, message="not a .dmn file")]
    root, problems = _parse_xml(sources[0])
    if root is None:
        return [], problems
    if etree.QName(root).namespace not in lint.DMN_NAMESPACES:
        return [], [Problem(file=name, line=root.sourceline,
                            message="not a DMN 1.2/1.3 definitions document")]
    entry = decision_files(session).get(sources[0].name)
    if entry is None:
        return [], [Problem(file=name, message="no deployed process uses a decision file of "
                                               "this name",
                            hint="deploy a new decision file together with the BPMN that "
                                 "calls it")]
    plans = []
    for row in entry.used_by:
        files: list[tuple[str, bytes | str]] = [(f["name"], f["content"]) for f in row.files
                                                if f["name"] != entry.name]
        plans.append((row, [*files, (entry.name, sources[0].content)]))
    return plans, []


def check_decision(session: Session, name: str, content: bytes | str, *,
                   has_operator: Callable[[str], bool]) -> list[Problem]:
    """Validate a changed DMN file with every process that uses it, storing nothing."""
    plans, problems = _with_decision(session, name, content)
    for _row, files in plans:
        problems.extend(check(files, has_operator=has_operator))
    return problems


def deploy_decision(session: Session, name: str, content: bytes | str, *,
                    has_operator: Callable[[str], bool], now: datetime,
                    actor: str | None = None, notes: str | None = None
                    ) -> list[ProcessDefinition]:
    """Deploy a changed DMN file: a new version of each process whose latest version has it.

    The decision tables are part of a process version (running instances keep the rules
    they started with), so changed rules reach new instances only through new versions.
    All of them or none: the first refusal is collected, the caller rolls back.
    """
    plans, problems = _with_decision(session, name, content)
    if problems:
        raise DeployError(problems)
    rows: list[ProcessDefinition] = []
    for _row, files in plans:
        try:
            rows.extend(deploy(session, files, has_operator=has_operator, now=now,
                               actor=actor, notes=notes))
        except DeployError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DeployError(problems)
    return rows
