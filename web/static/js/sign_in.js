/* The watcher's sign-in on the phone (supervision/sign_in.html), where the QR code leads:
   QR check → prompts → camera clip (or a JPEG burst) and GPS fix → upload → verdict by
   polling. The page hands over its data as JSON (#sign-in-data); every message, the
   server's included, is put in as text. */
(function () {
  "use strict";
  var pf = window.permitflow, page = pf.data("sign-in-data");
  if (!page) { return; }
  var permitId = page.permit_id, qr = page.qr;
  var needsFace = page.needs_face, needsFix = page.needs_fix;
  var words = page.prompt_text;
  var api = page.api;
  var CLIP_MS = 5000, BURST_FPS = 10;
  var video = document.getElementById("video"), oval = document.getElementById("oval");
  var promptEl = document.getElementById("prompt"), statusEl = document.getElementById("status");
  var go = document.getElementById("go"), list = document.getElementById("prompts");
  var stream = null, challenge = null, fix = null;

  // what the server says can quote names and comments: always text, one line per item
  function say(text, cls) {
    var content = pf.lines(Array.isArray(text) ? text : [text]);
    statusEl.textContent = "";
    statusEl.appendChild(cls ? pf.el("span", cls, content) : content);
  }
  function errorText(body) {
    var e = (body && body.errors) || {}, out = [];
    Object.keys(e.fields || e).forEach(function (k) {
      var v = (e.fields || e)[k]; out.push(Array.isArray(v) ? v.join("；") : JSON.stringify(v));
    });
    return out.length ? out : ["出错了 / something went wrong"];
  }
  function json(method, url, body) {
    return pf.fetch(url, {method: method,
      headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined})
      .then(function (r) { return r.json().then(function (b) { return {status: r.status, body: b}; }); });
  }

  function getChallenge() {
    say("正在核验二维码… / checking the QR code…");
    return json("POST", api + "/permits/" + permitId + "/sign-ins/challenge", {qr: qr}).then(function (r) {
      if (r.status === 422 && r.body.errors && r.body.errors.code === "consent_required") {
        location.reload();  // consent withdrawn meanwhile: the page shows the notice again
        throw new Error("challenge");
      }
      if (r.status !== 201) { say(errorText(r.body), "bad"); throw new Error("challenge"); }
      challenge = r.body;
      list.textContent = "";
      challenge.prompts.forEach(function (p) {
        var li = document.createElement("li"); li.textContent = words[p][0] + " / " + words[p][1];
        list.appendChild(li);
      });
      say(challenge.purpose === "reconfirm" ? "在岗复核 / presence check" : "请点击开始 / press Start");
    });
  }

  function locate() {
    if (!needsFix || !navigator.geolocation) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        fix = {lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy};
        resolve(fix);
      }, function () { resolve(null); }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
    });
  }

  function camera() {
    if (!needsFace) { return Promise.resolve(null); }
    return navigator.mediaDevices.getUserMedia({audio: false, video: {facingMode: "user",
      width: {ideal: 640}, height: {ideal: 480}, frameRate: {ideal: 15}}}).then(function (s) {
      stream = s; video.srcObject = s; return s;
    });
  }

  function showPrompts() {
    var n = challenge.prompts.length, slot = (CLIP_MS - 600) / Math.max(n, 1);
    challenge.prompts.forEach(function (p, i) {
      setTimeout(function () { promptEl.textContent = words[p][0]; }, 300 + i * slot);
    });
    setTimeout(function () { promptEl.textContent = ""; }, CLIP_MS);
  }

  function recordClip() {
    var type = ["video/webm;codecs=vp8", "video/webm"].filter(function (t) {
      return window.MediaRecorder && MediaRecorder.isTypeSupported(t); })[0];
    if (!type) { return recordBurst(); }
    return new Promise(function (resolve) {
      var chunks = [], rec = new MediaRecorder(stream, {mimeType: type, videoBitsPerSecond: 1200000});
      rec.ondataavailable = function (e) { if (e.data.size) { chunks.push(e.data); } };
      rec.onstop = function () { resolve({clip: new Blob(chunks, {type: "video/webm"})}); };
      rec.start(); showPrompts();
      setTimeout(function () { rec.stop(); }, CLIP_MS);
    });
  }

  function recordBurst() {  // Safari and others without WebM recording: a JPEG burst
    var canvas = document.createElement("canvas"), frames = [];
    canvas.width = video.videoWidth || 640; canvas.height = video.videoHeight || 480;
    var ctx = canvas.getContext("2d");
    showPrompts();
    return new Promise(function (resolve) {
      var timer = setInterval(function () {
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (b) { if (b) { frames.push(b); } }, "image/jpeg", 0.8);
      }, 1000 / BURST_FPS);
      setTimeout(function () { clearInterval(timer); setTimeout(function () {
        resolve({frames: frames}); }, 300); }, CLIP_MS);
    });
  }

  function upload(media) {
    var form = new FormData();
    form.append("qr", qr); form.append("nonce", challenge.nonce);
    form.append("device_time", new Date().toISOString());
    if (fix) { form.append("lat", fix.lat); form.append("lon", fix.lon); form.append("accuracy", fix.accuracy); }
    if (media && media.clip) { form.append("clip", media.clip, "sign-in.webm"); }
    if (media && media.frames) {
      media.frames.forEach(function (f, i) { form.append("frames", f, "frame-" + i + ".jpg"); });
      form.append("fps", BURST_FPS);
    }
    say("正在上传… / uploading…");
    return pf.fetch(api + "/permits/" + permitId + "/sign-ins", {method: "POST", body: form})
      .then(function (r) { return r.json().then(function (b) { return {status: r.status, body: b}; }); });
  }

  function poll(id) {  // the verdict comes from a job: ask until it is decided
    return json("GET", api + "/sign-ins/" + id).then(function (r) {
      if (r.body.status === "pending") {
        say("正在核验人脸与定位… / checking face and position…");
        return new Promise(function (res) { setTimeout(res, 1000); }).then(function () { return poll(id); });
      }
      return r.body;
    });
  }

  function verdict(s) {
    if (s.accepted) {
      say(["签到成功 ✓ / signed in", s.geofence ? "距作业点 " + s.geofence.distance_m + " m" : ""], "ok");
    } else {
      say(["签到未通过 / refused:"].concat(s.reasons_text || s.reasons), "bad");
      go.disabled = false; go.textContent = "重新签到 / Try again";
      go.onclick = function () { go.disabled = true; getChallenge().then(start); };
    }
  }

  function start() {
    go.disabled = true; oval.classList.add("recording");
    var media = needsFace ? recordClip() : Promise.resolve(null);
    Promise.all([media, locate()]).then(function (res) {
      oval.classList.remove("recording");
      if (needsFix && !fix) { say("无法获取定位：请允许位置权限并到室外 / no GPS fix: allow location access", "bad"); go.disabled = false; return; }
      return upload(res[0]).then(function (r) {
        if (r.status !== 202 && r.status !== 201) { say(errorText(r.body), "bad"); go.disabled = false; return; }
        return r.status === 202 ? poll(r.body.id).then(verdict) : verdict(r.body);
      });
    }).catch(function (e) { say("出错了 / error: " + e, "bad"); go.disabled = false; });
  }

  go.onclick = start;
  getChallenge().then(function () { return Promise.all([camera(), locate()]); })
    .then(function () { go.disabled = false; })
    .catch(function (e) { if (String(e).indexOf("challenge") < 0) { say("无法打开摄像头 / camera unavailable: " + e, "bad"); } });
})();
