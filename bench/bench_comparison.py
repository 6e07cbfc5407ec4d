"""Comparison with other candidates stays fast as answers pile up.

A throwaway database (SQLite file; PostgreSQL server from Debian's binaries) is filled with
1,000 and then 100,000 answers whose figures are **generated** (random, plausible ranges; the
answers are marked ``generated`` and belong to generated candidates, 20 answers each, spread
over the question bank), the comparison aggregates are rebuilt, and the comparison API
(``GET /api/answers/{id}/comparison``) and page (``/answers/{id}/compare``) of one user's answer
are timed in process (median of 30 calls each). Target (issue 10): at 100,000 answers at most
twice the time at 1,000, on both databases.

    .venv/bin/python bench/bench_comparison.py   ->  bench/results/comparison.{md,json}
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))

import postgres
from test_comparison import add_answer, fake_report

sys.path.insert(0, str(Path(__file__).parent))
import machine

from emovoice.analysis.figures import headline_figures
from emovoice.analysis.report import Report
from emovoice.settings import Settings
from emovoice.storage.accounts import create_user
from emovoice.storage.comparison import counted_in, rebuild
from emovoice.storage.models import Answer, Question, User, utcnow
from emovoice.web.app import create_app

RESULTS = Path(__file__).parent / "results"
SIZES = (1_000, 100_000)
CALLS = 30
PER_CANDIDATE = 20


def _fill(client: TestClient, upto: int, have: int, rng: random.Random) -> None:
    """Add generated answers until the database holds ``upto`` of them, then rebuild the aggregates."""
    database = client.app.state.emovoice.database
    with database.session() as session:
        questions = list(session.scalars(select(Question.id).order_by(Question.id)))
        categories = dict(session.execute(select(Question.id, Question.category)).all())
        users: list[int] = []
        n_users = (upto - have + PER_CANDIDATE - 1) // PER_CANDIDATE
        session.execute(insert(User), [{"email": f"generated-{have + i}@bench.invalid", "password_hash": "generated",
                                        "created_at": utcnow()} for i in range(n_users)])
        users = list(session.scalars(select(User.id).where(User.email.like("generated-%"))
                                     .order_by(User.id)))[-n_users:]
        rows = []
        now = utcnow()
        for i in range(upto - have):
            # a few more answers to the benchmark user's question, so that its group shows at 1,000 too
            question = questions[0] if rng.random() < 0.03 else rng.choice(questions)
            report = {**fake_report(rng), "generated": True}
            figures = headline_figures(Report.from_dict(report))
            scopes = ["all", f"category:{categories[question]}", f"question:{question}"]
            rows.append({"user_id": users[i // PER_CANDIDATE], "question_id": question, "status": "done",
                         "report_json": json.dumps(report), "figures_json": json.dumps(figures),
                         "counted_scopes": json.dumps(counted_in(scopes, figures)),
                         "audio_bytes": 0, "attempts": 1, "created_at": now, "queued_at": now,
                         "emotion": report["emotion"], "wpm": report["pace"]["wpm"], "filler_count": 2,
                         "duration_s": 15.0})
            if len(rows) == 5_000:
                session.execute(insert(Answer), rows)
                rows = []
        if rows:
            session.execute(insert(Answer), rows)
        rebuild(session)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


def _time(client: TestClient, url: str, headers: dict[str, str]) -> float:
    times = []
    for _ in range(CALLS):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.text
    return statistics.median(times)


def run(backend: str, url: str | None, folder: Path) -> dict[str, dict[str, float]]:
    settings = Settings(data_dir=folder / backend, database_url=url, workers=0)
    rng = random.Random(1)
    out: dict[str, dict[str, float]] = {}
    with TestClient(create_app(settings)) as client:
        database = client.app.state.emovoice.database
        with database.session() as session:
            me = create_user(session, "bench@example.com", "password123")
            question = session.scalar(select(Question.id).order_by(Question.id))
            answer_id = add_answer(session, me.id, question, fake_report(rng))  # counted as answers are
        token = client.post("/api/login", json={"email": "bench@example.com", "password": "password123"}).json()
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {token['token']}"}
        page_headers = {"Cookie": f"emovoice_session={token['token']}"}
        have = 0
        for size in SIZES:
            t0 = time.perf_counter()
            _fill(client, size, have, rng)
            have = size
            fill_s = time.perf_counter() - t0
            api = f"/api/answers/{answer_id}/comparison"
            client.get(api, headers=headers)
            shown = client.get(api, headers=headers).json()["groups"]
            out[str(size)] = {"api_ms": round(_time(client, api, headers) * 1000, 2),
                              "page_ms": round(_time(client, f"/answers/{answer_id}/compare", page_headers) * 1000, 2),
                              "fill_s": round(fill_s, 1),
                              "groups_shown": sum(g["enough"] for g in shown)}
            print(backend, size, out[str(size)], flush=True)
    return out


def main() -> None:
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run("sqlite", None, Path(tmp))
        with postgres.throwaway_server() as server:
            results["postgresql"] = run("postgresql", postgres.create_database(server), Path(tmp))
    small, large = map(str, SIZES)
    ratios = {b: {"api": round(r[large]["api_ms"] / r[small]["api_ms"], 2),
                  "page": round(r[large]["page_ms"] / r[small]["page_ms"], 2)} for b, r in results.items()}
    result = {"date": dt.date.today().isoformat(), "machine": machine.describe(),
              "sizes": SIZES, "calls": CALLS, "results": results, "ratios": ratios, "target_ratio_max": 2.0,
              "command": ".venv/bin/python bench/bench_comparison.py",
              "data": "generated figures (random, plausible ranges), marked as such; 20 answers per candidate"}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "comparison.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["# Comparison with other candidates: speed as answers pile up", "",
             f"{result['date']}, {result['machine']}; `{result['command']}`. The answers' figures are "
             "**generated** (random values in plausible ranges, 20 answers per generated candidate, spread over "
             "the 64 questions); the timings are medians of 30 in-process calls for one user's answer.", "",
             "| database | answers | API | page | groups shown | fill + rebuild |", "|---|---|---|---|---|---|"]
    for backend, rows in results.items():
        for size, row in rows.items():
            lines.append(f"| {backend} | {int(size):,} | {row['api_ms']:.1f} ms | {row['page_ms']:.1f} ms "
                         f"| {row['groups_shown']} of 3 | {row['fill_s']:.0f} s |")
    lines += ["", "| database | API 100,000 / 1,000 | page 100,000 / 1,000 | target met (at most 2x) |",
              "|---|---|---|---|"]
    for backend, r in ratios.items():
        lines.append(f"| {backend} | {r['api']:.2f} | {r['page']:.2f} | "
                     f"{'yes' if max(r.values()) <= 2 else 'no'} |")
    machine.publish(RESULTS / "comparison.md", lines)


if __name__ == "__main__":
    main()
