"""Cleaning, measured on the encoded file: silence trimmed, one loudness, the same lead-in and lead-out."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.audio import cleaning
from ivr.audio.builder import PHONE_ENCODING
from ivr.audio.media import AudioSegment, Segment, decode, encode

from .tones import sine

RATE = 22050


def tone(ms: int, dbfs: float, hz: int = 440) -> Segment:
    """A sine tone at a given loudness, standing in for speech."""
    return sine(hz, RATE, ms, dbfs)


def silence(ms: int) -> Segment:
    return AudioSegment.silent(ms, frame_rate=RATE)


def sound_bounds(segment: Segment) -> tuple[int, int]:
    """Milliseconds of silence before and after the sound, measured with pydub's own detector."""
    from pydub.silence import detect_leading_silence

    return detect_leading_silence(segment, -50, 1), detect_leading_silence(segment.reverse(), -50, 1)


def through_file(segment: Segment, folder: Path) -> Segment:
    """Clean, encode as the line does, and read the file back as Twilio would play it."""
    path = folder / f"out.{PHONE_ENCODING.extension}"
    encode([(cleaning.clean(segment), path)], PHONE_ENCODING)
    return decode(path, rate=PHONE_ENCODING.sample_rate)


@pytest.mark.parametrize("level", [-42.0, -30.0, -6.0])
def test_output_file_is_trimmed_levelled_and_padded(tmp_path: Path, level: float) -> None:
    # 700 ms of silence, 1 s of sound, a 300 ms pause, 1 s of sound, 900 ms of silence.
    raw = silence(700) + tone(1000, level) + silence(300) + tone(1000, level) + silence(900)
    heard = through_file(raw, tmp_path)
    before, after = sound_bounds(heard)
    margin = cleaning.ONSET_MARGIN_MS
    assert abs(before - (cleaning.LEAD_IN_MS + margin)) <= 15
    assert abs(after - (cleaning.LEAD_OUT_MS + margin)) <= 15
    expected = cleaning.LEAD_IN_MS + margin + 2300 + margin + cleaning.LEAD_OUT_MS
    assert abs(len(heard) - expected) <= 20
    assert abs(cleaning.speech_level(heard) - cleaning.TARGET_DBFS) <= 1.0
    assert heard.channels == 1 and heard.frame_rate == 8000


def test_quiet_and_loud_inputs_come_out_equally_loud(tmp_path: Path) -> None:
    quiet = through_file(silence(200) + tone(1500, -45.0), tmp_path)
    loud = through_file(tone(1500, -3.0, hz=300) + silence(500), tmp_path)
    assert abs(cleaning.speech_level(quiet) - cleaning.speech_level(loud)) <= 0.5


def test_a_peaky_input_is_held_under_the_ceiling(tmp_path: Path) -> None:
    # A loud click in quiet sound: levelling the sound to the target would clip the click.
    raw = tone(1000, -40.0) + tone(20, -1.0) + tone(1000, -40.0)
    cleaned = cleaning.clean(raw)
    assert cleaned.max_dBFS <= cleaning.PEAK_CEILING_DBFS + 0.1


def test_stereo_input_becomes_mono() -> None:
    stereo = AudioSegment.from_mono_audiosegments(tone(500, -20.0), tone(500, -20.0))
    assert cleaning.clean(stereo).channels == 1


def test_silence_alone_is_refused() -> None:
    with pytest.raises(ValueError, match="silent"):
        cleaning.clean(silence(1000))
