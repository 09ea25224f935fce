"""Chapters made of separately encoded fragments: boundaries, exact lengths, clean joins,
per-voice loudness, and a re-voiced character re-encoding only their fragments."""

import math
import os
import signal
import struct

import pytest
from mutagen.mp3 import MP3

from audiobook.assembler import STANDARD, BookInfo, ChapterPlan, item_samples
from audiobook.audio import audioop, decode_to_pcm
from audiobook.errors import BuildError
from audiobook.fragments import (
    EncoderPool,
    encode_fragment,
    fragment_bounds,
    frame_samples,
    join_fragments,
    planned_frames,
)
from audiobook.levels import clip_loudness, voice_gain_db
from audiobook.pipeline import build
from audiobook.render import write_wav
from tests.test_assembler import speechlike

RATE = 22050
FRAME = frame_samples(RATE)


def tone(seconds: float, dbfs: float, hz: float = 997.0) -> bytes:
    amp = 32767 * 10 ** (dbfs / 20)
    n = int(seconds * RATE)
    return struct.pack(f"<{n}h", *(int(amp * math.sin(2 * math.pi * hz * i / RATE))
                                   for i in range(n)))


def test_fragments_end_at_long_pauses_once_enough_text_is_spoken():
    texts = ["a" * 300, 250, "b" * 200, 700, "c" * 50, 700, "d" * 500, 1200, "e" * 10, 1500]
    assert fragment_bounds(texts, min_chars=400) == [4, 8, 10]
    # Shorter pauses never end one, and the last one always ends at the end.
    assert fragment_bounds(["x" * 900, 250, "y" * 900, 250], min_chars=400) == [4]
    # Where they end depends on the words only: the same texts give the same ends.
    assert fragment_bounds(texts, 100) == fragment_bounds(list(texts), 100)


def test_an_encoded_fragment_decodes_to_its_planned_frames(tmp_path):
    clip = tmp_path / "c.wav"
    write_wav(clip, speechlike(1.3), RATE)
    for items in ([600, clip, 700], [clip, 250, clip, 1500], [600, clip]):
        frames, fed = planned_frames(items, RATE)
        path = tmp_path / "f.mp3"
        assert encode_fragment([i if isinstance(i, int) else (i, 0.0) for i in items], path,
                               STANDARD) == frames
        decoded = len(decode_to_pcm(path)) // 2
        assert decoded == frames * FRAME
        planned = sum(item_samples(i) for i in items)
        if isinstance(items[-1], int):  # trimmed from the pause: within half a frame
            assert abs(decoded - planned) <= FRAME // 2
        else:  # padded with room tone: nothing of the clip is lost
            assert decoded >= planned + 2 * FRAME - FRAME


def test_joined_chapter_is_exact_quiet_at_the_joins_and_tagged(tmp_path):
    clip = tmp_path / "c.wav"
    write_wav(clip, speechlike(2.0), RATE)
    runs = [[600, clip, 700], [clip, 250, clip, 700], [clip, 1500]]
    paths, frames = [], []
    for k, items in enumerate(runs):
        path = tmp_path / f"f{k}.mp3"
        frames.append(encode_fragment([i if isinstance(i, int) else (i, 0.0) for i in items],
                                      path, STANDARD))
        paths.append(path)
    out = tmp_path / "01 - One.mp3"
    join_fragments(paths, out, ChapterPlan(1, "One"), BookInfo("Book", "Ann", 1))
    info = MP3(out)
    assert str(info.info.bitrate_mode).endswith("CBR")  # the Info frame is there
    assert info.tags["TIT2"].text == ["One"]
    pcm = decode_to_pcm(out)
    planned = sum(item_samples(i) for run in runs for i in run)
    assert abs(len(pcm) // 2 - planned) <= len(runs) * FRAME
    # Around every join the audio is pause, not a cut-off word or a click (the next
    # fragment's speech starts after the encoder's delay of about two frames).
    position = 0
    for n in frames[:-1]:
        position += n * FRAME
        window = pcm[2 * (position - 2 * FRAME): 2 * (position + FRAME)]
        assert audioop.rms(window, 2) < 32768 * 10 ** (-50 / 20)


def test_voice_loudness_is_measured_once_and_sets_the_gain(tmp_path):
    clip = tmp_path / "tone.wav"
    write_wav(clip, tone(3.0, -20.0), RATE)
    lufs = clip_loudness(clip)
    assert abs(lufs - (-23.0)) < 0.5  # a sine's loudness is its peak level minus 3 dB
    assert abs(voice_gain_db(lufs, STANDARD) - (STANDARD.target_db - lufs)) < 1e-9
    clip.with_suffix(".lufs").write_text("-30.0")
    assert clip_loudness(clip) == -30.0  # the note is read, not measured again


STORY = """Chapter 1: The Ferry

{n1}

{n2}

"We leave at six," said Petra. "Not a minute later."

{n3}

{n4}
"""


def test_revoicing_reencodes_only_the_fragment_with_their_line(tmp_path):
    para = ("The ferry crossed the grey water slowly while the gulls followed it and the "
            "passengers kept to the benches along the rail, watching the far shore grow. ")
    texts = {f"n{k}": f"{para}{para}{para} Part {k}." for k in range(1, 5)}
    story = tmp_path / "ferry.txt"
    story.write_text(STORY.format(**texts), encoding="utf-8")
    cache = tmp_path / "cache"

    def cast(voice: str) -> object:
        path = tmp_path / f"{voice.replace('/', '-')}.yaml"
        path.write_text(f"characters:\n  Petra:\n    voice: {voice}\n", encoding="utf-8")
        return path

    first = build(story, cast("fake/en+f1"), tmp_path / "one", cache=cache, engine="fake",
                  progress=False)
    audio = decode_to_pcm(first.files[0])
    before = set((cache / "fragments").rglob("*.mp3"))
    assert len(before) >= 4  # the chapter is several fragments
    second = build(story, cast("fake/en+m2"), tmp_path / "one", cache=cache, engine="fake",
                   progress=False)
    new = set((cache / "fragments").rglob("*.mp3")) - before
    assert len(new) == 1  # Petra's one paragraph, in one fragment
    assert decode_to_pcm(second.files[0]) != audio


def test_an_encoder_process_that_dies_stops_the_build_with_a_clear_error(tmp_path):
    pool = EncoderPool(1)
    try:
        assert pool.encode([700, 700], tmp_path / "a.mp3", STANDARD) > 0
        for pid in list(pool.pool._processes):
            os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
        with pytest.raises(BuildError, match="encoder process died"):
            pool.encode([700, 700], tmp_path / "b.mp3", STANDARD)
    finally:
        pool.close()
    assert not (tmp_path / "b.mp3").exists()
