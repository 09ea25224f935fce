"""Editing the user's own cast file: their comments, order and layout are kept.

`cast.py` reads and validates a cast file; this module changes one in place,
through ruamel.yaml's round-trip mode, for `audiobook cast --voices FILE` and
the studio. Every edit is checked by `cast.parse_cast` before it is written,
and written under a temporary name and renamed, so a cast file is never left
broken or half-written.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Set
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from audiobook.cast import DEFAULT_NARRATOR_VOICE, DEFAULT_RATE_WPM, Cast, Speaker, parse_cast
from audiobook.errors import InputError

SPEAKER_FIELDS = ("aliases", "gender", "voice", "rate", "pitch", "volume")
"""Keys of a speaker the studio edits (the narrator has no aliases or gender)."""


def _guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, offset of a list's dash) as the file has them; (2, 2) if it can't tell."""
    mapping = offset = None
    opener = None  # indentation of a `key:` line that opens a block
    for line in text.splitlines():
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if opener is not None and indent >= opener:
            if body.startswith("- ") or body == "-":
                offset = indent - opener if offset is None else offset
            elif mapping is None and indent > opener:
                mapping = indent - opener
        code = body.split(" #", 1)[0].rstrip()
        opener = indent if code.endswith(":") and not code.startswith("- ") else None
    return mapping or 2, 2 if offset is None else offset


def _leaf(node) -> tuple[object, object, int] | None:
    """Where ruamel keeps the comment that follows a block node's last line:
    (container, key, slot in its `ca.items` entry)."""
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node) and \
            not node.fa.flow_style():
        key = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        child = node[key]
        if isinstance(child, (CommentedMap, CommentedSeq)) and len(child) and \
                not child.fa.flow_style():
            node = child
            continue
        return node, key, 2 if isinstance(node, CommentedMap) else 0
    return None


def _append(container, key, value) -> None:
    """Add to the end of a block mapping (under `key`) or list; comment lines that
    followed its last line (often the heading of the next section) stay after the new
    entry instead of ending up above it."""
    before = _leaf(container)
    if isinstance(container, CommentedSeq):
        container.append(value)
    else:
        container[key] = value
    after = _leaf(container)
    if before is None or after is None or before[:2] == after[:2]:
        return
    source, key, slot = before
    entry = source.ca.items.get(key)
    token = entry[slot] if entry and len(entry) > slot else None
    if token is None or "\n" not in token.value.rstrip("\n"):
        return
    head, rest = token.value.split("\n", 1)
    if head.strip():
        token.value = head + "\n"
    else:
        entry[slot] = None
    items = after[0].ca.items.setdefault(after[1], [None, None, None, None])
    items[after[2]] = CommentToken("\n" + rest, CommentMark(0), None)


