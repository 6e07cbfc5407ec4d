"""Comparison with other candidates: percentiles from the maintained aggregates against a direct
computation on the stored answers, on SQLite and PostgreSQL; small groups stay hidden."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from emovoice import thresholds as th
from emovoice.analysis.figures import BY_KEY, FIGURES
from emovoice.analysis.report import Confidence
from emovoice.labels import EMOTIONS
from emovoice.storage import answers as store
from emovoice.storage.accounts import create_user, delete_user
from emovoice.storage.comparison import compare, rebuild
from emovoice.storage.db import Database
from emovoice.storage.models import Answer, FigureBin, FigureTotal, Question, ScopeCount, ScopeMember, User
from emovoice.storage.questions import CATEGORIES, load_bank

REPORT = json.loads((Path(__file__).parents[1] / "data" / "report.json").read_text())
"""A real report (the package's sample answer, analysed), whose figures fake reports change."""


VOICE_CHECK = {"kind": "speaker", "speech_s": 12.0, "windows": 10, "sources": 2, "created": "2026-11-30",
               "frontend": {"name": "whisper_pooled", "version": 1}}
"""What a report heard against its speaker's voice check says it was heard against."""


def fake_report(rng: random.Random, *, checked: bool = True) -> dict:
    """A whole report with its figures (the parts comparisons read) drawn at random; ``checked``:
    heard against the speaker's voice check, so that its emotion shares are figures too."""
    mix = [rng.random() for _ in EMOTIONS]
    probabilities = {e: round(p / sum(mix), 4) for e, p in zip(EMOTIONS, mix, strict=True)}
    report = copy.deepcopy(REPORT)
    report.update(duration_s=15.0, emotion=max(probabilities, key=probabilities.get), probabilities=probabilities,
                  confidence=Confidence.of(probabilities).to_dict(), feedback=[])
    if checked:
        report.update(reference="speaker", baseline=dict(VOICE_CHECK))
    report["pace"]["wpm"] = round(rng.uniform(80, 200), 1)
    report["fillers"].update(count=2, per_minute=round(rng.uniform(0, 8), 2))
    report["flow"].update(speaking_ratio=round(rng.uniform(0.4, 1), 3), longest_pause_s=round(rng.uniform(0, 4), 2))
    report["pitch"]["variability_st"] = round(rng.uniform(0.5, 6), 2)
    report["loudness"]["level_dbfs"] = round(rng.uniform(-40, -12), 1)
    report["sentiment"]["fused_score"] = round(rng.uniform(-1, 1), 3)
    return report


def add_answer(session, user_id: int, question_id: int | None, report: dict) -> int:
    answer = store.create_answer(session, user_id=user_id, question_id=question_id, audio=b"x",
                                 content_type="audio/wav", filename="a.wav")
    assert store.claim(session, answer.id)
    assert store.finish(session, answer.id, report=report)
    return answer.id


@pytest.fixture
def filled(settings):
    """Nine candidates: 30 answers to one question, a few in its category, a few elsewhere."""
    rng = random.Random(10)
    database = Database(settings.resolved_database_url())
    database.migrate()
    with database.session() as session:
        load_bank(session)
        questions = list(session.scalars(select(Question).order_by(Question.id)))
        target = next(q for q in questions if q.category == "teamwork")
        same_category = [q for q in questions if q.category == "teamwork" and q.id != target.id]
        other = [q for q in questions if q.category == "closing"]
        users = [create_user(session, f"c{i}@example.com", "password123").id for i in range(9)]
        for i in range(30):  # five heard against the actors' voices, not the speaker's
            add_answer(session, users[i % 9], target.id, fake_report(rng, checked=i % 6 != 5))
        for i in range(6):
            add_answer(session, users[i % 3], same_category[i % len(same_category)].id, fake_report(rng))
        for i in range(4):
            add_answer(session, users[i % 2], other[0].id, fake_report(rng))
        mine = add_answer(session, users[0], target.id, fake_report(rng))
    yield database, users, target, mine
    database.dispose()


def _direct(session, answer_id: int, scope: str):
    """Percentiles straight from the stored answers: every other candidate's answer in the group."""
    me = session.get(Answer, answer_id)
    mine = json.loads(me.figures_json)
    others = [json.loads(a.figures_json) for a in session.scalars(select(Answer).where(
        Answer.user_id != me.user_id, Answer.status == "done")) if scope in json.loads(a.counted_scopes)]
    out = {}
    for figure in FIGURES:
        values = [o[figure.key] for o in others if figure.key in o]
        x = mine[figure.key]
        binned = 100 * (sum(figure.bin(v) < figure.bin(x) for v in values)
                        + 0.5 * sum(figure.bin(v) == figure.bin(x) for v in values)) / len(values)
        exact = 100 * (sum(v < x for v in values) + 0.5 * sum(v == x for v in values)) / len(values)
        same_bin = 100 * sum(figure.bin(v) == figure.bin(x) for v in values) / len(values)
        out[figure.key] = (binned, exact, same_bin, sum(values) / len(values), len(values))
    return out


def test_percentiles_match_a_direct_computation(filled):
    database, users, target, mine = filled
    with database.session() as session:
        answer = session.get(Answer, mine)
        result = compare(session, answer, category_labels=CATEGORIES)
        groups = {g.scope: g for g in result.groups}
        assert list(groups) == ["all", "category:teamwork", f"question:{target.id}"]
        for scope in ("all", f"question:{target.id}"):
            group = groups[scope]
            assert group.enough and group.candidates == 8
            direct = _direct(session, mine, scope)
            for item in group.figures:
                binned, exact, same_bin, mean, n = direct[item.key]
                assert item.n == n
                assert item.percentile == pytest.approx(binned, abs=0.06), item.key
                assert abs(item.percentile - exact) <= same_bin / 2 + 0.06, item.key  # one bin's resolution
                assert item.mean == pytest.approx(mean, abs=1e-3), item.key
                assert sum(bar["count"] for bar in item.histogram) == n
                assert sum(bar["yours"] for bar in item.histogram) == 1
        everyone = session.scalars(select(Answer.user_id)).all()
        assert groups["all"].answers == sum(u != users[0] for u in everyone) == 32  # all but the user's own
        assert sum(groups["all"].emotion_mix.values()) == pytest.approx(1, abs=0.01)


def test_small_groups_stay_hidden(filled):
    database, _users, _target, mine = filled
    with database.session() as session:
        result = compare(session, session.get(Answer, mine), category_labels=CATEGORIES)
        category = next(g for g in result.groups if g.scope == "category:teamwork")
        # 36 teamwork answers, but the question's own 30 aside the category adds 6 from 3 candidates:
        assert category.enough  # the category includes the question's answers
        closing_answer = session.scalar(select(Answer).join(Question).where(Question.category == "closing"))
        closing = compare(session, closing_answer, category_labels=CATEGORIES)
        hidden = [g for g in closing.groups if g.scope != "all"]
        assert hidden and all(not g.enough and not g.figures and not g.emotion_mix for g in hidden)
        assert all("Not enough answers yet" in g.note and f"{g.answers} answer" in g.note for g in hidden)
        assert {r["key"] for r in closing.references} >= {"wpm", "fillers_per_min", "pitch_variability_st"}
        assert all(r["source"] for r in closing.references)


def test_aggregates_follow_deletions_and_match_a_rebuild(filled):
    database, users, _target, mine = filled

    def snapshot(session):
        return (sorted(session.execute(select(FigureBin.scope, FigureBin.figure, FigureBin.bin, FigureBin.count)
                                       .where(FigureBin.count != 0)).all()),
                sorted((s, f, n, round(t, 6)) for s, f, n, t in session.execute(
                    select(FigureTotal.scope, FigureTotal.figure, FigureTotal.n, FigureTotal.total)
                    .where(FigureTotal.n != 0)).all()),
                sorted(session.execute(select(ScopeMember.scope, ScopeMember.user_id, ScopeMember.answers)
                                       .where(ScopeMember.answers != 0)).all()),
                sorted(session.execute(select(ScopeCount.scope, ScopeCount.candidates)
                                       .where(ScopeCount.candidates != 0)).all()))

    with database.session() as session:
        victim = session.scalar(select(Answer).where(Answer.user_id == users[4]))
        assert store.delete_answer(session, user_id=users[4], answer_id=victim.id)
        delete_user(session, session.get(User, users[5]))
    with database.session() as session:
        incremental = snapshot(session)
        rebuild(session)
    with database.session() as session:
        assert snapshot(session) == incremental
        direct = _direct(session, mine, "all")
        group = compare(session, session.get(Answer, mine), category_labels=CATEGORIES).groups[0]
        assert group.candidates == 7  # 9 candidates, one deleted, the user aside
        for item in group.figures:
            assert item.percentile == pytest.approx(direct[item.key][0], abs=0.06)


def test_bins_cover_each_figures_range():
    for figure in FIGURES:
        assert figure.bin(figure.low - 100) == 0 and figure.bin(figure.high + 100) == figure.n_bins - 1
        assert figure.bin(figure.low + figure.bin_width * 1.5) == 1
    assert BY_KEY["wpm"].bin(120.0) == 60
    assert th.MIN_COMPARISON_ANSWERS >= 10 and th.MIN_COMPARISON_CANDIDATES >= 3


def test_a_longest_pause_near_the_one_second_line_shows_which_side_it_falls():
    pause = BY_KEY["longest_pause_s"]
    assert [pause.format(v) for v in (0.99, 1.02, 1.3, 0.0)] == ["0.99 s", "1.02 s", "1.3 s", "none"]


def test_emotion_shares_are_compared_only_between_answers_heard_against_a_voice_check(filled):
    database, users, target, mine = filled
    with database.session() as session:
        unchecked = [a for a in session.scalars(select(Answer).where(Answer.question_id == target.id))
                     if json.loads(a.report_json)["reference"] != "speaker"]
        assert len(unchecked) == 5 and all(not any(k.startswith("emotion_") for k in json.loads(a.figures_json))
                                           for a in unchecked)
        checked = compare(session, session.get(Answer, mine), category_labels=CATEGORIES)
        question = next(g for g in checked.groups if g.scope == f"question:{target.id}")
        shares = [i for i in question.figures if i.key.startswith("emotion_")]
        pace = next(i for i in question.figures if i.key == "wpm")
        others_unchecked = sum(a.user_id != users[0] for a in unchecked)
        assert checked.emotion_compared and len(shares) == len(EMOTIONS)
        assert all(i.n == pace.n - others_unchecked for i in shares)  # the unchecked answers are not among them
        assert set(question.emotion_mix) == set(EMOTIONS)
        plain = compare(session, unchecked[0], category_labels=CATEGORIES)
        assert not plain.emotion_compared
        assert all(not i.key.startswith("emotion_") and not g.emotion_mix for g in plain.groups for i in g.figures)
        assert any(g.enough and g.figures for g in plain.groups)  # its delivery figures are still compared


def test_the_emotion_shares_of_a_few_candidates_stay_hidden_however_many_answers_they_give(settings):
    """The voice-checked sub-group obeys the group's rule: 20 checked answers from 2 candidates
    are too few candidates, even in a group large enough for the delivery figures."""
    rng = random.Random(5)
    database = Database(settings.resolved_database_url())
    database.migrate()
    with database.session() as session:
        load_bank(session)
        question = session.scalars(select(Question).order_by(Question.id)).first()
        users = [create_user(session, f"f{i}@example.com", "password123").id for i in range(7)]
        for i in range(20):  # two candidates with voice checks
            add_answer(session, users[1 + i % 2], question.id, fake_report(rng, checked=True))
        for i in range(8):  # four without
            add_answer(session, users[3 + i % 4], question.id, fake_report(rng, checked=False))
        mine = add_answer(session, users[0], question.id, fake_report(rng, checked=True))
        result = compare(session, session.get(Answer, mine), category_labels=CATEGORIES)
        group = next(g for g in result.groups if g.scope == f"question:{question.id}")
        assert result.emotion_compared and group.enough and group.candidates == 6 and group.answers == 28
        assert (group.emotion_answers, group.emotion_candidates, group.emotion_enough) == (20, 2, False)
        assert not group.emotion_mix and all(not i.key.startswith("emotion_") for i in group.figures)
        assert "Not enough answers heard against a voice check yet: 20 answers from 2 other candidates" \
            in group.emotion_note
        assert [g.scope for g in result.groups] == ["all", f"category:{question.category}", f"question:{question.id}"]
    database.dispose()
