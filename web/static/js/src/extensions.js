/* Reading and changing the spiffworkflow extension elements of a BPMN element.

   Every change is a list of `element.updateModdleProperties` commands run as one
   command-stack entry, so one undo takes back one edit in the panel. */
import { is } from 'bpmn-js/lib/util/ModelUtil';

export function findExtension(bo, type) {
  const extensionElements = bo && bo.get('extensionElements');
  if (!extensionElements) { return undefined; }
  return (extensionElements.get('values') || []).find(function (v) { return is(v, type); });
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties',
           context: { element: element, moddleElement: moddleElement, properties: properties } };
}

export function run(commandStack, commands) {
  if (commands.length) {
    commandStack.execute('properties-panel.multi-command-executor', commands);
  }
}

/* The extension element of `type` on `bo`, created (by the returned commands) when missing. */
export function ensureExtension(element, bo, type, bpmnFactory, attrs) {
  const commands = [];
  let extensionElements = bo.get('extensionElements');
  if (!extensionElements) {
    extensionElements = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensionElements.$parent = bo;
    commands.push(update(element, bo, { extensionElements: extensionElements }));
  }
  let extension = (extensionElements.get('values') || []).find(function (v) { return is(v, type); });
  if (!extension) {
    extension = bpmnFactory.create(type, attrs || {});
    extension.$parent = extensionElements;
    commands.push(update(element, extensionElements,
                         { values: extensionElements.get('values').concat([extension]) }));
  }
  return { extension: extension, commands: commands };
}

/* spiffworkflow:properties → {name: value} */
export function propertiesOf(bo) {
  const found = findExtension(bo, 'spiffworkflow:Properties');
  const result = {};
  ((found && found.get('properties')) || []).forEach(function (p) { result[p.get('name')] = p.get('value'); });
  return result;
}

/* Set one spiffworkflow:property; an empty value removes it. */
export function setProperty(element, bo, name, value, bpmnFactory, commandStack) {
  const empty = value === undefined || value === null || value === '';
  const existing = findExtension(bo, 'spiffworkflow:Properties');
  if (empty && !existing) { return; }
  const ensured = ensureExtension(element, bo, 'spiffworkflow:Properties', bpmnFactory, { properties: [] });
  const commands = ensured.commands;
  const holder = ensured.extension;
  const list = holder.get('properties') || [];
  const property = list.find(function (p) { return p.get('name') === name; });
  if (empty) {
    if (property) {
      commands.push(update(element, holder, { properties: list.filter(function (p) { return p !== property; }) }));
    }
  } else if (property) {
    commands.push(update(element, property, { value: value }));
  } else {
    const created = bpmnFactory.create('spiffworkflow:Property', { name: name, value: value });
    created.$parent = holder;
    commands.push(update(element, holder, { properties: list.concat([created]) }));
  }
  run(commandStack, commands);
}

/* A body-only extension (calledDecisionId, messageVariable): its text, or set it. */
export function bodyOf(bo, type) {
  const found = findExtension(bo, type);
  return (found && found.get('value')) || '';
}

export function setBody(element, bo, type, value, bpmnFactory, commandStack) {
  const existing = findExtension(bo, type);
  if (!value) {
    if (existing) {
      const holder = bo.get('extensionElements');
      run(commandStack, [update(element, holder, {
        values: holder.get('values').filter(function (v) { return v !== existing; }) })]);
    }
    return;
  }
  const ensured = ensureExtension(element, bo, type, bpmnFactory, { value: value });
  const commands = ensured.commands;
  if (existing) { commands.push(update(element, existing, { value: value })); }
  run(commandStack, commands);
}

export { update };
