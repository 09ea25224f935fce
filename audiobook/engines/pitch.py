"""A voice's gender from the median pitch of its speech (Piper's configs say nothing of it).

The pitch of each voiced 40 ms frame is the strongest autocorrelation peak
between 60 and 400 Hz; the voice's pitch is the median over its frames. Adult
speaking voices sit around 85-155 Hz (men) and 165-255 Hz (women), so 165 Hz
divides them.
"""

from __future__ import annotations

import numpy as np

REFERENCE_SENTENCE = ("The quiet river ran past the mill, and we watched the evening light "
                      "fade over the water while the boats came home.")
"""What each voice says to be measured: our own words, voiced sounds throughout."""
SPLIT_HZ = 165.0
"""Median pitch at or above this is classified female."""
FRAME_S = 0.040
HOP_S = 0.010
LOW_HZ, HIGH_HZ = 60.0, 400.0
VOICED = 0.5
"""Least normalized autocorrelation at the chosen lag for a frame to count as voiced."""


def median_pitch_hz(pcm: bytes, sample_rate: int) -> float | None:
    """Median pitch of the voiced frames of 16-bit mono speech; None if nothing is voiced."""
    samples = np.frombuffer(pcm, "<i2").astype(np.float64)
    frame, hop = int(FRAME_S * sample_rate), int(HOP_S * sample_rate)
    if len(samples) < frame:
        return None
    loudness = np.sqrt(np.mean(samples ** 2)) if len(samples) else 0.0
    low_lag, high_lag = int(sample_rate / HIGH_HZ), int(sample_rate / LOW_HZ)
    found = []
    window = np.hanning(frame)
    for start in range(0, len(samples) - frame, hop):
        chunk = samples[start:start + frame]
        if np.sqrt(np.mean(chunk ** 2)) < 0.5 * loudness:
            continue  # pauses and quiet consonants
        chunk = (chunk - chunk.mean()) * window
        spectrum = np.fft.rfft(chunk, 2 * frame)
        corr = np.fft.irfft(np.abs(spectrum) ** 2)[:frame]
        if corr[0] <= 0:
            continue
        lags = corr[low_lag:high_lag] / corr[0]
        best = int(np.argmax(lags))
        if lags[best] >= VOICED:
            found.append(sample_rate / (low_lag + best))
    return float(np.median(found)) if found else None


def gender_of(pitch_hz: float | None) -> str:
    """`male`, `female`, or `unknown` when no pitch was found."""
    if pitch_hz is None:
        return "unknown"
    return "female" if pitch_hz >= SPLIT_HZ else "male"
