"""The in-process MP3 path: the look-ahead limiter and LAME through lameenc."""

import numpy as np
from mutagen.mp3 import MP3

from audiobook.audio import decode_to_pcm
from audiobook.mp3 import LimiterShape, PeakLimiter, leveled, write_mp3

RATE = 22050


def run(limiter: PeakLimiter, samples: np.ndarray, block: int) -> np.ndarray:
    out = [limiter.feed(samples[at:at + block]) for at in range(0, len(samples), block)]
    return np.concatenate(out + [limiter.flush()])


def loud_speechlike(seconds: float, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    envelope = np.abs(np.sin(np.arange(n) * 2 * np.pi * 3 / RATE)) ** 3  # syllables
    return (rng.standard_normal(n) * 20000 * envelope).astype(np.float32)


def test_limiter_keeps_every_sample_under_the_ceiling_and_loses_none():
    samples = loud_speechlike(3.0)
    ceiling = 24000.0
    assert np.abs(samples).max() > 2 * ceiling  # the test signal really needs limiting
    out = run(PeakLimiter(ceiling, RATE), samples, 4096)
    assert len(out) == len(samples)
    assert np.abs(out).max() <= ceiling * (1 + 1e-9)
    gain = np.divide(out, samples, out=np.ones_like(out, dtype=np.float64),
                     where=np.abs(samples) > 1)
    assert gain.max() <= 1 + 1e-6  # it only ever turns down


def test_limiter_output_does_not_depend_on_how_the_input_is_cut():
    samples = loud_speechlike(2.0, seed=5)
    for part, blocks in ((samples[:3000], (1, 7)), (samples, (137, 4096, 50000))):
        whole = run(PeakLimiter(20000, RATE), part, len(part))
        for block in blocks:
            np.testing.assert_allclose(run(PeakLimiter(20000, RATE), part, block), whole,
                                       rtol=1e-6, atol=1e-3)


def test_limiter_leaves_quiet_audio_alone_and_moves_its_gain_smoothly():
    quiet = loud_speechlike(1.0) * 0.1
    np.testing.assert_array_equal(run(PeakLimiter(32000, RATE), quiet, 1000), quiet)
    # One loud click in silence-level noise: the gain ramps down before it and back after.
    shape = LimiterShape(ramp_ms=8.0, hold_ms=40.0)
    limiter = PeakLimiter(1000.0, RATE, shape)
    signal = np.full(RATE, 100.0, np.float32)
    signal[RATE // 2] = 4000.0
    gain = run(limiter, signal, 512) / signal
    assert abs(gain[RATE // 2] - 0.25) < 1e-6
    low = gain[RATE // 2]
    assert np.abs(np.diff(gain)).max() <= (1 - low) / (limiter.ramp + 1) + 1e-6  # linear ramps
    ramp_down = np.nonzero(gain < 1)[0]
    assert ramp_down[0] == RATE // 2 - limiter.ramp  # look-ahead: falls before the peak
    assert ramp_down[-1] == RATE // 2 + limiter.hold + limiter.ramp  # holds, then recovers


def test_write_mp3_makes_a_cbr_stream_of_the_fed_length(tmp_path):
    n = 576 * 100
    clip = (loud_speechlike(n / RATE) * 0.5).astype(np.int16).tobytes()
    path = tmp_path / "x.mp3"
    write_mp3(path, leveled([(clip, -3.0), 500], RATE), RATE, "64k", -2.5)
    samples = n + RATE // 2
    frames = -(-samples // 576) + 2  # LAME's start delay and end padding: two frames more
    assert len(decode_to_pcm(path)) // 2 == frames * 576
    info = MP3(path).info
    assert info.bitrate == 64000 and info.sample_rate == RATE and info.channels == 1
    decoded = np.frombuffer(decode_to_pcm(path), np.int16)
    assert np.abs(decoded).max() < 32767 * 10 ** (-1.5 / 20)  # limited, with encoder overshoot


def test_room_tone_is_the_seeds_own_faint_noise_and_runs_on_without_repeating():
    from audiobook.audio import ROOM_TONE_DBFS
    from audiobook.mp3 import RoomTone

    tone = RoomTone.for_digest("9f" * 32)
    first = np.concatenate([tone.take(1000), tone.take(RATE * 3 - 1000)])
    again = RoomTone.for_digest("9f" * 32).take(RATE * 3)
    np.testing.assert_array_equal(first, again)  # the same digest, the same samples
    other = RoomTone.for_digest("a0" * 32).take(RATE * 3)
    assert not np.array_equal(first, other)
    rms_db = 20 * np.log10(np.sqrt(np.mean(first.astype(np.float64) ** 2)) / 32768)
    assert abs(rms_db - ROOM_TONE_DBFS) < 0.5
    assert not np.array_equal(first[:RATE], first[RATE:2 * RATE])  # no one-second loop
