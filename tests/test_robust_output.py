"""Output robustness: output folders, a disk that fills up, safe file names."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import unicodedata

import pytest

from audiobook.assembler import playlist_title, safe_filename, slugify, write_playlist
from audiobook.pipeline import build
from tests.test_robust_input import one_error_line

# The command line, with the fake (tone) engine so builds take a moment.
FAKE_CLI = """
import sys
import audiobook.pipeline as pipeline
real_build = pipeline.build
pipeline.build = lambda *args, **kwargs: real_build(*args, engine="fake", **kwargs)
from audiobook.cli import main
sys.exit(main(sys.argv[1:]))
"""


def fake_cli(*args, file_size_limit: int | None = None, env=None):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run([sys.executable, "-c", FAKE_CLI, *map(str, args)],
                          capture_output=True, text=True, timeout=180, env=env,
                          preexec_fn=limit if file_size_limit else None)


def files_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_missing_output_folder_is_created(short_story, tmp_path):
    out = tmp_path / "not" / "there" / "yet"
    proc = fake_cli("build", short_story, "--out", out, "--cache", tmp_path / "cache", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert any(name.endswith(".mp3") for name in files_under(out))


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_output_folder_that_cannot_be_made(short_story, tmp_path, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file")
    out = blocker if where == "a file" else blocker / "sub"
    proc = fake_cli("build", short_story, "--out", out, "--cache", tmp_path / "cache")
    assert proc.returncode == 2
    assert "output folder" in one_error_line(proc.stderr)
    assert blocker.read_text() == "I am a file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder(short_story, tmp_path):
    out = tmp_path / "locked"
    out.mkdir(mode=0o500)
    proc = fake_cli("build", short_story, "--out", out, "--cache", tmp_path / "cache")
    assert proc.returncode == 2
    assert "writable" in one_error_line(proc.stderr) or "cannot" in proc.stderr


def assert_nothing_finished_looking(folder) -> None:
    names = files_under(folder) if folder.exists() else []
    finished = [n for n in names if n.endswith((".mp3", ".m4b", ".m3u8"))]
    assert finished == [], names
    assert not [n for n in names if n.endswith(".part")], names  # temporaries cleaned up


@pytest.mark.parametrize("fmt", ["mp3", "m4b"])
def test_disk_full_while_encoding(short_story, tmp_path, fmt):
    cache = tmp_path / "cache"
    build(short_story, None, tmp_path / "warm", cache=cache, engine="fake", progress=False)
    out = tmp_path / "out"
    # Every clip is cached already: the limit bites while the audio files are written.
    proc = fake_cli("build", short_story, "--out", out, "--cache", cache, "--quiet",
                    "--format", fmt, file_size_limit=12_000)
    assert proc.returncode == 1, proc.stderr
    message = one_error_line(proc.stderr)
    assert "size limit" in message or "No space" in message or "too large" in message, message
    assert_nothing_finished_looking(out)
    # Once there is room again, the same command finishes.
    again = fake_cli("build", short_story, "--out", out, "--cache", cache, "--quiet",
                     "--format", fmt)
    assert again.returncode == 0, again.stderr


def test_disk_full_while_speaking(short_story, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    proc = fake_cli("build", short_story, "--out", out, "--cache", cache, "--quiet", "--jobs", "1",
                    file_size_limit=8_000)
    assert proc.returncode == 1, proc.stderr
    message = one_error_line(proc.stderr)
    assert "too large" in message.lower() or "no space" in message.lower(), message
    assert_nothing_finished_looking(out)
    clips = [n for n in files_under(cache) if n.endswith(".wav")]
    for name in clips:  # whatever reached the cache is whole: a later build may use it
        assert (cache / name).stat().st_size <= 8_000


@pytest.mark.parametrize("title", [
    "a/b\\c: d?", "..", "../../etc/passwd", "CON", "con.txt", "nul", "LPT1.mp3",
    "bell\x07and\x1b[31mred", "new\nline\rreturn", "tab\there", "evil\u202egpj.exe",
    "zero\u200bwidth\u200djoin", "\U0001F600" * 120, "\u9759\u304b\u306a\u671d",
    "\u05e1\u05e4\u05e8 \u05d0\u05d7\u05d3", "   ", "", "...", "a" * 400, "x\ud800y",
])
def test_titles_become_safe_file_names(tmp_path, title):
    for name in (safe_filename(title), slugify(title)):
        assert name and name not in (".", "..")
        assert "/" not in name and "\\" not in name and "\x00" not in name
        assert not any(unicodedata.category(c)[0] == "C" for c in name)
        assert len(f"01 - {name}.mp3".encode()) <= 255
        assert name.split(".")[0].lower() not in {"con", "nul", "lpt1"}
        path = tmp_path / f"01 - {name}.mp3"
        path.write_bytes(b"x")  # the file system accepts it
        assert path.parent == tmp_path
        path.unlink()


def test_playlist_titles_stay_on_one_line(tmp_path):
    path = tmp_path / "book.m3u8"
    write_playlist(path, [("01 - a.mp3", 3.0, "Evil\n/etc/passwd"), ("02 - b.mp3", 4.0, "Ok")])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == ["#EXTM3U", "#EXTINF:3,Evil /etc/passwd", "01 - a.mp3", "#EXTINF:4,Ok",
                     "02 - b.mp3"]
    assert playlist_title("\u202e\n") == "untitled"


def test_a_hostile_chapter_title_builds_inside_the_output_folder(write, tmp_path):
    story = write("t.txt", "Chapter 1: ../../escape\n\nHello there.\n\n"
                           "Chapter 2: CON\n\nGoodbye.\n\nChapter 3: \u202eevil\n\nEnd.\n")
    result = build(story, None, tmp_path / "out", cache=tmp_path / "cache", engine="fake",
                   progress=False)
    assert len(result.files) == 3
    for path in result.files:
        assert path.parent == result.folder and path.exists()
    assert files_under(tmp_path / "out") == sorted(
        str(p.relative_to(tmp_path / "out")) for p in result.folder.iterdir())
