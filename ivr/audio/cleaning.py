"""One treatment for every prompt, whatever made it: trimmed, at one loudness, padded the same, mono."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .media import WORK_RATE, AudioSegment, Segment, audioop

# The settings below go into every build hash: changing one rebuilds every prompt.
CHUNK_MS = 10
SILENCE_BELOW_PEAK_DB = 40.0  # quieter than this under the prompt's peak counts as silence
ONSET_MARGIN_MS = 30  # kept before the first and after the last sound: soft consonants start quietly
TARGET_DBFS = -20.0  # loudness of the speech itself, pauses excluded
PEAK_CEILING_DBFS = -1.0  # never louder than this, even if the target asks for more
# Prompts are chained with <Play>: the pause between two is one lead-out, one lead-in and two margins.
LEAD_IN_MS = 60
LEAD_OUT_MS = 180
FADE_MS = 5  # against clicks where the trim cut
# Between two spans in different voices (a French label in an Arabic sentence), with the two margins kept
# by the trim: about the pause between two words. In the hash of such prompts only, not in settings().
SPAN_GAP_MS = 60


def settings() -> dict[str, Any]:
    """The cleaning settings, for the build hash and the manifest."""
    return {
        "silence_below_peak_db": SILENCE_BELOW_PEAK_DB,
        "onset_margin_ms": ONSET_MARGIN_MS,
        "target_dbfs": TARGET_DBFS,
        "peak_ceiling_dbfs": PEAK_CEILING_DBFS,
        "lead_in_ms": LEAD_IN_MS,
        "lead_out_ms": LEAD_OUT_MS,
    }


def _dbfs(rms: float, width: int) -> float:
    full_scale = float(1 << (8 * width - 1))
    return 20 * math.log10(rms / full_scale) if rms > 0 else float("-inf")


def _chunk_rms(segment: Segment) -> list[float]:
    """RMS of each CHUNK_MS slice, on the raw bytes (slicing segments is a hundred times slower)."""
    data, width = segment.raw_data, segment.sample_width
    step = segment.frame_rate * CHUNK_MS // 1000 * width * segment.channels
    return [float(audioop.rms(data[i:i + step], width)) for i in range(0, len(data) - width + 1, step)]


def _loud_chunks(segment: Segment) -> list[tuple[int, float]]:
    """(index, rms) of the chunks louder than the silence threshold, which follows the peak."""
    threshold = float(segment.max_dBFS) - SILENCE_BELOW_PEAK_DB
    width = segment.sample_width
    return [(index, rms) for index, rms in enumerate(_chunk_rms(segment)) if _dbfs(rms, width) > threshold]


def speech_level(segment: Segment) -> float:
    """Loudness in dBFS of the chunks that carry sound, so pauses do not count."""
    loud = _loud_chunks(segment)
    if not loud:
        return float("-inf")
    return _dbfs(math.sqrt(sum(rms * rms for _, rms in loud) / len(loud)), segment.sample_width)


def trim(segment: Segment) -> Segment:
    """Cut leading and trailing silence, keeping a small margin around the sound."""
    loud = _loud_chunks(segment)
    if not loud:
        raise ValueError("the audio is silent")
    start, end = loud[0][0] * CHUNK_MS, (loud[-1][0] + 1) * CHUNK_MS
    return segment[max(0, start - ONSET_MARGIN_MS):end + ONSET_MARGIN_MS]


def _levelled(speech: Segment) -> Segment:
    """The speech at the target loudness, its peaks under the ceiling."""
    gain = min(TARGET_DBFS - speech_level(speech), PEAK_CEILING_DBFS - float(speech.max_dBFS))
    return speech.apply_gain(gain).fade_in(FADE_MS).fade_out(FADE_MS)


def join(pieces: Sequence[Segment]) -> Segment:
    """Pieces in different voices as one prompt: each trimmed and levelled, a short pause between two."""
    parts = [_levelled(trim(piece.set_channels(1).set_sample_width(2).set_frame_rate(WORK_RATE)))
             for piece in pieces]
    gap = AudioSegment.silent(SPAN_GAP_MS, frame_rate=WORK_RATE)
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + gap + part
    return joined


def clean(segment: Segment) -> Segment:
    """Mono, trimmed, levelled to the target, with the same lead-in and lead-out as every prompt."""
    speech = _levelled(trim(segment.set_channels(1).set_sample_width(2)))
    rate = speech.frame_rate
    return (AudioSegment.silent(LEAD_IN_MS, frame_rate=rate) + speech
            + AudioSegment.silent(LEAD_OUT_MS, frame_rate=rate))
