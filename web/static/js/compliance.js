/* The compliance chart (analytics/compliance.html): rate per group with ECharts. Group
   labels can be contractor names: the tooltip escapes them (ECharts takes HTML there). */
(function () {
  "use strict";
  var box = document.getElementById("chart");
  var rows = window.permitflow.data("data");
  if (!window.echarts || !box || !rows) { return; }
  var esc = window.permitflow.escapeHtml;
  var chart = window.echarts.init(box);
  chart.setOption({
    tooltip: {trigger: "axis", formatter: function (items) {
      var list = Array.isArray(items) ? items : [items];
      var head = list.length ? esc(list[0].name) : "";
      return [head].concat(list.map(function (p) {
        var value = p.value === null || p.value === undefined ? "—" : p.value + " %";
        return p.marker + esc(p.seriesName) + " " + esc(value);  // marker: ECharts' own dot
      })).join("<br>");
    }},
    legend: {data: ["流程合规率", "按时关闭率"]},
    xAxis: {type: "category", data: rows.map(function (r) { return String(r.label); })},
    yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value} %"}},
    series: [{name: "流程合规率", type: "bar", data: rows.map(function (r) { return r.rate; })},
             {name: "按时关闭率", type: "line", data: rows.map(function (r) { return r.on_time_rate; })}]
  });
  box.setAttribute("data-rendered", "true");
  window.addEventListener("resize", function () { chart.resize(); });
})();
