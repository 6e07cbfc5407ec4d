"""The ``emovoice`` command line."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from emovoice import thresholds as th
from emovoice.errors import EmovoiceError
from emovoice.storage.enums import Difficulty  # the enums only: no database code

if TYPE_CHECKING:
    from emovoice.storage.db import Database

EXIT_BAD_INPUT = 2


class OutputError(EmovoiceError):
    """The command's output cannot be written (closed pipe, full disk, missing folder)."""


def check_writable(path: Path) -> None:
    """Raise :class:`OutputError` unless a file can be written at ``path`` (checked before any work)."""
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name for the report")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"{path}: permission denied")


def positive_seconds(text: str) -> float:
    """argparse type: a finite number of seconds above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, got {text!r}")
    return value


def emit(text: str) -> None:
    """Print to standard output; a closed pipe or a full disk becomes an :class:`OutputError`."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _silence_stdout()
        raise OutputError("the output was closed before everything was written (broken pipe)") from None
    except OSError as exc:
        _silence_stdout()
        raise OutputError(f"cannot write the output: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; point it at /dev/null so that flush cannot fail too.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _cmd_analyze(args: argparse.Namespace) -> int:
    from emovoice.analysis.analyzer import Analyzer
    from emovoice.audio import Limits
    from emovoice.presentation.text import format_report

    if args.html and len(args.files) > 1:
        raise OutputError("--html takes one input file")
    if args.html:
        check_writable(args.html)
    limits = Limits(max_duration_s=args.max_duration)
    analyzer = Analyzer(emotion_model=args.model, transcriber=args.whisper_model, transcribe=not args.no_transcript,
                        limits=limits, baseline=args.baseline)
    # a bad --model, or a --baseline it cannot read, fails once, before any file
    analyzer.emotion_model.check_baseline(analyzer.baseline)
    status = 0
    for i, path in enumerate(args.files):
        try:
            report = analyzer.analyze(path, delivery=not args.emotion_only)
        except EmovoiceError as exc:
            print(f"emovoice: error: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        if args.json:
            emit(json.dumps(report.to_dict()))
        else:
            emit(("\n" if i else "") + format_report(report))
        if args.html:
            from emovoice.presentation.html import write_html

            try:
                write_html(report, args.html)
            except OSError as exc:
                raise OutputError(f"{args.html}: cannot write the report ({exc.strerror or exc})") from None
            if not args.json:
                emit(f"\nwrote {args.html}")
    return status


def _cmd_baseline(args: argparse.Namespace) -> int:
    from emovoice.analysis.analyzer import Analyzer
    from emovoice.audio import Limits

    check_writable(args.output)
    analyzer = Analyzer(emotion_model=args.model, transcribe=False, limits=Limits(max_duration_s=args.max_duration))
    baseline = analyzer.make_baseline([str(f) for f in args.files])
    try:
        baseline.save(args.output)
    except OSError as exc:
        raise OutputError(f"{args.output}: cannot write the baseline ({exc.strerror or exc})") from None
    emit(f"wrote {args.output}: your everyday voice from {baseline.speech_s:.1f} s of voiced speech in "
         f"{baseline.sources} recording{'s' if baseline.sources != 1 else ''}; use it with "
         f"'emovoice analyze --baseline {args.output} answer.wav'")
    return 0


def sample_path() -> str:
    """The bundled sample answer (synthetic speech made with espeak-ng)."""
    from importlib import resources

    return str(resources.files("emovoice.samples") / "answer.flac")


def _cmd_demo(args: argparse.Namespace) -> int:
    args.files = [sample_path()]
    return _cmd_analyze(args)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from emovoice.training.evaluate import evaluate

    models = args.models.split(",") if args.models else None
    folds = [int(f) for f in args.folds.split(",")] if args.folds else None
    evaluate(models=models, folds=folds, root=args.data, runs_dir=args.runs, out_dir=args.out,
             max_epochs=args.max_epochs, progress=not args.quiet, degraded=not args.no_degraded)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from emovoice.training.ship import refresh_card, train_and_export

    if args.card_only:
        print(f"wrote {refresh_card()}")
        return 0
    path = train_and_export(model=args.model, root=args.data, out_dir=args.out, progress=not args.quiet)
    print(f"wrote {path}")
    return 0


def _log_to_terminal() -> None:
    """Timestamped log lines for the long-running commands; migrations only when they fail."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from emovoice.settings import get_settings
    from emovoice.web.app import create_app

    settings = get_settings()
    workers = settings.workers if args.workers is None else args.workers
    # analyses share this process: hand Python's lock over within 1 ms (not 5) so that a request
    # waiting for it is served promptly
    sys.setswitchinterval(0.001)
    app = create_app(settings, workers=workers)
    _log_to_terminal()
    logging.getLogger("huey").setLevel(logging.WARNING)  # one line per task is too much on a laptop
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    print(f"emovoice is running at http://{shown}:{args.port}/  (data: {settings.resolved_database_url()}; "
          f"{workers} analysis worker{'s' if workers != 1 else ''} in this process; Ctrl+C stops it)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from emovoice.jobs.queue import Jobs
    from emovoice.settings import get_settings

    _log_to_terminal()
    settings = get_settings()
    database = _database()
    print(f"emovoice worker: {args.threads} analysis thread(s) on {settings.resolved_database_url()}", flush=True)
    Jobs(settings, database).run_worker(args.threads)
    return 0


def _database() -> Database:
    """The configured database, migrated to the newest schema."""
    from emovoice.settings import get_settings
    from emovoice.storage.db import Database

    database = Database(get_settings().resolved_database_url())
    database.migrate()
    return database


def _questions_db() -> Database:
    from emovoice.storage.questions import load_bank

    database = _database()
    with database.session() as session:
        load_bank(session)
    return database


def _cmd_questions(args: argparse.Namespace) -> int:
    from emovoice.storage.questions import (
        CATEGORIES,
        QuestionSpec,
        add_questions,
        list_questions,
        read_questions_file,
    )

    database = _questions_db()
    with database.session() as session:
        if args.action == "list":
            if args.category and args.category not in CATEGORIES:
                raise OutputError(f"unknown category {args.category!r}; choose one of {', '.join(CATEGORIES)}")
            for q in list_questions(session, category=args.category):
                emit(f"{q.id:4d}  {q.category:<21} {q.difficulty:<6} {q.suggested_seconds:4d} s  {q.text}")
        elif args.action == "add":
            added = add_questions(session, [QuestionSpec(args.text, args.category, args.difficulty, args.seconds)])
            emit("added 1 question" if added else "that question is already in the bank")
        else:
            specs = read_questions_file(args.file)
            added = add_questions(session, specs)
            emit(f"imported {added} new question(s) of {len(specs)} in {args.file}")
    return 0


class Parser(argparse.ArgumentParser):
    """argparse with the project's one-line error (``emovoice: error: ...``, exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"emovoice: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from emovoice.audio import DEFAULT_MAX_DURATION_S

    parser = Parser(prog="emovoice", description="Hear how a person speaks.")
    sub = parser.add_subparsers(dest="command", required=True)

    analyze = sub.add_parser("analyze", help="emotions in recordings, second by second")
    analyze.add_argument("files", nargs="+", help="audio files (wav, flac, mp3, ogg/opus, webm, m4a...)")
    analyze.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    analyze.add_argument("--model", default=None, help="an .onnx emotion model (default: the shipped one)")
    analyze.add_argument("--emotion-only", action="store_true", help="only the emotion report (fast)")
    analyze.add_argument("--no-transcript", action="store_true",
                         help="skip speech recognition (no pace, fillers or word sentiment)")
    analyze.add_argument("--whisper-model", default=None,
                         help="CTranslate2 Whisper model directory or cached name (default: tiny.en)")
    analyze.add_argument("--html", type=Path, default=None, help="also write a self-contained HTML report")
    analyze.add_argument("--max-duration", type=positive_seconds, default=DEFAULT_MAX_DURATION_S,
                         help="longest recording accepted, in seconds (default: %(default)s)")
    analyze.add_argument("--baseline", type=Path, default=None,
                         help="your baseline ('emovoice baseline'): emotion is heard against your everyday voice "
                              "(without one, against the training speakers' average voice)")
    analyze.set_defaults(func=_cmd_analyze)

    baseline = sub.add_parser("baseline", help="make your baseline: how your everyday voice sounds to the model")
    baseline.add_argument("files", nargs="+", help="one or more recordings of you reading plain sentences in your "
                                                   f"everyday voice (at least {th.BASELINE_MIN_VOICED_S:g} s of "
                                                   "voiced speech in all; the web app's voice check asks for "
                                                   f"{th.VOICE_CHECK_MIN_VOICED_S:g} s, reading about 15 s of "
                                                   "plain sentences)")
    baseline.add_argument("-o", "--output", type=Path, required=True, help="the baseline file to write (JSON)")
    baseline.add_argument("--model", default=None, help="an .onnx emotion model (default: the shipped one)")
    baseline.add_argument("--max-duration", type=positive_seconds, default=DEFAULT_MAX_DURATION_S,
                          help="longest recording accepted, in seconds (default: %(default)s)")
    baseline.set_defaults(func=_cmd_baseline)

    demo = sub.add_parser("demo", help="analyse the bundled sample answer")
    demo.add_argument("--json", action="store_true", help="JSON output")
    demo.add_argument("--html", type=Path, default=None, help="also write a self-contained HTML report")
    demo.set_defaults(func=_cmd_demo, model=None, max_duration=DEFAULT_MAX_DURATION_S, emotion_only=False,
                      no_transcript=False, whisper_model=None, baseline=None)

    evaluate = sub.add_parser("evaluate", help="speaker-disjoint cross-validation of the models")
    evaluate.add_argument("--models", default=None, help="comma-separated model names (default: all)")
    evaluate.add_argument("--folds", default=None, help="comma-separated fold numbers (default: all six)")
    evaluate.add_argument("--data", type=Path, default=None, help="RAVDESS directory")
    evaluate.add_argument("--runs", type=Path, default=None, help="where per-fold results are kept")
    evaluate.add_argument("--out", type=Path, default=Path("bench/results"), help="where the tables go")
    evaluate.add_argument("--max-epochs", type=int, default=None,
                          help="train torch models for at most this many epochs in this run (resumable)")
    evaluate.add_argument("--no-degraded", action="store_true", help="skip the degraded test folds")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bars")
    evaluate.set_defaults(func=_cmd_evaluate)

    serve = sub.add_parser("serve", help="run the interview simulator (web app) and print its address",
                           epilog="Where its data goes and other settings are environment variables: "
                                  "EMOVOICE_DATA_DIR (the SQLite database and queue; default: your user data "
                                  "folder), EMOVOICE_DATABASE_URL (PostgreSQL for a shared deployment), "
                                  "EMOVOICE_MAX_UPLOAD_MB and more: the README's Settings table lists them.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: %(default)s: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=None,
                       help="analysis threads in this process (default: $EMOVOICE_WORKERS or 1; 0 when "
                            "'emovoice worker' processes do the analyses)")
    serve.set_defaults(func=_cmd_serve)

    worker = sub.add_parser("worker", help="run analyses for the web app in a separate process")
    worker.add_argument("--threads", type=int, default=1, help="analyses at once (default: %(default)s)")
    worker.set_defaults(func=_cmd_worker)

    questions = sub.add_parser("questions", help="manage the question bank")
    qsub = questions.add_subparsers(dest="action", required=True)
    qlist = qsub.add_parser("list", help="list the questions")
    qlist.add_argument("--category", default=None, help="only this category")
    qadd = qsub.add_parser("add", help="add one question")
    qadd.add_argument("text", help="the question")
    qadd.add_argument("--category", required=True, help="about_you, behavioural, situational, motivation, "
                                                        "strengths_weaknesses, teamwork or closing")
    qadd.add_argument("--difficulty", default=Difficulty.MEDIUM.value, choices=[d.value for d in Difficulty])
    qadd.add_argument("--seconds", type=int, default=60, help="suggested answer length (default: %(default)s)")
    qimport = qsub.add_parser("import", help="import questions from a JSON or CSV file")
    qimport.add_argument("file", type=Path, help="JSON list (or {'questions': [...]}) or CSV with a header "
                                                 "text,category,difficulty,suggested_seconds")
    questions.set_defaults(func=_cmd_questions)

    train = sub.add_parser("train", help="train the shipped model on all speakers and export it")
    train.add_argument("--model", default=None, help="recipe name (default: the default model)")
    train.add_argument("--data", type=Path, default=None, help="RAVDESS directory")
    train.add_argument("--out", type=Path, default=None, help="output directory (default: the package)")
    train.add_argument("--card-only", action="store_true",
                       help="only rewrite the shipped model's card and metadata from bench/results")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.set_defaults(func=_cmd_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except EmovoiceError as exc:
        print(f"emovoice: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
