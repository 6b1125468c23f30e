// detente dashboard: draws each chart from the cells of the table beside it (never from other data), and
// redraws after htmx swaps part of the page. Pages work without this file; it only adds the charts.
"use strict";

(function () {
  const palette = ["#0b5cad", "#b42318", "#116329", "#8a5a00", "#6639ba", "#1b7c83", "#57606a", "#bf3989", "#5a7d00", "#d4621b"];

  function number(cell) {
    if (!cell) return null;
    const text = cell.getAttribute("data-value");
    if (text === null || text === "") return null;
    const value = Number(text);
    return Number.isFinite(value) ? value : null;
  }

  function draw(canvas) {
    if (canvas.dataset.drawn === "yes" || typeof Chart === "undefined") return;
    const spec = JSON.parse(canvas.getAttribute("data-chart"));
    const table = document.getElementById(spec.table);
    if (!table) return;
    const rows = Array.from(table.tBodies[0].rows);
    const labels = rows.map((r) => {
      const cell = r.querySelector('td[data-key="' + spec.x + '"]');
      return cell ? cell.textContent.trim() : "";
    });
    const datasets = spec.series.map((s, i) => ({
      label: s.label,
      data: rows.map((r) => number(r.querySelector('td[data-key="' + s.key + '"]'))),
      borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length],
      borderDash: s.dashed ? [6, 4] : [],
      pointRadius: spec.kind === "line" ? 2 : 0,
      spanGaps: true,
    }));
    canvas.dataset.drawn = "yes";
    new Chart(canvas, {
      type: spec.kind,
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: spec.stacked }, y: { stacked: spec.stacked, beginAtZero: true } },
      },
    });
  }

  function drawAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  document.addEventListener("htmx:afterSettle", (event) => drawAll(event.target));
})();
