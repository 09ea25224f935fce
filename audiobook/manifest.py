"""What a build wrote, so a rebuild re-encodes only chapters whose content changed.

Each output file is recorded with a digest of everything that makes its audio
(the clip keys and pauses in order, the chapter's number and title, the book's
tags and cover, the profile, the assembler's own code) and the size and mtime
it had when written. A file is reused only when all of these still match, so a
file replaced or damaged by hand is encoded again. The record is written after
the file has been renamed into place: a build killed in between only costs a
re-encode, never a stale chapter.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

from audiobook.assembler import BookInfo, Profile
from audiobook.audio import atomic_target

MANIFEST_NAME = ".audiobook-manifest.json"
MANIFEST_VERSION = 1


def _code_digest() -> str:
    # Any change to how chapters are made invalidates every chapter made before it.
    digest = hashlib.sha256()
    for name in ("assembler.py", "audio.py", "fragments.py", "levels.py", "mp3.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


CODE_DIGEST = _code_digest()
"""Digest of the modules that turn clips into files."""


def output_digest(items: list[str | int], title: str, number: int, book: BookInfo,
                  profile: Profile, extra: str = "") -> str:
    """Digest of one output file's recipe: clip keys and pauses (ms), number, title, tags."""
    cover = hashlib.sha256(book.cover).hexdigest() if book.cover else None
    payload = json.dumps({
        "code": CODE_DIGEST, "items": items, "title": title, "number": number,
        # Tags added later only when set, so earlier books keep their digests.
        "book": [book.title, book.author, book.chapters, book.narrator, cover,
                 *book.extra_tags()],
        "profile": asdict(profile), "extra": extra,
    }, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Manifest:
    """The record of finished outputs in one book folder (thread-safe)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / MANIFEST_NAME
        self.entries: dict[str, dict] = {}
        self.whole: dict | None = None
        """For outputs made in one pass (M4B, split chapters): what that pass wrote."""
        self._lock = threading.Lock()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") == MANIFEST_VERSION and isinstance(data.get("files"), dict):
                self.entries = data["files"]
                self.whole = data.get("whole")
        except (OSError, ValueError, AttributeError):
            pass  # no record, or a damaged one: everything is made again

    def reusable(self, name: str, digest: str) -> dict | None:
        """The record of `name` if the file is there, unchanged, and made from `digest`."""
        entry = self.entries.get(name)
        if not entry or entry.get("digest") != digest or not self._unchanged(name, entry):
            return None
        return entry

    def record(self, name: str, digest: str, **info) -> None:
        """Note a file just written (after its rename) and save the manifest."""
        stat = (self.folder / name).stat()
        with self._lock:
            self.entries[name] = {"digest": digest, "size": stat.st_size,
                                  "mtime_ns": stat.st_mtime_ns, **info}
            self._save()

    def keep_only(self, names: set[str]) -> list[str]:
        """Delete files an earlier build recorded that this build no longer makes."""
        removed = []
        with self._lock:
            for name in sorted(set(self.entries) - names):
                entry = self.entries.pop(name)
                if self._unchanged(name, entry):  # only a file as we wrote it is ours
                    (self.folder / name).unlink(missing_ok=True)
                    removed.append(name)
            self._save()
        return removed

    def _unchanged(self, name: str, entry: dict) -> bool:
        try:
            stat = (self.folder / name).stat()
        except OSError:
            return False
        return stat.st_size == entry.get("size") and stat.st_mtime_ns == entry.get("mtime_ns")

    def set_whole(self, record: dict | None) -> None:
        """Note (or forget) what a one-pass encode wrote, and save."""
        with self._lock:
            self.whole = record
            self._save()

    def _save(self) -> None:
        tmp = atomic_target(self.path)
        tmp.write_text(json.dumps({"version": MANIFEST_VERSION, "files": self.entries,
                                   "whole": self.whole},
                                  indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete temporary files (`.NAME.PID.part`) left by builds that were killed."""
    removed = []
    for part in folder.glob(".*.part"):
        try:
            pid = int(part.name.rsplit(".", 2)[-2])
        except (ValueError, IndexError):
            continue
        if pid != os.getpid() and not _alive(pid):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
