/* The quarterly report's progress (analytics/report_job.html): poll the job's status while
   it is queued or running. The URL comes in data-status-url, so nothing is inline. */
(function () {
  "use strict";
  var bar = document.getElementById("bar");
  if (!bar || !bar.getAttribute("data-status-url")) { return; }
  var url = bar.getAttribute("data-status-url");
  function text(id, value) { document.getElementById(id).textContent = value; }
  function poll() {
    window.permitflow.fetch(url).then(function (r) { return r.json(); }).then(function (j) {
      bar.value = j.progress;
      text("pct", j.progress);
      text("status", j.status);
      text("stage", j.stage || "");
      text("error", j.error || "");
      if (j.file_url) {
        document.getElementById("link").href = j.file_url;
        document.getElementById("download").hidden = false;
      }
      if (j.status === "queued" || j.status === "running") { setTimeout(poll, 1500); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  if (bar.getAttribute("data-poll") === "true") { poll(); }
})();
