/* The console's modeler: bpmn-js Modeler (global BpmnJS: permitflow's bundle with the
   properties panel, or the plain UMD build) on the latest version or the designer's
   draft; validate asks the server (nothing stored) and marks each problem's element;
   save-draft stores the edit without deploying; deploy stores a new version; files picked
   from disk open in the modeler; download saves the edited XML. */
(function () {
  "use strict";
  var root = document.getElementById("modeler");
  if (!root || typeof window.BpmnJS !== "function") { return; }
  var form = document.getElementById("modeler-form");
  var list = document.getElementById("modeler-problems");
  var status = document.getElementById("modeler-status");
  var key = root.getAttribute("data-key");
  var data = JSON.parse(document.getElementById(root.getAttribute("data-diagram")).textContent);
  var panel = document.getElementById("modeler-properties");
  // bpmn-js binds its keyboard shortcuts to the canvas while it has focus
  var options = { container: root };
  if (panel && window.BpmnJS.hasPropertiesPanel) {
    options.propertiesPanel = { parent: panel };
    options.permitflow = data.permitflow || {};
  }
  var modeler = new window.BpmnJS(options);
  // Browser tests and power users script the diagram through the bpmn-js API.
  window.permitflowModeler = modeler;
  var marked = [];
  var extra = [];  // .dmn / .json files picked alongside the diagram
  // the diagram's file name as the designer knows it: problems name this file
  var diagramName = key + ".bpmn";
  // .dmn / .json files of the draft being edited: sent along unless a picked file replaces one
  var companions = data.companions || [];

  function say(text) { status.textContent = text; }

  modeler.importXML(data.xml).then(function () {
    modeler.get("canvas").zoom("fit-viewport");
    root.setAttribute("data-rendered", "true");
  }).catch(function (err) { say(String(err && err.message || err)); });

  function clear() {
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    // After a new file is drawn the previous file's marked elements are gone.
    marked.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, "pf-problem"); } });
    modeler.get("overlays").remove({ type: "problem" });
    marked = [];
    list.textContent = "";
  }

  function show(problems) {
    clear();
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    var overlays = modeler.get("overlays");
    problems.forEach(function (p) {
      list.appendChild(window.permitflowProblemItem(p));
      if (p.element_id && registry.get(p.element_id)) {
        canvas.addMarker(p.element_id, "pf-problem");
        var note = document.createElement("div");
        note.className = "pf-problem-note";
        note.textContent = p.message;
        overlays.add(p.element_id, "problem", { position: { bottom: -4, left: 0 }, html: note });
        marked.push(p.element_id);
      }
    });
  }

  function send(url) {
    return modeler.saveXML({ format: true }).then(function (saved) {
      var body = new FormData(form);
      body.delete("files");
      body.append("files", new Blob([saved.xml], { type: "application/xml" }), diagramName);
      extra.forEach(function (f) { body.append("files", f, f.name); });
      companions.forEach(function (c) {
        if (extra.some(function (f) { return f.name === c.name; })) { return; }
        body.append("files", new Blob([c.content], { type: c.kind === "form" ? "application/json"
                                                                              : "application/xml" }), c.name);
      });
      return window.permitflow.fetch(url, { method: "POST", body: body,
                                          headers: { "Accept": "application/json" } });
    }).then(function (r) { return r.json(); });
  }

  document.getElementById("modeler-validate").addEventListener("click", function () {
    send(root.getAttribute("data-validate-url")).then(function (answer) {
      show(answer.problems || []);
      if (answer.ok && !(answer.problems || []).length) { say(root.getAttribute("data-msg-ok")); }
      else { say(""); }
    }).catch(function () { say(root.getAttribute("data-msg-failed")); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var drafting = event.submitter && event.submitter.id === "modeler-save-draft";
    var url = drafting ? root.getAttribute("data-draft-url") : form.getAttribute("action");
    send(url).then(function (answer) {
      show(answer.problems || []);
      if (answer.ok && drafting) {
        say(answer.message || root.getAttribute("data-msg-draft"));
      } else if (answer.ok) {
        // the server deleted the draft with the deploy
        var banner = document.getElementById("modeler-draft");
        if (banner) { banner.remove(); }
        companions = [];
        say(root.getAttribute("data-msg-deployed") + ": " + Object.keys(answer.versions)
          .map(function (k) { return k + " v" + answer.versions[k]; }).join(", "));
      } else {
        say("");
      }
    }).catch(function () { say(root.getAttribute("data-msg-failed")); });
  });

  document.getElementById("modeler-file").addEventListener("change", function (event) {
    extra = [];
    Array.prototype.forEach.call(event.target.files, function (file) {
      if (/\.bpmn$/i.test(file.name) || /\.xml$/i.test(file.name)) {
        file.text().then(function (text) { return modeler.importXML(text); })
          .then(function () {
            clear();
            modeler.get("canvas").zoom("fit-viewport");
            diagramName = /\.bpmn$/i.test(file.name) ? file.name : file.name + ".bpmn";
            root.setAttribute("data-rendered", file.name);
          })
          .catch(function (err) { say(String(err && err.message || err)); });
      } else {
        extra.push(file);
        // a new form file becomes a choice in the properties panel
        var forms = (options.permitflow || {}).forms;
        if (forms && /\.json$/i.test(file.name) && forms.indexOf(file.name) < 0) { forms.push(file.name); }
      }
    });
  });

  document.getElementById("modeler-download").addEventListener("click", function (event) {
    event.preventDefault();
    modeler.saveXML({ format: true }).then(function (saved) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([saved.xml], { type: "application/xml" }));
      link.download = key + ".bpmn";
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  });
})();
