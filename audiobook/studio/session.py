"""The studio's state: the book's script as a build would speak it, and the cast file.

Every change the page makes is an edit of the cast file (a correction, a
character's voice...). It is checked by running the same analysis a build runs
(`pipeline.analyse`, which honours the corrections) before the file is
written, so the script on screen, `audiobook segment` and the next build always
agree, and a change that would break the file is refused with nothing written.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from audiobook.attribution import Character, Roster, attribute, speaker_stats
from audiobook.book import Book, load_book
from audiobook.cast import (
    GENDERS,
    PIPER_PREFIX,
    RESERVED_NAMES,
    Cast,
    Speaker,
    assign_piper_voices,
    assign_remaining_voices,
    merge_characters,
    parse_cast,
)
from audiobook.castfile import CastDocument, write_atomic
from audiobook.corrections import Correction, describe, fixed_speakers, resolve
from audiobook.engines import VoiceInfo
from audiobook.errors import InputError
from audiobook.pipeline import analyse_book, script
from audiobook.render import ClipRequest
from audiobook.segmenter import Segment, segment_book
from audiobook.speech import split_for_engine

LOW_CONFIDENCE = 0.6
"""Quotes whose speaker the ranker gives less than this probability stand out."""
REFINE_DELAY_S = 0.5
"""Quiet time after a change before the whole book is attributed again."""
MAX_NAME_CHARS = 80
"""Longest character name the page may add."""
NARRATOR_FIELDS = ("voice", "rate", "pitch")
CHARACTER_FIELDS = ("voice", "rate", "pitch", "gender", "aliases")


class StudioError(Exception):
    """A request the studio refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class StudioOptions:
    """What `audiobook studio` was started with: the book, its cast file, build options."""

    input: Path
    cast_path: Path
    out_dir: Path = Path("output")
    cache: Path | None = None
    jobs: int | None = None
    engine: str = "pyttsx3"
    """The engine that speaks every voice but Piper's (`pyttsx3`; `fake` in tests)."""
    formats: str = "mp3"
    profile: str = "standard"
    cast_engine: str = "espeak"
    """Where speakers without a voice get one: `espeak` or `piper` (`--engine`)."""
    voices_dir: Path | None = None
    """Where Piper voices are (None: the default folder)."""


@dataclass
class State:
    """One analysis of the book with one version of the cast file (never changed after)."""

    text: str
    """The cast file's text it was made from."""
    cast: Cast
    """The cast as a build uses it: the file's, the characters found, every voice."""
    in_file: set[str]
    """Characters the cast file itself names."""
    corrections: list[Correction]
    segments: list[Segment]
    targets: dict[int, int] = field(default_factory=dict)
    """Start offset of a corrected line -> index of its correction in the file."""
    roster: Roster | None = None
    """The roster attribution used (kept: it holds the book's mentions, found once)."""
    exact: bool = True
    """False while only the changed chapter was re-attributed (the whole book follows)."""
    by_start: dict[int, Segment] = field(default_factory=dict)
    by_chapter: dict[int, list[Segment]] = field(default_factory=dict)

    def index(self) -> State:
        self.by_start = {seg.start: seg for seg in self.segments}
        self.by_chapter = {}
        for seg in self.segments:
            self.by_chapter.setdefault(seg.chapter, []).append(seg)
        return self


@dataclass
class Edit:
    """How to take back one correction: operations on the `corrections:` list."""

    label: str
    undo: list[tuple]
    """("remove", index, entry) | ("insert", index, entry) | ("replace", index, now, before)."""
    character: str | None = None
    """A character the edit added to the cast file (removed again if nothing names them)."""


