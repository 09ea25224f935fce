"""The whole flow, usable from Python: book -> segments -> cast -> clips -> files."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Set
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from audiobook.attribution import (
    NARRATOR,
    Character,
    Roster,
    attribute,
    find_characters,
    guess_genders,
    infer_narrator,
    release_word_lists,
    speaker_stats,
)
from audiobook.audio import trim_heap
from audiobook.book import Book, load_book
from audiobook.cast import (
    Cast,
    add_aliases,
    assign_remaining_voices,
    dump_cast,
    load_cast,
    merge_characters,
    select_voices,
)
from audiobook.corrections import apply_corrections
from audiobook.engines import VoiceInfo, get_engine
from audiobook.errors import BuildError, InputError
from audiobook.segmenter import Segment, segment_book
from audiobook.speech import apply_pronunciations, heading_text, speakable, split_for_engine
from audiobook.tagged import placeholder_pronunciations, tagged_characters

if TYPE_CHECKING:
    from audiobook.assembler import BookInfo, BookOutput, ChapterPlan, Profile
    from audiobook.render import ClipRequest

# Audio modules (assembler, render, tqdm) are imported where audio is made, so
# `audiobook segment` starts quickly.

PAUSE_WITHIN_PARAGRAPH_MS = 250
PAUSE_BETWEEN_PARAGRAPHS_MS = 700
PAUSE_AFTER_HEADING_MS = 1200
PAUSE_SCENE_BREAK_MS = 2000
LEAD_IN_MS = 600
LEAD_OUT_MS = 1500
FORMATS = ("mp3", "m4b", "all")
MAX_COVER_BYTES = 20 * 1024 * 1024
NARRATED_BY = "computer voices, made with audiobook and e speak"


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
    """Chapter MP3s (none when only an M4B was asked for)."""
    playlist: Path | None
    cast_file: Path
    audio_seconds: float
    wall_seconds: float
    voices: dict[str, str] = field(default_factory=dict)
    m4b: Path | None = None
    """The one-file audiobook with chapter marks, when asked for."""
    gains_db: list[float] = field(default_factory=list)
    """Loudness gain applied to each file's chapter."""


def engine_voice_ids(engine: str = "pyttsx3") -> set[str]:
    return {v.id for v in get_engine(engine).voices()}


def engine_voices(engine: str | None = None, lang: str | None = None,
                  gender: str | None = None, voices_dir: Path | None = None,
                  progress: bool = False) -> list[VoiceInfo]:
    """The voices `audiobook voices` lists and the studio's cast panel offers: those of
    every installed engine, or of `engine` alone (`espeak`, `piper`, or `fake`)."""
    from audiobook.engines import piper

    found: list[VoiceInfo] = []
    if engine in (None, "espeak", "pyttsx3"):
        found += get_engine().voices()
    elif engine != "piper":
        found += get_engine(engine).voices()  # raises ValueError for an unknown engine
    if engine in (None, "piper"):
        folder = piper.voices_dir(voices_dir)
        if piper.available() and piper.installed_models(folder):
            piper.measure_missing_genders(folder, progress=progress)
        found += piper.voice_infos(folder)
    return select_voices(found, lang, gender)


class _EngineVoiceIds(Set):
    """The engine's voice ids, listed only when a cast file names a voice; Piper voice ids
    are checked against the voices installed in `voices_dir`."""

    def __init__(self, engine: str, voices_dir: Path | None = None) -> None:
        self.engine = engine
        self.voices_dir = voices_dir

    @cached_property
    def ids(self) -> set[str]:
        return engine_voice_ids(self.engine)

    @cached_property
    def piper_ids(self) -> set[str]:
        from audiobook.engines import piper

        return {v.id for v in piper.voice_infos(piper.voices_dir(self.voices_dir))}

    def __contains__(self, voice: object) -> bool:
        if isinstance(voice, str) and voice.startswith("piper:"):
            return voice in self.piper_ids
        return voice in self.ids

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


def read_cast(path: Path | None, engine: str = "pyttsx3",
              voices_dir: Path | None = None) -> Cast:
    """The cast file validated against the engine's voices, or an empty cast.

    The speech engine is started only if the file names a voice to check.
    """
    if path is None:
        return Cast()
    return load_cast(path, _EngineVoiceIds(engine, voices_dir))


