"""How an answer compares with other candidates' answers, from aggregates kept up to date.

Every analysed answer is counted, figure by figure, in fixed-bin histograms (``figure_bins``),
running sums (``figure_totals``), a per-candidate count (``scope_members``) and the number of
candidates (``scope_counts``) for three groups: all answers, its question's category, and its
question. Counting and uncounting add and subtract, so a comparison reads at most a few
thousand aggregate rows however many answers and candidates there are: no query scans the
answers or the candidates.

Other candidates appear only through these aggregates, and only when the group holds at
least ``MIN_COMPARISON_ANSWERS`` answers from ``MIN_COMPARISON_CANDIDATES`` other candidates;
the user's own answers are taken out of the aggregates before anything is shown.

A percentile is the mid-rank within the histogram: the share of other candidates' answers in
lower bins plus half the share in the answer's own bin; its resolution is one bin.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TypedDict

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from emovoice import thresholds as th
from emovoice.analysis.figures import BY_KEY, FIGURES, MAIN_FIGURES, Figure, headline_figures
from emovoice.analysis.norms import NormComparison, compare_fillers
from emovoice.analysis.report import Report, ReportFormatError
from emovoice.storage.enums import VOICE_CHECKED, AnswerStatus, ScopeKind, make_scope, voice_checked
from emovoice.storage.models import Answer, FigureBin, FigureTotal, Question, ScopeCount, ScopeMember

log = logging.getLogger(__name__)

DISPLAY_BARS = 24


def scopes_of(answer: Answer, question: Question | None) -> list[str]:
    """The comparison groups an answer belongs to."""
    scopes = [make_scope(ScopeKind.ALL)]
    if question is not None:
        scopes += [make_scope(ScopeKind.CATEGORY, question.category),
                   make_scope(ScopeKind.QUESTION, question.id)]
    return scopes


def _upsert(session: Session, model: Any, keys: dict[str, Any], increments: dict[str, Any],
            returning: Any = None) -> Any:
    """Add ``increments`` to the row at ``keys`` (made when missing), atomically; return ``returning``'s new value."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(**keys, **increments)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: getattr(model, name) + value for name, value in increments.items()})
    if returning is not None:
        return session.execute(statement.returning(returning)).scalar_one()
    session.execute(statement)
    return None


def _is_emotion(key: str) -> bool:
    return key.startswith("emotion_")


def figures_for(scope: str, figures: dict[str, float]) -> dict[str, float]:
    """The figures an answer is counted with in ``scope``: its emotion shares in a voice-checked
    sub-group (:func:`~emovoice.storage.enums.voice_checked`), its other figures elsewhere."""
    checked = scope.endswith(VOICE_CHECKED)
    return {k: v for k, v in figures.items() if _is_emotion(k) == checked}


def counted_in(scopes: list[str], figures: dict[str, float]) -> list[str]:
    """The scopes an answer with ``figures`` is counted in: its groups, and their voice-checked
    sub-groups when it has emotion shares (it was heard against its speaker's voice check)."""
    if any(_is_emotion(key) for key in figures):
        return [*scopes, *(voice_checked(scope) for scope in scopes)]
    return list(scopes)


def _apply(session: Session, user_id: int, figures: dict[str, float], scopes: list[str], sign: int) -> None:
    for scope in scopes:
        for key, value in figures_for(scope, figures).items():
            figure = BY_KEY.get(key)
            if figure is None:
                continue
            _upsert(session, FigureBin, {"scope": scope, "figure": key, "bin": figure.bin(value)}, {"count": sign})
            _upsert(session, FigureTotal, {"scope": scope, "figure": key}, {"n": sign, "total": sign * value})
        answers = _upsert(session, ScopeMember, {"scope": scope, "user_id": user_id}, {"answers": sign},
                          returning=ScopeMember.answers)
        if (sign > 0 and answers == 1) or (sign < 0 and answers == 0):  # a candidate joins or leaves the group
            _upsert(session, ScopeCount, {"scope": scope}, {"candidates": sign})
    if sign < 0:
        session.execute(delete(ScopeMember).where(ScopeMember.user_id == user_id, ScopeMember.answers <= 0))


