/* The decision-table editor: dmn-js Modeler (global DmnJS) on the DMN file the processes'
   latest versions carry; validate asks the server (nothing stored); deploy makes a new
   version of each process that uses the table; a .dmn picked from disk opens here;
   download saves the edited XML. */
(function () {
  "use strict";
  var root = document.getElementById("decision-editor");
  if (!root || typeof window.DmnJS !== "function") { return; }
  var form = document.getElementById("decision-form");
  var list = document.getElementById("decision-problems");
  var status = document.getElementById("decision-status");
  var data = JSON.parse(document.getElementById(root.getAttribute("data-diagram")).textContent);
  // dmn-js ships English labels; the page hands over its own in the page's language
  var strings = data.strings || {};
  function translate(template, replacements) {
    var values = replacements || {};
    return (strings[template] || template).replace(/{([^}]+)}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }
  // per view: dmn-js replaces, not merges, `common.additionalModules` with the view's own
  var translated = function () { return { additionalModules: [{ translate: ["value", translate] }] }; };
  var editor = new window.DmnJS({
    container: root, drd: translated(), decisionTable: translated(),
    literalExpression: translated(), boxedExpression: translated()
  });
  window.permitflowDecisions = editor;

  function say(text) { status.textContent = text; }

  function open(xml, mark) {
    return editor.importXML(xml).then(function () {
      var views = editor.getViews();
      var table = views.filter(function (v) { return v.type === "decisionTable"; })[0];
      if (table) { return editor.open(table); }
    }).then(function () { root.setAttribute("data-rendered", mark); })
      .catch(function (err) { say(String(err && err.message || err)); });
  }
  open(data.xml, "true");

  function show(problems) {
    list.textContent = "";
    problems.forEach(function (p) {
      list.appendChild(window.permitflowProblemItem(p));
    });
  }

  function send(url) {
    return editor.saveXML({ format: true }).then(function (saved) {
      var body = new FormData(form);
      body.delete("files");
      body.append("files", new Blob([saved.xml], { type: "application/xml" }), data.name);
      return window.permitflow.fetch(url, { method: "POST", body: body,
                                          headers: { "Accept": "application/json" } });
    }).then(function (r) { return r.json(); });
  }

  document.getElementById("decision-validate").addEventListener("click", function () {
    send(root.getAttribute("data-validate-url")).then(function (answer) {
      show(answer.problems || []);
      say(answer.ok && !(answer.problems || []).length ? root.getAttribute("data-msg-ok") : "");
    }).catch(function () { say(root.getAttribute("data-msg-failed")); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(form.getAttribute("action")).then(function (answer) {
      show(answer.problems || []);
      if (answer.ok) {
        say(root.getAttribute("data-msg-deployed") + ": " + Object.keys(answer.versions)
          .map(function (k) { return k + " v" + answer.versions[k]; }).join(", "));
      } else { say(""); }
    }).catch(function () { say(root.getAttribute("data-msg-failed")); });
  });

  document.getElementById("decision-file").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (file) {
      file.text().then(function (text) { return open(text, file.name); });
    }
  });

  document.getElementById("decision-download").addEventListener("click", function (event) {
    event.preventDefault();
    editor.saveXML({ format: true }).then(function (saved) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([saved.xml], { type: "application/xml" }));
      link.download = data.name;
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  });
})();
