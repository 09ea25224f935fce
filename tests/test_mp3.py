"""Chapter MP3s: real encoding, read back with mutagen and ffmpeg."""

import math
import struct

from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiobook.assembler import BookInfo, ChapterPlan, encode_chapter, safe_filename
from audiobook.audio import decode_to_pcm
from audiobook.render import write_wav


def tone(seconds: float, rate: int = 22050) -> bytes:
    n = int(seconds * rate)
    return b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * 220 * i / rate)))
                    for i in range(n))


def test_chapter_is_encoded_with_tags_and_the_right_length(tmp_path):
    clip = tmp_path / "clip.wav"
    write_wav(clip, tone(1.0), 22050)
    plan = ChapterPlan(2, "Chapter Two: The Storm", [500, clip, 250, clip, 1000])
    out = tmp_path / "02.mp3"
    seconds = encode_chapter(plan, out, BookInfo("The Book", "A. Writer", 3))
    assert abs(seconds - 3.75) < 0.01
    audio = MP3(out)
    assert abs(audio.info.length - 3.75) < 0.15
    tags = ID3(out)
    assert str(tags["TIT2"]) == "Chapter Two: The Storm"
    assert str(tags["TALB"]) == "The Book"
    assert str(tags["TPE1"]) == "A. Writer"
    assert str(tags["TRCK"]) == "2/3"
    assert str(tags["TCON"]) == "Audiobook"
    pcm = decode_to_pcm(out)
    assert abs(len(pcm) / 2 / 22050 - 3.75) < 0.15
    assert not list(tmp_path.glob(".*part"))


def test_titles_become_safe_file_names():
    assert safe_filename("a/b\\c: d?") == "a b c d"
    assert safe_filename("../..") == "untitled"
    assert safe_filename("CON") == "_CON"
    assert "\x07" not in safe_filename("bell\x07title")
