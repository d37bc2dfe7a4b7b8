/* The console modeler bundle (built by scripts/vendor.sh with esbuild into
   web/static/vendor/permitflow/modeler.js): bpmn-js's Modeler with the properties panel,
   permitflow's provider for the spiffworkflow extensions, the spiffworkflow moddle
   descriptor and the page's translations. It replaces the plain UMD global `BpmnJS`,
   so web/static/js/modeler.js drives either. */
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import permitflowProperties from './permitflow-properties';
import spiffworkflow from './spiffworkflow.json';
import translateModule from './translate';

export default class PermitflowModeler extends Modeler {
  constructor(options) {
    options = Object.assign({}, options);
    options.moddleExtensions = Object.assign({ spiffworkflow: spiffworkflow }, options.moddleExtensions);
    options.permitflow = Object.assign({ strings: {} }, options.permitflow);
    super(options);
  }
}

PermitflowModeler.prototype._modules = [].concat(Modeler.prototype._modules, [
  BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, permitflowProperties, translateModule
]);
PermitflowModeler.hasPropertiesPanel = true;

window.BpmnJS = PermitflowModeler;
