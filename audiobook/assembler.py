"""Clips and pauses become chapter MP3s and/or one M4B, with tags, cover and loudness.

Each chapter's samples are streamed clip by clip, so memory does not grow
with the book. Clips come with their voice's gain (levels.py), or else a
first pass measures the whole file's loudness (ffmpeg's ebur128 on the 16-bit
stream, or our own RMS arithmetic for ACX); the encoding pass applies the gain
in 32-bit (no clipping), lays faint room tone under everything (no
digital silence) and feeds the encoders, whose limiter keeps peaks below the
profile's ceiling. Files are written under temporary names, tagged, then
renamed, so a file that looks finished always is.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import tempfile
import unicodedata
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    COMM,
    ID3,
    MVIN,
    MVNM,
    TALB,
    TCON,
    TIT1,
    TIT2,
    TPE1,
    TPE2,
    TRCK,
    TXXX,
    ID3NoHeaderError,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from audiobook.audio import (
    SAMPLE_RATE_HZ,
    AudioSegment,
    atomic_target,
    audioop,
    ebur128_summary,
    ffmpeg_exe,
    room_tone,
)
from audiobook.errors import BuildError

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}
_INT32_PER_INT16 = 65536
OWN_SESSION = True
"""ffmpeg runs in a session of its own: a terminal's Ctrl-C reaches only our process,
which stops it, instead of ffmpeg dying first and the build reporting a failed encoder."""


@dataclass(frozen=True)
class Profile:
    """Output rules: rates, loudness target and peak ceiling, file-length limit, credits."""

    name: str
    """`standard` or `acx`."""
    sample_rate: int
    """Output sample rate in Hz."""
    mp3_bitrate: str
    """MP3 bit rate (constant)."""
    aac_bitrate: str
    """AAC bit rate for the M4B."""
    loudness: str
    """What the target measures: `lufs` (integrated, EBU R128) or `rms` (ACX)."""
    target_db: float
    """Integrated loudness (LUFS) or RMS (dBFS) each file is brought to."""
    ceiling_db: float
    """Limiter ceiling in dBFS (below the profile's peak rule: encoding adds overshoot)."""
    max_file_seconds: float | None = None
    """Longer chapters are split at paragraph pauses."""
    credits: bool = False
    """Opening and closing credits as files of their own."""


STANDARD = Profile("standard", SAMPLE_RATE_HZ, "64k", "64k", "lufs", -18.0, -2.5)
"""Mono speech at a modest bit rate, -18 LUFS, true peaks below -1.5 dBTP."""
ACX = Profile("acx", 44100, "192k", "128k", "rms", -20.0, -4.0, 120 * 60.0, credits=True)
"""ACX/Audible: 44.1 kHz 192 kb/s CBR MP3, RMS -23..-18 dB, peaks <= -3 dB, <= 120 min."""
PROFILES = {p.name: p for p in (STANDARD, ACX)}



@dataclass
class ChapterPlan:
    """What one chapter file holds: clips and pauses in order."""

    index: int
    """1-based chapter number."""
    title: str
    """Chapter title for the tags and file name."""
    items: list[Path | tuple[Path, float] | int] = field(default_factory=list)
    """Clip files (WAV), or clip files with their voice's gain in dB, and pauses in ms."""
    split_after_ms: int = 700
    """Pauses at least this long are paragraph boundaries, where a long chapter may split."""


@dataclass
class BookInfo:
    """Tags shared by every file of a book."""

    title: str
    author: str | None
    chapters: int
    cover: bytes | None = None
    """Cover image (JPEG or PNG) embedded in every file."""
    narrator: str | None = None
    """Who reads it (tags and credits)."""
    description: str | None = None
    """The book's summary (a fan-fiction work's), for players that show one."""
    series: str | None = None
    """The series the book belongs to."""
    series_index: int | None = None
    """The book's place in its series."""
    fandoms: list[str] = field(default_factory=list)
    """The fandoms of a fan-fiction work."""

    def extra_tags(self) -> list:
        """The optional tags that are set, in a fixed order (for digests of what was made)."""
        return [x for x in (self.description, self.series, self.series_index,
                            self.fandoms or None) if x is not None]


@dataclass
class Loudness:
    """What the first pass measured on a chapter's 16-bit samples."""

    lufs: float
    """Integrated loudness (EBU R128), LUFS."""
    rms_db: float
    """RMS over the whole chapter, dBFS."""
    peak_db: float
    """Sample peak, dBFS."""
    seconds: float
    """Length."""


MAX_NAME_BYTES = 200
"""File names stay under this many UTF-8 bytes (file systems allow 255, and a chapter
number and extension are added)."""


def _printable(text: str) -> str:
    # Controls (C0, C1), format characters (bidi overrides that can disguise an
    # extension, zero-width joiners), surrogates and unassigned code points become spaces.
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")  # never half a character


def safe_filename(name: str, limit: int = 80) -> str:
    """A file-name-safe version of a title (no separators, controls or reserved names)."""
    name = _printable(unicodedata.normalize("NFC", name))
    name = _UNSAFE.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = _truncate_bytes(name[:limit], MAX_NAME_BYTES).rstrip(" .")
    if not name or name.split(".")[0].strip().lower() in _RESERVED:
        name = f"_{name}" if name else "untitled"
    return name


def slugify(title: str) -> str:
    """`The Lighthouse Keeper` -> `the-lighthouse-keeper`; letters of any script are kept
    (`Café` -> `cafe`, `静かな朝` stays), everything else becomes `-`."""
    decomposed = unicodedata.normalize("NFKD", title)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", letters).casefold()).strip("-")
    slug = _truncate_bytes(slug[:60], MAX_NAME_BYTES).strip("-")
    if slug in _RESERVED:
        slug += "-book"  # `con` cannot be a folder on Windows
    return slug or "book"


def playlist_title(title: str) -> str:
    """A title on one line, as an M3U `#EXTINF` entry needs (a newline would add an entry)."""
    return " ".join(_printable(title).split()) or "untitled"


def chapter_filename(plan: ChapterPlan, count: int, ext: str = "mp3") -> str:
    width = max(2, len(str(count)))
    return f"{plan.index:0{width}d} - {safe_filename(plan.title)}.{ext}"


# --- samples ---------------------------------------------------------------------------


def item_samples(item: Path | tuple[Path, float] | int, sample_rate: int = SAMPLE_RATE_HZ
                 ) -> int:
    """Length of a clip or pause in samples, read from the WAV header (no decoding)."""
    if isinstance(item, int):
        return sample_rate * item // 1000
    if isinstance(item, tuple):
        item = item[0]
    with wave.open(str(item), "rb") as wav:
        frames, rate = wav.getnframes(), wav.getframerate()
    return frames if rate == sample_rate else round(frames * sample_rate / rate)


def plan_samples(plan: ChapterPlan, sample_rate: int = SAMPLE_RATE_HZ) -> int:
    return sum(item_samples(item, sample_rate) for item in plan.items)


def _pcm(item: Path | int, sample_rate: int) -> bytes:
    if isinstance(item, int):
        return room_tone(item, sample_rate)
    with wave.open(str(item), "rb") as wav:
        if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (sample_rate, 1, 2):
            return wav.readframes(wav.getnframes())  # the usual case, read as it is
    clip = AudioSegment.from_wav(str(item))
    if clip.frame_rate != sample_rate or clip.channels != 1 or clip.sample_width != 2:
        clip = clip.set_frame_rate(sample_rate).set_channels(1).set_sample_width(2)
    return clip.raw_data


def _pieces(plan: ChapterPlan, sample_rate: int) -> Iterator[tuple[bytes, bool]]:
    """(16-bit samples, is speech) for each item; pauses come as room tone."""
    for item in plan.items:
        yield _pcm(item, sample_rate), not isinstance(item, int)


def _db(value: float) -> float:
    return 20 * math.log10(value) if value > 0 else float("-inf")


def measure_chapter(plan: ChapterPlan, sample_rate: int = SAMPLE_RATE_HZ) -> Loudness:
    """First pass: integrated loudness (ffmpeg ebur128), RMS and peak (our own arithmetic)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-v", "info", "-f", "s16le",
           "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
           "-af", "ebur128=framelog=verbose", "-f", "null", "-"]
    squares, samples, peak = 0.0, 0, 0
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=OWN_SESSION)
        try:
            for data, speech in _pieces(plan, sample_rate):
                n = len(data) // 2
                if speech and n:
                    squares += audioop.rms(data, 2) ** 2 * n
                    peak = max(peak, audioop.max(data, 2))
                samples += n
                proc.stdin.write(data)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        finally:
            proc.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise BuildError(f"measuring loudness failed: {stderr.strip()[-300:]}")
    lufs = ebur128_summary(stderr).get("lufs", float("-inf"))
    rms = math.sqrt(squares / samples) / 32768 if samples else 0.0
    return Loudness(lufs, _db(rms), _db(peak / 32768), samples / sample_rate)


def gain_to_target(level: float, profile: Profile) -> float:
    """The gain (dB, within +-30) that brings a measured level to the profile's target;
    none for silence. The limiter handles peaks."""
    if not math.isfinite(level):
        return 0.0
    return max(-30.0, min(30.0, profile.target_db - level))


def chapter_gain_db(loudness: Loudness, profile: Profile) -> float:
    """The gain that brings a chapter to the profile's target."""
    return gain_to_target(loudness.lufs if profile.loudness == "lufs" else loudness.rms_db,
                          profile)


# Gain is applied in 32-bit at 1/256 scale (48 dB of headroom: nothing can clip before
# the limiter); ffmpeg's float `volume=256` restores the scale.
_HEADROOM = 256


@lru_cache(maxsize=4)
def _bed32(sample_rate: int) -> bytes:
    # Room tone in the s32le scale of `_gained`, made once: a second of it is sliced
    # and repeated under every item.
    block = room_tone(1000, sample_rate)
    return audioop.mul(audioop.lin2lin(block, 2, 4), 4, 1 / _HEADROOM)


def _bed(n_bytes32: int, sample_rate: int) -> bytes:
    block = _bed32(sample_rate)
    if n_bytes32 <= len(block):
        return block[:n_bytes32]
    return (block * (n_bytes32 // len(block) + 1))[:n_bytes32]


def gained(items: Iterable[tuple[Path, float] | int], sample_rate: int) -> Iterator[bytes]:
    """s32le samples of (clip, gain in dB) and pauses (ms), room tone under everything."""
    for item in items:
        data = _pcm(item if isinstance(item, int) else item[0], sample_rate)
        if not data:
            continue
        bed32 = _bed(len(data) * 2, sample_rate)
        if isinstance(item, int):
            yield bed32
            continue
        factor = 10 ** (item[1] / 20) / _HEADROOM
        yield audioop.add(audioop.mul(audioop.lin2lin(data, 2, 4), 4, factor), bed32, 4)


def _processed(plan: ChapterPlan, gain_db: float, sample_rate: int) -> Iterator[bytes]:
    """Second pass: s32le samples with the gain applied and room tone under everything."""
    return gained((item if isinstance(item, int) else (item, gain_db) for item in plan.items),
                  sample_rate)


def _filter(profile: Profile) -> str:
    limit = 10 ** (profile.ceiling_db / 20)
    return (f"volume={_HEADROOM}:precision=float,aresample={profile.sample_rate},"
            f"alimiter=limit={limit:.4f}:level=0:latency=1:attack=5:release=80")


class _Encoder:
    """One ffmpeg process fed s32le (or `input_format`) on stdin, writing a temporary file."""

    def __init__(self, path: Path, args: list[str], sample_rate: int, extra_inputs=(),
                 input_format: list[str] | None = None):
        self.path = path
        self.tmp = atomic_target(path)
        self.err = tempfile.TemporaryFile()
        fmt = input_format or ["-f", "s32le", "-ar", str(sample_rate), "-ac", "1"]
        cmd = [ffmpeg_exe(), "-v", "error", "-y", *fmt, "-i", "pipe:0", *extra_inputs, *args,
               str(self.tmp)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=self.err, start_new_session=OWN_SESSION)

    def _stderr(self) -> str:
        self.err.seek(0)
        text = self.err.read().decode(errors="replace").strip()[-300:]
        code = self.proc.returncode
        if code is not None and code < 0:
            # Killed: most often by the file size limit (SIGXFSZ) or out of memory.
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            why = " (the file size limit was reached)" if -code == signal.SIGXFSZ else ""
            text = f"killed by {name}{why}" + (f": {text}" if text else "")
        return " ".join(text.split()) or f"exit status {code}"

    def write(self, data: bytes) -> None:
        try:
            self.proc.stdin.write(data)
        except BrokenPipeError:
            self.proc.wait()
            raise BuildError(f"{self.path}: the encoder stopped: {self._stderr()}") from None

    def finish(self) -> Path:
        """Close the input, wait, and return the temporary file (renamed by the caller)."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        if self.proc.wait() != 0:
            raise BuildError(f"{self.path}: the encoder failed: {self._stderr()}")
        self.err.close()
        return self.tmp

    def abort(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.err.close()
        if self.tmp.exists():
            self.tmp.unlink()


def _mp3_encoder(path: Path, profile: Profile, sample_rate: int) -> _Encoder:
    # -b:a with libmp3lame is constant bit rate; the Xing/Info frame tells readers so.
    args = ["-af", _filter(profile), "-ac", "1", "-codec:a", "libmp3lame",
            "-b:a", profile.mp3_bitrate, "-write_xing", "1", "-id3v2_version", "0",
            "-f", "mp3"]
    return _Encoder(path, args, sample_rate)


def encode_chapter(plan: ChapterPlan, path: Path, book: BookInfo,
                   sample_rate: int = SAMPLE_RATE_HZ, profile: Profile = STANDARD,
                   gain_db: float | None = None) -> float:
    """Measure, then stream a chapter's audio into a tagged MP3 at `path`; return seconds.

    A caller that measured the chapter already passes the `gain_db` it computed.
    """
    if gain_db is None:
        gain_db = chapter_gain_db(measure_chapter(plan, sample_rate), profile)
    gain = gain_db
    encoder = _mp3_encoder(path, profile, sample_rate)
    samples = 0
    try:
        for data in _processed(plan, gain, sample_rate):
            samples += len(data) // 4
            encoder.write(data)
        tmp = encoder.finish()
        _tagged(tag_mp3, tmp, path, plan, book)
        os.replace(tmp, path)
    finally:
        encoder.abort()
    return samples / sample_rate


def _tagged(tag, tmp: Path, path: Path, *args) -> None:
    """Run a tagger on the finished temporary file; a full disk is a build error."""
    try:
        tag(tmp, *args)
    except (MutagenError, OSError) as err:
        raise BuildError(f"{path}: cannot write the tags ({err})") from None


def _cover_mime(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def tag_mp3(path: Path, plan: ChapterPlan, book: BookInfo) -> None:
    """ID3 tags: chapter title, book as album, author as artist, track n/N, genre, cover."""
    try:
        tags = ID3(str(path))
    except ID3NoHeaderError:
        tags = ID3()
    tags.add(TIT2(encoding=3, text=plan.title))
    tags.add(TALB(encoding=3, text=book.title))
    if book.author:
        tags.add(TPE1(encoding=3, text=book.author))
        tags.add(TPE2(encoding=3, text=book.author))
    tags.add(TRCK(encoding=3, text=f"{plan.index}/{book.chapters}"))
    tags.add(TCON(encoding=3, text="Audiobook"))
    if book.cover:
        tags.add(APIC(encoding=3, mime=_cover_mime(book.cover), type=3, desc="Cover",
                      data=book.cover))
    if book.description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=book.description))
    if book.series:
        # Grouping, and the movement frames audiobook players read as series and part.
        tags.add(TIT1(encoding=3, text=book.series))
        tags.add(MVNM(encoding=3, text=book.series))
        if book.series_index is not None:
            tags.add(MVIN(encoding=3, text=str(book.series_index)))
    if book.fandoms:
        tags.add(TXXX(encoding=3, desc="FANDOM", text=book.fandoms))
    tags.save(str(path), v2_version=3)


def _ffmeta_escape(text: str) -> str:
    return re.sub(r"([=;#\\\n])", r"\\\1", text)


def ffmetadata(book: BookInfo, chapters: list[tuple[str, int, int]]) -> str:
    """An ffmpeg metadata file: book tags and chapters as (title, start ms, end ms)."""
    lines = [";FFMETADATA1", f"title={_ffmeta_escape(book.title)}",
             f"album={_ffmeta_escape(book.title)}", "genre=Audiobook"]
    if book.author:
        lines += [f"artist={_ffmeta_escape(book.author)}",
                  f"album_artist={_ffmeta_escape(book.author)}"]
    for title, start, end in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}",
                  f"title={_ffmeta_escape(title)}"]
    return "\n".join(lines) + "\n"


def tag_m4b(path: Path, book: BookInfo) -> None:
    """MP4 tags Apple-style players read: title, author, album, genre, audiobook kind, cover."""
    audio = MP4(str(path))
    tags = audio.tags if audio.tags is not None else audio.add_tags() or audio.tags
    tags["\xa9nam"] = [book.title]
    tags["\xa9alb"] = [book.title]
    if book.author:
        tags["\xa9ART"] = [book.author]
        tags["aART"] = [book.author]
    if book.narrator:
        tags["\xa9wrt"] = [book.narrator]
    tags["\xa9gen"] = ["Audiobook"]
    tags["stik"] = [2]  # media kind: audiobook
    if book.description:
        tags["desc"] = [book.description]
        tags["\xa9cmt"] = [book.description]
    if book.series:
        tags["\xa9grp"] = [book.series]
        tags["\xa9mvn"] = [book.series]
        if book.series_index is not None:
            tags["\xa9mvi"] = [book.series_index]
    if book.fandoms:
        tags["----:com.apple.iTunes:FANDOM"] = [MP4FreeForm(f.encode("utf-8"))
                                                for f in book.fandoms]
    if book.cover:
        fmt = MP4Cover.FORMAT_PNG if book.cover.startswith(b"\x89PNG") else MP4Cover.FORMAT_JPEG
        tags["covr"] = [MP4Cover(book.cover, imageformat=fmt)]
    audio.save()


@dataclass
class BookOutput:
    """What `encode_book` wrote."""

    chapters: list[tuple[Path | None, float, str]] = field(default_factory=list)
    """Per chapter: MP3 file (None when only an M4B is made), seconds, title."""
    m4b: Path | None = None
    """The one-file audiobook, when asked for."""
    gains_db: list[float] = field(default_factory=list)
    """The gain applied to each chapter (for chapters made of fragments, where each voice
    has its own gain: the gain of the voice with the most clips)."""


def encode_book(plans: list[ChapterPlan], folder: Path, book: BookInfo,
                profile: Profile = STANDARD, formats: tuple[str, ...] = ("mp3",),
                m4b_name: str | None = None, sample_rate: int = SAMPLE_RATE_HZ,
                progress=None) -> BookOutput:
    """Encode every chapter once into the asked formats: MP3 per chapter and/or one M4B.

    The same processed stream feeds both encoders, so `all` costs one pass over the clips.
    """
    out = BookOutput()
    m4b = None
    meta_path = None
    try:
        if "m4b" in formats:
            marks, start = [], 0
            for plan in plans:
                end = start + plan_samples(plan, sample_rate)
                marks.append((plan.title, start * 1000 // sample_rate,
                              end * 1000 // sample_rate))
                start = end
            fd, name = tempfile.mkstemp(suffix=".ffmeta", text=True)
            meta_path = Path(name)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(ffmetadata(book, marks))
            args = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
                    "-af", _filter(profile), "-ac", "1", "-codec:a", "aac",
                    "-b:a", profile.aac_bitrate, "-movflags", "+faststart", "-f", "ipod"]
            m4b_path = folder / (m4b_name or f"{slugify(book.title)}.m4b")
            m4b = _Encoder(m4b_path, args, sample_rate,
                           extra_inputs=["-f", "ffmetadata", "-i", str(meta_path)])
        for plan in plans:
            if any(isinstance(item, tuple) for item in plan.items):
                gain = 0.0  # each voice has its gain already: nothing to measure
                stream = gained(plan.items, sample_rate)
            else:
                gain = chapter_gain_db(measure_chapter(plan, sample_rate), profile)
                stream = _processed(plan, gain, sample_rate)
            out.gains_db.append(gain)
            mp3 = None
            path = None
            if "mp3" in formats:
                path = folder / chapter_filename(plan, len(plans))
                mp3 = _mp3_encoder(path, profile, sample_rate)
            samples = 0
            try:
                for data in stream:
                    samples += len(data) // 4
                    if mp3:
                        mp3.write(data)
                    if m4b:
                        m4b.write(data)
                if mp3:
                    tmp = mp3.finish()
                    _tagged(tag_mp3, tmp, path, plan, book)
                    os.replace(tmp, path)
            finally:
                if mp3:
                    mp3.abort()
            out.chapters.append((path, samples / sample_rate, plan.title))
            if progress:
                progress()
        if m4b:
            tmp = m4b.finish()
            _tagged(tag_m4b, tmp, m4b.path, book)
            os.replace(tmp, m4b.path)
            out.m4b = m4b.path
    finally:
        if m4b:
            m4b.abort()
        if meta_path:
            meta_path.unlink(missing_ok=True)
    return out


def split_long_chapter(plan: ChapterPlan, max_seconds: float,
                       sample_rate: int = SAMPLE_RATE_HZ) -> list[ChapterPlan]:
    """Split a chapter longer than `max_seconds` at paragraph pauses into parts, each with
    the chapter's head and tail pauses (ACX: no file over 120 minutes)."""
    limit = int(max_seconds * sample_rate)
    items = plan.items
    if plan_samples(plan, sample_rate) <= limit or len(items) < 3:
        return [plan]
    head = items[0] if isinstance(items[0], int) else 0
    tail = items[-1] if isinstance(items[-1], int) else 0
    parts: list[list[Path | int]] = []
    current: list[Path | int] = []
    size = 0
    boundary = -1
    for item in items[1:-1] if head and tail else items:
        n = item_samples(item, sample_rate)
        if size + n > limit and boundary > 0:
            parts.append(current[:boundary])
            current = current[boundary + 1:]
            size = sum(item_samples(i, sample_rate) for i in current)
            boundary = -1
        if isinstance(item, int) and item >= plan.split_after_ms:
            boundary = len(current)
        current.append(item)
        size += n
    parts.append(current)
    if len(parts) == 1:
        return [plan]
    return [ChapterPlan(plan.index, f"{plan.title} (part {k})",
                        ([head] if head else []) + part + ([tail] if tail else []),
                        plan.split_after_ms)
            for k, part in enumerate(parts, 1)]


def write_playlist(path: Path, entries: list[tuple[str, float, str]]) -> None:
    """An extended M3U (UTF-8) of (file name, seconds, title) in order."""
    lines = ["#EXTM3U"]
    for name, seconds, title in entries:
        lines.append(f"#EXTINF:{round(seconds)},{playlist_title(title)}")
        lines.append(name)
    tmp = atomic_target(path)
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
