"""Shared fixtures: temporary stories, cast files and caches."""

from __future__ import annotations

from pathlib import Path

import pytest

SHORT_STORY = """\
The Two Clocks

By: Test Author


Chapter 1: Morning

Ada wound the clock on the mantel.

"It runs slow," Ada said.

"Then wind it faster," said Ben.


Chapter 2: Evening

"Is it late?" Ben asked.

"Late enough," Ada replied.
"""


@pytest.fixture
def write(tmp_path: Path):
    """Write text to a file in tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def short_story(write) -> Path:
    return write("two-clocks.txt", SHORT_STORY)


@pytest.fixture
def short_cast(write) -> Path:
    return write("two-clocks.yaml", """\
narrator:
  voice: gmw/en-us
characters:
  Ada:
    gender: female
    voice: gmw/en-us+f3
  Ben:
    gender: male
    voice: gmw/en+m3
""")
