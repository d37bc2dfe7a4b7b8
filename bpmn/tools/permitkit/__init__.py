"""The kit the ``gen_<type>.py`` scripts describe permit processes with.

A generator states a permit type as data (lanes, steps, gateways, decision tables, forms);
the kit turns it into the files under ``bpmn/`` that the engine deploys. Modules, each
holding one concern:

* :mod:`.model` — flow nodes, sequence flows, lanes and the process they make;
* :mod:`.layout` — where shapes and edges are drawn (grid or hand-placed);
* :mod:`.bpmn_xml` — the BPMN 2.0 document with SpiffWorkflow extensions and BPMNDI;
* :mod:`.dmn` — decision tables, one decision per file;
* :mod:`.forms` — JSON Schema forms of user tasks;
* :mod:`.approval_chain` and :mod:`.watched_work` — the two permit backbones
  (apply → checks → approval routing → sign-in → work → close) written once;
* :mod:`.output` — writing it all and the command line of a generator.
"""
