// The history page: each main figure over the user's answers, the target range shaded.
(function () {
  "use strict";
  const source = document.getElementById("trend-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  Chart.defaults.animation = false;
  Chart.defaults.color = "#222";
  let drawn = 0;
  data.series.forEach((s) => {
    const canvas = document.getElementById(`trend-${s.key}`);
    if (!canvas) return;
    const labels = s.points.map((p) => p.time.replace("T", " "));
    const datasets = [];
    if (s.target) {
      datasets.push({ label: "target low", data: labels.map(() => s.target[0]), borderWidth: 0, pointRadius: 0, fill: false });
      datasets.push({ label: "target", data: labels.map(() => s.target[1]), borderWidth: 0, pointRadius: 0,
                      fill: "-1", backgroundColor: "rgba(46, 125, 50, 0.15)" });
    }
    datasets.push({ label: s.label, data: s.points.map((p) => p.value), borderColor: "#1565c0", pointRadius: 3 });
    new Chart(canvas, {
      type: "line",
      data: { labels, datasets },
      options: { plugins: { legend: { labels: { filter: (item) => item.text !== "target low" } } },
                 scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } } } },
    });
    canvas.dataset.drawn = "true";
    drawn += 1;
  });
  document.body.dataset.charts = String(drawn);
})();
