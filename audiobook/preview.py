"""Audition clips: one short MP3 per speaker, so a cast can be heard before a build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audiobook.assembler import BookInfo, ChapterPlan, encode_chapter, safe_filename, write_playlist
from audiobook.audio import configure_pydub
from audiobook.cast import Cast, Speaker
from audiobook.engines import VoiceSettings
from audiobook.errors import InputError
from audiobook.render import ClipRequest, default_cache_dir, render_clips
from audiobook.speech import apply_pronunciations, split_for_engine

AUDITION_MIN_CHARS = 80
"""A speaker's first lines are joined until they are at least this long..."""
AUDITION_MAX_CHARS = 240
"""...and cut at a word break beyond this, so each clip lasts a few seconds."""
LEAD_IN_MS = 300
LEAD_OUT_MS = 600
NARRATOR_SENTENCE = "This is the narrator of {title}. The story begins on a quiet grey morning."
CHARACTER_SENTENCE = "My name is {name}. This is how I sound when I speak in this story."


@dataclass
class Audition:
    """One speaker's preview: what is said, in which voice, and where it is written."""

    speaker: str
    """`narrator` or a character's canonical name."""
    settings: VoiceSettings
    """Voice, rate, pitch and volume the book would use."""
    text: str
    """Exactly what the engine is given."""
    from_book: bool
    """True when the text is the speaker's own first lines, False for the standard sentence."""
    path: Path | None = None
    """The MP3 once rendered."""


def _trim(text: str) -> str:
    if len(text) <= AUDITION_MAX_CHARS:
        return text
    cut = text[:AUDITION_MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "..."


def plan_auditions(cast: Cast, script: list | None = None) -> list[Audition]:
    """Narrator first, then characters by lines spoken, each with a short line to say.

    `script` is `pipeline.script(...)` output: each speaker says their first lines
    from the book; without it (or for speakers with no lines), a standard sentence.
    """
    said: dict[str, list[str]] = {}
    for line in script or []:
        seg = line.segment
        if not line.say or seg.kind not in ("narration", "dialogue"):
            continue
        who = seg.speaker if seg.kind == "dialogue" else "narrator"
        if who != "narrator" and who not in cast.characters:
            continue  # unattributed quotes are read by the narrator; skip them here
        parts = said.setdefault(who, [])
        if sum(len(p) + 1 for p in parts) < AUDITION_MIN_CHARS:
            parts.append(line.say)
    speakers: list[Speaker] = [cast.narrator, *sorted(cast.characters.values(),
                                                         key=lambda s: (-s.lines, s.name))]
    out = []
    for speaker in speakers:
        name = speaker.name
        if said.get(name):
            text, own = _trim(" ".join(said[name])), True
        elif speaker is cast.narrator:
            text, own = NARRATOR_SENTENCE.format(title=cast.title or "this book"), False
        else:
            text, own = CHARACTER_SENTENCE.format(name=name), False
        if not own:
            text = apply_pronunciations(text, cast.pronunciations)
        out.append(Audition(name, cast.settings_for(speaker), text, own))
    return out


def render_auditions(auditions: list[Audition], out_dir: Path, engine: str = "pyttsx3",
                     cache: Path | None = None, jobs: int | None = None,
                     progress: bool = True, title: str = "Cast preview",
                     voices_dir: Path | None = None) -> Path:
    """Write `NN - speaker.mp3` per audition and a playlist into out_dir; return the playlist."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out_dir}: cannot create the preview folder ({err.strerror})") from None
    pieces = {a.speaker: [ClipRequest(t, a.settings) for t in split_for_engine(a.text)]
              for a in auditions}
    requests = [r for reqs in pieces.values() for r in reqs]
    paths = render_clips(requests, cache or default_cache_dir(), engine, jobs, progress,
                         voices_dir=voices_dir)
    configure_pydub()
    info = BookInfo(title, None, len(auditions))
    entries = []
    width = max(2, len(str(len(auditions))))
    for index, audition in enumerate(auditions, start=1):
        label = f"{audition.speaker} ({audition.settings.voice})"
        plan = ChapterPlan(index, label, [LEAD_IN_MS, *(paths[r] for r in pieces[audition.speaker]),
                                          LEAD_OUT_MS])
        audition.path = out_dir / f"{index:0{width}d} - {safe_filename(audition.speaker)}.mp3"
        seconds = encode_chapter(plan, audition.path, info)
        entries.append((audition.path.name, seconds, label))
    playlist = out_dir / "preview.m3u8"
    write_playlist(playlist, entries)
    return playlist
