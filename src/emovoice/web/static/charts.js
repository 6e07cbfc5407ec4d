// What the report, comparison and history pages' charts share (Chart.js is loaded before this file):
// reading the page's chart data, drawing a chart and counting it, a shaded target range.
window.emovoiceCharts = (function () {
  "use strict";
  let drawn = 0;
  // The JSON in the page's <script type="application/json" id="…">, with Chart.js set up;
  // null when the page has none or Chart.js did not load (nothing is drawn then).
  function pageData(id) {
    const source = document.getElementById(id);
    if (!source || typeof Chart === "undefined") return null;
    Chart.defaults.animation = false;
    Chart.defaults.color = "#222";
    return JSON.parse(source.textContent);
  }
  // Draw ``config`` on ``canvas`` and mark it drawn.
  function draw(canvas, config) {
    new Chart(canvas, config);
    canvas.dataset.drawn = "true";
    drawn += 1;
  }
  // Once every chart is drawn: how many, on <body data-charts>.
  function finish() {
    document.body.dataset.charts = String(drawn);
  }
  // Two line datasets that shade the range from ``low`` to ``high`` from x = ``left`` to ``right``
  // (numbers on a linear axis, labels on a category axis): the first, named ``lowLabel``, is the lower
  // edge (leave it out of the legend), the second fills down to it.
  function targetBand(left, right, low, high, lowLabel, label) {
    return [
      { label: lowLabel, data: [{ x: left, y: low }, { x: right, y: low }], borderWidth: 0, pointRadius: 0,
        fill: false },
      { label, data: [{ x: left, y: high }, { x: right, y: high }], borderWidth: 0, pointRadius: 0,
        fill: "-1", backgroundColor: "rgba(46, 125, 50, 0.15)" },
    ];
  }
  return { pageData, draw, finish, targetBand };
})();