class Session:
    """The book and its cast file, shared by every request (one lock for writes)."""

    def __init__(self, options: StudioOptions, voices: list[VoiceInfo]) -> None:
        self.options = options
        self.voices = voices
        self.voice_ids = {v.id for v in voices}
        self._other_ids = {v for v in self.voice_ids if not v.startswith(PIPER_PREFIX)}
        """The voices espeak-ng's auto-cast (or the test engine's) may pick from."""
        self.book: Book = load_book(options.input)
        self.lock = threading.RLock()
        self.version = 0
        """Goes up with every change of the script or the cast."""
        self.notice = ""
        """The last thing the page should be told about the cast file (outside edits)."""
        self.notice_version = 0
        """The version at which `notice` was given."""
        self.file_error = ""
        """Why the cast file on disk cannot be used right now (an outside edit broke it)."""
        self.history: list[Edit] = []
        self.raw = segment_book(self.book)
        """The segmenter's output, copied for every chapter re-attributed alone."""
        self._stale = threading.Event()
        self.refined: list[int] = []
        """Lines each whole-book pass changed after a quick, chapter-only one."""
        text = self._read()
        self.state = self._analyse(text)
        self._stamp = self._file_stamp()
        self.version = 1
        threading.Thread(target=self._refine, daemon=True, name="refine").start()

    # --- the cast file ----------------------------------------------------------------

    def _read(self) -> str:
        try:
            return self.options.cast_path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"{self.options.cast_path}: the cast file was removed") from None
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{self.options.cast_path}: cannot read ({err})") from None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.options.cast_path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def _analyse(self, text: str) -> State:
        """The script and cast a build makes from this cast file text (the whole book)."""
        cast = parse_cast(text, self.options.cast_path, self.voice_ids)
        in_file = set(cast.characters)
        segments, roster = analyse_book(self.book, cast)
        self._cast_voices(cast)
        targets = resolve([copy.copy(seg) for seg in self.raw], cast.corrections, self.book.text)
        return State(text, cast, in_file, list(cast.corrections), segments,
                     {seg.start: i for i, seg in enumerate(targets)}, roster).index()

    def _cast_voices(self, cast: Cast) -> None:
        """Voices for everyone the file leaves without one, as a build with the same
        `--engine` gives them (`pipeline.cast_voices`), from the voices listed at start."""
        if self.options.cast_engine == "piper":
            assign_piper_voices(cast, self.voices)
        assign_remaining_voices(cast, self._other_ids)

    def _chapter(self, corrections: list[Correction], number: int, roster: Roster
                 ) -> tuple[list[Segment], list[Segment]]:
        """One chapter attributed alone with these corrections; and the corrected lines."""
        segments = [copy.copy(seg) for seg in self.raw]
        targets = resolve(segments, corrections, self.book.text)
        chapter = [seg for seg in segments if seg.chapter == number]
        # A copy: attribution may settle the roster's narrator from what it is given (here
        # one chapter); the mentions it found in the book are shared, not found again.
        attribute(chapter, copy.copy(roster), self.book.text,
                  fixed=fixed_speakers(corrections, targets))
        return chapter, targets

    def _quick(self, text: str, number: int | None) -> State:
        """The cast file's new text applied to the script at once: the lines of chapter
        `number` that depend on what changed are re-attributed (the chapter alone,
        before and after the change, tells which); every other line keeps the last
        whole-book attribution until `_refine` has run again."""
        old = self.state
        cast = parse_cast(text, self.options.cast_path, self.voice_ids)
        in_file = set(cast.characters)
        corrections = list(cast.corrections)
        merge_characters(cast, [Character(c.name, list(c.aliases), c.gender)
                                for name, c in old.cast.characters.items()
                                if name not in old.in_file])
        known = [(c.name, c.aliases, c.gender) for c in cast.to_characters()]
        roster = old.roster
        if roster is None or known != [(c.name, c.aliases, c.gender)
                                       for c in roster.characters]:
            roster = Roster(cast.to_characters(), narrator=old.roster.narrator
                            if old.roster else cast.narrator_character)
        segments, targets = old.segments, old.targets
        if number is not None:
            before, _ = self._chapter(old.corrections, number, roster)
            after, found = self._chapter(corrections, number, roster)
            was = {seg.start: (seg.kind, seg.speaker, seg.end) for seg in before}
            chapter = [seg if was.get(seg.start) != (seg.kind, seg.speaker, seg.end)
                       or seg.start not in old.by_start else old.by_start[seg.start]
                       for seg in after]
            segments = [seg for seg in old.segments if seg.chapter < number] + chapter + [
                seg for seg in old.segments if seg.chapter > number]
            targets = {seg.start: i for i, seg in enumerate(found)}
        stats = cast.to_characters()
        speaker_stats(segments, stats)
        for char in stats:
            cast.characters[char.name].lines = char.lines
            cast.characters[char.name].words = char.words
        cast.title = cast.title or self.book.title
        cast.author = cast.author or self.book.author
        self._cast_voices(cast)
        return State(text, cast, in_file, corrections, segments, targets, roster,
                     exact=False).index()

    def _refine(self) -> None:
        """Background thread: bring a quick state to what a build makes of the whole book."""
        while True:
            self._stale.wait()
            self._stale.clear()
            # Let the page fetch what it shows first, and a quick run of edits settle.
            while self._stale.wait(REFINE_DELAY_S):
                self._stale.clear()
            state = self.state
            if state.exact:
                continue
            try:
                exact = self._analyse(state.text)
            except InputError:
                continue  # the quick check let it through; the next edit will tell
            with self.lock:
                if self.state is state:
                    self.refined.append(len(self._install(exact)["changed"]))

    def check_outside_edits(self) -> bool:
        """Reload the cast file if it changed on disk; True if the script changed."""
        with self.lock:
            stamp = self._file_stamp()
            if stamp == self._stamp:
                return False
            self._stamp = stamp
            try:
                text = self._read()
                if text == self.state.text:
                    self.file_error = ""
                    return False
                state = self._analyse(text)
            except InputError as err:
                self.file_error = str(err)
                self.notice = (f"The cast file on disk has a problem; the studio keeps the last "
                               f"good version until it is fixed: {err}")
                self.version += 1
                self.notice_version = self.version
                return False
            self.file_error = ""
            self.history.clear()  # undo steps refer to the file as it was
            self._install(state)
            self.notice = f"{self.options.cast_path.name} changed on disk; reloaded."
            self.notice_version = self.version
            return True

    def _install(self, state: State) -> dict:
        """Make `state` current; return what changed for the page."""
        old, self.state = self.state, state
        self.version += 1
        if not state.exact:
            self._stale.set()
        changed, chapters = [], set()
        for seg in state.segments:
            before = old.by_start.get(seg.start)
            if before is None or (before.kind, before.speaker, before.end) != (
                    seg.kind, seg.speaker, seg.end):
                changed.append(seg.start)
                chapters.add(seg.chapter)
        chapters |= {seg.chapter for seg in old.segments if seg.start not in state.by_start}
        return {"version": self.version, "changed": changed, "chapters": sorted(chapters)}

    def _document(self) -> CastDocument:
        if self.file_error:
            raise StudioError(409, f"fix the cast file first: {self.file_error}")
        return CastDocument(self.options.cast_path, self.state.text)

    def _commit(self, document: CastDocument, edit: Edit | None = None,
                chapter: int | None = None) -> dict:
        """Check an edited cast file against the book, write it, show what it changed.

        `chapter` is where a correction changed the script (None: a cast edit)."""
        started = time.perf_counter()
        text = document.text()
        try:
            state = self._quick(text, chapter)
        except InputError as err:
            raise StudioError(400, str(err)) from None
        write_atomic(self.options.cast_path, text)
        self._stamp = self._file_stamp()
        if edit is not None:
            self.history.append(edit)
        change = self._install(state)
        return self.change_info({**change, "seconds": round(time.perf_counter() - started, 3)})

    # --- reading ----------------------------------------------------------------------

    def line(self, line_id: object, kinds: tuple[str, ...] | None = None) -> Segment:
        if not isinstance(line_id, int) or isinstance(line_id, bool):
            raise StudioError(400, "a line is named by its number (`id`)")
        seg = self.state.by_start.get(line_id)
        if seg is None:
            raise StudioError(404, f"no line {line_id} in the script (reload the page)")
        if kinds and seg.kind not in kinds:
            raise StudioError(400, f"line {line_id} is {seg.kind}, not {' or '.join(kinds)}")
        return seg

    def canonical(self, name: str) -> str | None:
        """The cast's name for a name or alias (any case), `narrator`, or None."""
        if name.strip().lower() == "narrator":
            return "narrator"
        key = name.strip().lower()
        for speaker in self.state.cast.characters.values():
            if key in (n.lower() for n in [speaker.name, *speaker.aliases]):
                return speaker.name
        return None

    def book_info(self) -> dict:
        state = self.state
        chapters = []
        for chapter in self.book.chapters:
            segs = state.by_chapter.get(chapter.index, [])
            quotes = [s for s in segs if s.kind == "dialogue"]
            chapters.append({
                "number": chapter.index, "title": chapter.title, "quotes": len(quotes),
                "unknown": sum(1 for s in quotes if s.speaker == "unknown"),
                "doubtful": sum(1 for s in quotes if _doubtful(s)),
                "corrected": sum(1 for s in segs if s.start in state.targets)})
        return {"title": state.cast.title or self.book.title,
                "author": state.cast.author or self.book.author,
                "cast_file": str(self.options.cast_path), "version": self.version,
                "chapters": chapters, "low_confidence": LOW_CONFIDENCE,
                "can_undo": bool(self.history), "options": {
                    "format": self.options.formats, "profile": self.options.profile,
                    "engine": self.options.cast_engine}}

    def chapter(self, number: object) -> dict:
        state = self.state
        if not isinstance(number, int) or number not in state.by_chapter:
            raise StudioError(404, f"no chapter {number!r} in the book")
        paragraphs: list[list[dict]] = []
        last = None
        for seg in state.by_chapter[number]:
            if seg.paragraph != last:
                paragraphs.append([])
                last = seg.paragraph
            paragraphs[-1].append({
                "id": seg.start, "kind": seg.kind, "text": seg.text,
                "speaker": seg.speaker if seg.kind == "dialogue" else "narrator",
                "confidence": seg.confidence, "doubtful": _doubtful(seg),
                "corrected": seg.start in state.targets})
        title = next(c.title for c in self.book.chapters if c.index == number)
        return {"number": number, "title": title, "version": self.version,
                "paragraphs": paragraphs}

    def cast_info(self) -> dict:
        state = self.state
        speakers = [_speaker_info(state.cast.narrator, True, state.cast)]
        speakers += [_speaker_info(s, s.name in state.in_file, state.cast)
                     for s in sorted(state.cast.characters.values(),
                                     key=lambda s: (-s.lines, s.name))]
        return {"version": self.version, "speakers": speakers, "genders": list(GENDERS),
                "notice": self.notice, "file_error": self.file_error}

    def voice_list(self) -> dict:
        """The engine's voices in the narrator's language (and any the cast uses)."""
        cast = self.state.cast
        narrator_voice = next((v for v in self.voices if v.id == cast.narrator.voice), None)
        language = narrator_voice.language.split("-")[0] if narrator_voice else "en"
        used = {cast.settings_for(s).voice for s in [cast.narrator, *cast.characters.values()]}
        return {"voices": [{"id": v.id, "name": v.name, "gender": v.gender} for v in self.voices
                           if v.language.split("-")[0] == language or v.id in used]}

    def change_info(self, change: dict) -> dict:
        """A change's answer: what changed, with the book, cast and changed chapters as they
        are now, so the page redraws without asking again."""
        return {**change, "book": self.book_info(), "cast": self.cast_info(),
                "chapter_data": {n: self.chapter(n) for n in change["chapters"][:3]}}

    # --- corrections ------------------------------------------------------------------

    def _speaker_for(self, document: CastDocument, name: object, new: bool
                     ) -> tuple[str, str | None]:
        """The canonical speaker for a name the page sent, added to the file if needed;
        returns (name, the character added or None)."""
        if not isinstance(name, str) or not name.strip():
            raise StudioError(400, "name the speaker")
        name = " ".join(name.split())
        if len(name) > MAX_NAME_CHARS:
            raise StudioError(400, f"a name is at most {MAX_NAME_CHARS} characters")
        canonical = self.canonical(name)
        if canonical == "narrator":
            return "narrator", None
        if canonical is None:
            if not new:
                raise StudioError(400, f"{name!r} is not in the cast; add them as a new "
                                       "character")
            if name.lower() in RESERVED_NAMES:
                raise StudioError(400, f"{name!r} cannot be a character's name")
            trial = copy.deepcopy(self.state.cast)
            trial.characters[name] = Speaker(name)
            self._cast_voices(trial)
            speaker, canonical = trial.characters[name], name
        else:
            speaker = self.state.cast.characters[canonical]
        if document.has_character(canonical):
            return canonical, None
        document.add_character(speaker)
        return canonical, canonical

    def _correction_of(self, seg: Segment) -> int | None:
        return self.state.targets.get(seg.start)

    def set_speaker(self, line_id: object, speaker: object, new: bool = False) -> dict:
        """Say who speaks a quote (a new character is added to the cast file first)."""
        with self.lock:
            self.check_outside_edits()
            seg = self.line(line_id, ("dialogue",))
            document = self._document()
            name, added = self._speaker_for(document, speaker, bool(new))
            index = self._correction_of(seg)
            entries = document.corrections()
            if index is not None and entries[index].get("kind") != "narration":
                before = entries[index]
                entry = {**before, "speaker": name}
                document.replace_correction(index, entry)
                undo = [("replace", index, entry, before)]
            else:
                entry = {**describe(self.state.segments, seg), "speaker": name}
                at = document.add_correction(entry)
                undo = [("remove", at, entry)]
            return self._commit(document, Edit(f"{name} says line {seg.start}", undo, added),
                                seg.chapter)

    def mark_narration(self, line_id: object) -> dict:
        """A quote that is no quote: the narrator reads it, and it takes no turn."""
        with self.lock:
            self.check_outside_edits()
            seg = self.line(line_id, ("dialogue",))
            document = self._document()
            index = self._correction_of(seg)
            entries = document.corrections()
            if index is not None and entries[index].get("kind") == "dialogue":
                # The quote was made by a correction: taking that back is enough.
                before = document.remove_correction(index)
                undo = [("insert", index, before)]
            else:
                found = describe(self.state.segments, seg)
                entry = {"text": found.pop("text"), "kind": "narration", **found}
                if index is not None:
                    before = entries[index]
                    document.replace_correction(index, entry)
                    undo = [("replace", index, entry, before)]
                else:
                    at = document.add_correction(entry)
                    undo = [("remove", at, entry)]
            return self._commit(document, Edit(f"line {seg.start} is narration", undo),
                                seg.chapter)

    def mark_quote(self, line_id: object, words: object, speaker: object,
                   new: bool = False) -> dict:
        """Words of the narration that are a quote the segmenter missed."""
        with self.lock:
            self.check_outside_edits()
            seg = self.line(line_id, ("narration",))
            if not isinstance(words, str) or not words.strip():
                raise StudioError(400, "select the words of the quote")
            try:
                entry = describe(self.state.segments, seg, words)
            except ValueError:
                raise StudioError(400, "the selected words are not in that line of "
                                       "narration; select within one line") from None
            document = self._document()
            name, added = self._speaker_for(document, speaker, bool(new))
            entry = {"text": entry["text"], "kind": "dialogue", "speaker": name,
                     **{k: v for k, v in entry.items() if k != "text"}}
            at = document.add_correction(entry)
            return self._commit(document, Edit(f"a quote in line {seg.start}",
                                               [("remove", at, entry)], added), seg.chapter)

    def undo(self) -> dict:
        """Take back the last correction made in the studio."""
        with self.lock:
            self.check_outside_edits()
            if not self.history:
                raise StudioError(409, "nothing to undo")
            edit = self.history[-1]
            document = self._document()
            entries = document.corrections()
            for op in edit.undo:
                kind, index = op[0], op[1]
                if kind == "insert":
                    document.add_correction(op[2], index)
                    continue
                if index >= len(entries) or entries[index] != op[2]:
                    self.history.clear()
                    raise StudioError(409, "the corrections in the cast file changed since; "
                                           "nothing was undone")
                if kind == "remove":
                    document.remove_correction(index)
                else:
                    document.replace_correction(index, op[3])
            if edit.character and not any(c.get("speaker") == edit.character
                                          for c in document.corrections()):
                document.remove_character(edit.character)
            lines = {i: start for start, i in self.state.targets.items()}
            chapters = {self.state.by_start[lines[op[1]]].chapter if op[0] != "insert"
                        and op[1] in lines else op[2].get("chapter") for op in edit.undo}
            result = self._commit(document, chapter=chapters.pop() if len(chapters) == 1
                                  else None)
            self.history.pop()
            return result

    # --- the cast ---------------------------------------------------------------------

    def set_field(self, name: object, key: object, value: object) -> dict:
        """Change one field of the narrator or a character in the cast file."""
        with self.lock:
            self.check_outside_edits()
            if not isinstance(name, str) or (name != "narrator"
                                             and name not in self.state.cast.characters):
                raise StudioError(404, f"no speaker {name!r} in the cast")
            allowed = NARRATOR_FIELDS if name == "narrator" else CHARACTER_FIELDS
            if key not in allowed:
                raise StudioError(400, f"{key!r} cannot be set here; one of {', '.join(allowed)}")
            value = self._field_value(key, value)
            document = self._document()
            if name != "narrator" and not document.has_character(name):
                document.add_character(self.state.cast.characters[name])
            document.set_field(name, key, value)
            if key == "voice" and value and value.startswith(PIPER_PREFIX):
                document.set_field(name, "pitch", None)  # Piper has no pitch control
            return self._commit(document)

    def _field_value(self, key: str, value: object):
        if value is None or value == "" or value == []:
            return None
        if key in ("rate", "pitch"):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise StudioError(400, f"{key} must be a whole number")
            return value
        if key == "aliases":
            if isinstance(value, str):
                value = [a for a in (" ".join(a.split()) for a in value.split(",")) if a]
            if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
                raise StudioError(400, "aliases are a list of names")
            return value or None
        if not isinstance(value, str):
            raise StudioError(400, f"{key} must be text")
        value = value.strip()
        if key == "voice" and value not in self.voice_ids:
            raise StudioError(400, f"unknown voice {value!r}; pick one from the list")
        if key == "gender" and value not in GENDERS:
            raise StudioError(400, f"gender is one of {', '.join(GENDERS)}")
        return value

    # --- what is spoken ---------------------------------------------------------------

    def line_requests(self, line_id: object) -> list[ClipRequest]:
        """The clips that speak a line, exactly as a build would ask for them."""
        seg = self.line(line_id)
        cast = self.state.cast
        say = script(self.book, [seg], cast)[0].say
        if not say:
            raise StudioError(400, f"line {seg.start} is not read aloud")
        settings = cast.settings_for(seg.speaker if seg.kind == "dialogue" else cast.narrator)
        return [ClipRequest(piece, settings) for piece in split_for_engine(say)]

    def opening_requests(self, count: int = 20) -> list[ClipRequest]:
        """The clips of the book's first lines that are read aloud."""
        out: list[ClipRequest] = []
        for seg in self.state.segments[:count * 2]:
            try:
                out += self.line_requests(seg.start)
            except StudioError:
                continue  # a line that is not read
        return out[:count]

    def audition_requests(self, name: object) -> list[ClipRequest]:
        """A speaker's audition: their first lines, or a standard sentence, as a preview."""
        from audiobook.preview import plan_auditions

        state = self.state
        if name != "narrator" and name not in state.cast.characters:
            raise StudioError(404, f"no speaker {name!r} in the cast")
        mine = [s for s in state.segments if (s.kind == "dialogue" and s.speaker == name) or (
            name == "narrator" and s.kind == "narration")][:6]
        audition = next(a for a in plan_auditions(state.cast, script(self.book, mine, state.cast))
                        if a.speaker == name)
        return [ClipRequest(piece, audition.settings) for piece in split_for_engine(audition.text)]


def _doubtful(seg: Segment) -> bool:
    return seg.kind == "dialogue" and seg.confidence is not None and \
        seg.confidence < LOW_CONFIDENCE


def _speaker_info(s: Speaker, in_file: bool, cast: Cast) -> dict:
    settings = cast.settings_for(s)
    return {"name": s.name, "aliases": list(s.aliases), "gender": s.gender,
            "voice": settings.voice, "rate": s.rate, "pitch": s.pitch,
            "effective_rate": settings.rate, "effective_pitch": settings.pitch,
            "lines": s.lines, "words": s.words, "in_file": in_file}
