// The report page: draws the charts from the report's data (targets included), or follows an
// analysis in progress and reloads when it is done.
(function () {
  "use strict";
  // Ask ``url`` every second until ``finished(body)``, then reload; ``describe(body, waited)`` words the wait.
  function pollThenReload(url, finished, describe) {
    const text = document.getElementById("progress-text");
    const started = performance.now();
    const tick = async () => {
      try {
        const body = await (await fetch(url, { credentials: "same-origin" })).json();
        if (finished(body)) { window.location.reload(); return; }
        text.textContent = describe(body, Math.round((performance.now() - started) / 1000));
      } catch (err) { /* the server may be restarting: try again */ }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 1000);
  }
  const run = document.getElementById("pending-run");
  if (run) {  // a mock interview's answers still being analysed
    pollThenReload(`/api/interviews/${run.dataset.interviewId}`, (interview) => interview.complete, (interview) => {
      const waiting = interview.questions.filter((q) => q.status === "queued" || q.status === "running").length;
      return `${waiting} answer${waiting === 1 ? "" : "s"} still being analysed…`;
    });
    return;
  }
  const pending = document.getElementById("pending");
  if (pending) {  // one answer being analysed
    pollThenReload(`/api/answers/${pending.dataset.answerId}`,
                   (answer) => answer.status === "done" || answer.status === "failed",
                   (answer, waited) => (answer.status === "running" ? `Analysing… ${waited} s`
                                                                    : `Waiting for a free analyser… ${waited} s`));
    return;
  }
  const charts = window.emovoiceCharts;
  const data = charts && charts.pageData("chart-data");
  if (!data) return;
  Chart.defaults.font.size = 13;

  // The target range across a chart whose x axis is ``labels`` (its first to its last).
  const band = (labels, [low, high], label) => charts.targetBand(labels[0], labels[labels.length - 1], low, high,
                                                                 `${label} low`, `${label} (target)`);
  // On a phone a legend of two lines leaves a 2:1 chart a strip: the charts are taller there.
  const narrow = window.matchMedia("(max-width: 40rem)").matches;
  function make(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    if (narrow && config.options && config.options.aspectRatio === undefined) config.options.aspectRatio = 1.3;
    charts.draw(canvas, config);
  }
  const legendWithoutBands = { labels: { filter: (item) => !item.text.endsWith(" low") } };

  // the timeline's eight-name legend takes two or three rows on a phone: nearly square there
  const seconds = data.timeline.seconds.map((s) => `${s} s`);
  make("chart-timeline", {
    type: "line",
    data: { labels: seconds, datasets: data.emotions.map((e) => ({
      label: data.names[e], data: data.timeline.probabilities[e], borderColor: data.colours[e],
      // opaque: a see-through layer over the one below shows a colour of neither (grey over green: olive)
      backgroundColor: data.colours[e], fill: true, pointRadius: 0, tension: 0.3 })) },
    options: { aspectRatio: narrow ? 0.9 : 2,
               scales: { y: { stacked: true, min: 0, max: 1, title: { display: true, text: "probability" } } },
               plugins: { legend: { position: "bottom", labels: { boxWidth: narrow ? 14 : 40 } } } },
  });
  const ranked = data.emotions.slice().sort((a, b) => data.mix[b] - data.mix[a]);
  make("chart-mix", {
    type: "bar",
    data: { labels: ranked.map((e) => data.names[e]), datasets: [{ label: "share", data: ranked.map((e) => data.mix[e]),
                                         backgroundColor: ranked.map((e) => data.colours[e]) }] },
    options: { indexAxis: "y", scales: { x: { min: 0, max: 1 }, y: { ticks: { autoSkip: false } } },  // every bar named
               plugins: { legend: { display: false } } },
  });
  if (data.pace) {
    const labels = data.pace.curve.map((p) => `${Math.round(p.time)} s`);  // whole seconds, as the other charts
    make("chart-pace", {
      type: "line",
      data: { labels, datasets: [...band(labels, data.pace.target, "pace"),
        { label: "words per minute", data: data.pace.curve.map((p) => p.wpm), borderColor: "#1565c0", pointRadius: 2 }] },
      options: { plugins: { legend: legendWithoutBands }, scales: { y: { min: 0, title: { display: true, text: "wpm" } } } },
    });
  }
  if (data.pitch && data.pitch.median_hz) {
    // in semitones from the middle (median) pitch, the scale of the pitch variation figure, with that
    // figure (the spread: one standard deviation each way) shaded: in hertz the curve's span read as
    // the figure, and looked far wider than it
    const { curve, median_hz: middle, spread_st: spread } = data.pitch;
    const labels = curve.map((_, i) => `${i} s`);
    const steps = curve.map((hz) => (hz ? 12 * Math.log2(hz / middle) : null));
    const reach = Math.max(6, Math.ceil(Math.max(...steps.map((v) => Math.abs(v || 0)), spread || 0) + 1));
    const named = `your pitch variation (±${spread ? spread.toFixed(1) : ""} semitones)`;
    const spreadBand = spread ? charts.targetBand(labels[0], labels[labels.length - 1], -spread, spread,
                                                  "variation low", named) : [];
    spreadBand.forEach((d) => { if (d.backgroundColor) d.backgroundColor = "rgba(106, 27, 154, 0.12)"; });
    const signed = (v) => `${v >= 0 ? "+" : ""}${v.toFixed(1)}`;
    const tooltipLabel = (item) => (item.datasetIndex === spreadBand.length
      ? `${Math.round(curve[item.dataIndex])} Hz (${signed(item.parsed.y)} semitones)` : item.dataset.label);
    make("chart-pitch", {
      type: "line",
      data: { labels, datasets: [...spreadBand,
        { label: "pitch", data: steps, borderColor: "#6a1b9a", spanGaps: false, pointRadius: 2 }] },
      options: { plugins: { legend: legendWithoutBands, tooltip: { callbacks: { label: tooltipLabel } } },
                 scales: { y: { min: -reach, max: reach,
                                title: { display: true, text: `semitones from ${Math.round(middle)} Hz` } } } },
    });
  }
  if (data.loudness) {
    const labels = data.loudness.curve.map((_, i) => `${i} s`);
    make("chart-loudness", {
      type: "line",
      data: { labels, datasets: [...band(labels, data.loudness.target, "loudness"),
        { label: "level (dBFS)", data: data.loudness.curve, borderColor: "#ef6c00", pointRadius: 2, spanGaps: false }] },
      options: { plugins: { legend: legendWithoutBands }, scales: { y: { title: { display: true, text: "dBFS" } } } },
    });
  }
  charts.finish();
})();
