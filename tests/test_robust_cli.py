"""Command line robustness: cast file errors, exit codes, one-line errors, --debug."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.test_robust_input import one_error_line, run

CAST_ERRORS = [
    # (cast file, line the error must name, words the message must contain)
    ("characters:\n  Ada: {voice: [unclosed\n", 3, "not valid YAML"),
    ("- Ada\n- Ben\n", 1, "mapping"),
    ("narrator:\n  voice: gmw/en-us\n  rate: fast\n", 3, "rate"),
    ("characters:\n  Ada:\n    gender: female\n    aliases: 7\n", 4, "aliases"),
    ("characters:\n  Ada:\n    voice: nosuch/voice\n", 3, "unknown voice"),
    ("title: [1, 2]\n", 1, "title"),
    ("narrator: !!python/object/apply:os.system ['touch {marker}']\n", 1, "not allowed"),
    ("characters:\n  Ada: !!python/name:os.system\n", 2, "not allowed"),
    ("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: [*b, *b, *b, *b, *b, *b, *b, *b]\n", 1, "unknown key"),
]


@pytest.mark.parametrize("cast_text, line, words", CAST_ERRORS)
def test_bad_cast_files_give_one_line_naming_file_and_line(short_story, write, tmp_path,
                                                           cast_text, line, words):
    marker = tmp_path / "ran"
    cast = write("cast.yaml", cast_text.replace("{marker}", str(marker)))
    for command in (["segment", short_story], ["build", short_story, "--out", tmp_path / "o"],
                    ["cast", short_story]):
        proc = run(*command, "--voices", cast)
        assert proc.returncode == 2, (command, proc.stderr)
        message = one_error_line(proc.stderr)
        assert message.startswith(f"audiobook: error: {cast}:{line}:"), message
        assert words in message
    assert not marker.exists()  # the tag was refused, never run
    assert not (tmp_path / "o").exists()  # nothing written before the cast was checked


def test_cast_file_that_is_not_text(short_story, write):
    cast = write("cast.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    proc = run("segment", short_story, "--voices", cast)
    assert proc.returncode == 2
    assert f"{cast}:" in one_error_line(proc.stderr)


@pytest.mark.parametrize("args", [
    [], ["nosuchcommand"], ["build"], ["build", "x.txt", "--format", "wav"],
    ["build", "x.txt", "--jobs", "many"], ["segment", "x.txt", "--bogus"],
])
def test_usage_errors_exit_2(args):
    proc = run(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "error:" in proc.stderr


def test_jobs_below_one_is_a_usage_error(short_story, tmp_path):
    proc = run("build", short_story, "--jobs", "0", "--out", tmp_path / "o")
    assert proc.returncode == 2
    assert "--jobs" in one_error_line(proc.stderr)


@pytest.mark.parametrize("command", ["build", "check", "segment", "voices", "cast", "preview"])
def test_every_subcommand_takes_debug(command):
    proc = run(command, "--help")
    assert proc.returncode == 0
    assert "--debug" in proc.stdout


# A subprocess where loading a book hits a bug (an exception nobody expected).
BUG = """
import sys
import audiobook.book
def broken(*args, **kwargs):
    raise ValueError("something nobody expected")
audiobook.book.load_book = broken
from audiobook.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_unexpected_errors_are_one_line_and_exit_1(short_story):
    proc = subprocess.run([sys.executable, "-c", BUG, "segment", str(short_story)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    line = one_error_line(proc.stderr)
    assert "ValueError: something nobody expected" in line and "--debug" in line


def test_debug_shows_the_traceback(short_story):
    proc = subprocess.run([sys.executable, "-c", BUG, "segment", str(short_story), "--debug"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "in broken" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("audiobook: error: ")


def test_input_errors_show_the_traceback_only_with_debug(tmp_path):
    missing = tmp_path / "missing.txt"
    quiet = run("segment", missing)
    loud = run("segment", missing, "--debug")
    assert quiet.returncode == loud.returncode == 2
    one_error_line(quiet.stderr)
    assert "Traceback" in loud.stderr


def test_a_closed_pipe_is_not_an_error(write):
    # Far more output than a pipe holds, so the writer meets the closed pipe.
    story = write("long.txt", "\n\n".join(f'"Line {i}," Ada said.' for i in range(6000)))
    proc = subprocess.run(f"{sys.executable} -m audiobook segment '{story}' | head -c 1",
                          shell=True, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr
