"""The service under load, under faults and scaled out, against real ``emovoice serve`` and
``emovoice worker`` processes.

Run: ``.venv/bin/python bench/bench_ops.py [--seconds 60] [--answers 200]`` (writes
bench/results/ops.{md,json}). Three parts:

1. **Load**: 20 concurrent users for 60 s on the SQLite defaults, each signing up, then uploading a
   real recording, polling it and reading pages; throughput, p50/p95/p99 per kind of request,
   statuses, accepted answers against rows in the database, and the server's peak memory. The
   queue is capped low (``EMOVOICE_MAX_QUEUED=40``) so that overload is exercised: it must be
   answered with 503 and Retry-After.
2. **Faults**: ``serve`` killed with SIGKILL mid-analysis and started again; a separate worker
   killed mid-analysis and another started; PostgreSQL stopped and started while the app serves
   (503 meanwhile, recovery without a restart); the database checked after each.
3. **Scale-out**: two web processes and two workers on one PostgreSQL, N answers uploaded through
   both web processes, each analysed exactly once, one worker killed mid-job and its job finished
   by the other; throughput with one worker and with two.

Times depend on the machine (stated beside them); the checks are counts.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import postgres  # noqa: E402

from browser import free_port  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import machine  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SAMPLE = (resources.files("emovoice.samples") / "answer.flac").read_bytes()
PASSWORD = "load-test-password"


def short_answer() -> bytes:
    """A 3 s real recording (a RAVDESS clip) for the scale-out run; the bundled sample without RAVDESS."""
    from emovoice.datasets.ravdess import default_root

    clips = sorted(default_root().glob("Actor_01/*.flac"))
    return clips[0].read_bytes() if clips else SAMPLE


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "emovoice", *args], env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def serve(env: dict[str, str], log: Path, workers: int) -> tuple[contextlib.AbstractContextManager[Any], str]:
    port = free_port()
    return process(["serve", "--port", str(port), "--workers", str(workers)], env, log), f"http://127.0.0.1:{port}"


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/login", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def sign_up(client: httpx.Client, email: str) -> dict[str, str]:
    client.post("/api/users", json={"email": email, "password": PASSWORD})
    token = client.post("/api/login", json={"email": email, "password": PASSWORD}).json()["token"]
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def wait_done(client: httpx.Client, headers: dict[str, str], ids: list[int], timeout: float) -> Counter[str]:
    deadline = time.monotonic() + timeout
    pending = set(ids)
    states: dict[int, str] = {}
    while pending and time.monotonic() < deadline:
        for answer_id in list(pending):
            with contextlib.suppress(httpx.HTTPError, ValueError):
                body = client.get(f"/api/answers/{answer_id}", headers=headers, timeout=10).json()
                states[answer_id] = body.get("status", "?")
                if states[answer_id] in ("done", "failed"):
                    pending.discard(answer_id)
        time.sleep(0.5)
    return Counter(states.values())


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"n": len(values), "p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99)}


# --- 1. load ---------------------------------------------------------------------------------------

def load(seconds: float, users: int, tmp: Path) -> dict[str, Any]:
    data = tmp / "load"
    env = {"EMOVOICE_DATA_DIR": str(data), "EMOVOICE_MAX_QUEUED": "40"}
    manager, url = serve(env, tmp / "load.log", workers=1)
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[str] = Counter()
    accepted: list[int] = []
    retry_after: Counter[str] = Counter()
    lock = threading.Lock()
    with manager as proc:
        wait_up(url, proc)
        stop = time.monotonic() + seconds

        def user(n: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                t0 = time.perf_counter()
                headers = sign_up(client, f"user{n}@load.example")
                with lock:
                    latencies["sign up and log in"].append(time.perf_counter() - t0)
                mine: list[int] = []
                while time.monotonic() < stop:
                    for kind, call in (
                        ("upload", lambda: client.post("/api/answers", headers=headers,
                                                       files={"audio": ("a.flac", SAMPLE, "audio/flac")})),
                        ("poll", lambda: client.get(f"/api/answers/{mine[-1]}" if mine else "/api/answers",
                                                    headers=headers)),
                        ("page /history", lambda: client.get("/history", headers=headers)),
                        ("page /practice", lambda: client.get("/practice", headers=headers)),
                        ("api /api/answers", lambda: client.get("/api/answers", headers=headers)),
                    ):
                        t0 = time.perf_counter()
                        try:
                            response = call()
                            code = str(response.status_code)
                        except httpx.HTTPError as exc:
                            code, response = type(exc).__name__, None
                        with lock:
                            latencies[kind].append(time.perf_counter() - t0)
                            statuses[f"{kind} {code}"] += 1
                            if response is not None and kind == "upload":
                                if response.status_code == 202:
                                    mine.append(response.json()["id"])
                                    accepted.append(response.json()["id"])
                                elif response.status_code == 503:
                                    retry_after[response.headers.get("retry-after", "missing")] += 1
                        if time.monotonic() >= stop:
                            break

        threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        with httpx.Client(base_url=url, timeout=30) as client:  # let the queue drain, then count
            admin = sign_up(client, "user0@load.example")
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                db = sqlite3.connect(data / "emovoice.sqlite3")
                waiting = db.execute("SELECT count(*) FROM answers WHERE status IN ('queued', 'running')").fetchone()[0]
                db.close()
                if waiting == 0:
                    break
                time.sleep(2)
            client.get("/api/answers", headers=admin)
        memory = peak_mb(proc.pid)
    db = sqlite3.connect(data / "emovoice.sqlite3")
    rows = dict(db.execute("SELECT status, count(*) FROM answers GROUP BY status").fetchall())
    ids = {r[0] for r in db.execute("SELECT id FROM answers")}
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    requests = sum(len(v) for v in latencies.values())
    server_errors = sum(n for k, n in statuses.items() if k.split()[-1].startswith("5") and not k.endswith("503"))
    return {"users": users, "seconds": round(elapsed, 1), "requests": requests,
            "throughput_per_s": round(requests / elapsed, 1),
            "latency": {k: percentiles(v) for k, v in latencies.items()}, "statuses": dict(sorted(statuses.items())),
            "server_errors_other_than_503": server_errors, "retry_after_on_503": dict(retry_after),
            "accepted": len(accepted), "rows": sum(rows.values()), "rows_by_status": rows,
            "accepted_equals_rows": set(accepted) == ids, "integrity": integrity, "server_peak_mb": round(memory)}


# --- 2. faults ---------------------------------------------------------------------------------------

def _upload_and_wait_running(url: str, headers: dict[str, str], data: bytes) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        answer_id = int(client.post("/api/answers", headers=headers,
                                    files={"audio": ("a.flac", data, "audio/flac")}).json()["id"])
        deadline = time.monotonic() + 60
        while client.get(f"/api/answers/{answer_id}", headers=headers).json()["status"] != "running":
            if time.monotonic() > deadline:
                raise RuntimeError("the analysis never started")
            time.sleep(0.05)
    return answer_id


def _long_answer() -> bytes:
    import io

    import numpy as np
    import soundfile as sf

    from emovoice.audio import decode

    wave = np.tile(decode(SAMPLE), 6)  # about a minute: long enough to be killed mid-analysis
    out = io.BytesIO()
    sf.write(out, wave, 16_000, format="FLAC")
    return out.getvalue()


def faults(tmp: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    long = _long_answer()
    # a. serve killed mid-analysis, started again on the same data
    data = tmp / "kill-serve"
    env = {"EMOVOICE_DATA_DIR": str(data), "EMOVOICE_JOB_STALE_S": "5"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with process(["serve", "--port", str(port)], env, tmp / "kill-serve.log") as proc:
        wait_up(url, proc)
        with httpx.Client(base_url=url) as client:
            headers = sign_up(client, "kill@example.com")
        answer_id = _upload_and_wait_running(url, headers, long)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with process(["serve", "--port", str(port)], env, tmp / "kill-serve.log") as proc:
        wait_up(url, proc)
        with httpx.Client(base_url=url) as client:
            states = wait_done(client, headers, [answer_id], 240)
    db = sqlite3.connect(data / "emovoice.sqlite3")
    attempts = db.execute("SELECT attempts FROM answers WHERE id=?", (answer_id,)).fetchone()[0]
    out["serve_sigkill"] = {"answer": dict(states), "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
                            "attempts": attempts}
    db.close()

    # b. a separate worker killed mid-analysis, another started
    data = tmp / "kill-worker"
    env = {"EMOVOICE_DATA_DIR": str(data), "EMOVOICE_JOB_STALE_S": "5"}
    manager, url = serve(env, tmp / "kill-worker.log", workers=0)
    with manager as web:
        wait_up(url, web)
        with httpx.Client(base_url=url) as client:
            headers = sign_up(client, "worker@example.com")
        with process(["worker"], env, tmp / "kill-worker.log") as worker:
            answer_id = _upload_and_wait_running(url, headers, long)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        with process(["worker"], env, tmp / "kill-worker.log"), httpx.Client(base_url=url) as client:
            states = wait_done(client, headers, [answer_id], 240)
    db = sqlite3.connect(data / "emovoice.sqlite3")
    out["worker_sigkill"] = {"answer": dict(states), "integrity": db.execute("PRAGMA integrity_check").fetchone()[0]}
    db.close()

    # c. PostgreSQL stopped and started while the app serves
    with postgres.controlled_server() as server:
        database = postgres.create_database(server.url)
        env = {"EMOVOICE_DATA_DIR": str(tmp / "pg"), "EMOVOICE_DATABASE_URL": database}
        manager, url = serve(env, tmp / "pg.log", workers=1)
        with manager as web, httpx.Client(base_url=url, timeout=30) as client:
            wait_up(url, web)
            headers = sign_up(client, "pg@example.com")
            server.stop()
            during = Counter(str(client.get(path, headers=headers).status_code)
                             for path in ("/api/answers", "/history", "/api/users/me") for _ in range(3))
            down_upload = client.post("/api/answers", headers=headers, files={"audio": ("a.flac", SAMPLE)})
            during[f"upload {down_upload.status_code}"] += 1
            server.start()
            time.sleep(1)
            after = Counter(str(client.get("/api/answers", headers=headers).status_code) for _ in range(3))
            accepted = client.post("/api/answers", headers=headers, files={"audio": ("a.flac", SAMPLE)})
            states = wait_done(client, headers, [accepted.json()["id"]], 120) if accepted.status_code == 202 else {}
            alive = web.poll() is None
        import psycopg

        with psycopg.connect(database.replace("postgresql+psycopg://", "postgresql://")) as conn:
            orphans = conn.execute("SELECT count(*) FROM answer_audio a LEFT JOIN answers b ON a.answer_id = b.id "
                                   "WHERE b.id IS NULL").fetchone()[0]
    out["postgres_restart"] = {"while_down": dict(during), "after_restart": dict(after),
                               "upload_after": accepted.status_code, "answer_after": dict(states),
                               "server_still_running": alive, "orphan_recordings": orphans}
    return out


# --- 3. scale-out -------------------------------------------------------------------------------------

def _run_batch(urls: list[str], headers: list[dict[str, str]], data: bytes, n: int,
               on_progress: Any = None) -> tuple[list[int], float]:
    ids: list[int] = []
    t0 = time.perf_counter()
    clients = [httpx.Client(base_url=u, timeout=60) for u in urls]
    try:
        for i in range(n):
            k = i % len(clients)
            response = clients[k].post("/api/answers", headers=headers[k], files={"audio": ("a.flac", data)})
            ids.append(int(response.json()["id"]))
        states = Counter[str]()
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            states = Counter(clients[0].get(f"/api/answers/{i}", headers=headers[0]).json()["status"] for i in ids)
            if on_progress is not None:
                on_progress(states)
            if states["done"] + states["failed"] == n:
                break
            time.sleep(1)
    finally:
        for c in clients:
            c.close()
    return ids, time.perf_counter() - t0


def scale(n: int, tmp: Path) -> dict[str, Any]:
    data = short_answer()
    out: dict[str, Any] = {}
    with postgres.controlled_server() as server:
        database = postgres.create_database(server.url)
        env = {"EMOVOICE_DATA_DIR": str(tmp / "scale"), "EMOVOICE_DATABASE_URL": database,
               "EMOVOICE_JOB_STALE_S": "10", "EMOVOICE_MAX_QUEUED": str(10 * n)}
        (web1, url1), (web2, url2) = serve(env, tmp / "web1.log", 0), serve(env, tmp / "web2.log", 0)
        with web1 as p1, web2 as p2:
            wait_up(url1, p1)
            wait_up(url2, p2)
            headers = []
            for url in (url1, url2):
                with httpx.Client(base_url=url) as client:
                    headers.append(sign_up(client, "scale@example.com"))
            small = max(10, n // 5)
            with process(["worker"], env, tmp / "w1.log"):
                _, one = _run_batch([url1, url2], headers, data, small)
            with process(["worker"], env, tmp / "w1.log"), process(["worker"], env, tmp / "w2.log"):
                _, two = _run_batch([url1, url2], headers, data, small)
            killed: dict[str, Any] = {}
            with process(["worker"], env, tmp / "w1.log") as w1, process(["worker"], env, tmp / "w2.log"):
                def kill_once(states: Counter[str]) -> None:
                    if not killed and states["done"] >= n // 4 and states["running"]:
                        w1.send_signal(signal.SIGKILL)
                        killed["after_done"] = states["done"]

                ids, elapsed = _run_batch([url1, url2], headers, data, n, on_progress=kill_once)
        import psycopg

        with psycopg.connect(database.replace("postgresql+psycopg://", "postgresql://")) as conn:
            rows = conn.execute("SELECT status, attempts, count(*) FROM answers WHERE id = ANY(%s) "
                                "GROUP BY status, attempts", (ids,)).fetchall()
    by = {f"{status}, {attempts} attempt{'s' if attempts != 1 else ''}": count for status, attempts, count in rows}
    out = {"answers": n, "through_web_processes": 2, "workers": 2, "outcome": by, "killed_worker": killed,
           "all_done": sum(c for s, _, c in rows if s == "done") == n,
           "analysed_once": sum(c for s, a, c in rows if s == "done" and a == 1),
           "seconds_for_all": round(elapsed, 1),
           "throughput": {"answers": small, "one_worker_per_min": round(60 * small / one, 1),
                          "two_workers_per_min": round(60 * small / two, 1), "ratio": round(one / two, 2)}}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--parts", default="load,faults,scale")
    args = parser.parse_args()
    parts = args.parts.split(",")
    previous = json.loads((RESULTS / "ops.json").read_text()) if (RESULTS / "ops.json").is_file() else {}
    result: dict[str, Any] = {**previous, "date": dt.date.today().isoformat(),
                              "machine": machine.describe()}
    with tempfile.TemporaryDirectory() as tmp:
        if "load" in parts:
            result["load"] = load(args.seconds, args.users, Path(tmp))
        if "faults" in parts:
            result["faults"] = faults(Path(tmp))
        if "scale" in parts:
            result["scale"] = scale(args.answers, Path(tmp))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ops.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "ops.md").write_text(render(result))
    print(render(result))


def render(result: dict[str, Any]) -> str:
    lines = ["# The service under load, faults and scale-out", "",
             f"{result['date']}, {result['machine']}; `.venv/bin/python bench/bench_ops.py`. Real `emovoice serve` "
             "and `emovoice worker` processes; times are this machine's, the checks are counts.", ""]
    if "load" in result:
        r = result["load"]
        lines += [f"## Load: {r['users']} users for {r['seconds']:.0f} s (SQLite defaults, one in-process worker, "
                  "queue capped at 40 waiting answers)", "",
                  f"{r['requests']:,} requests, {r['throughput_per_s']} a second. Server errors other than 503: "
                  f"**{r['server_errors_other_than_503']}**. 503s carried Retry-After: {r['retry_after_on_503']}. "
                  f"Accepted answers {r['accepted']}, rows in the database {r['rows']} (the same ids: "
                  f"**{r['accepted_equals_rows']}**; by status after the queue drained: {r['rows_by_status']}); "
                  f"integrity check: {r['integrity']}; server peak memory {r['server_peak_mb']} MB.", "",
                  "| request | n | p50 | p95 | p99 |", "|---|---|---|---|---|"]
        lines += [f"| {k} | {v['n']} | {v['p50_ms']} ms | {v['p95_ms']} ms | {v['p99_ms']} ms |"
                  for k, v in r["latency"].items()]
        lines += ["", "Statuses: " + ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()), ""]
    if "faults" in result:
        f = result["faults"]
        lines += ["## Faults", "",
                  f"- `serve` killed with SIGKILL mid-analysis, then started again: the answer ended "
                  f"{f['serve_sigkill']['answer']} after {f['serve_sigkill']['attempts']} attempts; integrity "
                  f"{f['serve_sigkill']['integrity']}.",
                  "- a separate worker killed with SIGKILL mid-analysis, another started: "
                  f"{f['worker_sigkill']['answer']}; integrity {f['worker_sigkill']['integrity']}.",
                  f"- PostgreSQL stopped while the app serves: {f['postgres_restart']['while_down']}; started again: "
                  f"{f['postgres_restart']['after_restart']}, an upload {f['postgres_restart']['upload_after']} and "
                  f"analysed {f['postgres_restart']['answer_after']}, without restarting the app (still running: "
                  f"{f['postgres_restart']['server_still_running']}); recordings without an answer: "
                  f"{f['postgres_restart']['orphan_recordings']}.", ""]
    if "scale" in result:
        s = result["scale"]
        lines += ["## Scale-out: two web processes and two workers on one PostgreSQL", "",
                  f"{s['answers']} answers uploaded through both web processes; one worker killed with SIGKILL after "
                  f"{s['killed_worker'].get('after_done', '?')} were done. Outcome: {s['outcome']}; all done: "
                  f"**{s['all_done']}**, analysed exactly once: {s['analysed_once']} (the killed worker's job ran "
                  f"twice: once cut off, once finished by the other). All in {s['seconds_for_all']} s.", "",
                  f"Throughput on {s['throughput']['answers']} answers: one worker "
                  f"{s['throughput']['one_worker_per_min']} a minute, two workers "
                  f"{s['throughput']['two_workers_per_min']} a minute "
                  f"({s['throughput']['ratio']}x; both workers share this machine's cores).", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
