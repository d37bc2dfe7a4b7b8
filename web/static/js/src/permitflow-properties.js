/* permitflow's properties provider: the spiffworkflow extensions the engine executes.

   Service task: operator (from the server's registry), result variable, parameters.
   User task: form file, mandatory, skippable, approval, countersigning department.
   Lane: role. Business rule task: decision id. Message event: message variable.
   Choices come from the page (`config.permitflow`): operators, roles, forms, decisions. */
import { h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry, ListGroup, SelectEntry, TextFieldEntry,
  isCheckboxEntryEdited, isSelectEntryEdited, isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import {
  bodyOf, ensureExtension, findExtension, propertiesOf, run, setBody, setProperty, update
} from './extensions';

function choices(values, current, translate) {
  const list = [{ value: '', label: translate('(none)') }];
  values.forEach(function (v) { list.push(typeof v === 'string' ? { value: v, label: v } : v); });
  if (current && !list.some(function (o) { return o.value === current; })) {
    list.push({ value: current, label: current + ' ' + translate('(unknown here)') });
  }
  return list;
}

// -- service task ---------------------------------------------------------------------------
function operatorOf(element) {
  return findExtension(getBusinessObject(element), 'spiffworkflow:ServiceTaskOperator');
}

function OperatorEntry(props) {
  const element = props.element;
  const translate = useService('translate');
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const config = useService('config.permitflow') || {};
  const operators = config.operators || [];
  const current = (operatorOf(element) || { get: function () { return ''; } }).get('id') || '';
  const known = operators.find(function (o) { return o.name === current; });
  const description = known && known.parameters.length
    ? translate('Parameters it takes: {names}', { names: known.parameters.join(', ') })
    : (current && !known ? translate('The server has no operator of this name') : undefined);
  return h(SelectEntry, {
    element: element, id: props.id, label: translate('Operator'), description: description,
    getValue: function () { return (operatorOf(element) || { get: function () { return ''; } }).get('id') || ''; },
    setValue: function (value) {
      const bo = getBusinessObject(element);
      const ensured = ensureExtension(element, bo, 'spiffworkflow:ServiceTaskOperator', bpmnFactory, {});
      const commands = ensured.commands;
      commands.push(update(element, ensured.extension, { id: value || undefined }));
      run(commandStack, commands);
    },
    getOptions: function () {
      return choices(operators.map(function (o) {
        return { value: o.name, label: o.description ? o.name + ' — ' + o.description : o.name };
      }), current, translate);
    }
  });
}

function ResultVariableEntry(props) {
  const element = props.element;
  const translate = useService('translate');
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element: element, id: props.id, label: translate('Result variable'), debounce: debounce,
    description: translate('The task data key that receives the operator\'s answer'),
    getValue: function () { const op = operatorOf(element); return (op && op.get('resultVariable')) || ''; },
    setValue: function (value) {
      const ensured = ensureExtension(element, getBusinessObject(element),
                                      'spiffworkflow:ServiceTaskOperator', bpmnFactory, {});
      ensured.commands.push(update(element, ensured.extension, { resultVariable: value || undefined }));
      run(commandStack, ensured.commands);
    },
    validate: function (value) {
      if (value && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) { return translate('Use letters, digits and _ only'); }
    }
  });
}

function parameterField(name, labelText, help) {
  return function ParameterField(props) {
    const translate = useService('translate');
    const commandStack = useService('commandStack');
    const debounce = useService('debounceInput');
    const parameter = props.parameter;
    return h(TextFieldEntry, {
      element: props.element, id: props.id, label: translate(labelText), debounce: debounce,
      description: help ? translate(help) : undefined,
      getValue: function () { return parameter.get(name) || ''; },
      setValue: function (value) {
        const change = {};
        change[name] = value || undefined;
        run(commandStack, [update(props.element, parameter, change)]);
      },
      validate: name === 'id' ? function (value) {
        if (!value) { return translate('A parameter needs a name'); }
      } : undefined
    });
  };
}

const ParameterName = parameterField('id', 'Name');
const ParameterType = parameterField('type', 'Type', 'e.g. int, str, any');
const ParameterValue = parameterField('value', 'Value (expression)',
                                      'A Python expression on the task data: quote literal text');

function parameterList(element) {
  const op = operatorOf(element);
  const holder = op && op.get('parameters');
  return { op: op, holder: holder, list: (holder && holder.get('parameters')) || [] };
}

