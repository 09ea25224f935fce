"""MP3 encoding in the calling process: gain, room tone, a look-ahead peak limiter, LAME.

Every step is a function of its input alone (the room tone of its seed), so the
same clips always give the same bytes.

LAME comes from the `lameenc` wheel, fed 16-bit samples directly: the encode
itself costs about what ffmpeg's would (96.6 and 107.2 s against 103.7 and
102.7 s for 4.3 hours of speech), but no ffmpeg process is started per file and
the gain, room tone and limiter cost little beside it. Samples are processed as
float32 arrays (numpy) in blocks, so memory stays flat however long the input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lameenc
import numpy as np

from audiobook.audio import ROOM_TONE_DBFS

LAME_QUALITY = 3
"""LAME's own default (what ffmpeg's libmp3lame uses when not told otherwise)."""
BLOCK = 1 << 16
"""Samples processed at a time."""


@dataclass(frozen=True)
class LimiterShape:
    """How the limiter's gain moves around a peak (in milliseconds)."""

    ramp_ms: float = 8.0
    """Linear fade of the gain before a peak, and back after the hold (also the look-ahead)."""
    hold_ms: float = 40.0
    """How long the reduced gain is held after a peak before it recovers."""


class PeakLimiter:
    """Keeps every sample within +-`ceiling` with a smooth gain that starts falling
    `ramp` samples before a peak (look-ahead), holds after it, then rises again.

    The gain at sample n is the mean, over the `ramp + 1` samples up to n, of the
    smallest needed gain within [k - hold, k + ramp] of each: every term of that
    mean already allows for sample n, so the ceiling holds exactly, with no overshoot.
    Output lags input by `ramp` samples; `flush` returns the rest.
    """

    def __init__(self, ceiling: float, sample_rate: int, shape: LimiterShape = LimiterShape()):
        self.ceiling = float(ceiling)
        self.ramp = max(1, round(shape.ramp_ms * sample_rate / 1000))
        self.hold = max(0, round(shape.hold_ms * sample_rate / 1000))
        # Samples already output, as far back as the gain of the next one can look.
        self._past = np.zeros(self.ramp + self.hold, np.float32)
        self._pending = np.zeros(0, np.float32)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Take float samples; return those whose look-ahead is now complete, limited."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        ready = len(self._pending) - self.ramp
        if ready <= 0:
            return np.zeros(0, np.float32)
        return self._emit(ready)

    def flush(self) -> np.ndarray:
        """The samples still held back for look-ahead (nothing follows them)."""
        count = len(self._pending)
        self._pending = np.concatenate([self._pending, np.zeros(self.ramp, np.float32)])
        out = self._emit(count) if count else np.zeros(0, np.float32)
        self._pending = np.zeros(0, np.float32)
        return out

    def _emit(self, count: int) -> np.ndarray:
        data = np.concatenate([self._past, self._pending])
        start = len(self._past)  # index in `data` of the first sample to emit
        out = self._pending[:count]
        if np.abs(data).max(initial=0.0) > self.ceiling:
            out = out * self._gains(data, start, count)
        keep = self.ramp + self.hold
        self._past = data[start + count - keep:start + count]
        self._pending = self._pending[count:]
        return out

    def _gains(self, data: np.ndarray, start: int, count: int) -> np.ndarray:
        level = np.maximum(np.abs(data), np.float32(1e-12))
        # Aimed a millionth below the ceiling: float32 rounding cannot then cross it.
        need = np.minimum(np.float32(1.0), np.float32(self.ceiling * (1 - 1e-6)) / level)
        # Smallest need over [k - hold, k + ramp] for every k from start - ramp on.
        lows = _window_min(need[start - self.ramp - self.hold:], self.hold + self.ramp + 1)
        lows = lows[:count + self.ramp]
        sums = np.concatenate([[0.0], np.cumsum(lows, dtype=np.float64)])
        # Gain at sample start + i: mean of lows over [i, i + ramp] (shifted by ramp).
        return ((sums[self.ramp + 1:] - sums[:-self.ramp - 1]) / (self.ramp + 1))[:count]


def _window_min(values: np.ndarray, width: int) -> np.ndarray:
    """min(values[j:j + width]) for every j where the window fits: windows doubled
    in place (log2(width) vector passes), the last one overlapped to fit `width`."""
    out, span = values, 1
    while span * 2 <= width:
        out = np.minimum(out[:-span], out[span:])  # out[j] = min(values[j:j + 2 * span])
        span *= 2
    rest = width - span
    if rest:
        out = np.minimum(out[:len(out) - rest], out[rest:])
    return out[:max(0, len(values) - width + 1)]