def _figures_of(report: dict[str, Any]) -> dict[str, float]:
    """The headline figures of a stored report; none of one that cannot be read back (it is still
    counted in its groups, so that the counts stay whole)."""
    try:
        return headline_figures(Report.from_dict(report))
    except ReportFormatError as exc:
        log.warning("an answer's stored report was counted without figures: %s", exc)
        return {}


def count_answer(session: Session, answer: Answer, report: dict[str, Any]) -> None:
    """Store an analysed answer's figures and count it in its comparison groups (once)."""
    if answer.counted_scopes is not None:
        return
    figures = _figures_of(report)
    question = session.get(Question, answer.question_id) if answer.question_id else None
    scopes = counted_in(scopes_of(answer, question), figures)
    answer.figures_json = json.dumps(figures)
    answer.counted_scopes = json.dumps(scopes)
    _apply(session, answer.user_id, figures, scopes, +1)


def uncount_answer(session: Session, answer: Answer) -> None:
    """Take an answer out of the aggregates (before it is deleted)."""
    if answer.counted_scopes is None:
        return
    _apply(session, answer.user_id, json.loads(answer.figures_json or "{}"), json.loads(answer.counted_scopes), -1)
    answer.counted_scopes = None


def backfill(session: Session) -> int:
    """Count analysed answers that are not counted yet (made before the aggregates existed)."""
    waiting = list(session.scalars(select(Answer).where(Answer.status == AnswerStatus.DONE,
                                                        Answer.counted_scopes.is_(None),
                                                        Answer.report_json.is_not(None))))
    for answer in waiting:
        count_answer(session, answer, json.loads(answer.report_json or "{}"))
    return len(waiting)


def _tally(figure_sets: list[dict[str, float]]) -> tuple[dict[tuple[str, int], int], dict[str, list[float]]]:
    """Histogram counts ``{(figure, bin): n}`` and ``{figure: [n, sum]}`` of a list of answers' figures."""
    bins: dict[tuple[str, int], int] = defaultdict(int)
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for figures in figure_sets:
        for key, value in figures.items():
            if key in BY_KEY:
                bins[(key, BY_KEY[key].bin(value))] += 1
                totals[key][0] += 1
                totals[key][1] += value
    return bins, totals


def rebuild(session: Session) -> None:
    """Recompute every aggregate from the answers' stored figures (repair, bulk loads)."""
    for model in (FigureBin, FigureTotal, ScopeMember, ScopeCount):
        session.execute(delete(model))
    by_scope: dict[str, list[dict[str, float]]] = defaultdict(list)
    members: dict[tuple[str, int], int] = defaultdict(int)
    answers = session.execute(select(Answer.user_id, Answer.figures_json, Answer.counted_scopes)
                              .where(Answer.counted_scopes.is_not(None)))
    for user_id, figures_json, scopes_json in answers:
        figures = json.loads(figures_json or "{}")
        for scope in json.loads(scopes_json or "[]"):
            members[(scope, user_id)] += 1
            by_scope[scope].append(figures_for(scope, figures))
    bin_rows, total_rows = [], []
    for scope, figure_sets in by_scope.items():
        bins, totals = _tally(figure_sets)
        bin_rows += [{"scope": scope, "figure": f, "bin": b, "count": c} for (f, b), c in bins.items()]
        total_rows += [{"scope": scope, "figure": f, "n": int(n), "total": t} for f, (n, t) in totals.items()]
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (FigureBin, bin_rows),
        (FigureTotal, total_rows),
        (ScopeMember, [{"scope": s, "user_id": u, "answers": n} for (s, u), n in members.items()]),
        (ScopeCount, [{"scope": s, "candidates": n} for s, n in Counter(s for s, _ in members).items()]),
    ]
    for model, rows in tables:
        if rows:
            session.execute(insert(model), rows)


HistogramBar = TypedDict("HistogramBar", {"from": float, "to": float, "count": int, "yours": bool})
"""One bar of a figure's distribution: the answers from ``from`` to ``to``; ``yours``: the answer's own bar."""


