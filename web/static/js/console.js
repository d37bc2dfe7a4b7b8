/* Draws the console's BPMN diagrams with the bpmn-js NavigatedViewer (global BpmnJS) and
   marks nodes: executed / current / flows taken on the instance view, added / removed /
   changed on the version diff. Without bpmn-js the pages keep their node tables. */
(function () {
  "use strict";
  if (typeof window.BpmnJS !== "function") { return; }
  var MARKERS = { executed: "pf-executed", taken: "pf-executed", current: "pf-current",
                  added: "pf-added", removed: "pf-removed", changed: "pf-changed" };

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-diagram"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(data.xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var overlays = viewer.get("overlays");
      Object.keys(MARKERS).forEach(function (kind) {
        (data[kind] || []).forEach(function (id) {
          if (!registry.get(id)) { return; }
          canvas.addMarker(id, MARKERS[kind]);
          if (kind === "current") {
            overlays.add(id, { position: { top: -14, right: 12 },
                               html: '<span class="pf-badge" aria-hidden="true">●</span>' });
          }
        });
      });
      // As tall as the diagram needs at this width (hot work is wide and flat), then fit.
      var inner = canvas.viewbox().inner;
      if (inner.width > 0 && container.clientWidth > 0) {
        var wanted = Math.round(container.clientWidth * inner.height / inner.width) + 32;
        container.style.height = Math.max(220, Math.min(wanted, 640)) + "px";
        canvas.resized();
      }
      canvas.zoom("fit-viewport");
      container.setAttribute("data-rendered", "true");
    }).catch(function (err) {
      container.setAttribute("data-error", String(err && err.message || err));
      container.textContent = String(err && err.message || err);
    });
  }

  // The pages load this script before their diagrams' markup: draw once it is parsed.
  function drawAll() { document.querySelectorAll(".bpmn-canvas[data-diagram]").forEach(draw); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