def cast_voices(cast: Cast, engine: str = "pyttsx3", cast_engine: str = "espeak",
                voices_dir: Path | None = None) -> None:
    """Give everyone without a voice one: from the installed Piper voices first when
    `cast_engine` is `piper` (the rest, if they run out, from espeak-ng), else espeak-ng."""
    if cast_engine == "piper":
        from audiobook.cast import assign_piper_voices
        from audiobook.engines import piper

        piper.require_piper()
        folder = piper.voices_dir(voices_dir)
        piper.measure_missing_genders(folder)
        assign_piper_voices(cast, piper.voice_infos(folder))
    assign_remaining_voices(cast, engine_voice_ids(engine))


def cast_roster(book: Book, segments: list[Segment], cast: Cast) -> Roster:
    """Who may speak: the cast file's characters and those found in the text (the cast
    gains them)."""
    merge_characters(cast, find_characters(book.text, segments, known=cast.to_characters()))
    if cast.narrator_character is None:
        narrator = infer_narrator(book.text, segments, Roster(cast.to_characters()))
        if narrator not in (None, NARRATOR):
            # "I" is a character (named maybe only by the others' lines).
            merge_characters(cast, [Character(narrator)])
            cast.narrator_character = narrator
    else:
        narrator = cast.narrator_character
    characters = cast.to_characters()
    # A gender the cast file (or a tag) leaves open comes from the text.
    guess_genders(book.text, characters)
    for char in characters:
        cast.characters[char.name].gender = char.gender
    return Roster(characters, narrator=narrator)


def analyse(book: Book, cast: Cast) -> list[Segment]:
    """Segments with speakers; the cast gains the characters found in the text.

    The cast file's corrections are applied between the segmenter and attribution.
    """
    return analyse_book(book, cast)[0]


def analyse_book(book: Book, cast: Cast) -> tuple[list[Segment], Roster]:
    """`analyse`, and the roster attribution used (the studio re-attributes single
    chapters with it)."""
    segments = segment_book(book)
    fixed = apply_corrections(segments, cast.corrections, book.text)
    named = set(cast.characters)  # the cast file's own
    seed_from_tags(book, cast)
    roster = cast_roster(book, segments, cast)
    for name, phrases in attribute(segments, roster, book.text, fixed=fixed).items():
        add_aliases(cast, name, phrases)
    stats = cast.to_characters()
    speaker_stats(segments, stats)
    for char in stats:
        cast.characters[char.name].lines = char.lines
        cast.characters[char.name].words = char.words
    for name in set(cast.characters) - named:
        # Found in the text or a tag but never speaks: no voice, not in the cast.
        if not cast.characters[name].lines:
            del cast.characters[name]
            if cast.narrator_character == name:
                cast.narrator_character = None
    if cast.title is None:
        cast.title = book.title
    if cast.author is None:
        cast.author = book.author
    if cast.summary is None:
        cast.summary = book.work.summary
    return segments, roster


def seed_from_tags(book: Book, cast: Cast) -> list[str]:
    """Add the characters a fan-fiction work's tags name, as a cast file's are known before
    attribution starts (the cast file's own names win); return the names added.

    Reader-insert placeholders the text uses (`Y/N`) get a pronunciation unless the
    cast file gives one.
    """
    before = set(cast.characters)
    merge_characters(cast, tagged_characters(book.work, book.text))
    said = {word.lower() for word in cast.pronunciations}
    for mark, say in placeholder_pronunciations(book.text).items():
        if mark.lower() not in said:
            cast.pronunciations[mark] = say
    return [name for name in cast.characters if name not in before]


def script(book: Book, segments: list[Segment], cast: Cast) -> list[ScriptLine]:
    """What is said for each segment: titles announced once, headings as spoken."""
    lines = []
    announced = False
    for seg in segments:
        if seg.kind == "title":
            say = ""
            if not announced:
                author = cast.author or book.author
                by = f", by {author}" if author else ""
                say = apply_pronunciations(f"{cast.title or book.title}{by}.",
                                           cast.pronunciations)
                announced = True
        elif seg.kind == "heading":
            say = apply_pronunciations(heading_text(seg.text), cast.pronunciations)
        elif seg.kind == "skipped":
            say = ""
        else:
            say = speakable(seg.text, cast.pronunciations)
        lines.append(ScriptLine(seg, say))
    return lines


