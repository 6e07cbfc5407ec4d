// The comparison page: each figure's distribution among other candidates with the user's bar
// marked, and the user's emotion mix beside the others' average.
(function () {
  "use strict";
  const charts = window.emovoiceCharts;
  const data = charts && charts.pageData("compare-data");
  if (!data) return;
  const groups = Object.fromEntries(data.groups.map((g) => [g.scope, g]));
  document.querySelectorAll("canvas.dist").forEach((canvas) => {
    const group = groups[canvas.dataset.scope];
    const item = group.figures.find((f) => f.key === canvas.dataset.key);
    const fmt = (v) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));
    charts.draw(canvas, {
      type: "bar",
      data: { labels: item.histogram.map((b) => `${fmt(b.from)}–${fmt(b.to)}`),
              datasets: [{ label: "answers", data: item.histogram.map((b) => b.count),
                           backgroundColor: item.histogram.map((b) => (b.yours ? "#0b3d91" : "#9fb7e0")) }] },
      options: { plugins: { legend: { display: false }, title: { display: true, text: `${item.label}: you ${item.shown}` } },
                 scales: { y: { title: { display: true, text: "answers" } } } },
    });
  });
  document.querySelectorAll("canvas.mix").forEach((canvas) => {
    const group = groups[canvas.dataset.scope];
    const emotions = Object.keys(data.yours);
    charts.draw(canvas, {
      type: "bar",
      data: { labels: emotions.map((e) => data.names[e]), datasets: [
        { label: "you", data: emotions.map((e) => data.yours[e] || 0), backgroundColor: emotions.map((e) => data.colours[e]) },
        { label: "other candidates (mean)", data: emotions.map((e) => group.mix[e] || 0), backgroundColor: "#bbbbbb" }] },
      options: { scales: { x: { ticks: { autoSkip: false } }, y: { min: 0, max: 1 } } },  // every emotion named
    });
  });
  charts.finish();
})();
