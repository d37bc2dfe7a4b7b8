/* The plant risk map (analytics/map.html): area polygons with Leaflet, no tile server.
   Area names and codes are typed by people: popups and labels get DOM nodes built with
   text, never an HTML string (Leaflet puts strings in as HTML). */
(function () {
  "use strict";
  var data = window.permitflow.data("map-data");
  if (!window.L || !data || !document.getElementById("map")) { return; }
  var pf = window.permitflow, L = window.L;
  var map = L.map("map", {attributionControl: false, zoomSnap: 0.25});
  window.permitflowMap = map;  // browser tests and power users script the map
  var fill = function (r) {
    if (r === null || r === undefined) { return "#cccccc"; }
    var t = Math.max(0, Math.min((r - 1) / 2, 1));
    return "rgb(255," + Math.round(255 - 170 * t) + "," + Math.round(255 - 200 * t) + ")";
  };
  function popup(p, ratio) {
    var ci = p.ci_low === null ? "" :
      "（95% CI " + p.ci_low.toFixed(2) + "–" + p.ci_high.toFixed(2) + "）";
    return pf.el("div", "map-popup", pf.lines([
      pf.el("b", null, p.name),
      "作业 " + p.jobs + "，事故/未遂 " + p.incidents,
      "风险比 " + ratio + ci]));
  }
  var layer = L.geoJSON(data, {
    style: function (f) {
      var p = f.properties;
      return {color: p.flagged ? "#000" : "#555", weight: p.flagged ? 3 : 1,
              fillColor: fill(p.risk_ratio), fillOpacity: 0.85};
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      var ratio = p.risk_ratio === null ? "—" : p.risk_ratio.toFixed(2) + "×";
      l.bindPopup(popup(p, ratio));
      l.bindTooltip(pf.el("span", null, p.code + " " + ratio),
                    {permanent: true, direction: "center", className: "legend"});
    }
  }).addTo(map);
  if (data.features.length) { map.fitBounds(layer.getBounds(), {padding: [20, 20]}); }
  document.getElementById("map").setAttribute("data-rendered", "true");
})();
