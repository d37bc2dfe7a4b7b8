/* permitflow pages: the few things a form cannot do without script.
 * - rows of an array field (gas readings): add / remove
 * - instrument photo: upload to /api/v1/uploads, keep the returned id in a hidden field
 * - "use my location" and the approver's position (navigator.geolocation)
 * - area picker: move the work point to the chosen area's centre
 * - inbox: a "select all" checkbox for the bulk approval's task boxes
 * Everything degrades: without script the form still posts what is filled in.
 */
(function () {
  "use strict";

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  /* --- array rows --------------------------------------------------------- */
  function renumber(group) {
    var rows = group.querySelectorAll("[data-row-list] > [data-row]");
    var min = parseInt(group.getAttribute("data-min") || "1", 10) || 1;
    each("[data-remove-row]", group, function (button) {
      button.hidden = rows.length <= min;
    });
  }

  var ROW_SLOT = "__i__";  // web/pages/schema_form.py: the row index in names and ids

  /* Put the row's index into the cloned template's attributes and text, as nodes (no
     markup is re-parsed, so nothing in a default value can turn into HTML). */
  function fillSlot(node, index) {
    if (node.nodeType === 1) {
      Array.prototype.forEach.call(node.attributes, function (a) {
        if (a.value.indexOf(ROW_SLOT) >= 0) { a.value = a.value.split(ROW_SLOT).join(index); }
      });
      if (node.content) { fillSlot(node.content, index); }  // a nested <template>
    } else if (node.nodeType === 3 && node.nodeValue.indexOf(ROW_SLOT) >= 0) {
      node.nodeValue = node.nodeValue.split(ROW_SLOT).join(index);
    }
    Array.prototype.forEach.call(node.childNodes, function (child) { fillSlot(child, index); });
  }

  function addRow(group) {
    var template = group.querySelector("template[data-row-template]");
    var list = group.querySelector("[data-row-list]");
    var index = parseInt(group.getAttribute("data-next") || "0", 10);
    group.setAttribute("data-next", String(index + 1));
    var fragment = template.content.cloneNode(true);
    fillSlot(fragment, String(index));
    var row = fragment.firstElementChild;
    list.appendChild(row);
    renumber(group);
    var first = row.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  each("[data-rows]", document, function (group) {
    renumber(group);
    group.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-add-row]")) {
        event.preventDefault();
        addRow(group);
      } else if (target.closest("[data-remove-row]")) {
        event.preventDefault();
        var row = target.closest("[data-row]");
        if (row) { row.remove(); renumber(group); }
      }
    });
  });

  /* --- instrument photo --------------------------------------------------- */
  each("[data-photo]", document, function (box) {
    var file = box.querySelector("[data-photo-file]");
    var hidden = box.querySelector("[data-photo-id]");
    var status = box.querySelector("[data-photo-status]");
    var preview = box.querySelector("[data-photo-preview]");
    file.addEventListener("change", function () {
      if (!file.files || !file.files.length) { return; }
      var body = new FormData();
      body.append("file", file.files[0]);
      status.textContent = file.getAttribute("data-busy");
      window.permitflow.fetch(file.getAttribute("data-upload-url"), {
        method: "POST", body: body
      }).then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, json: json }; });
      }).then(function (result) {
        if (!result.ok || !result.json.id) { throw new Error("upload"); }
        hidden.value = result.json.id;
        status.textContent = file.getAttribute("data-done");
        preview.src = URL.createObjectURL(file.files[0]);
        preview.hidden = false;
      }).catch(function () {
        status.textContent = file.getAttribute("data-fail");
      });
    });
  });

  /* --- location ----------------------------------------------------------- */
  function locate(onFix, onFail) {
    if (!navigator.geolocation) { onFail(); return; }
    navigator.geolocation.getCurrentPosition(function (pos) { onFix(pos.coords); }, onFail,
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }

  each("[data-locate]", document, function (button) {
    var lat = document.querySelector(button.getAttribute("data-lat"));
    var lon = document.querySelector(button.getAttribute("data-lon"));
    var status = button.parentNode.querySelector("[data-locate-status]");
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-busy");
      locate(function (coords) {
        lat.value = coords.latitude.toFixed(6);
        lon.value = coords.longitude.toFixed(6);
        status.textContent = button.getAttribute("data-done")
          .replace("{m}", String(Math.round(coords.accuracy)));
      }, function () {
        status.textContent = button.getAttribute("data-fail");
      });
    });
  });

  var geoLat = document.querySelector("[data-geo-lat]");
  var geoLon = document.querySelector("[data-geo-lon]");
  if (geoLat && geoLon) {
    locate(function (coords) {
      geoLat.value = coords.latitude.toFixed(6);
      geoLon.value = coords.longitude.toFixed(6);
    }, function () {});
  }

  each("[data-area-select]", document, function (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var lat = document.getElementById("lat");
      var lon = document.getElementById("lon");
      if (option && lat && lon && option.getAttribute("data-lat")) {
        lat.value = option.getAttribute("data-lat");
        lon.value = option.getAttribute("data-lon");
      }
    });
  });

  /* --- inbox: select all for bulk approval -------------------------------- */
  each("[data-select-all]", document, function (all) {
    var boxes = document.querySelectorAll("[data-bulk-item]");
    function sync() {
      var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
      all.checked = boxes.length > 0 && checked.length === boxes.length;
      all.indeterminate = checked.length > 0 && checked.length < boxes.length;
    }
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes, function (b) { b.checked = all.checked; });
      sync();
    });
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", sync); });
    sync();
  });
})();
