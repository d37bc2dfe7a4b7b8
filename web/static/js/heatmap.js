/* The risk heatmap (analytics/heatmap.html) drawn with ECharts from the page's grid JSON.
   Cell labels name areas, permit types and contractors, which people type: the tooltip,
   the one place ECharts takes HTML, gets them escaped. Without ECharts the table stays. */
(function () {
  "use strict";
  var box = document.getElementById("chart");
  var g = window.permitflow.data("grid-data");
  if (!window.echarts || !box || !g) { return; }
  if (g.keys.length !== 2) { box.hidden = true; return; }
  var xKey = g.keys[1], yKey = g.keys[0];
  var xs = [], ys = [];
  g.cells.forEach(function (c) {
    if (xs.indexOf(c[xKey]) < 0) { xs.push(c[xKey]); }
    if (ys.indexOf(c[yKey]) < 0) { ys.push(c[yKey]); }
  });
  if (xKey === "hour") { xs = Array.from({length: 24}, function (_, i) { return i; }); }
  if (yKey === "weekday") { ys = [0, 1, 2, 3, 4, 5, 6]; }
  var name = function (k, v) { return (g.labels[k] || {})[String(v)] || String(v); };
  var cells = g.cells.filter(function (c) { return c.jobs > 0; });
  var data = cells.map(function (c) {
    var item = {value: [xs.indexOf(c[xKey]), ys.indexOf(c[yKey]), c.risk_ratio || 0]};
    if (c.flagged) { item.itemStyle = {borderColor: "#000", borderWidth: 3}; }  // a finding
    return item;
  });
  var chart = window.echarts.init(box);
  chart.setOption({
    tooltip: {formatter: function (p) { return window.permitflow.escapeHtml(cells[p.dataIndex].label); }},
    grid: {left: 120, right: 30, top: 20, bottom: 80},
    xAxis: {type: "category", data: xs.map(function (v) { return name(xKey, v); }), splitArea: {show: true}},
    yAxis: {type: "category", data: ys.map(function (v) { return name(yKey, v); }), splitArea: {show: true}},
    visualMap: {min: 0, max: 3, dimension: 2, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                inRange: {color: ["#ffffff", "#fdd49e", "#d7301f"]}},
    series: [{type: "heatmap", data: data, label: {show: false},
              itemStyle: {borderColor: "#fff"},
              emphasis: {itemStyle: {borderColor: "#000", borderWidth: 2}}}]
  });
  box.setAttribute("data-rendered", "true");
  window.addEventListener("resize", function () { chart.resize(); });
})();
