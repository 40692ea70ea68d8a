// mdbench site: sortable, filterable boards and the config selector (no libraries, works from file://)
(function () {
  "use strict";
  function sortValue(td) {
    var s = td.getAttribute("data-sort");
    if (s === null || s === "") return null;
    var x = Number(s);
    return isNaN(x) ? s.toLowerCase() : x;
  }
  function sortTable(table, col, th) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortValue(a.cells[col]), y = sortValue(b.cells[col]);
      if (x === null && y === null) return 0;
      if (x === null) return 1;   // missing values last in either direction
      if (y === null) return -1;
      var c = x < y ? -1 : x > y ? 1 : 0;
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.board").forEach(function (table) {
    table.querySelectorAll("button.sort").forEach(function (btn) {
      btn.addEventListener("click", function () {
        sortTable(table, Number(btn.getAttribute("data-col")), btn.closest("th"));
      });
    });
  });
  var filter = document.getElementById("board-filter");
  var refs = document.getElementById("show-refs");
  function applyFilter() {
    var q = filter ? filter.value.trim().toLowerCase() : "";
    var showRefs = refs ? refs.checked : true;
    document.querySelectorAll("table.board tbody tr").forEach(function (tr) {
      var text = (tr.getAttribute("data-model") + " " + tr.getAttribute("data-role")).toLowerCase();
      var isRef = tr.getAttribute("data-role") !== "model";
      tr.hidden = (q && text.indexOf(q) < 0) || (isRef && !showRefs);
    });
  }
  if (filter) filter.addEventListener("input", applyFilter);
  if (refs) refs.addEventListener("change", applyFilter);
  var select = document.getElementById("config-select");
  function showConfig() {
    document.querySelectorAll("section.per-config").forEach(function (s) {
      s.hidden = s.getAttribute("data-config") !== select.value;
    });
  }
  if (select) {
    var wanted = (location.hash.match(/config=([\w.-]+)/) || [])[1];
    if (wanted && select.querySelector('option[value="' + wanted + '"]')) select.value = wanted;
    select.addEventListener("change", showConfig);
    showConfig();
  }
})();