def plan_chapters(book: Book, lines: list[ScriptLine], cast: Cast
                  ) -> tuple[list[ChapterPlan], list[list[ClipRequest | int]]]:
    """Per chapter: the sequence of clip requests and pauses."""
    from audiobook.assembler import ChapterPlan
    from audiobook.render import ClipRequest

    plans, sequences = [], []
    by_chapter: dict[int, list[ScriptLine]] = {}
    for line in lines:
        by_chapter.setdefault(line.segment.chapter, []).append(line)
    narrator = cast.settings_for(cast.narrator)
    breaks = book.scene_breaks
    announce = None
    if book.author and not any(line.segment.kind == "title" for line in lines):
        # A book whose metadata (not its text) names the author: announce it once.
        announce = apply_pronunciations(
            f"{cast.title or book.title}, by {cast.author or book.author}.", cast.pronunciations)
    for chapter in book.chapters:
        seq: list[ClipRequest | int] = [LEAD_IN_MS]
        if announce:
            seq += [ClipRequest(announce, narrator), PAUSE_AFTER_HEADING_MS]
            announce = None
        chapter_lines = by_chapter.get(chapter.index, [])
        if not any(line.segment.kind == "heading" for line in chapter_lines):
            heading = apply_pronunciations(heading_text(chapter.title), cast.pronunciations)
            seq += [ClipRequest(heading, narrator), PAUSE_AFTER_HEADING_MS]
        previous: Segment | None = None
        for line in chapter_lines:
            if not line.say:
                continue
            seg = line.segment
            if previous is not None:
                if bisect_right(breaks, seg.start) > bisect_right(breaks, previous.end):
                    seq.append(PAUSE_SCENE_BREAK_MS)
                elif previous.kind in ("heading", "title"):
                    seq.append(PAUSE_AFTER_HEADING_MS)
                elif previous.paragraph != seg.paragraph:
                    seq.append(PAUSE_BETWEEN_PARAGRAPHS_MS)
                else:
                    seq.append(PAUSE_WITHIN_PARAGRAPH_MS)
            settings = cast.settings_for(seg.speaker) if seg.kind == "dialogue" else narrator
            seq += [ClipRequest(piece, settings) for piece in split_for_engine(line.say)]
            previous = seg
        seq.append(LEAD_OUT_MS)
        plans.append(ChapterPlan(chapter.index, chapter.title))
        sequences.append(seq)
    return plans, sequences


def script_records(lines: list[ScriptLine], cast: Cast) -> list[dict]:
    """One record per spoken segment: the segment, the voice settings used, the text said."""
    records = []
    for line in lines:
        if not line.say:
            continue
        seg = line.segment
        settings = cast.settings_for(seg.speaker if seg.kind == "dialogue" else cast.narrator)
        records.append({**seg.to_dict(), "voice": settings.voice, "rate": settings.rate,
                        "pitch": settings.pitch, "volume": settings.volume, "say": line.say})
    return records


def write_script(path: Path, lines: list[ScriptLine], cast: Cast) -> None:
    """`script.jsonl`: who says what, in which voice, exactly as spoken."""
    from audiobook.audio import atomic_target

    tmp = atomic_target(path)
    with open(tmp, "w", encoding="utf-8") as f:
        for record in script_records(lines, cast):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def read_cover(path: Path) -> bytes:
    """A cover image file (JPEG or PNG), checked before any audio work."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read the cover ({err.strerror})") from None
    if len(data) > MAX_COVER_BYTES:
        raise InputError(f"{path}: cover image too large ({len(data)} bytes)")
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise InputError(f"{path}: the cover must be a JPEG or PNG image")
    return data


def credits(book: Book, cast: Cast) -> tuple[str, str]:
    """Opening and closing credits (ACX asks for both)."""
    title = cast.title or book.title
    by = f", written by {cast.author or book.author}" if (cast.author or book.author) else ""
    narrated = f"Narrated by {NARRATED_BY}."
    return (f"{title}{by}. {narrated}",
            f"This has been {title}{by}. {narrated} The end.")



def _clip_keys(sequences: list[list[ClipRequest | int]], engine: str,
               voices_dir: Path | None = None) -> list[list[str | int]]:
    from audiobook.render import ClipRequest, key_for
    keys: dict[ClipRequest, str] = {}
    out = []
    for seq in sequences:
        row: list[str | int] = []
        for item in seq:
            if isinstance(item, ClipRequest):
                if item not in keys:
                    keys[item] = key_for(item, engine, voices_dir)
                row.append(keys[item])
            else:
                row.append(item)
        out.append(row)
    return out


def _calibration(sequences: list[list[ClipRequest | int]], engine: str,
                 voices_dir: Path | None = None) -> tuple[list[ClipRequest], dict]:
    """The calibration clip of every voice used, and each voice's calibration clip key."""
    from audiobook.levels import calibration_request
    from audiobook.render import ClipRequest, key_for

    requests: dict = {}
    for seq in sequences:
        for x in seq:
            if isinstance(x, ClipRequest) and x.settings not in requests:
                requests[x.settings] = calibration_request(x.settings)
    return list(requests.values()), {s: key_for(r, engine, voices_dir)
                                     for s, r in requests.items()}


