/* The watcher's QR card (supervision/card.html): fetch a fresh code before the current one
   rotates, and count down to it. The QR endpoint comes in the image's data-qr-url. */
(function () {
  "use strict";
  var img = document.getElementById("qr"), countdown = document.getElementById("countdown");
  if (!img || !img.getAttribute("data-qr-url")) { return; }
  var url = img.getAttribute("data-qr-url");
  var next = 0;
  function refresh() {
    window.permitflow.fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (data) {
      img.src = data.svg;
      next = Date.parse(data.rotates_at);
      setTimeout(refresh, Math.max(2000, next - Date.now() + 500));
    }).catch(function () { setTimeout(refresh, 5000); });
  }
  setInterval(function () {
    if (next) { countdown.textContent = Math.max(0, Math.round((next - Date.now()) / 1000)); }
  }, 1000);
  refresh();
})();
