"""Clips and pauses become chapter MP3 files with tags, plus a playlist.

Each chapter's samples are streamed into ffmpeg's stdin clip by clip, so
memory does not grow with the chapter; the file is written under a temporary
name, tagged, then renamed, so a file that looks finished always is.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from mutagen.id3 import ID3, TALB, TCON, TIT2, TPE1, TRCK, ID3NoHeaderError

from audiobook.audio import (
    SAMPLE_RATE_HZ,
    AudioSegment,
    atomic_target,
    ffmpeg_exe,
    room_tone,
)
from audiobook.errors import BuildError

MP3_BITRATE = "64k"
"""Mono speech at a modest bit rate."""
GAIN_DB = -2.0
"""espeak-ng peaks at 0 dBFS: leave headroom so MP3 encoding does not clip."""
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}


@dataclass
class ChapterPlan:
    """What one chapter file holds: clips and pauses in order."""

    index: int
    """1-based chapter number."""
    title: str
    """Chapter title for the tags and file name."""
    items: list[Path | int] = field(default_factory=list)
    """Clip files (WAV) and pauses in milliseconds."""


@dataclass
class BookInfo:
    """Tags shared by every file of a book."""

    title: str
    author: str | None
    chapters: int


def safe_filename(name: str, limit: int = 80) -> str:
    """A file-name-safe version of a title (no separators, controls or reserved names)."""
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = name[:limit].rstrip(" .")
    if not name or name.lower() in _RESERVED:
        name = f"_{name}" if name else "untitled"
    return name


def slugify(title: str) -> str:
    """`The Lighthouse Keeper` -> `the-lighthouse-keeper`."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].strip("-") or "book"


def chapter_filename(plan: ChapterPlan, count: int) -> str:
    width = max(2, len(str(count)))
    return f"{plan.index:0{width}d} - {safe_filename(plan.title)}.mp3"


def _pcm(item: Path | int, sample_rate: int) -> bytes:
    if isinstance(item, int):
        return room_tone(item, sample_rate)
    clip = AudioSegment.from_wav(str(item))
    if clip.frame_rate != sample_rate or clip.channels != 1 or clip.sample_width != 2:
        clip = clip.set_frame_rate(sample_rate).set_channels(1).set_sample_width(2)
    return clip.raw_data


def encode_chapter(plan: ChapterPlan, path: Path, book: BookInfo,
                   sample_rate: int = SAMPLE_RATE_HZ) -> float:
    """Stream a chapter's audio into an MP3 at `path`; return its length in seconds."""
    tmp = atomic_target(path)
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(sample_rate),
           "-ac", "1", "-i", "pipe:0", "-af", f"volume={GAIN_DB}dB",
           "-codec:a", "libmp3lame", "-b:a", MP3_BITRATE, "-f", "mp3", str(tmp)]
    samples = 0
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for item in plan.items:
            data = _pcm(item, sample_rate)
            samples += len(data) // 2
            proc.stdin.write(data)
        proc.stdin.close()
        stderr = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise BuildError(f"{path}: the MP3 encoder failed: {stderr.strip()[-300:]}")
        tag_mp3(tmp, plan, book)
        os.replace(tmp, path)
    except BrokenPipeError:
        proc.wait()
        stderr = proc.stderr.read().decode(errors="replace")
        raise BuildError(f"{path}: the MP3 encoder stopped: {stderr.strip()[-300:]}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if tmp.exists():
            tmp.unlink()
    return samples / sample_rate


def tag_mp3(path: Path, plan: ChapterPlan, book: BookInfo) -> None:
    """ID3 tags: chapter title, book as album, author as artist, track n/N, genre."""
    try:
        tags = ID3(str(path))
    except ID3NoHeaderError:
        tags = ID3()
    tags.add(TIT2(encoding=3, text=plan.title))
    tags.add(TALB(encoding=3, text=book.title))
    if book.author:
        tags.add(TPE1(encoding=3, text=book.author))
    tags.add(TRCK(encoding=3, text=f"{plan.index}/{book.chapters}"))
    tags.add(TCON(encoding=3, text="Audiobook"))
    tags.save(str(path))


def write_playlist(path: Path, entries: list[tuple[str, float, str]]) -> None:
    """An extended M3U (UTF-8) of (file name, seconds, title) in order."""
    lines = ["#EXTM3U"]
    for name, seconds, title in entries:
        lines.append(f"#EXTINF:{round(seconds)},{title}")
        lines.append(name)
    tmp = atomic_target(path)
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