class ReferenceRange(TypedDict):
    """A figure's published reference range and the answer's verdict against it."""

    key: str
    label: str
    low: float
    high: float
    unit: str
    source: str
    value: float | None
    shown: str
    verdict: str | None


@dataclass
class FigureComparison:
    """Where one figure of the answer stands among other candidates' answers in a group."""

    key: str
    label: str
    value: float | None
    shown: str
    n: int
    percentile: float | None = None
    mean: float | None = None
    histogram: list[HistogramBar] = field(default_factory=list)


@dataclass
class GroupComparison:
    """The comparison in one group (all answers, the category, or the question)."""

    scope: str
    label: str
    answers: int
    candidates: int
    enough: bool
    note: str
    figures: list[FigureComparison] = field(default_factory=list)
    emotion_mix: dict[str, float] = field(default_factory=dict)
    emotion_answers: int = 0
    """Other candidates' answers heard against a voice check in the group."""
    emotion_candidates: int = 0
    emotion_enough: bool = False
    """Whether those are enough to compare the emotion shares with (the group's rule)."""
    emotion_note: str = ""


@dataclass
class Comparison:
    answer_id: int
    figures: dict[str, float]
    groups: list[GroupComparison]
    references: list[ReferenceRange]
    published: list[NormComparison] = field(default_factory=list)
    emotion_compared: bool = False
    """Whether the emotion shares are compared: only for an answer heard against its speaker's
    voice check, and only with other answers heard so."""
    min_answers: int = th.MIN_COMPARISON_ANSWERS
    min_candidates: int = th.MIN_COMPARISON_CANDIDATES


