"""Audition clips, and proof that re-casting one character changes only their audio."""

from __future__ import annotations

import json
import statistics
import wave
from pathlib import Path

import pytest

from audiobook.audio import decode_to_pcm
from audiobook.cast import Cast, Speaker
from audiobook.cli import main
from audiobook.engines import VoiceSettings
from audiobook.levels import calibration_request
from audiobook.pipeline import build, cast_for_book
from audiobook.preview import (
    AUDITION_MAX_CHARS,
    CHARACTER_SENTENCE,
    plan_auditions,
    render_auditions,
)
from audiobook.render import ClipRequest, clip_key, clip_path, engine_version

STORY = """The Night Ferry

Chapter One

The ferry left the harbour after dark. "We will be late again," said Ivo. He checked his watch.

"We are never late," Petra replied. She leaned on the cold rail.

"The captain will not wait for us," said Ivo.

"Then the captain can swim," said Petra.

Dov looked up from his rope. "Leave me out of it," said Dov.
"""

CAST = """narrator: {voice: gmw/en-us, rate: 180}
characters:
  Ivo: {gender: male, voice: gmw/en-gb-x-rp+m3}
  Petra: {gender: female, voice: PETRA}
  Dov: {gender: male, voice: gmw/en-gb-scotland+m5}
pronunciations: {Dov: DOHV}
"""


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "ferry.txt"
    path.write_text(STORY, encoding="utf-8")
    return path


def _cast_file(tmp_path: Path, petra_voice: str, name: str = "cast.yaml") -> Path:
    path = tmp_path / name
    path.write_text(CAST.replace("PETRA", petra_voice), encoding="utf-8")
    return path


