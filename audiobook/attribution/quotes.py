"""Utterances: the quotes of a book, and what their own words say (whom they address)."""

from __future__ import annotations

import re

from audiobook.segmenter import Segment

UNKNOWN = "unknown"
"""Speaker of a quote nobody could be found for."""
CLOSE_MARK = "\"'\u201d\u2019"
_CALLED = r"(?:(?<=[,;!?] )|(?<=[,;!?]\n)|(?<=\bmy )|(?<=\bmy dear ))"
"""Where a word calls the listener (`, lad.`, `my girl`), not speaks of someone (`the boy`)."""
_TO_MAN = re.compile(r"\b(?:sir|my boy|my lad|young man|my good man|mister)\b|"
                     + _CALLED + r"(?:lad|boy|son|sonny|mate|brother|uncle|father)\b",
                     re.IGNORECASE)
_TO_WOMAN = re.compile(r"\b(?:ma'am|madam|ma\u2019am|ma'm|mum|my dear lady|young lady|my girl|"
                       r"missus)\b|" + _CALLED
                       + r"(?:lass|girl|miss|sister|aunt|auntie|mother|granny|grandmother)\b",
                       re.IGNORECASE)


def spoken_to(quote_text: str) -> tuple[bool, bool]:
    """Whether a line calls its listener a man (`sir`, `my boy`) and a woman (`ma'am`)."""
    return _TO_MAN.search(quote_text) is not None, _TO_WOMAN.search(quote_text) is not None


def quote_ends_open(seg: Segment) -> bool:
    """Whether a quote ends in a way that invites a tag: `,"` `?"` `!"` `—"`."""
    body = seg.text.rstrip().rstrip(CLOSE_MARK).rstrip()
    return body.endswith((",", "?", "!", "\u2014", "-", ":", ";"))


def text_from_segments(segments: list[Segment]) -> str:
    end = max((s.end for s in segments), default=0)
    chars = [" "] * end
    for seg in segments:
        chars[seg.start:seg.end] = seg.text
    return "".join(chars)
