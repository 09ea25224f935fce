"""The same book always sounds the same (real espeak-ng speech, real MP3s).

A clip's audio depends only on its cache key, whatever the same process spoke
before it, and every later stage is a function of its input. So the decoded
audio, and the MP3 files byte for byte, are the same across clean builds, with
one speech worker or two, after builds killed with SIGKILL at several moments,
and after half of the cache is lost. One clean build is shared by the tests of
this module as the reference.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from audiobook.audio import decode_to_pcm
from audiobook.engines import VoiceSettings, get_engine
from audiobook.pipeline import build
from tests.test_resume import finished_chapters, running_in_session, wait_for

ROOT = Path(__file__).resolve().parent.parent

STORY = """\
The Ferry at Dusk

By: Test Author


Chapter 1: The Landing

The ferry came in late, its lamps swinging over the black water.

"You are the last ones," said Orla, coiling the rope at her feet.

"We ran the whole way from the mill," Piet answered, out of breath.

The ferryman only nodded and waved them aboard.


Chapter 2: The River

Halfway across, the wind turned and the boat began to roll.

"Hold on to the rail," Orla called. "It passes."

"I have crossed in worse," said Grim, who had not spoken until then.

Piet laughed, though his hands were white on the rail.


Chapter 3: The Far Bank

The lights of the village rose out of the mist one by one.

"Home," Piet said quietly.

"Not yet," said Grim. "Three more miles by the river road."

Orla tied the boat and wished them a safe walk.
"""

CAST = """\
narrator:
  voice: gmw/en-us
characters:
  Orla: {gender: female, voice: gmw/en-gb-x-rp+f3}
  Piet: {gender: male, voice: gmw/en+m3, rate: 185}
  Grim: {gender: male, voice: gmw/en-us+caleb, pitch: 40}
"""
"""Four voices; Grim's is a Klatt voice (espeak-ng's speech player, with its own state)."""


def fingerprints(files: list[Path]) -> tuple[list[str], list[str]]:
    """(digest of each file's decoded samples, digest of each file's bytes)."""
    decoded = [hashlib.sha256(decode_to_pcm(p)).hexdigest() for p in files]
    return decoded, [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("reproducible")
    story, cast = root / "ferry.txt", root / "cast.yaml"
    story.write_text(STORY, encoding="utf-8")
    cast.write_text(CAST, encoding="utf-8")
    return root, story, cast


@pytest.fixture(scope="module")
def reference(book):
    """A clean build with two speech workers: its files, fingerprints and cache."""
    root, story, cast = book
    result = build(story, cast, root / "ref", jobs=2, cache=root / "ref-cache", progress=False)
    assert len(result.files) == 3
    return result, fingerprints(result.files), root / "ref-cache"


def test_a_clip_sounds_the_same_whatever_the_engine_spoke_before():
    engine = get_engine("pyttsx3")
    line = ("Hold on to the rail, she called.", VoiceSettings("gmw/en-us", 170))
    first = engine.synthesize(*line)
    before = [("The ferry came in late.", VoiceSettings("gmw/en-us", 170)),
              ("We ran the whole way.", VoiceSettings("gmw/en+m3", 600, 80, 0.5)),
              ("Three more miles.", VoiceSettings("gmw/en-us+caleb", 140, 20)),
              ("Not yet.", VoiceSettings("gmw/en-gb-x-rp+f3", 170))]
    for text, settings in before:
        engine.synthesize(text, settings)
        assert engine.synthesize(*line) == first, f"changed after {settings}"


def test_clean_builds_give_the_same_files_with_one_worker_or_two(book, reference):
    root, story, cast = book
    _, expected, _ = reference
    again = build(story, cast, root / "again", jobs=2, cache=root / "again-cache",
                  progress=False)
    alone = build(story, cast, root / "alone", jobs=1, cache=root / "alone-cache",
                  progress=False)
    assert fingerprints(again.files) == expected
    assert fingerprints(alone.files) == expected
    assert len(set(expected[0])) == 3  # three different chapters, not one echoed


def _cli(story: Path, cast: Path, out: Path, cache: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "audiobook", "build", str(story), "--voices", str(cast),
         "--out", str(out), "--cache", str(cache), "--jobs", "1", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def _kill_when(proc: subprocess.Popen, reached, what: str, whole_group: bool) -> None:
    """SIGKILL a build once `reached()`, and see all its processes gone."""
    try:
        assert wait_for(lambda: reached() or proc.poll() is not None, 120), what
        assert proc.poll() is None, f"the build ended before {what}: {proc.stderr.read()}"
        if whole_group:  # everything at once, as a crash or the OOM killer would
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # the main process alone, as `kill -9 PID` does
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert wait_for(lambda: not running_in_session(proc.pid), 10), what
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def test_builds_killed_at_several_moments_then_finished_give_the_same_files(book, reference):
    root, story, cast = book
    _, expected, _ = reference
    out, cache = root / "killed", root / "killed-cache"
    folder = out / "the-ferry-at-dusk"

    def clips() -> int:
        return sum(1 for _ in cache.glob("clips/*/*.wav"))

    def fragments() -> int:
        return sum(1 for _ in cache.glob("fragments/*/*.mp3"))

    # While speaking, while encoding the first fragments, once a chapter is joined:
    # each run goes on from what the killed ones left.
    _kill_when(_cli(story, cast, out, cache), lambda: clips() >= 2, "speaking", True)
    _kill_when(_cli(story, cast, out, cache), lambda: fragments() >= 1, "encoding", False)
    _kill_when(_cli(story, cast, out, cache), lambda: len(finished_chapters(folder)) >= 1,
               "joining", True)
    assert len(finished_chapters(folder)) < 3
    proc = _cli(story, cast, out, cache)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    files = sorted(folder.glob("*.mp3"))
    assert fingerprints(files) == expected


def test_a_cache_that_lost_half_its_clips_gives_the_same_files(book, reference):
    root, story, cast = book
    _, expected, ref_cache = reference
    cache = root / "half-cache"
    shutil.copytree(ref_cache, cache)
    clips = sorted(cache.glob("clips/*/*.wav"))
    lost = random.Random(20).sample(clips, len(clips) // 2)
    for clip in lost:
        clip.unlink()
        clip.with_suffix(".lufs").unlink(missing_ok=True)
    shutil.rmtree(cache / "fragments")  # so every fragment is made again from the clips
    result = build(story, cast, root / "half", jobs=2, cache=cache, progress=False)
    assert all(clip.exists() for clip in lost)  # spoken again
    assert fingerprints(result.files) == expected
