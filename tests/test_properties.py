"""Invariants as property tests (hypothesis): segments cover the text exactly once, in
order; builds are repeatable and write only to the output and cache folders.

The normal run tries a few dozen examples per property; `make fuzz` runs thousands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from audiobook.book import decode, parse_book
from audiobook.cast import Cast
from audiobook.errors import InputError
from audiobook.formats.html import parse_html
from audiobook.formats.markdown import parse_markdown
from audiobook.pipeline import analyse, build, script
from audiobook.speech import MAX_CLIP_CHARS, split_for_engine
from tests.invariants import check_segments
from tests.strategies import markup, stories, story_bytes
from tests.test_robust_output import FAKE_CLI

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def segments_of(book):
    cast = Cast()
    segments = analyse(book, cast)
    lines = script(book, segments, cast)
    for line in lines:
        for piece in split_for_engine(line.say):
            assert len(piece) <= MAX_CLIP_CHARS and piece.strip()
    return segments


@FAST
@given(stories)
def test_plain_text_segments_cover_every_letter_once(text):
    book = parse_book(text, Path("story.txt"))
    check_segments(book, segments_of(book))


@FAST
@given(stories)
def test_markdown_segments_cover_every_letter_once(text):
    book = parse_markdown(text, Path("story.md"))
    check_segments(book, segments_of(book))


@FAST
@given(markup())
def test_html_segments_cover_every_letter_once(text):
    book = parse_html(text, Path("story.html"))
    check_segments(book, segments_of(book))


@FAST
@given(story_bytes())
def test_any_bytes_decode_or_are_refused_cleanly(data):
    try:
        text, _ = decode(data)
    except InputError as err:
        assert "text" in str(err)
        return
    assert "\r" not in text
    book = parse_book(text, Path("story.txt"))
    check_segments(book, segments_of(book))


@FAST
@given(stories)
def test_engine_pieces_keep_every_word_in_order(text):
    pieces = split_for_engine(text, limit=40)
    assert all(len(p) <= 40 for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


STORY = """Chapter 1: The Cove

"Is the lamp lit?" Ada asked.

"Since dusk," said Ben. The gulls were quiet.

Chapter 2: Morning

Ada slept late. "Wake me at noon," she said.
"""


def test_building_twice_gives_identical_audio(tmp_path):
    story = tmp_path / "cove.txt"
    story.write_text(STORY, encoding="utf-8")
    cache = tmp_path / "cache"
    first = build(story, None, tmp_path / "one", cache=cache, engine="fake", progress=False,
                  formats="all")
    second = build(story, None, tmp_path / "two", cache=cache, engine="fake", progress=False,
                   formats="all")
    assert len(first.files) == 2
    for a, b in zip([*first.files, first.m4b], [*second.files, second.m4b]):
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes()
    for name in ("cast.yaml", "script.jsonl", first.playlist.name):
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes()
    # A fresh cache makes the same clips, so the same audio.
    third = build(story, None, tmp_path / "three", cache=tmp_path / "cache3", engine="fake",
                  progress=False)
    assert [p.read_bytes() for p in third.files] == [p.read_bytes() for p in first.files]


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def test_nothing_is_written_outside_the_output_and_cache_folders(tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ)
    for var, sub in [("HOME", "home"), ("XDG_CACHE_HOME", "home/.cache"),
                     ("XDG_CONFIG_HOME", "home/.config"), ("XDG_DATA_HOME", "home/.local/share"),
                     ("XDG_STATE_HOME", "home/.local/state"), ("TMPDIR", "tmp"),
                     ("NLTK_DATA", "home/nltk_data")]:
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(tmp_path / sub)
    work = tmp_path / "work"
    work.mkdir()
    story = work / "cove.txt"
    story.write_text(STORY, encoding="utf-8")
    (home / "decoy.txt").write_text("untouched")
    before = snapshot(tmp_path)
    for args in (["build", story, "--out", work / "out", "--quiet", "--format", "all"],
                 ["build", story, "--out", work / "out2", "--quiet", "--no-cache"],
                 ["cast", story]):
        proc = subprocess.run([sys.executable, "-c", FAKE_CLI, *map(str, args)], cwd=work,
                              env=env, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr
    after = snapshot(tmp_path)
    allowed = ("work/out/", "work/out2/", "home/.cache/audiobook/")
    changed = {name for name in after if before.get(name) != after[name]}
    assert {name for name in changed if not name.startswith(allowed)} == set()
    assert set(before) <= set(after)  # nothing deleted either
    assert any(name.startswith("home/.cache/audiobook/") for name in changed)  # the cache
    assert list((tmp_path / "tmp").iterdir()) == []  # temporary files cleaned up
