/* Events area behaviour, loaded as a static file (the CSP forbids inline scripts).
 *
 * - Charts: <canvas data-chart="ID" data-chart-type="bar" [data-chart-horizontal]>
 *   draws the {labels, series: [{label, values}]} JSON of the json_script element ID
 *   with the vendored Chart.js.
 * - Tick all: <input type="checkbox" data-tick-all="NAME"> ticks every checkbox named
 *   NAME in its form.
 * - Copy: <button data-copy="TEXT" data-copied="…" data-copy-failed="…"> puts TEXT on
 *   the clipboard and says so in the next .copy-status element (role=status).
 * - Print: <button data-print> opens the browser's print dialog.
 */
(function () {
  "use strict";

  var COLORS = ["#1f6f5c", "#d08c2b", "#5b6cc2", "#b5475a"];

  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.chartReady) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var data;
      try { data = JSON.parse(source.textContent); } catch (e) { return; }
      canvas.dataset.chartReady = "1";
      new Chart(canvas, {
        type: canvas.dataset.chartType || "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (s, i) {
            return { label: s.label, data: s.values, backgroundColor: COLORS[i % COLORS.length] };
          })
        },
        options: {
          indexAxis: canvas.dataset.chartHorizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
        }
      });
    });
  }

  function setupTickAll(root) {
    root.querySelectorAll("input[data-tick-all]").forEach(function (box) {
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      box.addEventListener("change", function () {
        var form = box.form;
        if (!form) return;
        form.querySelectorAll('input[type=checkbox][name="' + box.dataset.tickAll + '"]')
          .forEach(function (other) { other.checked = box.checked; });
      });
    });
  }

  function say(button, text) {
    var status = button.closest("details, section, main").querySelector(".copy-status");
    if (status) status.textContent = text;
  }

  function setupCopy(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.addEventListener("click", function () {
        var text = button.dataset.copy;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(
            function () { say(button, button.dataset.copied); },
            function () { say(button, button.dataset.copyFailed + ": " + text); });
        } else {
          say(button, button.dataset.copyFailed + ": " + text);
        }
      });
    });
    root.querySelectorAll("button[data-print]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function init(root) {
    drawCharts(root);
    setupTickAll(root);
    setupCopy(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
