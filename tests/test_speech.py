from __future__ import annotations

import itertools

import pytest

from emovoice.analysis.speech import flow, mark_fillers, pace
from emovoice.features.vad import Region
from emovoice.models.transcriber import Word, plan_segments, trim_collapsed_tail


def words(text: str, *, step: float = 0.4) -> list[Word]:
    return [Word(t, round(i * step, 2), round(i * step + 0.3, 2), 0.9) for i, t in enumerate(text.split())]


@pytest.mark.parametrize(("text", "fillers"), [
    ("Um, I think, uh, it went well.", ["um", "uh"]),
    ("Hmm. Er, the result was good.", ["hmm", "er"]),
    ("It was, you know, hard to do.", ["you know"]),
    ("You know that I care.", []),
    ("I mean, we shipped it anyway.", ["i mean"]),
    ("It was kind of slow.", ["kind of"]),
    ("What kind of role is it?", []),
    ("I like working with people.", []),
    ("It looks like rain.", []),
    ("It was, like, really fast.", ["like"]),
    ("The team was like totally lost.", ["like"]),
    ("It was like a dream.", []),
    ("The style is like that of the Subiaco works.", []),
    ("A building like that of the Subiaco works.", []),
    ("People like them do well.", []),
    ("It's, like, the best team.", ["like"]),
    ("I, um, like to plan ahead.", ["um"]),
    ("So, I started by listening.", ["so"]),
    ("So that we could ship, I stayed late.", []),
    ("I was so tired.", []),
])
def test_filler_words_are_found_in_context(text, fillers):
    ws = words(text)
    found = mark_fillers(ws)
    assert [f["text"] for f in found] == fillers
    assert sum(w.filler for w in ws) == sum(len(f.split()) for f in fillers)


def test_pace_counts_words_not_fillers():
    ws = words("Um I led the team and we shipped on time", step=0.5)  # 10 tokens over 5 s
    mark_fillers(ws)
    result = pace(ws, duration_s=6.0, speaking_s=5.0)
    assert result.wpm == pytest.approx(9 / 6 * 60)
    assert result.speaking_wpm == pytest.approx(9 / 5 * 60)
    assert result.curve and all(point["wpm"] >= 0 for point in result.curve)


def test_words_heard_after_the_last_voice_are_left_out():
    from emovoice.analysis.speech import words_in_speech

    heard = words("I led the team well Please.")  # 6 words, 0.4 s apart; the voice stopped at 2.0 s
    heard[-1] = Word("Please.", 4.0, 4.4, 0.5)
    kept, left_out = words_in_speech(heard, [Region(0.0, 2.0)])
    assert [w.text for w in kept] == ["I", "led", "the", "team", "well"]
    assert [w.text for w in left_out] == ["Please."]


def test_pace_and_flow_divide_by_the_speech_span_when_given():
    ws = words("I led the team and we shipped on time", step=0.5)  # 9 words over 4.3 s
    assert pace(ws, duration_s=15.0, speaking_s=4.0, span=(0.0, 4.3)).wpm == pytest.approx(9 / 4.3 * 60, abs=0.1)
    result = flow([Region(0.0, 2.0), Region(2.3, 4.3)], duration_s=15.0, span_s=4.3)
    assert result.speaking_ratio == pytest.approx(4.0 / 4.3, abs=0.001)


def test_the_pace_curve_reads_as_the_headline_pace_when_the_answer_starts_and_ends_in_silence():
    ws = [Word(f"w{i}", 6.0 + 0.4 * i, 6.0 + 0.4 * i + 0.3, 0.9) for i in range(60)]  # 150 wpm from 6 s to 30 s
    result = pace(ws, duration_s=40.0, speaking_s=24.0, span=(6.0, 29.9))
    assert result.wpm == pytest.approx(60 / 23.9 * 60, abs=0.1)
    times = [p["time"] for p in result.curve]
    assert min(times) >= 6.0 and max(times) <= 29.9  # no point in the silence before or after
    assert all(abs(p["wpm"] - result.wpm) <= 0.15 * result.wpm for p in result.curve), result.curve
    # over the whole recording, the silent ends would pull the curve far below the headline figure
    whole = pace(ws, duration_s=40.0, speaking_s=24.0)
    assert min(p["wpm"] for p in whole.curve) < 0.5 * result.wpm


def test_flow_finds_long_pauses_and_the_first_word():
    regions = [Region(0.8, 3.0), Region(3.4, 6.0), Region(8.0, 9.0)]
    result = flow(regions, duration_s=10.0)
    assert result.time_to_first_word_s == 0.8
    assert [p["duration"] for p in result.long_pauses] == [2.0]
    assert result.longest_pause_s == 2.0
    assert result.speaking_ratio == pytest.approx(0.58)


