"""The whole flow, usable from Python: book -> segments -> cast -> clips -> files."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from audiobook.assembler import (
    BookInfo,
    ChapterPlan,
    chapter_filename,
    encode_chapter,
    slugify,
    write_playlist,
)
from audiobook.attribution import Roster, attribute, speaker_stats
from audiobook.audio import atomic_target, configure_pydub
from audiobook.book import Book, load_book
from audiobook.cast import Cast, assign_voices, dump_cast, load_cast, merge_characters
from audiobook.characters import find_characters
from audiobook.engines import get_engine
from audiobook.errors import InputError
from audiobook.render import ClipRequest, default_cache_dir, render_clips
from audiobook.segmenter import Segment, segment_book
from audiobook.speech import heading_text, speakable, split_for_engine

PAUSE_WITHIN_PARAGRAPH_MS = 250
PAUSE_BETWEEN_PARAGRAPHS_MS = 700
PAUSE_AFTER_HEADING_MS = 1200
LEAD_IN_MS = 600
LEAD_OUT_MS = 1500


@dataclass
class ScriptLine:
    """A segment with the exact text spoken for it (empty: not spoken)."""

    segment: Segment
    say: str


@dataclass
class BuildResult:
    """What a build wrote and how long it took."""

    folder: Path
    files: list[Path]
    playlist: Path
    cast_file: Path
    audio_seconds: float
    wall_seconds: float
    voices: dict[str, str] = field(default_factory=dict)


def engine_voice_ids(engine: str = "pyttsx3") -> set[str]:
    return {v.id for v in get_engine(engine).voices()}


def read_cast(path: Path | None, engine: str = "pyttsx3") -> Cast:
    """The cast file validated against the engine's voices, or an empty cast."""
    if path is None:
        return Cast()
    return load_cast(path, engine_voice_ids(engine))


def analyse(book: Book, cast: Cast) -> list[Segment]:
    """Segments with speakers; the cast gains the characters found in the text."""
    segments = segment_book(book)
    merge_characters(cast, find_characters(book.text, segments, known=cast.to_characters()))
    roster = Roster(cast.to_characters(), narrator=cast.narrator_character)
    attribute(segments, roster, book.text)
    stats = cast.to_characters()
    speaker_stats(segments, stats)
    for char in stats:
        cast.characters[char.name].lines = char.lines
        cast.characters[char.name].words = char.words
    if cast.title is None:
        cast.title = book.title
    if cast.author is None:
        cast.author = book.author
    return segments


def script(book: Book, segments: list[Segment], cast: Cast) -> list[ScriptLine]:
    """What is said for each segment: titles announced once, headings as spoken."""
    lines = []
    announced = False
    for seg in segments:
        if seg.kind == "title":
            say = ""
            if not announced:
                by = f", by {cast.author}" if cast.author else ""
                say = f"{cast.title or book.title}{by}."
                announced = True
        elif seg.kind == "heading":
            say = heading_text(seg.text)
        else:
            say = speakable(seg.text, cast.pronunciations)
        lines.append(ScriptLine(seg, say))
    return lines


