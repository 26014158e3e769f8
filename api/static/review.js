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
    if (item.hint) { var hint = document.createElement("p"); hint.className = "hint"; hint.textContent = item.hint; panel.appendChild(hint); }
    item.certificates.forEach(function (c) {
      var ch = document.createElement("h4"); ch.className = "certificate"; ch.textContent = c.heading; panel.appendChild(ch);
      panel.appendChild(facts(c.facts));
    });
    document.querySelectorAll(".node.selected").forEach(function (n) { n.classList.remove("selected"); });
    document.querySelectorAll('.node[data-node="' + node + '"]').forEach(function (n) { n.classList.add("selected"); });
  }
  var elements = {};
  document.querySelectorAll(".node").forEach(function (n) {
    var node = n.getAttribute("data-node");
    elements[node] = n;
    var fold = n.classList.contains("fold");
    n.addEventListener("click", function () { if (fold) toggle(node); show(node); });
    n.addEventListener("mouseenter", function () { show(node); });
    n.addEventListener("focus", function () { show(node); });
    n.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); if (fold) toggle(node); show(node); }
    });
  });
  document.querySelectorAll(".finding").forEach(function (f) {
    f.addEventListener("click", function () { var s = f.getAttribute("data-subject"); reveal(s); show(s); centre(s); });
  });

  var box = document.querySelector(".drawing.zoomable");
  var svg = box && box.querySelector("svg");
  if (!svg) return;
  var full = svg.getAttribute("viewBox").split(" ").map(Number);
  var view = full.slice();
  svg.removeAttribute("width"); svg.removeAttribute("height");
  function apply() { svg.setAttribute("viewBox", view.join(" ")); }
  // Folds: a supplier's many lots drawn as one box. Opening one restacks its column (every node keeps its column
  // and its order there) and redraws the edges between the boxes now shown.
  var grid = (svg.getAttribute("data-grid") || "190 62 18 12").split(" ").map(Number);
  var open = {}, pos = {};
  function relayout() {
    var columns = {};
    pos = {};
    Object.keys(elements).forEach(function (node) {
      var n = elements[node];
      if (n.classList.contains("folded")) return;
      (columns[n.getAttribute("data-col")] = columns[n.getAttribute("data-col")] || []).push(n);
    });
    var rows = 1;
    Object.keys(columns).forEach(function (col) {
      var list = columns[col].sort(function (a, b) { return a.getAttribute("data-order") - b.getAttribute("data-order"); });
      rows = Math.max(rows, list.length);
      list.forEach(function (n, i) {
        var rect = n.querySelector("rect"), y = grid[3] + i * (grid[1] + grid[2]);
        n.setAttribute("transform", "translate(0 " + (y - +rect.getAttribute("y")) + ")");
        pos[n.getAttribute("data-node")] = [+rect.getAttribute("x"), y];
      });
    });
    svg.querySelectorAll("path.edge").forEach(function (p) {
      var s = p.getAttribute("data-s"), t = p.getAttribute("data-t"), a = pos[s], b = pos[t];
      var shown = !!(a && b && !open[s] && !open[t]);
      p.classList.toggle("folded", !shown);
      if (!shown) return;
      var sx = a[0] + grid[0], sy = a[1] + grid[1] / 2, tx = b[0], ty = b[1] + grid[1] / 2, mid = (sx + tx) / 2;
      p.setAttribute("d", "M" + sx + " " + sy + "C" + mid + " " + sy + " " + mid + " " + ty + " " + tx + " " + ty);
    });
    var height = grid[3] * 2 + rows * (grid[1] + grid[2]) - grid[2];
    if (height !== full[3]) { full[3] = height; }
  }
  function toggle(fold) {
    open[fold] = !open[fold];
    elements[fold].setAttribute("aria-expanded", open[fold] ? "true" : "false");
    svg.querySelectorAll('.node[data-fold="' + fold + '"]').forEach(function (m) { m.classList.toggle("folded", !open[fold]); });
    relayout();
    centre(fold);  // the fold stays where the eye is, its lots below it
  }
  function reveal(node) {  // a record inside a closed fold: open the fold first
    var n = elements[node], fold = n && n.getAttribute("data-fold");
    if (fold && !open[fold]) toggle(fold);
  }
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
    // A graph far taller than wide (an open fold of hundreds of lots) is shown from the top at a scale one can
    // still read, to be moved down, rather than as a sliver.
    if (full[3] / Math.max(1, ratio) > w) { w = Math.min(full[3] / ratio, full[2] * 1.5); h = w * ratio; }
    view = [full[0], full[1], w, h]; apply();
  }
  function pan(dx, dy) { view[0] += dx * view[2]; view[1] += dy * view[3]; apply(); }
  function centre(node) {
    var p = pos[node];
    if (!p) return;
    view[0] = p[0] - view[2] / 2 + grid[0] / 2; view[1] = p[1] - view[3] / 2 + grid[1] / 2; apply();
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
  // The pointer is captured only once it drags (a few pixels), so a plain click still reaches the box under it.
  var start = null, dragged = false;
  box.addEventListener("pointerdown", function (e) { pointers[e.pointerId] = e; last = e; start = e; dragged = false; });
  box.addEventListener("pointermove", function (e) {
    if (!pointers[e.pointerId]) return;
    if (!dragged && start && Math.hypot(e.clientX - start.clientX, e.clientY - start.clientY) > 4) {
      dragged = true; box.setPointerCapture(e.pointerId);
    }
    if (!dragged) return;
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
  function up(e) { delete pointers[e.pointerId]; last = null; spread = null; start = null; }
  box.addEventListener("click", function (e) { if (dragged) { e.stopPropagation(); dragged = false; } }, true);
  box.addEventListener("pointerup", up); box.addEventListener("pointercancel", up);
  // Search by the words a record is known by (material, supplier, lot code, certificate number): an exact name
  // first, then a name that starts so, then any of its words; Enter goes to the next match.
  var search = document.getElementById("node-search"), status = document.getElementById("search-status");
  var words = {};
  Object.keys(data).forEach(function (node) {
    var item = data[node], all = [item.heading];
    item.facts.forEach(function (f) { all.push(f[1]); });
    item.certificates.forEach(function (c) { all.push(c.heading); });
    words[node] = all.join(" ").toLowerCase();
  });
  var matches = [], at = 0;
  function go() {
    var node = matches[at];
    svg.querySelectorAll(".node.found").forEach(function (n) { n.classList.remove("found"); });
    if (!node) return;
    reveal(node);
    elements[node].classList.add("found");
    var readable = box.clientWidth * 1.1;  // close enough to read the found box's words
    if (view[2] > readable) { view[3] = view[3] * readable / view[2]; view[2] = readable; }
    show(node); centre(node);
    var r = elements[node].getBoundingClientRect();
    if (r.bottom > window.innerHeight || r.top < 0) elements[node].scrollIntoView({ block: "center" });
  }
  function say() {
    if (!status) return;
    var q = search.value.trim();
    status.textContent = !q ? "" : !matches.length ? status.getAttribute("data-none")
      : status.getAttribute("data-some").replace("{i}", at + 1).replace("{n}", matches.length);
  }
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var ranked = [];
      if (q) Object.keys(data).forEach(function (node) {
        if (!elements[node]) return;
        var name = (data[node].name || "").toLowerCase();
        var rank = name === q ? 0 : name.indexOf(q) === 0 ? 1 : data[node].heading.toLowerCase().indexOf(q) >= 0 ? 2
          : words[node].indexOf(q) >= 0 ? 3 : -1;
        if (rank >= 0) ranked.push([rank, node]);
      });
      ranked.sort(function (a, b) { return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0); });
      matches = ranked.map(function (r) { return r[1]; }); at = 0;
      go(); say();
    });
    search.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      if (matches.length) { at = (at + 1) % matches.length; go(); say(); }
    });
  }
  relayout();
  // On a phone the whole graph would be unreadably small: start at the batch and its product, two columns wide.
  if (box.clientWidth < 600 && full[2] > 700) {
    var w0 = 560, h0 = w0 * box.clientHeight / Math.max(1, box.clientWidth);
    view = [full[0] + full[2] - w0, full[1], w0, h0]; apply();
  } else fit();
}());