def _voice_gains(cal_keys: Iterable[str], cache: Path, rules: Profile) -> dict[str, float]:
    """Each voice's gain, by calibration clip key (the clips must be in the cache)."""
    from audiobook.levels import clip_loudness, voice_gain_db
    from audiobook.render import clip_path

    return {key: voice_gain_db(clip_loudness(clip_path(cache, key)), rules)
            for key in set(cal_keys)}


def _with_levels(sequences: list[list[ClipRequest | int]], keys: list[list[str | int]],
                 cal_key: dict) -> list[list[tuple[str, str] | int]]:
    """Clip keys paired with their voice's calibration key; pauses as they are."""
    return [[k if isinstance(k, int) else (k, cal_key[x.settings])
             for x, k in zip(seq, row, strict=True)]
            for seq, row in zip(sequences, keys, strict=True)]


def _encode_streaming(plans: list[ChapterPlan], sequences: list[list[ClipRequest | int]],
                      folder: Path, info: BookInfo, rules: Profile, cache: Path, engine: str,
                      jobs: int | None, progress: bool, clip_timeout: float,
                      keep_whole: bool = False, voices_dir: Path | None = None) -> BookOutput:
    """One MP3 per chapter, made of fragments encoded as soon as their chapter's clips
    exist, while later chapters are still being spoken. Chapters unchanged since the last
    build are kept as they are; fragments already in the cache are not encoded again."""
    from collections import Counter

    from tqdm import tqdm

    from audiobook.assembler import chapter_filename
    from audiobook.fragments import (
        EncoderPool,
        fragment_path,
        frame_samples,
        join_fragments,
        planned_frames,
        split_fragments,
    )
    from audiobook.manifest import Manifest, output_digest
    from audiobook.render import ClipRequest, clip_path, default_jobs, render_chapters

    manifest = Manifest(folder)
    keys = _clip_keys(sequences, engine, voices_dir)
    # Every voice is brought to the target by its own gain, measured on a calibration clip.
    calibration, cal_key = _calibration(sequences, engine, voices_dir)
    leveled = _with_levels(sequences, keys, cal_key)
    names, digests, fragments, results = [], [], [], {}
    for number, (plan, seq, row) in enumerate(zip(plans, sequences, leveled, strict=True), 1):
        plan.index = number
        frags = split_fragments([x if isinstance(x, int) else x.text for x in seq], row, rules)
        name = chapter_filename(plan, len(plans))
        digest = output_digest([f.digest for f in frags], plan.title, number, info, rules)
        names.append(name)
        digests.append(digest)
        fragments.append(frags)
        entry = manifest.reusable(name, digest)
        if entry:
            results[number - 1] = (entry["seconds"], entry["gain_db"])
    whole = manifest.whole if keep_whole else None
    manifest.keep_only(set(names) | set(whole["files"] if whole else ()))
    manifest.set_whole(whole)
    todo = [i for i in range(len(plans)) if i not in results]
    if not todo:
        return _streamed_output(plans, folder, names, results)
    gains: dict[str, float] = {}
    cancelled = threading.Event()
    lock = threading.Lock()
    left = {i: len(fragments[i]) for i in todo}

    def finish(i: int) -> None:
        frames, gain_keys = 0, Counter()
        for frag in fragments[i]:
            items = [x if isinstance(x, int) else clip_path(cache, x[0]) for x in frag.items]
            frames += planned_frames(items, rules.sample_rate)[0]
            gain_keys.update(x[1] for x in frag.items if not isinstance(x, int))
        join_fragments([fragment_path(cache, f.digest) for f in fragments[i]],
                       folder / names[i], plans[i], info)
        seconds = frames * frame_samples(rules.sample_rate) / rules.sample_rate
        main_gain = gains[gain_keys.most_common(1)[0][0]] if gain_keys else 0.0
        manifest.record(names[i], digests[i], seconds=seconds, gain_db=main_gain)
        results[i] = (seconds, main_gain)
        bar.update(1)

    def encode(i: int, k: int) -> None:
        if cancelled.is_set():
            raise BuildError("cancelled")
        frag = fragments[i][k]
        path = fragment_path(cache, frag.digest)
        if not path.exists():
            items = [x if isinstance(x, int) else (clip_path(cache, x[0]), gains[x[1]])
                     for x in frag.items]
            pool.encode(items, path, rules, rules.sample_rate, frag.digest)
        with lock:
            left[i] -= 1
            last = not left[i]
        if last:
            finish(i)

    workers = jobs or default_jobs()
    futures: list[Future] = []
    # The calibration clips come first (index 0), then each chapter still to make.
    requests = [calibration] + [
        [x for x in sequences[i] if isinstance(x, ClipRequest)] for i in todo]
    waiting: list[int] = []
    bar = tqdm(total=len(todo), desc="Encoding", unit="chapter", disable=not progress,
               position=1)
    encoders = ThreadPoolExecutor(workers, thread_name_prefix="encode")
    pool = EncoderPool(workers)

    def submit(i: int) -> None:
        futures.extend(encoders.submit(encode, i, k) for k in range(len(fragments[i])))

    try:
        with closing(render_chapters(requests, cache, engine, jobs, progress,
                                     names=["voice levels"] + [plans[i].title for i in todo],
                                     clip_timeout=clip_timeout, voices_dir=voices_dir)) as ready:
            for k in ready:
                if k == 0:
                    gains.update(_voice_gains(cal_key.values(), cache, rules))
                    for i in waiting:
                        submit(i)
                elif gains or not calibration:
                    submit(todo[k - 1])
                else:
                    waiting.append(todo[k - 1])
                for future in futures:
                    if future.done():
                        future.result()  # an encoder failed: stop speaking
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()
    except BaseException:
        cancelled.set()
        raise
    finally:
        encoders.shutdown(wait=True, cancel_futures=True)
        pool.close()
        bar.close()
    return _streamed_output(plans, folder, names, results)


