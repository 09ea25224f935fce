"""MP3 and M4B output, read back with mutagen and ffmpeg: chapters, tags, cover, loudness."""

import math
import re
import struct
import subprocess
import zlib

from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from audiobook.assembler import (
    ACX,
    STANDARD,
    BookInfo,
    ChapterPlan,
    encode_book,
    split_long_chapter,
)
from audiobook.audio import configure_pydub, ffmpeg_exe
from audiobook.check import measure_file
from audiobook.render import write_wav

RATE = 22050


def speechlike(seconds: float, peak: int = 32000) -> bytes:
    """A tone with a syllable-rate envelope and occasional full-scale peaks, like espeak-ng."""
    out = []
    for i in range(int(seconds * RATE)):
        env = 0.3 + 0.7 * abs(math.sin(2 * math.pi * 2.5 * i / RATE))
        out.append(int(peak * env * math.sin(2 * math.pi * 180 * i / RATE)))
    return struct.pack(f"<{len(out)}h", *out)


def png() -> bytes:
    raw = b"".join(b"\x00" + b"\x10\x80\x30" * 4 for _ in range(4))

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _plans(tmp_path):
    configure_pydub()
    clip = tmp_path / "clip.wav"
    write_wav(clip, speechlike(2.0), RATE)
    return [ChapterPlan(1, "Chapter One", [600, clip, 700, clip, 1500]),
            ChapterPlan(2, "Chapter Two: Rain", [600, clip, 1500])]


def ffmpeg_chapters(path):
    """Chapters as ffmpeg's ffmetadata export reports them: (title, start s, end s)."""
    meta = path.with_suffix(".ffmeta")
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(path), "-f", "ffmetadata",
                    str(meta)], check=True)
    text = meta.read_text(encoding="utf-8")
    out = []
    for block in text.split("[CHAPTER]")[1:]:
        base = re.search(r"TIMEBASE=(\d+)/(\d+)", block)
        scale = int(base.group(1)) / int(base.group(2))
        start = int(re.search(r"START=(\d+)", block).group(1)) * scale
        end = int(re.search(r"END=(\d+)", block).group(1)) * scale
        out.append((re.search(r"title=(.*)", block).group(1), start, end))
    return out


def test_m4b_and_mp3_from_one_pass_with_chapters_tags_cover_and_loudness(tmp_path):
    plans = _plans(tmp_path)
    info = BookInfo("The Kettle", "Ada Fenn", 2, cover=png())
    out = encode_book(plans, tmp_path, info, STANDARD, ("mp3", "m4b"), m4b_name="kettle.m4b")

    chapters = ffmpeg_chapters(out.m4b)
    assert [c[0] for c in chapters] == ["Chapter One", "Chapter Two: Rain"]
    assert abs(chapters[0][1]) < 0.01 and abs(chapters[0][2] - 6.8) < 0.05
    assert abs(chapters[1][1] - 6.8) < 0.05 and abs(chapters[1][2] - 10.9) < 0.05

    m4b = MP4(out.m4b)
    assert m4b.tags["\xa9nam"] == ["The Kettle"] and m4b.tags["\xa9ART"] == ["Ada Fenn"]
    assert m4b.tags["stik"] == [2]
    assert bytes(m4b.tags["covr"][0]) == png()
    assert [c.title for c in m4b.chapters] == ["Chapter One", "Chapter Two: Rain"]
    assert abs(m4b.info.length - 10.9) < 0.2

    for path, seconds, title in out.chapters:
        tags = ID3(path)
        assert str(tags["TIT2"]) == title and str(tags["TPE1"]) == "Ada Fenn"
        assert tags.getall("APIC")[0].data == png()
        audio = MP3(path)
        assert audio.info.sample_rate == STANDARD.sample_rate
        assert abs(audio.info.length - seconds) < 0.15

    for path in [out.m4b, *(p for p, _, _ in out.chapters)]:
        m = measure_file(path)
        assert -19.5 <= m.lufs <= -16.5, (path, m.lufs)
        assert m.true_peak_db <= -1.5, (path, m.true_peak_db)
        assert m.noise_floor_db < -60  # room tone, not digital silence
        assert m.noise_floor_db > -90


def test_acx_profile_files(tmp_path):
    plans = _plans(tmp_path)
    out = encode_book(plans, tmp_path, BookInfo("The Kettle", None, 2), ACX, ("mp3",))
    for path, _, _ in out.chapters:
        audio = MP3(path)
        assert audio.info.sample_rate == 44100
        assert round(audio.info.bitrate / 1000) == 192
        assert str(audio.info.bitrate_mode).endswith("CBR")
        m = measure_file(path)
        assert -23 <= m.rms_db <= -18, m.rms_db
        assert m.peak_db <= -3.0, m.peak_db
        assert m.noise_floor_db <= -60
        assert 0.5 <= m.head_s <= 1.0 and 1.0 <= m.tail_s <= 5.0, (m.head_s, m.tail_s)


def test_long_chapters_split_at_paragraph_pauses(tmp_path):
    clip = tmp_path / "clip.wav"
    write_wav(clip, speechlike(1.0), RATE)
    items = [600, clip, 250, clip, 700, clip, 250, clip, 700, clip, 1500]
    parts = split_long_chapter(ChapterPlan(3, "Long", items, 700), max_seconds=3.0)
    assert [p.title for p in parts] == ["Long (part 1)", "Long (part 2)", "Long (part 3)"]
    for part in parts:
        assert part.items[0] == 600 and part.items[-1] == 1500
        assert 250 not in (part.items[1], part.items[-2])  # never cut inside a paragraph
    assert sum(1 for p in parts for i in p.items if i == clip) == 5
