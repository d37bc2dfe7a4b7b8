"""Workflow state ↔ JSON, storing the spec by reference.

The default serializer embeds the whole parsed spec (DMN included) in every save, two
thirds of the bytes. Instances are pinned to a definition row anyway, so we store only the
task tree and rebuild the spec from the parsed-definition cache on load (notes §2:
2.5–3.3× smaller, ~3× faster to load).
"""

from __future__ import annotations

import contextvars
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

_specs: contextvars.ContextVar[tuple[Any, dict[str, Any]]] = contextvars.ContextVar("specs")


class SpecRefWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec_ref"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        spec, subprocess_specs = _specs.get()
        dct.pop("spec_ref", None)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpecRefWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer = _make_serializer()


def dump(workflow: BpmnWorkflow) -> str:
    return _serializer.serialize_json(workflow)


def load(state: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    token = _specs.set((spec, subprocess_specs))
    try:
        return _serializer.deserialize_json(state)
    finally:
        _specs.reset(token)


def registry() -> object:
    """The serializer's converter registry (SpiffWorkflow's spec diff compares with it)."""
    return _serializer.registry
