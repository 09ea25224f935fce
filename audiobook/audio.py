"""ffmpeg and PCM helpers shared by the renderer, the assembler and the checks."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import warnings
from functools import lru_cache
from pathlib import Path

with warnings.catch_warnings():
    # pydub warns at import when ffmpeg is not on PATH; configure_pydub() sets it.
    warnings.simplefilter("ignore", RuntimeWarning)
    # audioop (stdlib up to 3.12, audioop-lts after) does the per-sample arithmetic in C.
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: F401 (re-exported for the assembler and the checks)

    from pydub import AudioSegment

from audiobook.errors import BuildError


def trim_heap() -> None:
    """Give freed memory back to the system (glibc keeps it otherwise)."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass

SAMPLE_RATE_HZ = 22050
"""espeak-ng's native rate; chapters are assembled at it."""
ROOM_TONE_DBFS = -68.0
"""RMS level of the faint noise used instead of digital silence (ACX: floor <= -60 dB)."""


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """ffmpeg from PATH, else the binary bundled in the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as err:
        raise BuildError(
            f"no ffmpeg found: install one or the imageio-ffmpeg package ({err})"
        ) from None


def configure_pydub() -> None:
    AudioSegment.converter = ffmpeg_exe()


@lru_cache(maxsize=4)
def _room_tone_block(sample_rate: int) -> bytes:
    # Fixed seed: identical builds give identical audio.
    rng = random.Random(1234)
    amplitude = 32768 * 10 ** (ROOM_TONE_DBFS / 20)  # Gaussian: its RMS is its deviation
    samples = [int(rng.gauss(0.0, amplitude)) for _ in range(sample_rate)]
    return AudioSegment(
        data=b"".join(s.to_bytes(2, "little", signed=True) for s in samples),
        sample_width=2, frame_rate=sample_rate, channels=1,
    ).raw_data


def room_tone(ms: int, sample_rate: int = SAMPLE_RATE_HZ) -> bytes:
    """`ms` milliseconds of faint noise (true digital silence sounds broken to listeners)."""
    n = sample_rate * ms // 1000 * 2
    block = _room_tone_block(sample_rate)
    out = bytearray()
    while len(out) < n:
        out += block[: n - len(out)]
    return bytes(out)


def ebur128_summary(stderr: str) -> dict[str, float]:
    """Integrated loudness (`I`), sample peak and true peak from ffmpeg's ebur128 summary."""
    out: dict[str, float] = {}
    summary = stderr[stderr.rfind("Summary:"):]
    for key, pattern in (("lufs", r"I:\s+(-?[\d.]+|-inf) LUFS"),
                         ("sample_peak", r"Sample peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS"),
                         ("true_peak", r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS")):
        m = re.search(pattern, summary)
        if m:
            out[key] = float(m.group(1)) if m.group(1) != "-inf" else float("-inf")
    return out


def decode_to_pcm(path: Path, sample_rate: int = SAMPLE_RATE_HZ) -> bytes:
    """Decode any audio file to 16-bit mono PCM through ffmpeg."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(sample_rate), "-"],
        capture_output=True, check=False,
    )
    if proc.returncode != 0:
        raise BuildError(f"{path}: cannot decode: {proc.stderr.decode(errors='replace')[-300:]}")
    return proc.stdout


def atomic_target(path: Path) -> Path:
    """A temporary name beside `path`, renamed over it once complete."""
    return path.with_name(f".{path.name}.{os.getpid()}.part")