def _streamed_output(plans: list[ChapterPlan], folder: Path, names: list[str],
                     results: dict[int, tuple[float, float]]) -> BookOutput:
    from audiobook.assembler import BookOutput

    out = BookOutput()
    for i, plan in enumerate(plans):
        seconds, gain = results[i]
        out.chapters.append((folder / names[i], seconds, plan.title))
        out.gains_db.append(gain)
    return out


def _encode_whole(plans: list[ChapterPlan], sequences: list[list[ClipRequest | int]],
                  folder: Path, info: BookInfo, rules: Profile, wanted: tuple[str, ...],
                  cache: Path, engine: str, jobs: int | None, progress: bool,
                  clip_timeout: float, keep: Set[str] = frozenset(),
                  voices_dir: Path | None = None) -> BookOutput:
    """An M4B, or chapters split by length (ACX): every clip first, then one encoding pass,
    skipped when the last build into this folder made the same files from the same clips.

    Loudness targets (LUFS) are met by each voice's own gain, as in MP3 chapters; an RMS
    target (ACX) by measuring each file. `keep` names other files of this build."""
    from tqdm import tqdm

    from audiobook.assembler import BookOutput, encode_book, split_long_chapter
    from audiobook.manifest import Manifest, output_digest
    from audiobook.render import ClipRequest, clip_path, render_chapters

    manifest = Manifest(folder)
    keys = _clip_keys(sequences, engine, voices_dir)
    calibration, cal_key = (_calibration(sequences, engine, voices_dir)
                            if rules.loudness == "lufs" else ([], {}))
    rows = _with_levels(sequences, keys, cal_key) if cal_key else keys
    digest = output_digest([[plan.title, *row] for plan, row in zip(plans, rows, strict=True)],
                           "", 0, info, rules, extra=",".join(wanted))
    record = manifest.whole
    if record and record.get("digest") == digest and all(
            manifest.reusable(name, digest) for name in record["files"]):
        chapters = [(folder / name if name else None, seconds, title)
                    for name, seconds, title in record["chapters"]]
        m4b = folder / record["m4b"] if record.get("m4b") else None
        return BookOutput(chapters, m4b, record["gains_db"])
    requests = [calibration] + [[x for x in seq if isinstance(x, ClipRequest)]
                                for seq in sequences]
    for _ in render_chapters(requests, cache, engine, jobs, progress,
                             names=["voice levels"] + [plan.title for plan in plans],
                             clip_timeout=clip_timeout, voices_dir=voices_dir):
        pass
    gains = _voice_gains(cal_key.values(), cache, rules)
    parts: list[ChapterPlan] = []
    for plan, row in zip(plans, rows, strict=True):
        plan.items = [k if isinstance(k, int) else clip_path(cache, k) if isinstance(k, str)
                      else (clip_path(cache, k[0]), gains[k[1]]) for k in row]
        plan.split_after_ms = PAUSE_BETWEEN_PARAGRAPHS_MS
        if rules.max_file_seconds:
            parts += split_long_chapter(plan, rules.max_file_seconds)
        else:
            parts.append(plan)
    for number, plan in enumerate(parts, 1):
        plan.index = number
    info.chapters = len(parts)
    with tqdm(total=len(parts), desc="Encoding", unit="chapter", disable=not progress) as bar:
        output = encode_book(parts, folder, info, rules, wanted,
                             m4b_name=f"{folder.name}.m4b", progress=lambda: bar.update(1))
    written = [p.name for p, _, _ in output.chapters if p] + ([output.m4b.name]
                                                              if output.m4b else [])
    manifest.keep_only(set(written) | set(keep))
    for name in written:
        manifest.record(name, digest)
    manifest.set_whole({"digest": digest, "files": written, "gains_db": output.gains_db,
                        "m4b": output.m4b.name if output.m4b else None,
                        "chapters": [(p.name if p else None, seconds, title)
                                     for p, seconds, title in output.chapters]})
    return output