def _display_histogram(figure: Figure, counts: dict[int, int], value: float | None) -> list[HistogramBar]:
    """The fine bins merged into at most DISPLAY_BARS bars over the populated range, the answer's bar marked."""
    populated = [b for b, c in counts.items() if c > 0]
    if not populated:
        return []
    lo, hi = min(populated), max(populated)
    if value is not None:
        lo, hi = min(lo, figure.bin(value)), max(hi, figure.bin(value))
    width = max(1, -(-(hi - lo + 1) // DISPLAY_BARS))
    bars: list[HistogramBar] = []
    for start in range(lo, hi + 1, width):
        end = min(start + width, hi + 1)
        left, _ = figure.bin_edges(start)
        _, right = figure.bin_edges(end - 1)
        bars.append({"from": round(left, 4), "to": round(right, 4),
                     "count": sum(counts.get(b, 0) for b in range(start, end)),
                     "yours": value is not None and start <= figure.bin(value) < end})
    return bars


def _own_answers(session: Session, user_id: int) -> list[tuple[dict[str, float], list[str]]]:
    rows = session.execute(select(Answer.figures_json, Answer.counted_scopes)
                           .where(Answer.user_id == user_id, Answer.counted_scopes.is_not(None)))
    return [(json.loads(f or "{}"), json.loads(s or "[]")) for f, s in rows]


@dataclass
class _GroupStats:
    """Other candidates' aggregates in one scope, the user's own answers taken out."""

    counts: dict[str, dict[int, int]]
    totals: dict[str, tuple[float, float]]
    answers: int
    candidates: int

    @property
    def enough(self) -> bool:
        return self.answers >= th.MIN_COMPARISON_ANSWERS and self.candidates >= th.MIN_COMPARISON_CANDIDATES

    def note(self, what: str = "answers") -> str:
        n, m = self.answers, self.candidates
        return "" if self.enough else (
            f"Not enough {what} yet: {n} answer{'s' if n != 1 else ''} from {m} other "
            f"candidate{'s' if m != 1 else ''}; a comparison needs {th.MIN_COMPARISON_ANSWERS} answers "
            f"from {th.MIN_COMPARISON_CANDIDATES} candidates.")

    def item(self, figure: Figure, value: float | None) -> FigureComparison:
        bins = self.counts.get(figure.key, {})
        n = sum(bins.values())
        item = FigureComparison(key=figure.key, label=figure.label, value=value, shown=figure.format(value), n=n)
        if n >= th.MIN_COMPARISON_ANSWERS:
            if value is not None:
                mine_bin = figure.bin(value)
                below = sum(c for b, c in bins.items() if b < mine_bin)
                item.percentile = round(100 * (below + 0.5 * bins.get(mine_bin, 0)) / n, 1)
            n_total, total = self.totals.get(figure.key, (0, 0.0))
            item.mean = round(total / n_total, 4) if n_total else None
            item.histogram = _display_histogram(figure, bins, value)
        return item


def _group_stats(session: Session, scope: str, own: list[tuple[dict[str, float], list[str]]]) -> _GroupStats:
    mine = [figures_for(scope, f) for f, s in own if scope in s]
    my_bins, my_totals = _tally(mine)
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for key, index, count in session.execute(select(FigureBin.figure, FigureBin.bin, FigureBin.count)
                                             .where(FigureBin.scope == scope, FigureBin.count > 0)):
        others = count - my_bins.get((key, index), 0)
        if others > 0:
            counts[key][index] = others
    totals = {key: (n - my_totals[key][0], total - my_totals[key][1]) for key, n, total in session.execute(
        select(FigureTotal.figure, FigureTotal.n, FigureTotal.total).where(FigureTotal.scope == scope))}
    candidates = session.scalar(select(ScopeCount.candidates).where(ScopeCount.scope == scope)) or 0
    members = candidates - (1 if mine else 0)  # the others
    answers_n = int(max((n for n, _ in totals.values()), default=0))
    return _GroupStats(counts=counts, totals=totals, answers=answers_n, candidates=int(members))


def compare(session: Session, answer: Answer, *, category_labels: dict[str, str]) -> Comparison:
    """How ``answer`` compares with other candidates' answers, group by group.

    The emotion shares of an answer heard against its speaker's voice check are compared within
    each group's voice-checked sub-group, which must itself hold enough answers from enough
    candidates; an answer heard against the actors' voices has none to compare."""
    figures = json.loads(answer.figures_json or "{}")
    counted = json.loads(answer.counted_scopes) if answer.counted_scopes else [make_scope(ScopeKind.ALL)]
    scopes = [scope for scope in counted if not scope.endswith(VOICE_CHECKED)]
    own = _own_answers(session, answer.user_id)
    emotion_compared = any(_is_emotion(key) for key in figures)
    groups = []
    for scope in scopes:
        stats = _group_stats(session, scope, own)
        kind, _, key = scope.partition(":")
        label = {ScopeKind.ALL: "All candidates", ScopeKind.CATEGORY: f"{category_labels.get(key, key)} questions",
                 ScopeKind.QUESTION: "This question"}[ScopeKind(kind)]
        group = GroupComparison(scope=scope, label=label, answers=stats.answers, candidates=stats.candidates,
                                enough=stats.enough, note=stats.note())
        if stats.enough:
            group.figures = [stats.item(f, figures.get(f.key)) for f in FIGURES if not _is_emotion(f.key)]
            if emotion_compared:
                checked = _group_stats(session, voice_checked(scope), own)
                group.emotion_answers, group.emotion_candidates = checked.answers, checked.candidates
                group.emotion_enough = checked.enough
                group.emotion_note = checked.note("answers heard against a voice check")
                if checked.enough:
                    shares = [checked.item(f, figures.get(f.key)) for f in FIGURES if _is_emotion(f.key)]
                    group.figures += shares
                    if all(i.mean is not None for i in shares):
                        group.emotion_mix = {i.key.removeprefix("emotion_"): float(i.mean or 0.0) for i in shares}
        groups.append(group)
    references: list[ReferenceRange] = [
        {"key": f.key, "label": f.label, "low": f.reference.low, "high": f.reference.high, "unit": f.reference.unit,
         "source": f.reference_source, "value": figures.get(f.key), "shown": f.format(figures.get(f.key)),
         "verdict": None if figures.get(f.key) is None else f.reference.verdict(figures[f.key])}
        for f in FIGURES if f.reference is not None and f.key in MAIN_FIGURES]
    report = json.loads(answer.report_json or "{}")
    return Comparison(answer_id=answer.id, figures=figures, groups=groups, references=references,
                      published=[compare_fillers(report)], emotion_compared=emotion_compared)
