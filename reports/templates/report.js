(function () {
  "use strict";
  var panel = document.getElementById("filters");
  if (!panel) { return; }
  panel.hidden = false;
  function apply() {
    var on = {};
    panel.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      on[box.name + ":" + box.value] = box.checked;
    });
    var text = panel.querySelector("input[type=search]").value.trim().toLowerCase();
    var shown = 0;
    document.querySelectorAll("tr.finding").forEach(function (row) {
      var visible = on["status:" + row.dataset.status] && on["severity:" + row.dataset.severity] &&
        (!text || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    document.getElementById("filter-count").textContent = shown + " shown";
  }
  panel.addEventListener("input", apply);
  apply();
  // Printed reports must show evidence: open every closed <details> for printing, then restore.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
}());
