/* The pre-work taps (supervision/pre_work.html): each tap confirms one item through API v1
   with the login session (the shared fetch sends the CSRF token). A refusal is shown as
   text under the items; the server's messages may quote what people typed. */
(function () {
  "use strict";
  var items = document.getElementById("items");
  if (!items) { return; }
  var url = items.getAttribute("data-confirm-url");
  var memo = document.getElementById("memo");
  function messages(errors) {
    var out = [];
    Object.keys(errors || {}).forEach(function (k) {
      var v = errors[k];
      out.push(Array.isArray(v) ? v.join("；") : (typeof v === "string" ? v : JSON.stringify(v)));
    });
    return out.length ? out : ["出错了 / something went wrong"];
  }
  items.querySelectorAll("button").forEach(function (b) {
    b.addEventListener("click", function () {
      b.disabled = true;
      window.permitflow.fetch(url + "/" + encodeURIComponent(b.dataset.key), {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({device_time: new Date().toISOString()})
      }).then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
        .then(function (r) {
          if (!r.ok) {
            b.disabled = false;
            memo.textContent = "";
            memo.appendChild(window.permitflow.el("span", "bad", window.permitflow.lines(messages(r.body.errors))));
            return;
          }
          b.classList.add("done");
          b.firstChild.textContent = "✓ " + b.firstChild.textContent.trim();
          if (r.body.complete) {
            memo.textContent = "已全部确认，语音备忘已发送给班组长 / all confirmed: a voice memo goes to the team leader";
          }
        }).catch(function () { b.disabled = false; memo.textContent = "网络错误，请重试 / network error, try again"; });
    });
  });
})();