function parametersGroup(element, injector) {
  const translate = injector.get('translate');
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const found = parameterList(element);
  const items = found.list.map(function (parameter, index) {
    const id = element.id + '-parameter-' + index;
    return {
      id: id,
      label: parameter.get('id') || translate('(unnamed)'),
      autoFocusEntry: id + '-name',
      entries: [
        { id: id + '-name', component: ParameterName, parameter: parameter, element: element },
        { id: id + '-type', component: ParameterType, parameter: parameter, element: element },
        { id: id + '-value', component: ParameterValue, parameter: parameter, element: element }
      ],
      remove: function () {
        const current = parameterList(element);
        run(commandStack, [update(element, current.holder, {
          parameters: current.list.filter(function (p) { return p !== parameter; }) })]);
      }
    };
  });
  function add(event) {
    if (event && event.stopPropagation) { event.stopPropagation(); }
    const bo = getBusinessObject(element);
    const ensured = ensureExtension(element, bo, 'spiffworkflow:ServiceTaskOperator', bpmnFactory, {});
    const commands = ensured.commands;
    const op = ensured.extension;
    let holder = op.get('parameters');
    if (!holder) {
      holder = bpmnFactory.create('spiffworkflow:Parameters', { parameters: [] });
      holder.$parent = op;
      commands.push(update(element, op, { parameters: holder }));
    }
    const existing = holder.get('parameters') || [];
    const names = existing.map(function (p) { return p.get('id'); });
    const config = injector.get('config.permitflow', false) || {};
    const known = (config.operators || []).find(function (o) { return o.name === op.get('id'); });
    const next = known && known.parameters.find(function (n) { return names.indexOf(n) < 0; });
    const parameter = bpmnFactory.create('spiffworkflow:Parameter', {
      id: next || 'parameter_' + (existing.length + 1), type: 'any', value: next || '' });
    parameter.$parent = holder;
    commands.push(update(element, holder, { parameters: existing.concat([parameter]) }));
    run(commandStack, commands);
  }
  return { id: 'permitflow-parameters', label: translate('Operator parameters'),
           component: ListGroup, element: element, items: items, add: add, shouldOpen: true };
}

// -- user task ------------------------------------------------------------------------------
function FormEntry(props) {
  const element = props.element;
  const translate = useService('translate');
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const config = useService('config.permitflow') || {};
  const bo = getBusinessObject(element);
  const current = propertiesOf(bo).formJsonSchemaFilename || '';
  return h(SelectEntry, {
    element: element, id: props.id, label: translate('Form (JSON Schema file)'),
    description: translate('Upload a new form file with the diagram to offer it here'),
    getValue: function () { return propertiesOf(bo).formJsonSchemaFilename || ''; },
    setValue: function (value) {
      setProperty(element, bo, 'formJsonSchemaFilename', value, bpmnFactory, commandStack);
    },
    getOptions: function () { return choices((config.forms || []).slice().sort(), current, translate); }
  });
}

function flagEntry(name, labelText, help) {
  return function FlagEntry(props) {
    const element = props.element;
    const translate = useService('translate');
    const bpmnFactory = useService('bpmnFactory');
    const commandStack = useService('commandStack');
    const bo = getBusinessObject(element);
    return h(CheckboxEntry, {
      element: element, id: props.id, label: translate(labelText), description: translate(help),
      getValue: function () { return propertiesOf(bo)[name] === 'true'; },
      setValue: function (value) {
        setProperty(element, bo, name, value ? 'true' : '', bpmnFactory, commandStack);
      }
    });
  };
}

const MandatoryEntry = flagEntry('mandatory', 'Mandatory',
                                 'Counts in the compliance rate; skipping it needs an audited override');
const SkippableEntry = flagEntry('skippable', 'Skippable',
                                 'May be skipped by an audited override');
const ApprovalEntry = flagEntry('approval', 'Approval step',
                                'Counts toward the limit of four approvals in a row');

function DepartmentEntry(props) {
  const element = props.element;
  const translate = useService('translate');
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return h(TextFieldEntry, {
    element: element, id: props.id, label: translate('Countersigning department'), debounce: debounce,
    getValue: function () { return propertiesOf(bo).department || ''; },
    setValue: function (value) { setProperty(element, bo, 'department', value, bpmnFactory, commandStack); }
  });
}

// -- lane, business rule task, message event --------------------------------------------------
function RoleEntry(props) {
  const element = props.element;
  const translate = useService('translate');
  const modeling = useService('modeling');
  const config = useService('config.permitflow') || {};
  const current = getBusinessObject(element).get('name') || '';
  return h(SelectEntry, {
    element: element, id: props.id, label: translate('Role'),
    description: translate('Only people with this role may complete the lane\'s tasks'),
    getValue: function () { return getBusinessObject(element).get('name') || ''; },
    setValue: function (value) { modeling.updateProperties(element, { name: value || undefined }); },
    getOptions: function () { return choices(config.roles || [], current, translate); }
  });
}

