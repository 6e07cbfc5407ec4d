// Recording an answer (or the voice check) in the browser: preparation countdown, MediaRecorder
// with a timer and a live level meter, a warning when the microphone gives no signal, upload, then
// progress until the report opens. Uploading a file is the fallback. Once Start is pressed, nothing
// on the page can start a second recording over the first: the recording is always uploaded, and
// leaving the page while it is being recorded or sent asks first.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const root = $("recorder");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const questionId = root.dataset.questionId;
  const interviewId = root.dataset.interviewId;   // answering a mock interview
  const position = root.dataset.position;
  const prepSeconds = Number(root.dataset.prepSeconds || 5);
  const voiceCheck = root.dataset.mode === "voice-check";  // the recording becomes the voice check
  const SILENCE_CHECK_S = 3;     // no signal by then: say so
  const SILENCE_PEAK = 0.002;    // a peak under this (-54 dBFS) is no signal; a quiet voice (-45 dBFS) peaks well above
  const MIN_TAKE_S = 1.0;        // a take shorter than this is Stop pressed straight after Start: never sent
                                 // (the server's "0.48 s long; at least 0.5 s is needed" read as if half a second would do)
  let stream = null, recorder = null, audioContext = null, chunks = [], timer = null, prepTimer = null;
  let startedAt = 0, limit = 15, loudest = 0, warned = false, discarded = false;
  let busy = false;  // from Start until the upload is refused (or the page moves on)
  let pending = null;  // [file, name] of the recording on its way, or one the server could not be reached with

  if (questionId && !interviewId && !voiceCheck) {  // a reload (or the way back) finds the same question
    const here = new URL(window.location.href);
    if (here.pathname === "/practice" && here.searchParams.get("question_id") !== questionId) {
      here.searchParams.set("question_id", questionId);
      history.replaceState(null, "", here.pathname + here.search);
    }
  }

  window.addEventListener("beforeunload", (e) => {  // leaving while a recording is not yet with the server
    if (!pending && !(recorder && recorder.state === "recording")) return;
    e.preventDefault();  // the browser asks "Leave site? Changes you made may not be saved."
    e.returnValue = "";
  });
  // Left all the same (a reload, the way back): the page it comes back to says the recording was not
  // sent, instead of a fresh Start as if nothing had happened. pagehide, not beforeunload: that one
  // also fires when the user then chooses to stay.
  const LOST = "emovoice.lost-recording";
  window.addEventListener("pagehide", () => {
    const recording = recorder && recorder.state === "recording";
    if (!pending && !recording) return;
    try {
      sessionStorage.setItem(LOST, JSON.stringify({ path: location.pathname, recording }));
    } catch (err) { /* storage refused (private mode): nothing to say later */ }
  });
  let lost = null;
  try {
    lost = JSON.parse(sessionStorage.getItem(LOST) || "null");
    sessionStorage.removeItem(LOST);
  } catch (err) { lost = null; }

  const show = (el, on) => { el.hidden = !on; };
  const status = (text) => { $("status").textContent = text; };
  const fmt = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

  // A refusal as a sentence; one that starts with the file's name ("notaudio.txt: ...") keeps it as it is.
  const sentence = (text) => (/^\S+: /.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1));

  function problem(text, offerUpload) {
    const box = $("problem");
    box.textContent = text || "";
    show(box, Boolean(text));
    if (offerUpload) { $("upload-section").open = true; }
  }

  function micMessage(err) {
    switch (err && err.name) {
      case "NotAllowedError":
      case "SecurityError":
        return "Microphone access was denied. Allow the microphone for this site (the icon in the address bar), then press Start again, or upload a recording below.";
      case "NotFoundError":
      case "OverconstrainedError":
        return "No microphone was found. Connect one and press Start again, or upload a recording below.";
      case "NotReadableError":
        return "The microphone is busy or failed (another program may be using it). Close that program and press Start again, or upload a recording below.";
      default:
        return `The microphone could not be opened (${err && err.message ? err.message : err}). Press Start again, or upload a recording below.`;
    }
  }

  function release() {
    clearInterval(timer); clearInterval(prepTimer);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (audioContext) audioContext.close();
    stream = null; audioContext = null;
  }

  function reset(message) {
    release();
    busy = false;
    show($("prep"), false); show($("recording"), false); show($("no-signal"), false); show($("setup"), true);
    status(message || "");
    show($("resend"), Boolean(pending));  // a recording the server could not be reached with waits
    $("begin").focus();
  }

  async function begin() {
    if (busy) return;  // a second Start never restarts a recording under way
    busy = true;
    problem(null);
    limit = Number($("seconds").value);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      problem("This browser cannot record audio. Upload a recording below instead.", true);
      busy = false;
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false } });
    } catch (err) {
      problem(micMessage(err), true);
      busy = false;
      return;
    }
    show($("resend"), false);  // a recording waiting to be sent again comes back if this one is discarded
    show($("setup"), false); show($("prep"), true);
    $("skip-prep").focus();
    let left = prepSeconds;
    $("prep-count").textContent = left;
    prepTimer = setInterval(() => {
      left -= 1;
      $("prep-count").textContent = left;
      if (left <= 0) { clearInterval(prepTimer); record(); }
    }, 1000);
  }

  function pickType() {
    const types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
    return types.find((t) => MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(t)) || "";
  }

  function record() {
    clearInterval(prepTimer);
    show($("prep"), false); show($("recording"), true);
    $("limit").textContent = fmt(limit);
    $("stop").focus();
    audioContext = new (window.AudioContext || window.webkitAudioContext)();
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 2048;
    audioContext.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const type = pickType();
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    chunks = []; loudest = 0; warned = false; discarded = false;
    recorder.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
    recorder.onstop = () => {
      release();
      if (discarded) return;
      const blob = new Blob(chunks, { type: recorder.mimeType || type || "audio/webm" });
      if (!blob.size || performance.now() - startedAt < MIN_TAKE_S * 1000) {  // Stop straight after Start
        reset("Nothing was recorded: Stop came straight after Start. Press Start, answer out loud, then press Stop.");
        return;
      }
      const ext = (blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm");
      upload(blob, `answer.${ext}`);
    };
    recorder.start(250);
    startedAt = performance.now();
    status(`Recording for up to ${limit} seconds.`);
    timer = setInterval(() => {
      const elapsed = (performance.now() - startedAt) / 1000;
      $("timer").textContent = fmt(Math.min(elapsed, limit));
      analyser.getFloatTimeDomainData(samples);
      let sum = 0, peak = 0;
      for (let i = 0; i < samples.length; i++) {
        sum += samples[i] * samples[i];
        peak = Math.max(peak, Math.abs(samples[i]));
      }
      const rms = Math.sqrt(sum / samples.length);
      loudest = Math.max(loudest, peak);
      // in decibels, -60 dBFS to 0 (as the report's loudness): speech at a plain level moves the bar
      // across its middle; the meter's low mark is the answers' target, -35 dBFS
      $("level").value = Math.max(0, Math.min(1, (20 * Math.log10(rms + 1e-9) + 60) / 60));
      if (!warned && elapsed >= SILENCE_CHECK_S && loudest < SILENCE_PEAK) {
        warned = true;
        show($("no-signal"), true);
      }
      if (loudest >= SILENCE_PEAK && !$("no-signal").hidden) show($("no-signal"), false);
      if (elapsed >= limit) stop();
    }, 100);
  }

  function stop() {
    clearInterval(timer);
    if (recorder && recorder.state !== "inactive") recorder.stop();
    show($("recording"), false); show($("no-signal"), false);
  }

  async function upload(file, name) {
    busy = true;
    pending = [file, name];
    show($("resend"), false);
    problem(null);
    show($("setup"), false);
    show($("progress"), true);
    $("progress-text").textContent = "Uploading…";
    $("progress-heading").setAttribute("tabindex", "-1");
    $("progress-heading").focus();  // the Stop button just hid: the focus follows the answer
    const form = new FormData();
    form.append("audio", file, name);
    if (voiceCheck) {
      const welcome = $("welcome");  // the step it welcomed to is under way: a refusal below is the news now
      if (welcome) { welcome.remove(); history.replaceState(null, "", "/voice-check"); }
      const uploaded = file instanceof File;  // a chosen file; the microphone's recording is a plain Blob
      const next = uploaded ? "Upload another file, or press Start to record it." : "Press Start to record it "
        + "again, or upload another file.";
      const saved = await send("/api/me/voice-check", "PUT", form, (detail) => /again$/.test(detail)
        ? `${sentence(detail)}.` : `${sentence(detail)}. ${next}`);
      if (saved) window.location.assign("/voice-check?saved=1");
      return;
    }
    if (interviewId) {
      form.append("interview_id", interviewId);
      form.append("position", position);
    } else if (questionId) {
      form.append("question_id", questionId);
    }
    form.append("time_limit_s", String(limit));
    const recorded = !(file instanceof File);  // named answer.webm here, not by the user: the name says nothing
    const body = await send("/api/answers", "POST", form, (detail) => {
      const said = recorded && detail.startsWith(`${name}: `) ? detail.slice(name.length + 2) : detail;
      // what to do next, unless the reason already says it ("Record again and say a full sentence")
      const next = /record again|press start|upload another/i.test(said) ? ""
        : recorded ? " Press Start to record your answer again." : " Choose another file, or press Start to record your answer.";
      return `This recording cannot be used: ${said}${/[.!?…]$/.test(said) ? "" : "."}${next}`;
    });
    if (!body) return;
    if (interviewId) {  // on to the next question (or the summary); the analysis runs meanwhile
      window.location.assign(`/interviews/${interviewId}`);
      return;
    }
    history.replaceState(null, "", `/answers/${body.id}`);  // a reload now shows this answer, not a new question
    follow(body.id);
  }

  // Send the recording; on a refusal, say why (``refused(detail)`` words it), bring back the Start
  // button and offer the upload. A server that cannot be reached, or fails (5xx), did not take the
  // recording: it stays in the page (leaving still asks first) until it is sent again. Returns the
  // response body, or null.
  async function send(url, method, form, refused) {
    let response;
    try {
      response = await fetch(url, { method, body: form, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
    } catch (err) {
      keepForLater("The upload failed: the server cannot be reached. Check that emovoice is still running, then "
                   + "press \u201cSend the recording again\u201d.");
      return null;
    }
    const body = await response.json().catch(() => ({}));
    if (response.status >= 500) {
      keepForLater(`The server could not take the recording (${String(body.detail || response.statusText)}). `
                   + "Your recording is kept here: press \u201cSend the recording again\u201d in a moment.");
      return null;
    }
    pending = null;  // the server has it, or refused it and the page says why
    if (!response.ok) {
      show($("progress"), false);
      reset();
      problem(refused(String(body.detail || response.statusText)), true);
      return null;
    }
    return body;
  }

  function keepForLater(message) {
    show($("progress"), false);
    reset();
    problem(message, false);
    show($("resend"), true);
    $("resend").focus();
  }

  function follow(id) {
    const started = performance.now();
    const text = $("progress-text");
    const tick = async () => {
      let answer;
      try {
        const r = await fetch(`/api/answers/${id}`, { credentials: "same-origin" });
        answer = await r.json();
      } catch (err) { answer = null; }
      const waited = Math.round((performance.now() - started) / 1000);
      if (answer && (answer.status === "done" || answer.status === "failed")) {
        window.location.assign(`/answers/${id}`);
        return;
      }
      text.textContent = answer && answer.status === "running" ? `Analysing… ${waited} s` : `Waiting for a free analyser… ${waited} s`;
      setTimeout(tick, 1000);
    };
    tick();
  }

  if (lost && lost.path === location.pathname) {
    problem(lost.recording
      ? "Your last recording was lost: the page was left (or reloaded) while it was recording, so it was never "
        + "sent. Press Start to record again."
      : "Your last recording may not have reached the server: the page was left (or reloaded) while it was on "
        + `its way. If it is not ${voiceCheck ? "your voice check below" : "in your history"}, press Start to `
        + "record it again.", false);
  }

  $("begin").addEventListener("click", begin);
  $("skip-prep").addEventListener("click", () => { if (stream) record(); });
  $("stop").addEventListener("click", stop);
  $("resend").addEventListener("click", () => { if (pending && !busy) upload(...pending); });
  $("keep-going").addEventListener("click", () => { show($("no-signal"), false); $("stop").focus(); });
  $("restart").addEventListener("click", () => {
    discarded = true;
    if (recorder && recorder.state !== "inactive") recorder.stop();
    reset("The recording was discarded. Press Start when you are ready.");
  });
  $("upload-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) { problem("Choose a file first."); return; }
    if (recorder && recorder.state === "recording") {
      problem("A recording is under way. Press Stop to send it first, then upload the file.");
      return;
    }
    if (busy) { problem("A recording is already on its way. Wait for it, then upload the file."); return; }
    limit = Number($("seconds").value);
    upload(file, file.name);
  });
})();
