"""Full-analysis speed as a ratio to plain faster-whisper, each stage's time, and filler retention.

Run: ``.venv/bin/python bench/bench_delivery.py`` (needs espeak-ng and sox; writes
bench/results/delivery.{md,json}).

Machines here differ twofold in speed, so speed is stated as a ratio to a reference run in
the same process on the same audio: plain faster-whisper with the same loaded model (Whisper
tiny.en, int8, beam 5, word timestamps, one ``transcribe`` call over the whole recording).
Target (issue 8): the full ``emovoice.analyze`` of a 15 s and a 60 s answer at most 1.3 times
the reference, keeping at least as many fillers as the transcriber settings it replaces
(≤ 10 s segments), measured here in the same run.

The answers resemble real ones (``bench/answers.py``): several espeak-ng voices and rates,
a silent start, short and long pauses, and fillers at the start, in the middle and at the end
of sentences, 15, 30, 60 and 120 s long.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import machine
from answers import FILLER_WORDS, Answer, make_answer, speak

RESULTS = Path(__file__).parent / "results"
ANSWERS = {15: (15, 16, 17), 30: (30,), 60: (60, 61, 62), 120: (120,)}
"""Seeds of the answers of each length (a seed picks the voice, sentences, fillers and pauses)."""
TARGET_RATIO = 1.3
TARGET_LENGTHS = (15, 60)
REPEATS = 3
FILLER_SENTENCES = [  # the set issue 4 measured retention on
    "Um, I think my main strength is, uh, communication.",
    "Uh, when a project slips, um, I tell people early.",
    "I, um, like to plan the week on Monday, uh, and review it on Friday.",
    "Hmm, the hardest part was, um, the data migration.",
]


def fillers_kept(words: list[str], inserted: int) -> int:
    """Fillers in a transcript, at most as many as were inserted."""
    found = sum(1 for w in words if re.sub(r"[^a-z]", "", w.lower()) in FILLER_WORDS)
    return min(found, inserted)


def plain_whisper(whisper, answer: Answer) -> tuple[float, int]:
    """The reference: one plain faster-whisper call, fully consumed. Returns (seconds, words)."""
    t0 = time.perf_counter()
    segments, _ = whisper.transcribe(answer.wave, language="en", beam_size=5, word_timestamps=True)
    n_words = sum(len(s.words or []) for s in segments)
    return time.perf_counter() - t0, n_words


def main() -> None:
    from emovoice.analysis.analyzer import Analyzer
    from emovoice.features.vad import speech_regions
    from emovoice.models.transcriber import Transcriber

    analyzer = Analyzer()
    analyzer.warm_up()
    transcriber = analyzer.transcriber
    assert transcriber is not None
    whisper = transcriber.load()
    stock = Transcriber(cpu_threads=0).load()  # the same model on CTranslate2's default threads
    answers = [make_answer(seconds, seed=seed, name=f"{seconds}s-{'abc'[k]}")
               for seconds, seeds in ANSWERS.items() for k, seed in enumerate(seeds)]
    warm = make_answer(8, seed=1)
    analyzer.analyze(warm.wave, sample_rate=16_000)
    plain_whisper(whisper, warm)
    plain_whisper(stock, warm)

    speed = {}
    for answer in answers:
        plain_s, stock_s, full_s, stages = [], [], [], []
        for _ in range(REPEATS):  # interleaved, so that a slow moment hits all
            seconds, plain_words = plain_whisper(whisper, answer)
            plain_s.append(seconds)
            stock_s.append(plain_whisper(stock, answer)[0])
            t0 = time.perf_counter()
            report = analyzer.analyze(answer.wave, sample_rate=16_000)
            full_s.append(time.perf_counter() - t0)
            stages.append(report.timings_s)
        plain, full, plain_stock = statistics.median(plain_s), statistics.median(full_s), statistics.median(stock_s)
        words = [w["text"] for w in report["transcript"]["words"]]
        speed[answer.name] = {
            "duration_s": answer.duration_s, "voice": f"{answer.voice} at {answer.rate} wpm",
            "words_spoken": answer.words, "fillers_spoken": answer.fillers,
            "plain_whisper_s": round(plain, 3), "plain_whisper_words": plain_words,
            "full_analysis_s": round(full, 3), "ratio": round(full / plain, 3),
            "plain_whisper_default_threads_s": round(plain_stock, 3),
            "ratio_to_default_threads": round(full / plain_stock, 3),
            "stage_s": {k: round(statistics.mean(s[k] for s in stages), 3) for k in stages[0]},
            "words_transcribed": len(words), "fillers_kept": fillers_kept(words, answer.fillers),
            "segments": report["transcript"]["segments"],
            "retried_without_prompt": report["transcript"]["retried_without_prompt"],
            "resumed_after_early_stop": report["transcript"]["resumed"],
        }
        print(answer.name, speed[answer.name], flush=True)

    # filler retention of the transcriber settings this one replaced, on the same answers
    previous = Transcriber(max_segment_s=10.0)
    previous._model = whisper  # the same loaded model
    before = {}
    for answer in answers:
        t0 = time.perf_counter()
        words = [w.text for w in previous.transcribe(answer.wave, speech_regions(answer.wave)).words]
        before[answer.name] = {"fillers_kept": fillers_kept(words, answer.fillers),
                               "transcribe_s": round(time.perf_counter() - t0, 3)}
    sentences = []
    for sentence in FILLER_SENTENCES:
        wave = speak(sentence, voice="en-us", rate=140)
        inserted = sum(1 for t in re.findall(r"[a-z]+", sentence.lower()) if t in FILLER_WORDS)
        now = [w["text"] for w in analyzer.analyze(wave, sample_rate=16_000)["transcript"]["words"]]
        then = [w.text for w in previous.transcribe(wave, speech_regions(wave)).words]
        sentences.append({"text": sentence, "inserted": inserted, "kept": fillers_kept(now, inserted),
                          "kept_before": fillers_kept(then, inserted)})

    result = {
        "date": dt.date.today().isoformat(),
        "machine": machine.describe(),
        "command": "python bench/bench_delivery.py",
        "reference": f"plain faster-whisper, same loaded model (tiny.en int8, {transcriber.cpu_threads} "
                     "CTranslate2 thread(s), as the transcriber runs it), beam 5, word timestamps, one transcribe() "
                     "call; median of 3 runs interleaved with the full analysis",
        "second_reference": "the same, with faster-whisper's default threads (CTranslate2: one per core, at most 4)",
        "transcriber": {"max_segment_s": transcriber.max_segment_s, "beam_size": transcriber.beam_size,
                        "prompt": transcriber.prompt},
        "speed": speed,
        "previous_transcriber": {"max_segment_s": 10.0, "answers": before},
        "filler_sentences": sentences,
    }
    result["targets"] = {
        f"{seconds}s": {"median_ratio": round(statistics.median(
            row["ratio"] for row in speed.values() if round(row["duration_s"]) == seconds), 3),
            "median_ratio_to_default_threads": round(statistics.median(
                row["ratio_to_default_threads"] for row in speed.values() if round(row["duration_s"]) == seconds), 3),
            "target": TARGET_RATIO} for seconds in TARGET_LENGTHS}
    for row in result["targets"].values():
        row["met"] = row["median_ratio"] <= row["target"]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "delivery.json").write_text(json.dumps(result, indent=1) + "\n")
    write_markdown(result)


def write_markdown(result: dict) -> None:
    speed, before = result["speed"], result["previous_transcriber"]["answers"]
    lines = ["# Full analysis: speed against plain faster-whisper, and filler retention", "",
             f"Command: `{result['command']}`  ", f"Date: {result['date']}  ", f"Machine: {result['machine']}  ",
             f"Reference: {result['reference']}.  ", f"Second reference: {result['second_reference']}.  ",
             f"Transcriber: segments of at most {result['transcriber']['max_segment_s']:g} s cut at pauses, "
             f"filler prompt, beam {result['transcriber']['beam_size']}; emotion and voice quality run beside it.",
             "", "Answers: synthetic (espeak-ng, `bench/answers.py`), with a silent start, pauses (some over 1 s) "
             "and fillers at the start, middle and end of sentences.", "",
             "The target is judged against the first reference, faster-whisper on as many threads as the "
             "transcriber gives it.", "",
             "| length | median ratio, full analysis / plain faster-whisper | target | met | median ratio to the "
             "second reference (default threads) |", "|---|---|---|---|---|"]
    for name, row in result["targets"].items():
        lines.append(f"| {name} | {row['median_ratio']:.2f} | ≤ {row['target']:g} | {'yes' if row['met'] else 'no'} | "
                     f"{row['median_ratio_to_default_threads']:.2f} |")
    lines += ["", "| answer | voice | plain faster-whisper | same, default threads | full analysis | ratio | "
              "segments read (re-read after an early stop) | fillers kept (now / ≤10 s segments) | "
              "words (spoken / transcribed) |", "|---|---|---|---|---|---|---|---|---|"]
    for name, row in speed.items():
        lines.append(f"| {name} | {row['voice']} | {row['plain_whisper_s']:.2f} s | "
                     f"{row['plain_whisper_default_threads_s']:.2f} s | {row['full_analysis_s']:.2f} s | "
                     f"{row['ratio']:.2f} | {row['segments']} ({row['resumed_after_early_stop']}) | "
                     f"{row['fillers_kept']} / {before[name]['fillers_kept']} of {row['fillers_spoken']} | "
                     f"{row['words_spoken']} / {row['words_transcribed']} |")
    lines += ["", "Stage times in seconds (mean of the runs; emotion and voice quality overlap transcription, "
              "so they do not add up to the total):", "",
              "| answer | " + " | ".join(next(iter(speed.values()))["stage_s"]) + " |",
              "|---|" + "---|" * len(next(iter(speed.values()))["stage_s"])]
    for name, row in speed.items():
        lines.append(f"| {name} | " + " | ".join(f"{v:.2f}" for v in row["stage_s"].values()) + " |")
    kept_now = sum(r["fillers_kept"] for r in speed.values())
    kept_before = sum(r["fillers_kept"] for r in before.values())
    spoken = sum(r["fillers_spoken"] for r in speed.values())
    sentences = result["filler_sentences"]
    inserted = sum(s["inserted"] for s in sentences)
    lines += ["", f"Fillers kept over all answers: {kept_now} of {spoken} now, {kept_before} with the previous "
              "≤ 10 s segments.", "",
              f"The four filler sentences of issue 4: {sum(s['kept'] for s in sentences)} of {inserted} kept now, "
              f"{sum(s['kept_before'] for s in sentences)} with ≤ 10 s segments.", ""]
    lines += [f"- \"{s['text']}\": {s['kept']} (before {s['kept_before']}) of {s['inserted']}" for s in sentences]
    machine.publish(RESULTS / "delivery.md", lines)


if __name__ == "__main__":
    main()
