// The history page: each main figure over the user's answers, the target range shaded.
// The answers sit at x = 1..n on a linear axis (labelled with their dates), so that the band spans
// the chart from its left edge to its right even when there is one answer.
(function () {
  "use strict";
  const charts = window.emovoiceCharts;
  const data = charts && charts.pageData("trend-data");
  if (!data) return;
  const BOUNDS = { sentiment: [-1, 1], speaking_ratio: [0, 1] };  // figures with a natural scale
  const percent = (value) => `${Math.round(value * 100)} %`;
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"];
  // "2026-12-04T03:51" (UTC) as the answer list says it, "4 December 2026, 03:51 UTC", and as a tick, "4 Dec 03:51"
  const longDate = (iso) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}, `
                            + `${iso.slice(11, 16)} UTC`;
  const shortDate = (iso) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1].slice(0, 3)} `
                             + iso.slice(11, 16);
  data.series.forEach((s) => {
    const canvas = document.getElementById(`trend-${s.key}`);
    if (!canvas || !s.points.length) return;
    const labels = s.points.map((p) => shortDate(p.time));
    const titles = s.points.map((p) => longDate(p.time));
    const [left, right] = [0.5, s.points.length + 0.5];
    const datasets = s.target ? charts.targetBand(left, right, s.target[0], s.target[1], "target low", "target") : [];
    if (s.mark !== null && s.mark !== undefined) {  // the longest pause's 1 s: over it, a silence is a long pause
      datasets.push({ label: "long pause line", data: [{ x: left, y: s.mark }, { x: right, y: s.mark }],
                      borderColor: "#8d6e63", borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 });
    }
    datasets.push({ label: s.label, data: s.points.map((p, i) => ({ x: i + 1, y: p.value })),
                    borderColor: "#1565c0", pointRadius: 3 });
    // a natural scale where there is one, else from zero (a 0.03 s change must not fill the chart);
    // loudness is negative (dBFS): from 0, the loudest a recording holds, down past the quietest answer
    // and well below the target, so that "too quiet" has room under the band
    const lowest = Math.min(...s.points.map((p) => p.value));
    const y = BOUNDS[s.key] ? { min: BOUNDS[s.key][0], max: BOUNDS[s.key][1] }
      : s.key === "loudness_dbfs" ? { min: Math.min(-60, 10 * Math.floor(lowest / 10)), max: 0 }
        : { beginAtZero: true };
    if (s.key === "speaking_ratio") y.ticks = { callback: percent };  // "61 %", as the report says it
    charts.draw(canvas, {
      type: "line",
      data: { datasets },
      options: {
        plugins: {
          legend: { display: false },  // the caption under the chart names the figure and the band
          tooltip: { filter: (item) => item.datasetIndex === datasets.length - 1,
                     callbacks: { title: (items) => titles[items[0].parsed.x - 1] } },
        },
        scales: {
          x: { type: "linear", min: left, max: right,
               // one tick an answer, at 1..n, labelled with its date (the axis's own ticks start at 0.5)
               afterBuildTicks: (axis) => { axis.ticks = labels.map((_, i) => ({ value: i + 1 })); },
               ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6,
                        callback: (value) => labels[Math.round(value) - 1] || "" } },
          y,
        },
      },
    });
  });
  charts.finish();
})();
