"""Fan-fiction downloads built for real: speech, MP3 and M4B files whose tags carry the
work's summary, series and fandoms; the command line's --read-summary and --keep-notes."""

import json
import subprocess
import sys

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from audiobook.pipeline import build
from tests.packing import FIXTURES, pack_epub

pytestmark = pytest.mark.slow


def test_ao3_html_build_tags_and_spoken_words(tmp_path):
    story = FIXTURES / "ao3" / "the-night-watch-anonymous.html"
    result = build(story, None, tmp_path / "out", jobs=2, cache=tmp_path / "cache",
                   progress=False)
    assert [p.name for p in result.files] == ["01 - The Night Watch.mp3"]
    audio = MP3(result.files[0])
    assert 20.0 < audio.info.length < 300.0
    tags = ID3(result.files[0])
    assert str(tags["TALB"]) == str(tags["TIT2"]) == "The Night Watch"
    assert str(tags["TPE1"]) == "Anonymous"
    assert tags.getall("COMM")[0].text == [
        "You volunteer for the night watch on the longest night of the year. "
        "Commander Brask is not impressed."]
    assert tags.getall("TXXX:FANDOM")[0].text == ["Lanterns of Vell (Video Game)"]
    said = [json.loads(line)["say"] for line in
            (result.folder / "script.jsonl").read_text(encoding="utf-8").splitlines()]
    assert said[0] == "The Night Watch, by Anonymous."
    everything = " ".join(said)
    for words in ("Rating", "General Audiences", "exchange", "Happy holidays", "Reader-Insert",
                  "Published", "drop by the Archive", "Preface", "Afterword"):
        assert words not in everything, words
    cast = (result.folder / "cast.yaml").read_text(encoding="utf-8")
    assert "summary: You volunteer for the night watch" in cast
    assert "Y/N: your name" in cast


def test_ao3_epub_m4b_carries_series_and_description(tmp_path):
    story = pack_epub(FIXTURES / "ao3" / "the-cartographers-apprentice-two-authors",
                      tmp_path / "cartographer.epub")
    result = build(story, None, tmp_path / "out", jobs=2, cache=tmp_path / "cache",
                   progress=False, formats="m4b")
    tags = MP4(result.m4b).tags
    assert tags["\xa9nam"] == ["The Cartographer's Apprentice"]
    assert tags["\xa9ART"] == ["inkwell_and_ivy and Marrow"]
    assert tags["desc"] == [
        "Pell draws a map of a street that is not there. Two lamplighters go looking for it."]
    assert tags["\xa9grp"] == tags["\xa9mvn"] == ["Ink and Oil"]
    assert tags["\xa9mvi"] == [1]
    assert [bytes(v).decode() for v in tags["----:com.apple.iTunes:FANDOM"]] == [
        "Lanterns of Vell (Video Game)", "The Salt Roads Cycle"]


def test_command_line_segment_reads_the_summary_and_notes_only_when_asked():
    story = str(FIXTURES / "ao3" / "the-lamplighters-debt.html")

    def segments(*options):
        proc = subprocess.run([sys.executable, "-m", "audiobook", "segment", story,
                               "--format", "jsonl", *options],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return [json.loads(line) for line in proc.stdout.splitlines()]

    plain = segments()
    summary = [s for s in plain if s["text"].startswith("The lamps of the Low Canal go dark")]
    assert summary[0]["kind"] == "skipped" and summary[0]["say"] == ""
    read = segments("--read-summary")
    summary = [s for s in read if s["text"].startswith("The lamps of the Low Canal go dark")]
    assert summary[0]["kind"] == "narration" and summary[0]["say"]
    noted = segments("--keep-notes")
    beta = [s for s in noted if "my beta" in s["text"]]
    assert beta and all(s["say"] for s in beta)
    assert not any(s["say"] for s in noted if "drop by the Archive" in s["text"])