class RoomTone:
    """Faint noise to lay under speech and pauses, the same from the same seed on any machine.

    Drawn from PCG64's raw 64-bit output, which numpy keeps the same across its versions
    (its distributions, such as `standard_normal`, it does not promise to keep): each word
    gives four 16-bit uniforms whose sum is near-Gaussian noise, scaled to ROOM_TONE_DBFS.
    One stream runs on through a whole fragment, so nothing repeats.
    """

    _MEAN = 4 * 65535 / 2
    _SCALE = 32768 * 10 ** (ROOM_TONE_DBFS / 20) / math.sqrt(4 * (65536 ** 2 - 1) / 12)

    def __init__(self, seed: int):
        self._bits = np.random.PCG64(seed)

    @classmethod
    def for_digest(cls, digest: str) -> RoomTone:
        """Seeded by a content digest (hex), such as a fragment's."""
        return cls(int(digest[:16], 16))

    def take(self, n: int) -> np.ndarray:
        """The next `n` samples (float, 16-bit scale)."""
        if n <= 0:
            return np.zeros(0, np.float32)
        parts = self._bits.random_raw(n).astype("<u8", copy=False).view("<u2")
        total = (parts[0::4].astype(np.int32) + parts[1::4] + parts[2::4] + parts[3::4])
        out = total.astype(np.float32)
        out -= np.float32(self._MEAN)
        out *= np.float32(self._SCALE)
        return out


def leveled(pieces: Iterable[tuple[bytes, float] | int], sample_rate: int,
            tone: RoomTone | None = None) -> Iterator[np.ndarray]:
    """Float samples (16-bit scale) of (16-bit mono clip samples, gain in dB) and pauses
    (ms), `tone` (default: seed 0) under everything; long items come in blocks."""
    tone = tone or RoomTone(0)
    for piece in pieces:
        if isinstance(piece, int):
            n = sample_rate * piece // 1000
            for at in range(0, n, BLOCK):
                yield tone.take(min(BLOCK, n - at))
            continue
        data, gain_db = piece
        clip = np.frombuffer(data, np.int16)
        factor = np.float32(10 ** (gain_db / 20))
        for at in range(0, len(clip), BLOCK):
            block = clip[at:at + BLOCK].astype(np.float32)
            block *= factor
            block += tone.take(len(block))
            yield block


def lame_encoder(sample_rate: int, bitrate_kbps: int) -> lameenc.Encoder:
    """LAME for 16-bit mono samples: constant bit rate, same rate out, LAME_QUALITY."""
    lame = lameenc.Encoder()
    lame.set_bit_rate(bitrate_kbps)
    lame.set_in_sample_rate(sample_rate)
    lame.set_out_sample_rate(sample_rate)
    lame.set_channels(1)
    lame.set_quality(LAME_QUALITY)
    return lame


class Mp3Writer:
    """Constant-bit-rate mono MP3 without an Info frame, written to an open file."""

    def __init__(self, file, sample_rate: int, bitrate_kbps: int, ceiling_db: float):
        self.file = file
        self.limiter = PeakLimiter(32767 * 10 ** (ceiling_db / 20), sample_rate)
        self.lame = lame_encoder(sample_rate, bitrate_kbps)

    def _encode(self, samples: np.ndarray) -> None:
        if len(samples):
            pcm = np.clip(np.rint(samples), -32768, 32767).astype(np.int16)
            self.file.write(self.lame.encode(pcm.tobytes()))

    def write(self, samples: np.ndarray) -> None:
        self._encode(self.limiter.feed(samples))

    def finish(self) -> None:
        self._encode(self.limiter.flush())
        self.file.write(self.lame.flush())


def bitrate_kbps(bitrate: str) -> int:
    """`64k` -> 64."""
    return int(bitrate.lower().removesuffix("k"))


def write_mp3(path: Path, samples: Iterable[np.ndarray], sample_rate: int, bitrate: str,
              ceiling_db: float) -> None:
    """Encode float sample blocks to `path` (callers handle temporary names)."""
    with open(path, "wb") as file:
        writer = Mp3Writer(file, sample_rate, bitrate_kbps(bitrate), ceiling_db)
        for block in samples:
            writer.write(block)
        writer.finish()
