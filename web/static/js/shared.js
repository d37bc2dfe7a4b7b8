/* What every page script shares, loaded first (no defer) on every page:
 * - permitflow.fetch: fetch with the login session that also sends the CSRF token
 *   (<meta name="csrf-token">) on writes; API v1 refuses a cookie-only write without it
 *   (web/api_csrf.py), so a foreign site cannot forge one.
 * - permitflow.el / permitflow.lines: build DOM nodes whose text goes in as text, for
 *   names, areas and comments that reach popups, tooltips and status lines.
 * - permitflow.escapeHtml: for the few library hooks that insist on an HTML string
 *   (ECharts tooltip formatters).
 * - permitflow.data: the JSON a page hands over in <script type="application/json" id=…>.
 * The Content-Security-Policy allows no inline script, so page data never goes into code.
 */
(function () {
  "use strict";
  var WRITES = { POST: true, PUT: true, PATCH: true, DELETE: true };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function send(url, options) {
    var opts = Object.assign({ credentials: "same-origin" }, options || {});
    var method = String(opts.method || "GET").toUpperCase();
    if (WRITES[method]) {
      var headers = new Headers(opts.headers || {});
      var token = csrfToken();
      if (token && !headers.has("X-CSRFToken")) { headers.set("X-CSRFToken", token); }
      opts.headers = headers;
    }
    return window.fetch(url, opts);
  }

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
  }

  /* el("b", "ok", "text") or el("div", null, [node, "text", …]): children are text or nodes */
  function el(tag, className, children) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === null || children === undefined) { return node; }
    (Array.isArray(children) ? children : [children]).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  /* lines(["a", "b"]): a fragment of text lines separated by <br> */
  function lines(items) {
    var fragment = document.createDocumentFragment();
    items.forEach(function (item, i) {
      if (i) { fragment.appendChild(document.createElement("br")); }
      append(fragment, item);
    });
    return fragment;
  }

  function data(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  window.permitflow = { fetch: send, csrfToken: csrfToken, escapeHtml: escapeHtml, el: el,
                        append: append, lines: lines, data: data };
})();
