"""The ``emovoice`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from emovoice.errors import EmovoiceError

EXIT_BAD_INPUT = 2


def _bar(fraction: float, width: int = 24) -> str:
    filled = round(fraction * width)
    return "█" * filled + "·" * (width - filled)


def format_report(report: Any) -> str:
    """The readable summary of one emotion report."""
    lines = [f"{report.file or '<audio>'}  ({report.duration_s:.1f} s)",
             f"  dominant emotion: {report.emotion} ({report.probabilities[report.emotion]:.0%})",
             "  mix:"]
    for label, p in sorted(report.probabilities.items(), key=lambda kv: -kv[1]):
        lines.append(f"    {label:<10} {_bar(p)} {p:6.1%}")
    lines.append("  timeline (per second):")
    for seg in report.timeline:
        p = seg.probabilities[seg.emotion]
        lines.append(f"    {seg.start:5.0f}-{seg.end:<5.1f} s  {seg.emotion:<10} {p:4.0%}")
    return "\n".join(lines)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from emovoice.analysis.emotion import analyze, get_model
    from emovoice.audio.io import Limits

    limits = Limits(max_duration_s=args.max_duration)
    try:
        model = get_model(args.model)
    except EmovoiceError as exc:
        print(f"emovoice: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    status = 0
    for i, path in enumerate(args.files):
        try:
            report = analyze(path, model=model, limits=limits)
        except EmovoiceError as exc:
            print(f"emovoice: error: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        if args.json:
            print(json.dumps(report.to_dict()), flush=True)
        else:
            if i:
                print()
            print(format_report(report), flush=True)
    return status


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
    from emovoice.training.ship import train_and_export

    path = train_and_export(model=args.model, root=args.data, out_dir=args.out, progress=not args.quiet)
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from emovoice.audio.io import DEFAULT_MAX_DURATION_S

    parser = argparse.ArgumentParser(prog="emovoice", description="Hear how a person speaks.")
    sub = parser.add_subparsers(dest="command", required=True)

    analyze = sub.add_parser("analyze", help="emotions in recordings, second by second")
    analyze.add_argument("files", nargs="+", help="audio files (wav, flac, mp3, ogg/opus, webm, m4a...)")
    analyze.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    analyze.add_argument("--model", default=None, help="an .onnx emotion model (default: the shipped one)")
    analyze.add_argument("--max-duration", type=float, default=DEFAULT_MAX_DURATION_S,
                         help="longest recording accepted, in seconds (default: %(default)s)")
    analyze.set_defaults(func=_cmd_analyze)

    demo = sub.add_parser("demo", help="analyse the bundled sample answer")
    demo.add_argument("--json", action="store_true", help="JSON output")
    demo.set_defaults(func=_cmd_demo, model=None, max_duration=DEFAULT_MAX_DURATION_S)

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

    train = sub.add_parser("train", help="train the shipped model on all speakers and export it")
    train.add_argument("--model", default=None, help="recipe name (default: the default model)")
    train.add_argument("--data", type=Path, default=None, help="RAVDESS directory")
    train.add_argument("--out", type=Path, default=None, help="output directory (default: the package)")
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
