"""The one door to pydub and ffmpeg: decoding any input, encoding the files Twilio fetches."""

from __future__ import annotations

import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg

# pydub warns at import: audioop is deprecated on 3.11-3.12 (audioop-lts replaces it on 3.13+); it looks
# for ffmpeg on PATH before we can point it at imageio-ffmpeg's binary; and when its bytecode is not cached,
# compiling its regexes warns of invalid escapes. All three are pydub's, expected, and harmless here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    warnings.filterwarnings("ignore", "Couldn't find ffmpeg or avconv", RuntimeWarning)
    warnings.filterwarnings("ignore", "invalid escape sequence", DeprecationWarning)  # Python 3.11
    warnings.filterwarnings("ignore", "invalid escape sequence", SyntaxWarning)  # Python 3.12+
    from pydub import AudioSegment
    from pydub.utils import audioop

# The imageio-ffmpeg wheel's binary (IMAGEIO_FFMPEG_EXE can point it at a system ffmpeg instead).
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
AudioSegment.converter = FFMPEG
WORK_RATE = 22050  # the cleaning's sample rate; the encoder resamples to the phone's
Segment = Any  # pydub has no type hints; this names what the functions pass around
__all__ = ["FFMPEG", "AudioSegment", "Encoding", "MediaError", "audioop", "decode", "encode", "pcm_segment"]


class MediaError(Exception):
    """Audio that ffmpeg cannot read or write."""


@dataclass(frozen=True)
class Encoding:
    """How the files Twilio fetches are encoded."""

    extension: str  # "mp3" or "wav"
    codec: str  # ffmpeg encoder
    sample_rate: int
    bitrate: str | None = None  # only for compressed codecs

    @property
    def label(self) -> str:
        """A short name for tables: codec, rate and bitrate."""
        return f"{self.codec} {self.sample_rate} Hz" + (f" {self.bitrate}bps" if self.bitrate else "")

    def as_dict(self) -> dict[str, Any]:
        """The settings, for the manifest and the build hashes."""
        return asdict(self)


def pcm_segment(samples: bytes, rate: int, width: int = 2) -> Segment:
    """Wrap raw mono signed PCM as a segment."""
    return AudioSegment(data=samples, sample_width=width, frame_rate=rate, channels=1)


def decode(source: Path | bytes, rate: int = WORK_RATE, tempo: float = 1.0) -> Segment:
    """Any file ffmpeg reads (wav, mp3, ogg, m4a...) as mono 16-bit PCM; MediaError if it is not audio.

    A tempo other than 1 plays it that much faster or slower, pitch kept (ffmpeg's atempo, 0.5 to 100).
    """
    # ffmpeg to raw PCM ourselves: pydub's from_file calls ffprobe for such files, and the wheel has none.
    command = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error"]
    command += ["-i", str(source) if isinstance(source, Path) else "pipe:0"]
    if tempo != 1.0:
        command += ["-af", f"atempo={tempo}"]
    command += ["-vn", "-ac", "1", "-ar", str(rate), "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"]
    data = source if isinstance(source, bytes) else None
    result = subprocess.run(command, input=data, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        problem = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no audio in it"]
        raise MediaError(f"cannot decode {source if isinstance(source, Path) else 'audio'}: {problem[0]}")
    return pcm_segment(result.stdout, rate)


def encode(items: Sequence[tuple[Segment, Path]], encoding: Encoding) -> None:
    """Write each segment to its path in the phone encoding, with one ffmpeg run for them all.

    ffmpeg takes about 40 ms to start, much longer than encoding a prompt takes: batching pays.
    """
    if not items:
        return
    with tempfile.TemporaryDirectory(prefix="ivr-audio-") as scratch:
        command = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
        for index, (segment, _) in enumerate(items):
            source = Path(scratch) / f"{index}.wav"
            segment.export(str(source), format="wav").close()  # plain WAV: pydub writes it without ffmpeg
            command += ["-i", str(source)]
        for index, (_, target) in enumerate(items):
            command += ["-map", f"{index}:a", "-ac", "1", "-ar", str(encoding.sample_rate)]
            command += ["-c:a", encoding.codec]
            if encoding.bitrate:
                command += ["-b:a", encoding.bitrate]
            if encoding.extension == "mp3":
                # No ID3 tag: nothing reads it, and these files are fetched by Twilio on a call.
                command += ["-id3v2_version", "0", "-write_id3v1", "0"]
            command += ["-f", encoding.extension, str(target)]
        result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        problem = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise MediaError(f"ffmpeg could not encode: {problem[0]}")
