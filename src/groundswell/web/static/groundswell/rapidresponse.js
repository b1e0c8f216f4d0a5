/* Rapid response: the alert composer's bilingual preview and the review chart.
 * Data comes from json_script elements (the CSP forbids inline scripts). */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function setupPreview() {
    var templates = readJSON("alert-previews");
    var form = document.getElementById("alert-form");
    if (!templates || !form) return;
    var kind = form.querySelector("[name=kind]");
    var details = form.querySelector("[name=details]");
    var drill = form.querySelector("[name=drill]");
    var org = document.querySelector(".brand-name");
    function render() {
      var chosen = templates[kind.value] || {};
      ["en", "es"].forEach(function (lang) {
        var out = document.getElementById("preview-" + lang);
        if (!out) return;
        var text = (chosen[lang] || "")
          .replace("{org}", org ? org.textContent.trim() : "")
          .replace("{place}", (details && details.value) || "…");
        if (drill && drill.checked) {
          text = (lang === "es" ? "SIMULACRO, NO ES REAL. " : "DRILL, NOT REAL. ") + text;
        }
        out.textContent = text;  // never parsed as HTML
      });
    }
    form.addEventListener("input", render);
    form.addEventListener("change", render);
    render();
  }

  function setupChart() {
    var data = readJSON("review-chart-data");
    var canvas = document.getElementById("review-chart");
    if (!data || !canvas || typeof Chart === "undefined") return;
    new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: data.names.reports, data: data.reports, yAxisID: "y",
            backgroundColor: "#8a5a00" },
          { type: "bar", label: data.names.confirmed, data: data.confirmed, yAxisID: "y",
            backgroundColor: "#b3261e" },
          { type: "line", label: data.names.rate, data: data.false_alarm_rate, yAxisID: "rate",
            borderColor: "#1a5fb4", spanGaps: true },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          rate: { position: "right", beginAtZero: true, max: 100, grid: { display: false } },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPreview();
    setupChart();
  });
})();