def plan_chapters(book: Book, lines: list[ScriptLine], cast: Cast
                  ) -> tuple[list[ChapterPlan], list[list[ClipRequest | int]]]:
    """Per chapter: the sequence of clip requests and pauses."""
    plans, sequences = [], []
    by_chapter: dict[int, list[ScriptLine]] = {}
    for line in lines:
        by_chapter.setdefault(line.segment.chapter, []).append(line)
    narrator = cast.narrator.settings()
    for chapter in book.chapters:
        seq: list[ClipRequest | int] = [LEAD_IN_MS]
        chapter_lines = by_chapter.get(chapter.index, [])
        if not any(line.segment.kind == "heading" for line in chapter_lines):
            seq += [ClipRequest(heading_text(chapter.title), narrator), PAUSE_AFTER_HEADING_MS]
        previous: Segment | None = None
        for line in chapter_lines:
            if not line.say:
                continue
            seg = line.segment
            if previous is not None:
                if previous.kind in ("heading", "title"):
                    seq.append(PAUSE_AFTER_HEADING_MS)
                elif previous.paragraph != seg.paragraph:
                    seq.append(PAUSE_BETWEEN_PARAGRAPHS_MS)
                else:
                    seq.append(PAUSE_WITHIN_PARAGRAPH_MS)
            settings = cast.speaker(seg.speaker).settings() if seg.kind == "dialogue" else narrator
            seq += [ClipRequest(piece, settings) for piece in split_for_engine(line.say)]
            previous = seg
        seq.append(LEAD_OUT_MS)
        plans.append(ChapterPlan(chapter.index, chapter.title))
        sequences.append(seq)
    return plans, sequences


def write_script(path: Path, lines: list[ScriptLine], cast: Cast) -> None:
    """`script.jsonl`: who says what, in which voice."""
    tmp = atomic_target(path)
    with open(tmp, "w", encoding="utf-8") as f:
        for line in lines:
            if not line.say:
                continue
            seg = line.segment
            voice = cast.speaker(seg.speaker).voice if seg.kind == "dialogue" else (
                cast.narrator.voice)
            f.write(json.dumps({**seg.to_dict(), "voice": voice, "say": line.say},
                               ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def build(
    input_path: Path,
    voices_path: Path | None = None,
    out_dir: Path = Path("output"),
    jobs: int | None = None,
    cache: Path | None = None,
    use_cache: bool = True,
    engine: str = "pyttsx3",
    progress: bool = True,
) -> BuildResult:
    """Build the audiobook for a story file; return what was written."""
    started = time.perf_counter()
    book = load_book(input_path)
    voice_ids = engine_voice_ids(engine)
    cast = load_cast(voices_path, voice_ids) if voices_path else Cast()
    segments = analyse(book, cast)
    assign_voices(cast, voice_ids)
    lines = script(book, segments, cast)
    plans, sequences = plan_chapters(book, lines, cast)

    folder = out_dir / slugify(cast.title or book.title)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out_dir}: cannot create the output folder ({err.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise InputError(f"{folder}: the output folder is not writable")

    temp_cache = None
    if not use_cache:
        temp_cache = Path(tempfile.mkdtemp(prefix="audiobook-nocache-"))
    cache_dir = temp_cache or cache or default_cache_dir()
    try:
        requests = [item for seq in sequences for item in seq if isinstance(item, ClipRequest)]
        paths = render_clips(requests, cache_dir, engine, jobs, progress)
        configure_pydub()
        info = BookInfo(cast.title or book.title, cast.author, len(plans))
        files, entries, total = [], [], 0.0
        for plan, seq in tqdm(list(zip(plans, sequences)), desc="Encoding", unit="chapter",
                              disable=not progress):
            plan.items = [paths[item] if isinstance(item, ClipRequest) else item for item in seq]
            path = folder / chapter_filename(plan, len(plans))
            seconds = encode_chapter(plan, path, info)
            files.append(path)
            entries.append((path.name, seconds, plan.title))
            total += seconds
    finally:
        if temp_cache:
            shutil.rmtree(temp_cache, ignore_errors=True)

    playlist = folder / f"{folder.name}.m3u8"
    write_playlist(playlist, entries)
    cast_file = folder / "cast.yaml"
    tmp = atomic_target(cast_file)
    tmp.write_text(dump_cast(cast), encoding="utf-8")
    os.replace(tmp, cast_file)
    write_script(folder / "script.jsonl", lines, cast)
    voices = {"narrator": cast.narrator.voice or ""}
    voices.update({name: s.voice or "" for name, s in cast.characters.items()})
    return BuildResult(folder, files, playlist, cast_file, total,
                       time.perf_counter() - started, voices)