class CastDocument:
    """A cast file held as a round-trip YAML document."""

    def __init__(self, path: Path, text: str = "") -> None:
        self.path = path
        self.yaml = YAML()
        self.yaml.width = 4096  # long correction texts stay on one line
        mapping, offset = _guess_indent(text)
        self.yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
        try:
            data = self.yaml.load(text) if text.strip() else None
        except YAMLError as err:
            raise InputError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
        if data is None:
            data = CommentedMap()
        if not isinstance(data, CommentedMap):
            raise InputError(f"{path}: a cast file must be a mapping of keys to values")
        self.data = data

    @classmethod
    def load(cls, path: Path) -> CastDocument:
        try:
            return cls(path, path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such cast file") from None
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: cannot read the cast file ({err})") from None

    def text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()

    def validate(self, voices: Set[str] | None = None) -> Cast:
        """The document as `parse_cast` reads it; InputError if an edit made it invalid."""
        return parse_cast(self.text(), self.path, voices)

    def save(self, voices: Set[str] | None = None) -> str:
        """Check the document and write it atomically; return the text written."""
        text = self.text()
        parse_cast(text, self.path, voices)
        write_atomic(self.path, text)
        return text

    # --- edits ----------------------------------------------------------------------

    def _section(self, key: str, kind: type) -> CommentedMap | CommentedSeq:
        value = self.data.get(key)
        if not isinstance(value, kind):
            value = kind()
            if key in self.data:
                self.data[key] = value
            else:
                _append(self.data, key, value)
        return value

    def speaker(self, name: str) -> CommentedMap | None:
        """The mapping of `narrator` or of a character, if the file has one."""
        if name == "narrator":
            value = self.data.get("narrator")
        else:
            value = (self.data.get("characters") or {}).get(name)
        return value if isinstance(value, CommentedMap) else None

    def has_character(self, name: str) -> bool:
        return isinstance(self.data.get("characters"), dict) and name in self.data["characters"]

    def add_character(self, speaker: Speaker) -> None:
        """A new entry under `characters:` with the speaker's names, gender and voice."""
        entry = CommentedMap()
        entry["aliases"] = _flow_list(speaker.aliases)
        entry["gender"] = speaker.gender
        if speaker.voice:
            entry["voice"] = speaker.voice
        for key in ("rate", "pitch", "volume"):
            if getattr(speaker, key) is not None:
                entry[key] = getattr(speaker, key)
        _append(self._section("characters", CommentedMap), speaker.name, entry)

    def remove_character(self, name: str) -> None:
        characters = self.data.get("characters")
        if isinstance(characters, dict) and name in characters:
            del characters[name]

    def set_field(self, name: str, key: str, value) -> None:
        """Set (or, for None, remove) one field of the narrator or a character."""
        if name == "narrator" and "narrator" not in self.data:
            _append(self.data, "narrator", CommentedMap())
        entry = self.speaker(name)
        if entry is None:
            if name == "narrator":
                entry = self.data["narrator"] = CommentedMap()
            else:
                raise KeyError(name)
        if value is None:
            entry.pop(key, None)
        elif key in entry:
            entry[key] = _flow_list(value) if isinstance(value, list) else value
        else:
            _append(entry, key, _flow_list(value) if isinstance(value, list) else value)

    def corrections(self) -> list[dict]:
        value = self.data.get("corrections")
        return [dict(entry) for entry in value] if isinstance(value, list) else []

    def add_correction(self, entry: dict, index: int | None = None) -> int:
        """Insert a correction (at the end unless `index`); return where it went."""
        seq = self._section("corrections", CommentedSeq)
        item = CommentedMap(entry)
        if index is None or index >= len(seq):
            _append(seq, None, item)
            return len(seq) - 1
        seq.insert(index, item)
        return index

    def replace_correction(self, index: int, entry: dict) -> None:
        self.data["corrections"][index] = CommentedMap(entry)

    def remove_correction(self, index: int) -> dict:
        """Take out a correction (and the list with its last entry)."""
        entry = dict(self.data["corrections"].pop(index))
        if not self.data["corrections"]:
            del self.data["corrections"]
        return entry

    def merge_cast(self, cast: Cast) -> None:
        """What `audiobook cast` adds to a file: whatever of the cast it leaves unsaid
        (title, author, voices, new characters) and fresh line counts. The user's own
        values, comments and order stay as they are."""
        for key, value in (("title", cast.title), ("author", cast.author)):
            if value and key not in self.data:
                self.data.insert(0 if key == "title" else int("title" in self.data), key, value)
        narrator = self.speaker("narrator")
        if narrator is None or "voice" not in narrator:
            self.set_field("narrator", "voice", cast.narrator.voice or DEFAULT_NARRATOR_VOICE)
            narrator = self.speaker("narrator")
        if "rate" not in narrator:
            self.set_field("narrator", "rate", cast.narrator.rate or DEFAULT_RATE_WPM)
        for s in sorted(cast.characters.values(), key=lambda s: (-s.lines, s.name)):
            if not self.has_character(s.name):
                self.add_character(s)
            elif self.speaker(s.name) is None:  # `Name:` with nothing under it
                self.data["characters"][s.name] = CommentedMap()
            entry = self.speaker(s.name)
            for key in ("aliases", "gender", "voice", "rate", "pitch"):
                if key not in entry and getattr(s, key) not in (None, "unknown"):
                    value = getattr(s, key)
                    self.set_field(s.name, key, value if key != "aliases" or value else None)
            self.set_field(s.name, "lines", s.lines)
            self.set_field(s.name, "words", s.words)


def _flow_list(values: list) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def write_atomic(path: Path, text: str) -> None:
    """Write under a temporary name beside `path`, then rename over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the cast file ({err.strerror})") from None
