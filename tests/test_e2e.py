"""End to end: a short story built with real speech and real MP3s, read back."""

import math
import struct
import subprocess
import sys

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiobook.audio import decode_to_pcm
from audiobook.cast import load_cast
from audiobook.pipeline import build


def rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.conftest import SHORT_STORY

    root = tmp_path_factory.mktemp("e2e")
    story = root / "two-clocks.txt"
    story.write_text(SHORT_STORY, encoding="utf-8")
    cast = root / "cast.yaml"
    cast.write_text("characters:\n  Ada: {gender: female}\n  Ben: {gender: male}\n")
    result = build(story, cast, root / "out", jobs=2, cache=root / "cache", progress=False)
    return root, result


def test_one_mp3_per_chapter_with_speech_and_tags(built):
    _, result = built
    assert [p.name for p in result.files] == ["01 - Chapter 1 Morning.mp3",
                                              "02 - Chapter 2 Evening.mp3"]
    for n, path in enumerate(result.files, 1):
        audio = MP3(path)
        assert 2.0 < audio.info.length < 30.0
        pcm = decode_to_pcm(path)
        assert abs(len(pcm) / 2 / 22050 - audio.info.length) < 0.2
        assert rms(pcm) > 200
        tags = ID3(path)
        assert str(tags["TALB"]) == "The Two Clocks"
        assert str(tags["TPE1"]) == "Test Author"
        assert str(tags["TRCK"]) == f"{n}/2"
        assert str(tags["TCON"]) == "Audiobook"
        assert str(tags["TIT2"]) == ("Chapter 1: Morning", "Chapter 2: Evening")[n - 1]


def test_playlist_lists_chapters_in_order(built):
    _, result = built
    lines = result.playlist.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [line for line in lines if not line.startswith("#")]
    assert entries == [p.name for p in result.files]
    assert all((result.folder / e).exists() for e in entries)


def test_cast_file_written_is_valid_and_gives_distinct_voices(built):
    _, result = built
    cast = load_cast(result.cast_file)
    voices = [cast.narrator.voice] + [s.voice for s in cast.characters.values()]
    assert {"Ada", "Ben"} <= set(cast.characters)
    assert len(set(voices)) == len(voices)
    assert cast.characters["Ada"].voice.split("+")[1].startswith(("f", "A", "b", "l", "s"))


def test_rebuild_with_the_written_cast_reuses_every_clip(built):
    root, result = built
    cache = root / "cache"
    clips = sorted(cache.rglob("*.wav"))
    again = build(root / "two-clocks.txt", result.cast_file, root / "out2", jobs=2,
                  cache=cache, progress=False)
    assert sorted(cache.rglob("*.wav")) == clips
    assert [p.name for p in again.files] == [p.name for p in result.files]


def test_command_line_build_prints_where_the_files_are(tmp_path):
    from tests.conftest import SHORT_STORY

    story = tmp_path / "story.txt"
    story.write_text(SHORT_STORY.split("Chapter 2")[0], encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "audiobook", "build", str(story), "--out", str(tmp_path / "o"),
         "--cache", str(tmp_path / "c"), "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "01 - Chapter 1 Morning.mp3" in proc.stdout
    assert (tmp_path / "o" / "the-two-clocks" / "the-two-clocks.m3u8").exists()
