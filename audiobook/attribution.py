"""Who speaks each quote: speech tags, pronouns, action beats, then turn-taking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from audiobook.characters import (
    NAME_PATTERN,
    TAG_AFTER,
    TAG_BEFORE,
    Character,
    clean_name,
    split_title,
)
from audiobook.segmenter import NARRATOR, Segment

UNKNOWN = "unknown"
"""Speaker of a quote nobody could be found for."""

_PRONOUNTAG_AFTER = re.compile(
    r"^[\s,\u2014-]*(?:(he|she|i)\s+(?:\w+ly\s+)?\w+|\w+\s+(he|she))\b", re.IGNORECASE
)
_PRONOUNTAG_BEFORE = re.compile(r"\b(he|she|I)\s+(?:\w+ly\s+)?\w+[\s,:]*$")
_SUBJECT = re.compile(rf"(?:^|[.!?;]\s+)({NAME_PATTERN})\s+[a-z]")
_MENTION = re.compile(NAME_PATTERN)


@dataclass
class Roster:
    """Name lookup for the characters of a book."""

    characters: list[Character]
    narrator: str | None = None
    """Character who narrates in the first person (`I said`), if any."""
    by_name: dict[str, Character] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for char in self.characters:
            for name in char.names():
                self.by_name.setdefault(name.lower(), char)
                _, bare = split_title(name)
                self.by_name.setdefault(bare.lower(), char)

    def lookup(self, mention: str) -> Character | None:
        """The character a mention names, trying it whole, without title, then its last word."""
        mention = mention.strip()
        key = mention.lower()
        if key in self.by_name:
            return self.by_name[key]
        cleaned = clean_name(mention)
        if cleaned and cleaned.lower() in self.by_name:
            return self.by_name[cleaned.lower()]
        _, bare = split_title(cleaned or mention)
        if bare.lower() in self.by_name:
            return self.by_name[bare.lower()]
        last = bare.split()[-1].lower() if bare.split() else ""
        return self.by_name.get(last)

    def gender(self, name: str) -> str:
        char = self.by_name.get(name.lower())
        return char.gender if char else "unknown"


class _Context:
    """Who was mentioned or spoke recently, for pronouns and turn-taking."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self.recent: list[str] = []  # most recent last
        self.speakers: list[str] = []

    def mention(self, names: Iterable[str]) -> None:
        for name in names:
            if name in self.recent:
                self.recent.remove(name)
            self.recent.append(name)
        del self.recent[:-12]

    def by_pronoun(self, pronoun: str) -> str | None:
        pronoun = pronoun.lower()
        if pronoun == "i":
            return self.roster.narrator
        want = "male" if pronoun == "he" else "female"
        for name in reversed(self.recent):
            if self.roster.gender(name) == want:
                return name
        return None

    def turn(self) -> str | None:
        """The speaker before the last one, when two people are talking."""
        if len(self.speakers) >= 2 and self.speakers[-2] != self.speakers[-1]:
            return self.speakers[-2]
        return None


def _tag_speaker(seg: Segment, before: bool, ctx: _Context) -> str | None:
    """The speaker named by a tag in narration next to a quote."""
    roster = ctx.roster
    body = seg.text
    if not before:
        m = TAG_AFTER.match(body) or TAG_BEFORE.match(body.lstrip(" ,\u2014-"))
        if m:
            char = roster.lookup(m.group(1))
            if char:
                return char.name
        m = _PRONOUNTAG_AFTER.match(body)
        if m:
            return ctx.by_pronoun(m.group(1) or m.group(2))
        return None
    tail = body[-120:]
    matches = list(TAG_BEFORE.finditer(tail))
    if matches and tail[matches[-1].end():].strip(" ,:\u2014-") == "":
        char = roster.lookup(matches[-1].group(1))
        if char:
            return char.name
    m = _PRONOUNTAG_BEFORE.search(tail)
    if m and tail.rstrip().endswith((",", ":")):
        return ctx.by_pronoun(m.group(1))
    return None


def _mentions(seg: Segment, roster: Roster) -> list[str]:
    names = []
    for m in _MENTION.finditer(seg.text):
        char = roster.lookup(m.group(0))
        if char and char.name not in names:
            names.append(char.name)
    return names


def _beat_speaker(narration: list[Segment], roster: Roster) -> str | None:
    """The subject of a sentence in the paragraph's narration (an action beat)."""
    for seg in narration:
        for m in _SUBJECT.finditer(seg.text):
            char = roster.lookup(m.group(1))
            if char:
                return char.name
    return None


def attribute(segments: list[Segment], roster: Roster) -> None:
    """Fill in the speaker of every dialogue segment, in place."""
    ctx = _Context(roster)
    by_paragraph: dict[int, list[Segment]] = {}
    for seg in segments:
        by_paragraph.setdefault(seg.paragraph, []).append(seg)
    last_dialogue_paragraph = -10
    for index in sorted(by_paragraph):
        segs = by_paragraph[index]
        dialogue = [s for s in segs if s.kind == "dialogue"]
        narration = [s for s in segs if s.kind == "narration"]
        if not dialogue:
            for seg in narration:
                ctx.mention(_mentions(seg, roster))
            if narration and index - last_dialogue_paragraph > 1:
                ctx.speakers.clear()  # a narrated stretch ends the conversation
            continue
        speaker = None
        for i, seg in enumerate(segs):
            if seg.kind != "narration":
                continue
            if i > 0 and segs[i - 1].kind == "dialogue":
                speaker = _tag_speaker(seg, False, ctx)
            if not speaker and i + 1 < len(segs) and segs[i + 1].kind == "dialogue":
                speaker = _tag_speaker(seg, True, ctx)
            if speaker:
                break
        if not speaker:
            speaker = _beat_speaker(narration, roster)
        if not speaker:
            speaker = ctx.turn()
        speaker = speaker or UNKNOWN
        for seg in dialogue:
            seg.speaker = speaker
        for seg in narration:
            ctx.mention(_mentions(seg, roster))
        if speaker != UNKNOWN:
            ctx.mention([speaker])
            ctx.speakers.append(speaker)
        last_dialogue_paragraph = index


def speaker_stats(segments: list[Segment], characters: list[Character]) -> None:
    """Count lines and words per character from attributed segments, in place."""
    by_name = {c.name: c for c in characters}
    for char in characters:
        char.lines = char.words = 0
    for seg in segments:
        if seg.kind == "dialogue" and seg.speaker in by_name:
            by_name[seg.speaker].lines += 1
            by_name[seg.speaker].words += len(seg.text.split())


__all__ = ["NARRATOR", "UNKNOWN", "Roster", "attribute", "speaker_stats"]