def build(
    input_path: Path,
    voices_path: Path | None = None,
    out_dir: Path = Path("output"),
    jobs: int | None = None,
    cache: Path | None = None,
    use_cache: bool = True,
    engine: str = "pyttsx3",
    progress: bool = True,
    formats: str = "mp3",
    cover: Path | None = None,
    profile: str = "standard",
    keep_notes: bool = False,
    clip_timeout: float | None = None,
    read_summary: bool = False,
    cast_engine: str = "espeak",
    voices_dir: Path | None = None,
) -> BuildResult:
    """Build the audiobook for a story file; return what was written.

    `formats` is `mp3` (a file per chapter and a playlist), `m4b` (one file with
    chapter marks) or `all`; `profile` is `standard` or `acx`. Clips come from the
    cache when there, chapters from the last build into the same folder when
    nothing that makes them changed. `cast_engine` (`espeak` or `piper`) is where
    speakers without a voice get one; `voices_dir` is where Piper voices are.
    """
    from audiobook.assembler import PROFILES, BookInfo, ChapterPlan, slugify, write_playlist
    from audiobook.audio import atomic_target, configure_pydub
    from audiobook.manifest import remove_stale_parts
    from audiobook.render import CLIP_TIMEOUT_S, ClipRequest, default_cache_dir

    clip_timeout = CLIP_TIMEOUT_S if clip_timeout is None else clip_timeout
    started = time.perf_counter()
    if formats not in FORMATS:
        raise InputError(f"unknown format {formats!r} (choose from {', '.join(FORMATS)})")
    if profile not in PROFILES:
        raise InputError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
    rules = PROFILES[profile]
    wanted = ("mp3", "m4b") if formats == "all" else (formats,)
    cover_data = read_cover(cover) if cover else None
    book = load_book(input_path, keep_notes=keep_notes, read_summary=read_summary)
    cast = read_cast(voices_path, engine, voices_dir)
    segments = analyse(book, cast)
    release_word_lists()  # not needed again in a build that may run for hours
    trim_heap()
    cast_voices(cast, engine, cast_engine, voices_dir)
    lines = script(book, segments, cast)
    plans, sequences = plan_chapters(book, lines, cast)
    if rules.credits:
        opening, closing = credits(book, cast)
        narrator = cast.narrator.settings()
        plans = [ChapterPlan(0, "Opening Credits"), *plans, ChapterPlan(0, "Closing Credits")]
        sequences = [[LEAD_IN_MS, ClipRequest(opening, narrator), LEAD_OUT_MS], *sequences,
                     [LEAD_IN_MS, ClipRequest(closing, narrator), LEAD_OUT_MS]]

    folder = out_dir / slugify(cast.title or book.title)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out_dir}: cannot create the output folder ({err.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise InputError(f"{folder}: the output folder is not writable")

    remove_stale_parts(folder)
    temp_cache = None
    if not use_cache:
        temp_cache = Path(tempfile.mkdtemp(prefix="audiobook-nocache-"))
    cache_dir = temp_cache or cache or default_cache_dir()
    series = book.work.series[0] if book.work.series else None
    info = BookInfo(cast.title or book.title, cast.author or book.author, len(plans),
                    cover=cover_data or book.cover, narrator=NARRATED_BY,
                    description=cast.summary or book.work.summary,
                    series=series.title if series else None,
                    series_index=series.position if series else None,
                    fandoms=list(book.work.fandoms))
    configure_pydub()
    try:
        if "mp3" in wanted and rules.loudness == "lufs" and not rules.max_file_seconds:
            # MP3 chapters from fragments; an M4B, when asked for too, in one more pass.
            output = _encode_streaming(plans, sequences, folder, info, rules, cache_dir,
                                       engine, jobs, progress, clip_timeout,
                                       keep_whole="m4b" in wanted, voices_dir=voices_dir)
            if "m4b" in wanted:
                output.m4b = _encode_whole(
                    plans, sequences, folder, info, rules, ("m4b",), cache_dir, engine, jobs,
                    progress, clip_timeout,
                    keep={path.name for path, _, _ in output.chapters},
                    voices_dir=voices_dir).m4b
        else:
            output = _encode_whole(plans, sequences, folder, info, rules, wanted, cache_dir,
                                   engine, jobs, progress, clip_timeout,
                                   voices_dir=voices_dir)
    finally:
        if temp_cache:
            shutil.rmtree(temp_cache, ignore_errors=True)

    files = [path for path, _, _ in output.chapters if path is not None]
    total = sum(seconds for _, seconds, _ in output.chapters)
    playlist = None
    if "mp3" in wanted:
        playlist = folder / f"{folder.name}.m3u8"
        write_playlist(playlist, [(path.name, seconds, title)
                                  for path, seconds, title in output.chapters if path])
    cast_file = folder / "cast.yaml"
    tmp = atomic_target(cast_file)
    tmp.write_text(dump_cast(cast), encoding="utf-8")
    os.replace(tmp, cast_file)
    write_script(folder / "script.jsonl", lines, cast)
    voices = {"narrator": cast.narrator.voice or ""}
    voices.update({name: s.voice or "" for name, s in cast.characters.items()})
    return BuildResult(folder, files, playlist, cast_file, total,
                       time.perf_counter() - started, voices, output.m4b, output.gains_db)


def cast_for_book(input_path: Path | None, voices_path: Path | None = None,
                  engine: str = "pyttsx3", cast_engine: str = "espeak",
                  voices_dir: Path | None = None) -> tuple[Cast, list[ScriptLine]]:
    """The cast file's choices plus everyone found in the book, every speaker with a voice.

    The cast file is validated before the book is read; choices it makes are
    kept as they are, and only characters it does not name are added. With no
    book, only the file's speakers are cast. Also returns the book's script.
    """
    cast = read_cast(voices_path, engine, voices_dir)
    lines: list[ScriptLine] = []
    if input_path is not None:
        book = load_book(input_path)
        segments = analyse(book, cast)
        lines = script(book, segments, cast)
    cast_voices(cast, engine, cast_engine, voices_dir)
    return cast, lines