function DecisionEntry(props) {
  const element = props.element;
  const translate = useService('translate');
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const config = useService('config.permitflow') || {};
  const bo = getBusinessObject(element);
  const current = bodyOf(bo, 'spiffworkflow:CalledDecisionId');
  return h(SelectEntry, {
    element: element, id: props.id, label: translate('Decision (DMN)'),
    getValue: function () { return bodyOf(bo, 'spiffworkflow:CalledDecisionId'); },
    setValue: function (value) {
      setBody(element, bo, 'spiffworkflow:CalledDecisionId', value, bpmnFactory, commandStack);
    },
    getOptions: function () {
      return choices((config.decisions || []).map(function (d) {
        return { value: d.id, label: d.name ? d.id + ' — ' + d.name : d.id };
      }), current, translate);
    }
  });
}

function messageDefinition(element) {
  const bo = getBusinessObject(element);
  return ((bo.get && bo.get('eventDefinitions')) || []).find(function (d) {
    return is(d, 'bpmn:MessageEventDefinition');
  });
}

function MessageVariableEntry(props) {
  const element = props.element;
  const translate = useService('translate');
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element: element, id: props.id, label: translate('Message variable'), debounce: debounce,
    description: translate('The task data key that receives the message\'s payload'),
    getValue: function () { return bodyOf(messageDefinition(element), 'spiffworkflow:MessageVariable'); },
    setValue: function (value) {
      setBody(element, messageDefinition(element), 'spiffworkflow:MessageVariable', value,
              bpmnFactory, commandStack);
    }
  });
}

// -- the provider ---------------------------------------------------------------------------
function entry(id, component, element, isEdited) {
  return { id: id, component: component, element: element, isEdited: isEdited };
}

export function groupsFor(element, injector) {
  const translate = injector.get('translate');
  const groups = [];
  if (is(element, 'bpmn:ServiceTask')) {
    groups.push({ id: 'permitflow-service', label: translate('Service operator'), entries: [
      entry('permitflow-operator', OperatorEntry, element, isSelectEntryEdited),
      entry('permitflow-result', ResultVariableEntry, element, isTextFieldEntryEdited)] });
    groups.push(parametersGroup(element, injector));
  }
  if (is(element, 'bpmn:UserTask')) {
    groups.push({ id: 'permitflow-task', label: translate('Permit step'), entries: [
      entry('permitflow-form', FormEntry, element, isSelectEntryEdited),
      entry('permitflow-mandatory', MandatoryEntry, element, isCheckboxEntryEdited),
      entry('permitflow-skippable', SkippableEntry, element, isCheckboxEntryEdited),
      entry('permitflow-approval', ApprovalEntry, element, isCheckboxEntryEdited),
      entry('permitflow-department', DepartmentEntry, element, isTextFieldEntryEdited)] });
  }
  if (is(element, 'bpmn:Lane')) {
    groups.push({ id: 'permitflow-lane', label: translate('Lane role'), entries: [
      entry('permitflow-role', RoleEntry, element, isSelectEntryEdited)] });
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    groups.push({ id: 'permitflow-decision', label: translate('Decision table'), entries: [
      entry('permitflow-decision-id', DecisionEntry, element, isSelectEntryEdited)] });
  }
  if (is(element, 'bpmn:Event') && messageDefinition(element)) {
    groups.push({ id: 'permitflow-message', label: translate('Message'), entries: [
      entry('permitflow-message-variable', MessageVariableEntry, element, isTextFieldEntryEdited)] });
  }
  return groups;
}

export function PermitflowPropertiesProvider(propertiesPanel, injector) {
  this.getGroups = function (element) {
    return function (groups) {
      const ours = groupsFor(element, injector);
      // Ours first: they are what a permit process needs; bpmn-js's general groups follow.
      const general = groups.findIndex(function (g) { return g.id === 'general'; });
      groups.splice(general < 0 ? 0 : general + 1, 0, ...ours);
      return groups;
    };
  };
  propertiesPanel.registerProvider(400, this);
}
PermitflowPropertiesProvider.$inject = ['propertiesPanel', 'injector'];

export default {
  __init__: ['permitflowPropertiesProvider'],
  permitflowPropertiesProvider: ['type', PermitflowPropertiesProvider]
};
