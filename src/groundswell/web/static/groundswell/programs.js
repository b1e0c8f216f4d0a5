// Programs area: Chart.js charts on the reports page, drawn from the JSON the page
// carries (json_script); no inline scripts (CSP). Roll call works without this file.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("programs-chart-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var series = data[canvas.dataset.chart];
      if (!series || !series.values.length) {
        canvas.hidden = true;
        return;
      }
      new window.Chart(canvas, {
        type: canvas.dataset.kind || "bar",
        data: {
          labels: series.labels,
          datasets: [{ label: series.label, data: series.values,
                       backgroundColor: "#b3261e", borderColor: "#b3261e" }]
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          indexAxis: canvas.dataset.kind === "bar" ? "y" : "x",
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
        }
      });
    });
  }
  // Deferred scripts (this one and Chart.js) all run before DOMContentLoaded.
  if (document.readyState === "complete") {
    draw();
  } else {
    document.addEventListener("DOMContentLoaded", draw);
  }
})();
