// The review page: a node's record and certificates beside the drawing, and the drawing moved and zoomed by
// pointer (mouse, touch, pen), wheel, keyboard or the buttons (no inline handlers, nothing from another origin).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("node-details").textContent);
  var panel = document.getElementById("node-panel");
  function facts(list) {
    var dl = document.createElement("dl");
    list.forEach(function (pair) {
      var dt = document.createElement("dt"); dt.textContent = pair[0];
      var dd = document.createElement("dd"); dd.textContent = pair[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
    return dl;
  }
  function show(node) {
    var item = data[node];
    if (!item) return;
    panel.textContent = "";
    var h = document.createElement("h3"); h.textContent = item.heading; panel.appendChild(h);
    panel.appendChild(facts(item.facts));
    item.certificates.forEach(function (c) {
      var ch = document.createElement("h4"); ch.className = "certificate"; ch.textContent = c.heading; panel.appendChild(ch);
      panel.appendChild(facts(c.facts));
    });
    document.querySelectorAll(".node.selected").forEach(function (n) { n.classList.remove("selected"); });
    document.querySelectorAll('.node[data-node="' + node + '"]').forEach(function (n) { n.classList.add("selected"); });
  }
  document.querySelectorAll(".node").forEach(function (n) {
    var node = n.getAttribute("data-node");
    n.addEventListener("click", function () { show(node); });
    n.addEventListener("mouseenter", function () { show(node); });
    n.addEventListener("focus", function () { show(node); });
    n.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(node); } });
  });
  document.querySelectorAll(".finding").forEach(function (f) {
    f.addEventListener("click", function () { show(f.getAttribute("data-subject")); centre(f.getAttribute("data-subject")); });
  });

  var box = document.querySelector(".drawing.zoomable");
  var svg = box && box.querySelector("svg");
  if (!svg) return;
  var full = svg.getAttribute("viewBox").split(" ").map(Number);
  var view = full.slice();
  svg.removeAttribute("width"); svg.removeAttribute("height");
  function apply() { svg.setAttribute("viewBox", view.join(" ")); }
  function zoom(factor, cx, cy) {
    cx = cx === undefined ? view[0] + view[2] / 2 : cx;
    cy = cy === undefined ? view[1] + view[3] / 2 : cy;
    var w = Math.min(full[2] * 4, Math.max(120, view[2] * factor));
    var h = w * view[3] / view[2];
    view = [cx - (cx - view[0]) * w / view[2], cy - (cy - view[1]) * h / view[3], w, h];
    apply();
  }
  function fit() {
    var ratio = box.clientHeight / Math.max(1, box.clientWidth);
    var w = full[2], h = Math.max(full[3], w * ratio);
    if (full[3] / Math.max(1, ratio) > w) { h = full[3]; w = h / ratio; }
    view = [full[0], full[1], w, h]; apply();
  }
  function pan(dx, dy) { view[0] += dx * view[2]; view[1] += dy * view[3]; apply(); }
  function centre(node) {
    var g = svg.querySelector('.node[data-node="' + node + '"] rect');
    if (!g) return;
    var x = +g.getAttribute("x"), y = +g.getAttribute("y");
    view[0] = x - view[2] / 2 + 95; view[1] = y - view[3] / 2 + 31; apply();
  }
  function point(e) {
    var r = svg.getBoundingClientRect();
    return [view[0] + (e.clientX - r.left) / r.width * view[2], view[1] + (e.clientY - r.top) / r.height * view[3]];
  }
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var what = b.getAttribute("data-zoom");
      if (what === "in") zoom(0.8); else if (what === "out") zoom(1.25); else fit();
    });
  });
  box.addEventListener("wheel", function (e) { e.preventDefault(); var p = point(e); zoom(e.deltaY < 0 ? 0.85 : 1.18, p[0], p[1]); }, { passive: false });
  box.addEventListener("keydown", function (e) {
    var k = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] }[e.key];
    if (k) { e.preventDefault(); pan(k[0], k[1]); }
    else if (e.key === "+" || e.key === "=") zoom(0.8);
    else if (e.key === "-") zoom(1.25);
    else if (e.key === "0") fit();
  });
  var pointers = {}, last = null, spread = null;
  box.addEventListener("pointerdown", function (e) { pointers[e.pointerId] = e; last = e; box.setPointerCapture(e.pointerId); });
  box.addEventListener("pointermove", function (e) {
    if (!pointers[e.pointerId]) return;
    pointers[e.pointerId] = e;
    var ids = Object.keys(pointers);
    var r = svg.getBoundingClientRect();
    if (ids.length === 2) {  // two fingers: pinch to zoom
      var a = pointers[ids[0]], b = pointers[ids[1]];
      var d = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
      if (spread) zoom(spread / d);
      spread = d; return;
    }
    if (last) { view[0] -= (e.clientX - last.clientX) / r.width * view[2]; view[1] -= (e.clientY - last.clientY) / r.height * view[3]; apply(); }
    last = e;
  });
  function up(e) { delete pointers[e.pointerId]; last = null; spread = null; }
  box.addEventListener("pointerup", up); box.addEventListener("pointercancel", up);
  var search = document.getElementById("node-search");
  if (search) search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    var first = null;
    Object.keys(data).forEach(function (node) {
      var hit = q && data[node].heading.toLowerCase().indexOf(q) >= 0;
      svg.querySelectorAll('.node[data-node="' + node + '"]').forEach(function (n) { n.classList.toggle("found", !!hit); });
      if (hit && !first) first = node;
    });
    if (first) { show(first); centre(first); }
  });
  // On a phone the whole graph would be unreadably small: start at the batch and its product, two columns wide.
  if (box.clientWidth < 600 && full[2] > 700) {
    var w0 = 560, h0 = w0 * box.clientHeight / Math.max(1, box.clientWidth);
    view = [full[0] + full[2] - w0, full[1], w0, h0]; apply();
  } else fit();
}());
