"""Rebuilds and resumes: unchanged chapters are kept, a re-voiced character re-makes only
their chapters, and a build killed (-9) or interrupted (Ctrl-C) leaves nothing half-written
and is finished by the next run, reusing what was done (fake engine)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audiobook.engines.fake import FAULTS_ENV
from audiobook.manifest import MANIFEST_NAME
from audiobook.pipeline import build

ROOT = Path(__file__).resolve().parent.parent

STORY = """\
The Harbour Lights

By: Test Author


Chapter 1: The Quay

{long}

"The boats are late," said Ada.


Chapter 2: The Storm

"Hold the rope!" Ben shouted.

"I have it," said Ada.


Chapter 3: Morning

The sea was calm again and the gulls came back to the harbour wall.
"""

CAST = """\
narrator: {voice: fake/en}
characters:
  Ada: {voice: fake/en+f1, gender: female}
  Ben: {voice: fake/en+m1, gender: male}
"""

# The command line with the fake engine: Ctrl-C and exit codes as a user sees them.
RUNNER = """
import sys
from audiobook import cli, pipeline
real = pipeline.build
pipeline.build = lambda *a, **k: real(*a, **{**k, "engine": "fake"})
sys.exit(cli.main(sys.argv[1:]))
"""


def story_text(slow: bool = False) -> str:
    long = "\n\n".join(f"The harbour master counted boat number {i} as it came in."
                       for i in range(12))
    text = STORY.format(long=long)
    if slow:  # chapters 2 and 3 take a while to speak
        text = text.replace("Hold the rope!", "Hold the [[slow]] rope!")
        text = text.replace("The sea was calm", "The [[slow]] sea was calm")
        text = text.replace("I have it", "I [[slow]] have it")
        text += "".join(f"\nThe [[slow]] tide turned {i} times.\n" for i in range(8))
    return text


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.mp3"))}


def no_parts(*folders: Path) -> bool:
    return not any(list(f.rglob("*.part")) for f in folders)


def test_unchanged_rebuild_keeps_every_chapter_and_revoicing_remakes_only_its_chapters(
        write, tmp_path):
    story = write("harbour.txt", story_text())
    cast = write("cast.yaml", CAST)
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(story, cast, out_dir=out, cache=cache, engine="fake", jobs=2,
                  progress=False)
    before = mtimes(first.folder)
    assert len(before) == 3
    again = build(story, cast, out_dir=out, cache=cache, engine="fake", jobs=2,
                  progress=False)
    assert mtimes(again.folder) == before
    assert again.audio_seconds == pytest.approx(first.audio_seconds)
    assert again.gains_db == first.gains_db

    revoiced = write("cast2.yaml", CAST.replace("fake/en+m1", "fake/en+m2"))
    third = build(story, revoiced, out_dir=out, cache=cache, engine="fake", jobs=2,
                  progress=False)
    assert third.voices["Ben"] == "fake/en+m2"
    after = mtimes(third.folder)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"02 - Chapter 2 The Storm.mp3"}  # Ben speaks only there


def test_a_chapter_file_changed_by_hand_is_made_again(write, tmp_path):
    story = write("harbour.txt", story_text())
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(story, out_dir=out, cache=cache, engine="fake", jobs=2, progress=False)
    damaged = first.files[2]
    good = damaged.read_bytes()
    damaged.write_bytes(good[: len(good) // 2])
    build(story, out_dir=out, cache=cache, engine="fake", jobs=2, progress=False)
    assert damaged.read_bytes() == good


def test_no_cache_builds_keep_no_clips(write, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    story = write("harbour.txt", story_text())
    result = build(story, out_dir=tmp_path / "out", use_cache=False, engine="fake", jobs=2,
                   progress=False)
    assert len(result.files) == 3
    assert not (tmp_path / "xdg").exists()


def _as_from_a_terminal() -> None:
    # A shell starts background jobs with Ctrl-C ignored, and a process keeps that
    # (Python then installs no KeyboardInterrupt): when the tests themselves run in
    # the background, give the build the terminal's default as a user's would have.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run_cli(story: Path, out: Path, cache: Path, faults: Path) -> subprocess.Popen:
    env = {**os.environ, FAULTS_ENV: str(faults), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, "build", str(story), "--out", str(out),
         "--cache", str(cache), "--jobs", "2", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True, preexec_fn=_as_from_a_terminal)


def wait_for(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def finished_chapters(folder: Path) -> set[str]:
    """Chapter files the manifest records as complete (and that are as recorded)."""
    try:
        entries = json.loads((folder / MANIFEST_NAME).read_text())["files"]
    except (OSError, ValueError):
        return set()
    return {name for name, e in entries.items()
            if (folder / name).exists() and (folder / name).stat().st_size == e["size"]}


def test_a_build_killed_with_sigkill_is_finished_by_the_next_run_reusing_its_work(
        write, tmp_path):
    story = write("harbour.txt", story_text(slow=True))
    out, cache, faults = tmp_path / "out", tmp_path / "cache", tmp_path / "faults"
    faults.mkdir()
    folder = out / "the-harbour-lights"
    proc = run_cli(story, out, cache, faults)
    try:
        assert wait_for(lambda: "01 - Chapter 1 The Quay.mp3" in finished_chapters(folder))
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill -9 PID` does
        proc.wait(timeout=10)
        # Speech workers and encoders notice they are orphaned and stop on their own.
        assert wait_for(lambda: not running_in_session(proc.pid), 5.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    clips = {p: p.stat().st_mtime_ns for p in cache.rglob("*.wav")}
    chapter1 = (folder / "01 - Chapter 1 The Quay.mp3").stat().st_mtime_ns
    assert clips and len(finished_chapters(folder)) < 3

    os.environ[FAULTS_ENV] = str(faults)
    try:
        resumed = build(story, out_dir=out, cache=cache, engine="fake", jobs=2,
                        progress=False)
    finally:
        del os.environ[FAULTS_ENV]
    assert {p: p.stat().st_mtime_ns for p in clips} == clips  # every finished clip reused
    assert (folder / "01 - Chapter 1 The Quay.mp3").stat().st_mtime_ns == chapter1
    assert len(resumed.files) == 3 and no_parts(folder)

    # The same audio as a clean build from scratch (the fake engine is deterministic).
    clean = build(story, out_dir=tmp_path / "clean", cache=tmp_path / "cache2",
                  engine="fake", jobs=2, progress=False)
    assert [p.read_bytes() for p in resumed.files] == [p.read_bytes() for p in clean.files]


@pytest.mark.parametrize("whole_group", [True, False])
def test_ctrl_c_exits_130_promptly_with_no_half_written_files(write, tmp_path, whole_group):
    story = write("harbour.txt", story_text(slow=True))
    out, cache, faults = tmp_path / "out", tmp_path / "cache", tmp_path / "faults"
    faults.mkdir()
    proc = run_cli(story, out, cache, faults)
    try:
        assert wait_for(lambda: any(cache.rglob("*.wav")))
        time.sleep(0.3)
        if whole_group:  # a terminal's Ctrl-C reaches every process of the job
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        started = time.monotonic()
        _, stderr = proc.communicate(timeout=20)
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    folder = out / "the-harbour-lights"
    assert wait_for(lambda: not running_in_session(proc.pid), 5.0)  # no worker or encoder
    # Once every process of the build has stopped (a worker may finish the clip it was
    # writing a moment after the main process), nothing half-written is left.
    assert no_parts(folder, cache)
    assert {p.name for p in folder.glob("*.mp3")} == finished_chapters(folder)


def running_in_session(sid: int) -> list[int]:
    """Processes of a session still running (zombies waiting for init do not count)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != b"Z":
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("formats,profile", [("all", "standard"), ("mp3", "acx")])
def test_one_pass_outputs_are_kept_when_unchanged_and_remade_when_not(write, tmp_path,
                                                                     formats, profile):
    story = write("harbour.txt", story_text())
    cast = write("cast.yaml", CAST)
    out, cache = tmp_path / "out", tmp_path / "cache"

    def run(cast_file):
        return build(story, cast_file, out_dir=out, cache=cache, engine="fake", jobs=2,
                     progress=False, formats=formats, profile=profile)

    first = run(cast)
    outputs = sorted(first.folder.glob("*.m4b")) + sorted(first.folder.glob("*.mp3"))
    assert len(outputs) == (4 if formats == "all" else 5)  # ACX adds two credits files
    stamps = [p.stat().st_mtime_ns for p in outputs]
    again = run(cast)
    assert [p.stat().st_mtime_ns for p in outputs] == stamps
    assert (again.m4b, again.files, again.gains_db) == (first.m4b, first.files, first.gains_db)
    run(write("cast2.yaml", CAST.replace("fake/en+m1", "fake/en+m2")))
    assert all(p.stat().st_mtime_ns != s for p, s in zip(outputs, stamps, strict=True)
               if "Storm" in p.name or p.suffix == ".m4b")
