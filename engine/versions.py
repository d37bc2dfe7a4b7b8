"""What changed between two deployed versions of a process.

A designer about to roll back, or an admin about to migrate a running instance, needs to
see the change in BPMN terms: which elements (by BPMN id) were added, removed or changed,
and which DMN or form files differ. The comparison works on the stored XML, so it also
covers what the parsed specs do not keep (names, lanes, documentation). Diagram layout
(BPMNDI) is ignored: moving a shape is not a change to the process.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from .deploy import _xml_parser
from .errors import DefinitionNotFound
from .lint import BPMN
from .models import ProcessDefinition

_DI_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/DI",
                  "http://www.omg.org/spec/DD/20100524/DI",
                  "http://www.omg.org/spec/DD/20100524/DC")


@dataclass
class ElementChange:
    """One element that differs; ``fields`` names what differs (attributes, children)."""

    id: str
    type: str
    name: str | None
    fields: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "name": self.name, "fields": self.fields}


@dataclass
class VersionDiff:
    key: str
    from_version: int
    to_version: int
    added: list[ElementChange]
    removed: list[ElementChange]
    changed: list[ElementChange]
    files: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "from": self.from_version, "to": self.to_version,
                "added": [e.as_dict() for e in self.added],
                "removed": [e.as_dict() for e in self.removed],
                "changed": [e.as_dict() for e in self.changed],
                "files": self.files,
                "identical": not (self.added or self.removed or self.changed
                                  or self.files["added"] or self.files["removed"]
                                  or self.files["changed"])}


def _local(node: Any) -> str:
    return etree.QName(node).localname


def _shallow(node: Any) -> Any:
    """A copy of the element without descendants that are elements of their own (have ids)."""
    clone = copy.deepcopy(node)
    for child in list(clone.iter()):
        if child is clone or not isinstance(child.tag, str):
            continue
        if child.get("id") is not None and child.getparent() is not None:
            child.getparent().remove(child)
    return clone


#: BPMN attribute defaults (BPMN 2.0 schema): written out or left out by different modelers
#: (bpmn-js adds ``cancelActivity="true"``), so the same value either way is no change.
_DEFAULTS = {"cancelActivity": "true", "isInterrupting": "true", "isForCompensation": "false",
             "startQuantity": "1", "completionQuantity": "1", "gatewayDirection": "Unspecified",
             "instantiate": "false", "parallelMultiple": "false"}


def _signature(node: Any) -> dict[str, str]:
    """Comparable parts of an element: each attribute and each kind of child element.

    Children of one kind are compared as a set (a lane's ``flowNodeRef`` list, a task's
    ``incoming`` flows): modelers reorder them on save without changing the process.
    """
    clone = _shallow(node)
    parts: dict[str, str] = {f"@{k}": v for k, v in clone.attrib.items()
                             if _DEFAULTS.get(k) != v}
    children: dict[str, list[str]] = {}
    for child in clone:
        if not isinstance(child.tag, str):
            continue
        text = etree.tostring(child, method="c14n").decode()
        children.setdefault(_local(child), []).append(" ".join(text.split()))
    parts.update({name: " ".join(sorted(texts)) for name, texts in children.items()})
    if clone.text and clone.text.strip():
        parts["text"] = clone.text.strip()
    return parts


def elements(xml: str, key: str) -> dict[str, tuple[str, str | None, dict[str, str]]]:
    """Every element with an id inside the process ``key`` (and its lanes): id → signature."""
    root = etree.fromstring(xml.encode("utf-8"), _xml_parser())
    found: dict[str, tuple[str, str | None, dict[str, str]]] = {}
    for process in root.iter(f"{{{BPMN}}}process"):
        if process.get("id") != key:
            continue
        for node in process.iter():
            if node is process or not isinstance(node.tag, str) or node.get("id") is None:
                continue
            if etree.QName(node).namespace in _DI_NAMESPACES:
                continue
            found[node.get("id")] = (_local(node), node.get("name"), _signature(node))
    return found


def diff_definitions(old: ProcessDefinition, new: ProcessDefinition) -> VersionDiff:
    before, after = elements(old.bpmn_xml, old.key), elements(new.bpmn_xml, new.key)
    added = [ElementChange(i, after[i][0], after[i][1]) for i in after if i not in before]
    removed = [ElementChange(i, before[i][0], before[i][1]) for i in before if i not in after]
    changed = []
    for element_id, (kind, _name, sig) in before.items():
        if element_id not in after:
            continue
        new_kind, new_name, new_sig = after[element_id]
        if new_kind != kind:
            fields = ["type"]
        else:
            fields = sorted(k.lstrip("@") for k in set(sig) | set(new_sig)
                            if sig.get(k) != new_sig.get(k))
        if fields:
            changed.append(ElementChange(element_id, new_kind, new_name, fields))
    old_files = {f["name"]: f["content"] for f in old.files if f["name"] != old.main_file}
    new_files = {f["name"]: f["content"] for f in new.files if f["name"] != new.main_file}
    files = {"added": sorted(set(new_files) - set(old_files)),
             "removed": sorted(set(old_files) - set(new_files)),
             "changed": sorted(n for n in set(old_files) & set(new_files)
                               if old_files[n] != new_files[n])}
    return VersionDiff(old.key, old.version, new.version, added, removed, changed, files)


def definition_version(session: Session, key: str, version: int) -> ProcessDefinition:
    from sqlalchemy import select

    row = session.execute(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version == version)
    ).scalar_one_or_none()
    if row is None:
        raise DefinitionNotFound(key, version)
    return row


def diff_versions(session: Session, key: str, from_version: int, to_version: int
                  ) -> VersionDiff:
    """Diff two stored versions of ``key``; :class:`DefinitionNotFound` names a missing one."""
    return diff_definitions(definition_version(session, key, from_version),
                            definition_version(session, key, to_version))
