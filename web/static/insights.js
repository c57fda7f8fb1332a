// The insights' trend charts: each <figure class="trend"> draws one column of the table it
// names (the same numbers, which stay there for screen readers and without script), with
// axes and the value of the day or week under the pointer. Chart.js is vendored
// (static/vendor/chartjs); it styles through the CSSOM, which the Content-Security-Policy allows.
(function () {
  "use strict";
  const figures = document.querySelectorAll("figure.trend[data-table]");
  if (!figures.length || !window.Chart) return;
  const accent = "#1f5fd1";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#3d4857";

  function percent(value) {
    return (Math.round(value * 1000) / 10) + " %";
  }

  function shortDay(iso) {
    const date = new Date(iso + "T00:00:00Z");
    return date.toLocaleDateString("en-GB", {day: "numeric", month: "short", timeZone: "UTC"});
  }

  figures.forEach(function (figure) {
    const table = document.getElementById(figure.dataset.table);
    if (!table) return;
    const column = Number(figure.dataset.column);
    const rate = figure.dataset.rate === "1";
    const rows = Array.from(table.tBodies[0].rows);
    const labels = rows.map(function (row) { return shortDay(row.cells[0].dataset.day); });
    const values = rows.map(function (row) {  // "" is a day without data: a gap, not a 0
      const value = row.cells[column].dataset.value;
      return value === "" ? null : Number(value);
    });
    const name = figure.dataset.label;
    new Chart(figure.querySelector("canvas"), {
      type: figure.dataset.kind,
      data: {
        labels: labels,
        datasets: [{
          label: name,
          data: values,
          backgroundColor: figure.dataset.kind === "bar" ? accent : "rgba(31, 95, 209, 0.12)",
          borderColor: accent,
          borderWidth: 2,
          fill: figure.dataset.kind === "line",
          pointRadius: values.length > 45 ? 0 : 3,
          pointHoverRadius: 5,
        }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: {mode: "index", intersect: false},
        plugins: {
          legend: {display: false},
          tooltip: {
            callbacks: {
              title: function (items) { return rows[items[0].dataIndex].cells[0].textContent.trim(); },
              label: function (item) { return name + ": " + (rate ? percent(item.raw) : item.raw); },
            },
          },
        },
        scales: {
          x: {grid: {display: false}, ticks: {maxRotation: 0, autoSkipPadding: 16}},
          y: {
            beginAtZero: true,
            grid: {color: "#e3e8ef"},
            ticks: {precision: rate ? undefined : 0, callback: function (value) { return rate ? percent(value) : value; }},
          },
        },
      },
    });
  });
  document.documentElement.classList.add("charts-drawn");
  document.querySelectorAll("details.trend-table").forEach(function (details) { details.open = false; });
})();
