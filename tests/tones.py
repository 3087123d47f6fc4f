"""Sine tones standing in for speech in the audio tests, made fast."""

from __future__ import annotations

import math
from array import array

from ivr.audio.media import AudioSegment, Segment

PEAK = 2**15 - 1  # 16-bit samples, as pydub's generators make them


def sine(hz: int, rate: int, ms: float, dbfs: float) -> Segment:
    """What pydub's Sine(hz, sample_rate=rate).to_audio_segment(ms, dbfs) gives, mono, 16-bit.

    pydub works out every sample in a Python generator, which was most of some builder tests' time; a
    tone of whole hertz repeats exactly every rate / gcd(rate, hz) samples, so one period is computed.
    """
    gain = 10 ** (float(dbfs) / 20)  # pydub's db_to_float
    step = 2 * math.pi * hz / rate
    period = [int(math.sin(step * n) * PEAK * gain) for n in range(rate // math.gcd(rate, hz))]
    count = int(rate * (ms / 1000.0))
    samples = (period * (count // len(period) + 1))[:count]
    return AudioSegment(data=array("h", samples).tobytes(), sample_width=2, frame_rate=rate, channels=1)
