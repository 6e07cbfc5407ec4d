// The history page: each main figure over the user's answers, the target range shaded.
(function () {
  "use strict";
  const charts = window.emovoiceCharts;
  const data = charts && charts.pageData("trend-data");
  if (!data) return;
  data.series.forEach((s) => {
    const canvas = document.getElementById(`trend-${s.key}`);
    if (!canvas) return;
    const labels = s.points.map((p) => p.time.replace("T", " "));
    const datasets = s.target ? charts.targetBand(labels, s.target[0], s.target[1], "target low", "target") : [];
    datasets.push({ label: s.label, data: s.points.map((p) => p.value), borderColor: "#1565c0", pointRadius: 3 });
    charts.draw(canvas, {
      type: "line",
      data: { labels, datasets },
      options: { plugins: { legend: { labels: { filter: (item) => item.text !== "target low" } } },
                 scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } } } },
    });
  });
  charts.finish();
})();
