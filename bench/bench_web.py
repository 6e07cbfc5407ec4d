"""Speed of the web app, as ratios measured in one run (machines here differ twofold).

1. Responsiveness: the median time of a logged-in page (``GET /answers``, which reads the
   database) and of an API call (``GET /api/answers``) while two analyses of 60 s answers run,
   against the idle median. Target (issue 9): at most 3 times.
2. Report readiness: for a 15 s and a 60 s answer, the time from the end of the upload (the
   202 response) to the report being ready (polled every 50 ms), against the full analysis of
   the same file by a warm in-process ``Analyzer`` (what ``emovoice analyze`` does once its
   models are loaded). Target: at most 1.5 times. The cold ``emovoice analyze`` command,
   model loading included, is reported beside it.

The answers are the synthetic ones of ``bench/answers.py`` (speech with pauses and fillers).

    .venv/bin/python bench/bench_web.py   ->  bench/results/web.{md,json}
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import machine
from answers import make_answer

from browser import running_app

RESULTS = Path(__file__).parent / "results"
PAGE_SAMPLES = 40
REPEATS = 3


def _login(client: httpx.Client) -> dict[str, str]:
    client.post("/api/users", json={"email": "bench@example.com", "password": "password123"})
    token = client.post("/api/login", json={"email": "bench@example.com", "password": "password123"}).json()["token"]
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def _upload(client: httpx.Client, headers: dict[str, str], path: Path) -> tuple[int, float]:
    response = client.post("/api/answers", headers=headers, files={"audio": (path.name, path.read_bytes())})
    response.raise_for_status()
    return int(response.json()["id"]), time.perf_counter()


def _wait(client: httpx.Client, headers: dict[str, str], answer_id: int, poll_s: float = 0.05) -> float:
    while True:
        status = client.get(f"/api/answers/{answer_id}", headers=headers).json()["status"]
        if status in ("done", "failed"):
            if status == "failed":
                raise RuntimeError(f"answer {answer_id} failed")
            return time.perf_counter()
        time.sleep(poll_s)


def _page_times(client: httpx.Client, headers: dict[str, str], n: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"GET /answers": [], "GET /api/answers": []}
    cookie_headers = {"Cookie": f"emovoice_session={headers['Authorization'].split()[1]}"}
    for _ in range(n):
        for name, url, extra in (("GET /answers", "/answers", cookie_headers),
                                 ("GET /api/answers", "/api/answers", headers)):
            t0 = time.perf_counter()
            client.get(url, headers=extra).raise_for_status()
            times[name].append(time.perf_counter() - t0)
        time.sleep(0.05)
    return times


def _running(client: httpx.Client, headers: dict[str, str], ids: list[int]) -> int:
    return sum(client.get(f"/api/answers/{i}", headers=headers).json()["status"] == "running" for i in ids)


def main() -> None:
    from emovoice.analysis.analyzer import Analyzer

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {}
        for seconds in (15, 60):
            answer = make_answer(seconds, seed=seconds, name=f"{seconds}s")
            files[seconds] = folder / f"answer-{seconds}s.wav"
            sf.write(files[seconds], answer.wave, 16_000)
        data = folder / "data"
        data.mkdir()

        # the reference: the same files through a warm Analyzer in this process
        analyzer = Analyzer()
        analyzer.analyze(files[15])
        direct: dict[int, list[float]] = {15: [], 60: []}
        cold: dict[int, float] = {}
        for seconds, path in files.items():
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                analyzer.analyze(path)
                direct[seconds].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "emovoice", "analyze", "--json", str(path)], check=True,
                           capture_output=True)
            cold[seconds] = time.perf_counter() - t0

        with running_app(data, env={"EMOVOICE_MAX_UPLOAD_MB": "100"}, workers=2) as url, \
                httpx.Client(base_url=url, timeout=120) as client:
            headers = _login(client)
            answer_id, _ = _upload(client, headers, files[15])  # warm the workers' models
            _wait(client, headers, answer_id)

            ready: dict[int, list[float]] = {15: [], 60: []}
            for seconds, path in files.items():
                for _ in range(REPEATS):
                    answer_id, uploaded = _upload(client, headers, path)
                    ready[seconds].append(_wait(client, headers, answer_id) - uploaded)

            idle = _page_times(client, headers, PAGE_SAMPLES)
            ids = [_upload(client, headers, files[60])[0] for _ in range(2)]
            deadline = time.monotonic() + 60
            while _running(client, headers, ids) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            both_running = _running(client, headers, ids) == 2
            busy = _page_times(client, headers, PAGE_SAMPLES // 2)
            still_running = _running(client, headers, ids)
            for i in ids:
                _wait(client, headers, i)

    pages = {name: {"idle_median_ms": round(statistics.median(idle[name]) * 1000, 2),
                    "busy_median_ms": round(statistics.median(busy[name]) * 1000, 2),
                    "ratio": round(statistics.median(busy[name]) / statistics.median(idle[name]), 2)}
             for name in idle}
    readiness = {f"{s}s": {"direct_median_s": round(statistics.median(direct[s]), 3),
                           "ready_median_s": round(statistics.median(ready[s]), 3),
                           "ratio": round(statistics.median(ready[s]) / statistics.median(direct[s]), 2),
                           "cold_cli_s": round(cold[s], 2)} for s in (15, 60)}
    result = {
        "date": dt.date.today().isoformat(), "machine": machine.describe(),
        "pages": pages, "both_analyses_running_at_start": both_running,
        "analyses_running_at_end_of_busy_sampling": still_running, "readiness": readiness,
        "targets": {"page_ratio_max": 3.0, "ready_ratio_max": 1.5},
        "command": ".venv/bin/python bench/bench_web.py",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Web app speed", "",
        f"{result['date']}, {result['machine']}; `{result['command']}`. Ratios within one run; "
        "the app runs `emovoice serve` with two in-process analysis workers on its SQLite defaults.", "",
        "## Pages while two analyses run (target: median at most 3x idle)", "",
        "| request | idle median | busy median | ratio | met |", "|---|---|---|---|---|",
    ]
    for name, row in pages.items():
        lines.append(f"| {name} | {row['idle_median_ms']:.1f} ms | {row['busy_median_ms']:.1f} ms | "
                     f"{row['ratio']:.2f} | {'yes' if row['ratio'] <= 3 else 'no'} |")
    lines += ["", f"Two analyses of 60 s answers were running when sampling began: {both_running}; "
              f"still running at its end: {still_running}.", "",
              "## Report ready after upload (target: at most 1.5x the warm in-process analysis)", "",
              "| answer | warm analysis (median) | upload end to report (median) | ratio | met "
              "| cold `emovoice analyze` |",
              "|---|---|---|---|---|---|"]
    for name, row in readiness.items():
        lines.append(f"| {name} | {row['direct_median_s']:.2f} s | {row['ready_median_s']:.2f} s | {row['ratio']:.2f} "
                     f"| {'yes' if row['ratio'] <= 1.5 else 'no'} | {row['cold_cli_s']:.2f} s |")
    machine.publish(RESULTS / "web.md", lines)


if __name__ == "__main__":
    main()