def median_f0(pcm: bytes, sample_rate: int = 22050) -> float:
    """Median pitch in Hz of the loud frames, by autocorrelation (at half the sample rate)."""
    samples = memoryview(pcm).cast("h")[::2]
    rate = sample_rate // 2
    frame = int(0.04 * rate)
    peak = max(abs(x) for x in samples) or 1
    found = []
    for start in range(0, len(samples) - frame - rate // 60, frame):
        x = samples[start:start + frame + rate // 60]
        if max(abs(v) for v in x[:frame]) < peak * 0.3:
            continue
        energy = sum(v * v for v in x[:frame])
        best, best_lag = 0, 0
        for lag in range(rate // 400, rate // 60):
            c = sum(x[i] * x[i + lag] for i in range(frame))
            if c > best:
                best, best_lag = c, lag
        if best_lag and best > 0.5 * energy:
            found.append(rate / best_lag)
    return statistics.median(found) if found else 0.0


def _wav_pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


# --- planning and rendering (fake engine) --------------------------------------------


def test_each_speaker_auditions_with_their_first_lines(story, tmp_path):
    cast, lines = cast_for_book(story, _cast_file(tmp_path, "gmw/en-us+f3"))
    auditions = plan_auditions(cast, lines)
    names = [a.speaker for a in auditions]
    assert names[0] == "narrator" and set(names[1:]) == set(cast.characters)
    counts = [cast.characters[n].lines for n in names[1:]]
    assert counts == sorted(counts, reverse=True)
    by_name = {a.speaker: a for a in auditions}
    assert by_name["Petra"].text.startswith("We are never late")
    assert by_name["Ivo"].text.startswith("We will be late again")
    assert "The ferry left the harbour" in by_name["narrator"].text
    assert all(a.from_book for a in auditions)
    assert by_name["Petra"].settings == VoiceSettings("gmw/en-us+f3", 180, 50, 1.0)
    assert all(len(a.text) <= AUDITION_MAX_CHARS + 3 for a in auditions)


def test_without_a_book_everyone_says_the_standard_sentence():
    cast = Cast(characters={"Dov": Speaker("Dov", voice="fake/en+m2")},
                pronunciations={"Dov": "DOHV"})
    auditions = plan_auditions(cast)
    assert [a.speaker for a in auditions] == ["narrator", "Dov"]
    assert not any(a.from_book for a in auditions)
    assert auditions[1].text == CHARACTER_SENTENCE.format(name="DOHV")


def test_render_writes_one_mp3_per_speaker_and_a_playlist(tmp_path):
    cast = Cast(characters={"Ivo": Speaker("Ivo", voice="fake/en+m2"),
                            "Petra": Speaker("Petra", voice="fake/en+f1")})
    cast.narrator.voice = "fake/en"
    auditions = plan_auditions(cast)
    playlist = render_auditions(auditions, tmp_path / "out", engine="fake",
                                cache=tmp_path / "cache", jobs=1, progress=False)
    files = sorted((tmp_path / "out").glob("*.mp3"))
    assert [f.name for f in files] == ["01 - narrator.mp3", "02 - Ivo.mp3", "03 - Petra.mp3"]
    assert [a.path for a in auditions] == files
    assert playlist.read_text().count(".mp3") == 3
    for f in files:
        seconds = len(decode_to_pcm(f)) / 2 / 22050
        assert 1.0 < seconds < 15.0


# --- real synthesis ------------------------------------------------------------------


@pytest.mark.slow
def test_preview_command_with_real_voices(story, tmp_path, capsys):
    cast = _cast_file(tmp_path, "gmw/en-us+f3")
    out = tmp_path / "preview"
    assert main(["preview", "--voices", str(cast), str(story), "--out", str(out),
                 "--cache", str(tmp_path / "cache"), "--jobs", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "gmw/en-us+f3" in printed and "Playlist:" in printed
    files = {f.name: f for f in out.glob("*.mp3")}
    assert set(files) == {"01 - narrator.mp3", "02 - Ivo.mp3", "03 - Petra.mp3", "04 - Dov.mp3"}
    petra = median_f0(decode_to_pcm(files["03 - Petra.mp3"]))
    ivo = median_f0(decode_to_pcm(files["02 - Ivo.mp3"]))
    assert petra > 1.4 * ivo, (petra, ivo)  # a female variant really sounds higher


def _clips_by_speaker(folder: Path) -> dict[str, list[ClipRequest]]:
    """The clip requests a build made, per speaker, from its script.jsonl."""
    out: dict[str, list[ClipRequest]] = {}
    for line in (folder / "script.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        who = row["speaker"] if row["kind"] == "dialogue" else "narrator"
        settings = VoiceSettings(row["voice"], row["rate"], row["pitch"], row["volume"])
        out.setdefault(who, []).append(ClipRequest(row["say"], settings))
    return out


@pytest.mark.slow
def test_recasting_one_character_changes_only_their_audio(story, tmp_path):
    cache = tmp_path / "cache"
    version = engine_version("pyttsx3")

    def run(petra_voice: str, name: str):
        result = build(story, _cast_file(tmp_path, petra_voice, f"{name}.yaml"),
                       tmp_path / name, jobs=1, cache=cache, progress=False)
        clips = {p: p.stat().st_mtime_ns for p in cache.rglob("*.wav")}
        return result, _clips_by_speaker(result.folder), clips

    first, before, clips_before = run("gmw/en-us+f3", "one")
    second, after, clips_after = run("gmw/en-us+m7", "two")
    assert set(before) == set(after) == {"narrator", "Ivo", "Petra", "Dov"}

    def paths(requests):
        return [clip_path(cache, clip_key(r, "pyttsx3", version)) for r in requests]

    # Everyone but Petra: the very same clips, not made again.
    for who in ("narrator", "Ivo", "Dov"):
        assert after[who] == before[who]
        for p in paths(after[who]):
            assert clips_after[p] == clips_before[p]
    # Petra: every line is a new clip in the new voice, and nothing else is new but the
    # clip that measures the new voice's loudness.
    new = set(clips_after) - set(clips_before)
    calibration = calibration_request(after["Petra"][0].settings)
    assert new == set(paths(after["Petra"])) | set(paths([calibration]))
    assert all(r.settings.voice == "gmw/en-us+m7" for r in after["Petra"])
    old_f0 = median_f0(b"".join(_wav_pcm(p) for p in paths(before["Petra"])))
    new_f0 = median_f0(b"".join(_wav_pcm(p) for p in paths(after["Petra"])))
    assert new_f0 < 0.75 * old_f0, (old_f0, new_f0)
    # And the chapter audio itself changed: the chapter where Petra speaks, and only it.
    changed = [a.name for a, b in zip(first.files, second.files, strict=True)
               if decode_to_pcm(a) != decode_to_pcm(b)]
    rows = [json.loads(x) for x in (second.folder / "script.jsonl").read_text().splitlines()]
    petra_chapters = sorted({r["chapter"] for r in rows if r["speaker"] == "Petra"})
    assert changed == [first.files[c - 1].name for c in petra_chapters], changed