def test_segments_stay_short_and_cover_every_region():
    regions = [Region(0, 4), Region(4.5, 9), Region(9.5, 30.5)]
    plan = plan_segments(regions, duration_s=31, max_segment_s=10)
    assert all(end - start <= 10 + 0.4 for start, end, _ in plan)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(plan))  # no overlap
    assert plan[0][0] == 0 and plan[-1][1] == pytest.approx(30.7)
    covered = sum(r.duration for _, _, inside in plan for r in inside)
    assert covered == pytest.approx(sum(r.duration for r in regions))


def test_whispers_squeezed_thank_you_is_trimmed():
    ws = [Word("together.", 8.6, 9.08, 0.9), Word("Thank", 9.08, 9.08, 0.4), Word("you.", 9.08, 9.18, 0.5)]
    assert [w.text for w in trim_collapsed_tail(ws)] == ["together."]
    normal = words("we finished early")
    assert trim_collapsed_tail(normal) == normal


def test_a_phrase_repeated_in_a_loop_is_kept_once():
    from emovoice.models.transcriber import collapse_loops, find_loop

    looped = words("Say the word back. " * 6 + "I planned it well.")
    kept, removed = collapse_loops(looped)
    assert " ".join(w.text for w in kept) == "Say the word back. I planned it well."
    assert removed == 20
    assert find_loop(words("no, no, no, no, I did not.")) is None  # a few repeats are speech
    assert find_loop(words("Say the word back. Say the word bar. Say the word base.")) is None


def test_punctuation_and_doubled_words_are_not_counted_as_words():
    """Late in a 60 s answer Whisper gave "-" as 7 of 71 words, and the pace curve reached 249 wpm."""
    from emovoice.analysis.speech import pace
    from emovoice.models.transcriber import tidy_words

    heard = [Word("-", 0.0, 0.1, 0.5), Word("We", 0.2, 0.4, 0.9), Word("-", 0.4, 0.5, 0.3),
             Word("shipped", 0.5, 0.9, 0.9), Word("it", 1.0, 1.1, 0.9), Word("it", 1.0, 1.1, 0.4),
             Word("...", 1.1, 1.2, 0.2), Word("it", 1.3, 1.5, 0.8), Word("on", 1.6, 1.8, 0.9),
             Word("time.", 1.9, 2.2, 0.9)]
    tidy = tidy_words(heard)
    assert [w.text for w in tidy] == ["We -", "shipped", "it ...", "it", "on", "time."]  # "it it" said twice stays
    assert pace(tidy, duration_s=3.0, speaking_s=2.0, span=(0.0, 3.0)).wpm == 120.0


def test_a_word_stretched_over_speech_marks_what_whisper_skipped():
    from emovoice.models.transcriber import stretched_word

    regions = [Region(0.0, 3.0), Region(3.5, 9.0)]
    heard = [Word("Kids", 0.2, 0.6, 0.9), Word("the", 0.8, 7.6, 0.9), Word("door.", 7.6, 7.6, 0.9)]
    assert stretched_word(heard, regions) == 1  # seven seconds of speech under "the"
    paused = [Word("so", 0.2, 0.5, 0.9), Word("then", 2.9, 4.8, 0.9)]  # long, but over a pause
    assert stretched_word(paused, [Region(0.0, 0.6), Region(4.3, 5.0)]) is None


def test_a_long_answer_of_real_speech_keeps_its_words(ravdess_root):
    """In 57 s of one actor's 24 sentences (144 words), Whisper stretched one "the" over 21.4-28.3 s
    and gave the speech under it no words: 113 words were heard. Read again from that word, the
    answer keeps nearly all of them."""
    import numpy as np
    import soundfile as sf

    from emovoice.features.vad import speech_regions
    from emovoice.models.transcriber import Transcriber, stretched_word

    clips = sorted((ravdess_root / "Actor_10").glob("*.flac"))[:24]
    wave = np.concatenate([sf.read(c, dtype="float32")[0] for c in clips])
    regions = speech_regions(wave)
    transcript = Transcriber().transcribe(wave, regions)
    words = [w for w in transcript.words if any(ch.isalnum() for ch in w.text)]
    assert len(words) >= 130 and transcript.resumed >= 1, (len(words), transcript.text)
    assert stretched_word(words, regions) is None, [(w.text, w.start, w.end) for w in words if w.end - w.start > 1.5]
