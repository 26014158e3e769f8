// The review page: show a node's record and its certificates beside the drawing (no inline handlers).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("node-details").textContent);
  var panel = document.getElementById("node-panel");
  function row(dl, key, value) {
    if (value === null || value === undefined || value === "") return;
    var dt = document.createElement("dt"); dt.textContent = key;
    var dd = document.createElement("dd"); dd.textContent = value;
    dl.appendChild(dt); dl.appendChild(dd);
  }
  function show(node) {
    var item = data[node];
    if (!item) return;
    panel.textContent = "";
    var h = document.createElement("h3"); h.textContent = node; panel.appendChild(h);
    var dl = document.createElement("dl");
    Object.keys(item.record).forEach(function (k) { row(dl, k, item.record[k]); });
    panel.appendChild(dl);
    item.certificates.forEach(function (c) {
      var ch = document.createElement("h4"); ch.className = "certificate"; ch.textContent = c.id; panel.appendChild(ch);
      var cdl = document.createElement("dl");
      Object.keys(c).forEach(function (k) { row(cdl, k, c[k]); });
      panel.appendChild(cdl);
    });
    document.querySelectorAll(".node.selected").forEach(function (n) { n.classList.remove("selected"); });
    document.querySelectorAll('.node[data-node="' + node + '"]').forEach(function (n) { n.classList.add("selected"); });
  }
  document.querySelectorAll(".node").forEach(function (n) {
    var node = n.getAttribute("data-node");
    n.addEventListener("click", function () { show(node); });
    n.addEventListener("mouseenter", function () { show(node); });
    n.addEventListener("focus", function () { show(node); });
  });
  document.querySelectorAll(".finding").forEach(function (f) {
    f.addEventListener("click", function () { show(f.getAttribute("data-subject")); });
  });
}());
