"""The cast file: load and validate it, assign voices, write it back.

Loading uses PyYAML's safe loader only, so tags such as `!!python/object` are
errors, never executed. Every error names the file, and the line and column
where the YAML node is known.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from audiobook.characters import Character
from audiobook.engines import VoiceSettings
from audiobook.errors import InputError

DEFAULT_NARRATOR_VOICE = "gmw/en-us"
DEFAULT_RATE_WPM = 170
DEFAULT_PITCH = 50
DEFAULT_VOLUME = 1.0

# English accents and the espeak-ng variants that sound like distinct people;
# novelty variants (robots, whispers, croaks) are left to users who ask for them.
ACCENTS = ("gmw/en-us", "gmw/en", "gmw/en-gb-x-rp", "gmw/en-gb-scotland", "gmw/en-us-nyc",
           "gmw/en-gb-x-gbclan", "gmw/en-gb-x-gbcwmd", "gmw/en-029")
MALE_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "adam", "benjamin", "caleb",
                 "david", "edward", "ian", "john", "max", "paul", "robert", "travis", "victor")
FEMALE_VARIANTS = ("f1", "f2", "f3", "f4", "f5", "Alicia", "Andrea", "Annie", "belinda",
                   "linda", "steph", "anika")

TOP_KEYS = {"title", "author", "narrator", "characters", "pronunciations"}
NARRATOR_KEYS = {"voice", "rate", "pitch", "volume", "character"}
CHARACTER_KEYS = {"aliases", "gender", "voice", "rate", "pitch", "volume", "lines", "words"}
GENDERS = ("male", "female", "unknown")


@dataclass
class Speaker:
    """A voice in the cast: the narrator or a character."""

    name: str
    """Canonical name (`narrator` for the narrator)."""
    aliases: list[str] = field(default_factory=list)
    """Other names for the same character."""
    gender: str = "unknown"
    """`male`, `female` or `unknown`."""
    voice: str | None = None
    """Engine voice id; None until assigned."""
    rate: int | None = None
    """Words per minute; None for the default."""
    pitch: int | None = None
    """0 to 100; None for the voice's own."""
    volume: float | None = None
    """0.0 to 1.0; None for full volume."""
    lines: int = 0
    """Dialogue lines in the book (informational)."""
    words: int = 0
    """Words spoken in the book (informational)."""

    def settings(self) -> VoiceSettings:
        return VoiceSettings(
            voice=self.voice or DEFAULT_NARRATOR_VOICE,
            rate=self.rate if self.rate is not None else DEFAULT_RATE_WPM,
            pitch=self.pitch if self.pitch is not None else DEFAULT_PITCH,
            volume=self.volume if self.volume is not None else DEFAULT_VOLUME,
        )


@dataclass
class Cast:
    """Who reads what, in which voice, and how words are pronounced."""

    narrator: Speaker = field(default_factory=lambda: Speaker("narrator"))
    characters: dict[str, Speaker] = field(default_factory=dict)
    narrator_character: str | None = None
    """The character who narrates in the first person, if any."""
    pronunciations: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    author: str | None = None

    def speaker(self, name: str) -> Speaker:
        """The speaker for a segment's speaker name (the narrator for unknown names)."""
        if name in self.characters:
            return self.characters[name]
        return self.narrator

    def to_characters(self) -> list[Character]:
        return [Character(s.name, list(s.aliases), s.gender) for s in self.characters.values()]


# --- loading -------------------------------------------------------------------------


def _where(path: Path, node: yaml.Node | None) -> str:
    if node is None:
        return str(path)
    mark = node.start_mark
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _mapping(path: Path, node: yaml.Node, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return []
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{_where(path, node)}: {what} must be a mapping of keys to values")
    return node.value


def _value(node: yaml.Node):
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


_KIND_WORDS = {str: "text", int: "a whole number", float: "a number"}


def _scalar(path: Path, node: yaml.Node, what: str, kind: type | tuple[type, ...]):
    """A scalar of the given type(s) or None for an empty value; InputError otherwise."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    value = _value(node)
    if value is None:
        return None
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        want = " or ".join(_KIND_WORDS.get(k, k.__name__) for k in kinds)
        raise InputError(f"{_where(path, node)}: {what} must be {want}, not {value!r}")
    return value


def _speaker_fields(path: Path, pairs, allowed: set[str], what: str, speaker: Speaker,
                    voices: set[str] | None) -> str | None:
    character = None
    for key_node, value_node in pairs:
        key = key_node.value
        if key not in allowed:
            raise InputError(
                f"{_where(path, key_node)}: unknown key {key!r} in {what}"
                f"{_suggest(key, allowed)}; valid keys: {', '.join(sorted(allowed))}"
            )
        if key == "voice":
            speaker.voice = _scalar(path, value_node, f"{what}.voice", str)
            if speaker.voice is not None and voices is not None and speaker.voice not in voices:
                raise InputError(
                    f"{_where(path, value_node)}: unknown voice {speaker.voice!r} for {what}"
                    f"{_suggest(speaker.voice, voices)}; `audiobook voices` lists them"
                )
        elif key == "rate":
            speaker.rate = _scalar(path, value_node, f"{what}.rate", int)
            if speaker.rate is not None and not 40 <= speaker.rate <= 600:
                raise InputError(f"{_where(path, value_node)}: {what}.rate must be 40 to 600")
        elif key == "pitch":
            speaker.pitch = _scalar(path, value_node, f"{what}.pitch", int)
            if speaker.pitch is not None and not 0 <= speaker.pitch <= 100:
                raise InputError(f"{_where(path, value_node)}: {what}.pitch must be 0 to 100")
        elif key == "volume":
            volume = _scalar(path, value_node, f"{what}.volume", (int, float))
            speaker.volume = None if volume is None else float(volume)
            if speaker.volume is not None and not 0.0 <= speaker.volume <= 1.0:
                raise InputError(f"{_where(path, value_node)}: {what}.volume must be 0.0 to 1.0")
        elif key == "gender":
            gender = _scalar(path, value_node, f"{what}.gender", str) or "unknown"
            if gender not in GENDERS:
                raise InputError(
                    f"{_where(path, value_node)}: {what}.gender must be male, female or unknown"
                )
            speaker.gender = gender
        elif key == "aliases":
            if not isinstance(value_node, yaml.SequenceNode):
                raise InputError(f"{_where(path, value_node)}: {what}.aliases must be a list")
            speaker.aliases = [str(_scalar(path, n, f"{what}.aliases", (str, int)))
                               for n in value_node.value]
        elif key in ("lines", "words"):
            setattr(speaker, key, _scalar(path, value_node, f"{what}.{key}", int) or 0)
        elif key == "character":
            character = _scalar(path, value_node, f"{what}.character", str)
    return character


def parse_cast(text: str, path: Path, voices: set[str] | None = None) -> Cast:
    """Parse and validate cast YAML; `voices` is the set of valid voice ids (None: no check)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        yaml.safe_load(text)  # refuses unsafe tags such as !!python/object
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = err.problem or err.context or "invalid YAML"
        raise InputError(f"{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML: {err}") from None
    cast = Cast()
    if root is None:
        return cast
    owners: dict[str, str] = {}
    for key_node, value_node in _mapping(path, root, "the cast file"):
        key = key_node.value
        if key not in TOP_KEYS:
            raise InputError(
                f"{_where(path, key_node)}: unknown key {key!r}{_suggest(key, TOP_KEYS)}; "
                f"valid keys: {', '.join(sorted(TOP_KEYS))}"
            )
        if key in ("title", "author"):
            setattr(cast, key, _scalar(path, value_node, key, (str, int)))
        elif key == "narrator":
            pairs = _mapping(path, value_node, "narrator")
            cast.narrator_character = _speaker_fields(
                path, pairs, NARRATOR_KEYS, "narrator", cast.narrator, voices)
        elif key == "characters":
            for name_node, spec in _mapping(path, value_node, "characters"):
                name = str(_scalar(path, name_node, "a character name", (str, int)))
                speaker = Speaker(name)
                _speaker_fields(path, _mapping(path, spec, f"character {name!r}"),
                                CHARACTER_KEYS, f"character {name!r}", speaker, voices)
                for alias in [name, *speaker.aliases]:
                    other = owners.setdefault(alias.lower(), name)
                    if other != name:
                        raise InputError(
                            f"{_where(path, name_node)}: name {alias!r} is claimed by both "
                            f"{other!r} and {name!r}"
                        )
                cast.characters[name] = speaker
        elif key == "pronunciations":
            for word_node, say_node in _mapping(path, value_node, "pronunciations"):
                word = str(_scalar(path, word_node, "a pronounced word", (str, int)))
                cast.pronunciations[word] = str(
                    _scalar(path, say_node, f"pronunciation of {word!r}", (str, int)))
    return cast


def load_cast(path: Path, voices: set[str] | None = None) -> Cast:
    """Read a cast file; raise InputError with file and line for anything wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such cast file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: the cast file must be UTF-8 text") from None
    return parse_cast(text, path, voices)


# --- assigning voices ----------------------------------------------------------------


def voice_pool(gender: str, narrator_voice: str, available: set[str] | None) -> list[str]:
    """Candidate voices for a gender: the narrator's accent first, then the others."""
    accent = narrator_voice.split("+")[0]
    accents = [accent] + [a for a in ACCENTS if a != accent]
    if gender == "female":
        variants = FEMALE_VARIANTS
    elif gender == "male":
        variants = MALE_VARIANTS
    else:  # unknown: alternate, so it is never the narrator's plain voice
        variants = tuple(v for pair in zip(MALE_VARIANTS, FEMALE_VARIANTS) for v in pair)
    pool = [f"{a}+{v}" for a in accents for v in variants]
    if available is not None:
        pool = [v for v in pool if v in available]
    return [v for v in pool if v != narrator_voice]


def _stable_rank(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def assign_voices(cast: Cast, available: set[str] | None = None) -> None:
    """Give every character without a voice one, distinct where the pool allows.

    Deterministic: characters are served most lines first (ties by name), each
    taking the first free voice of its gender pool, so the same book gets the same
    voices; voices a user chose in the file are never reassigned.
    """
    if not cast.narrator.voice:
        cast.narrator.voice = DEFAULT_NARRATOR_VOICE
    used = {cast.narrator.voice} | {s.voice for s in cast.characters.values() if s.voice}
    order = sorted(cast.characters.values(), key=lambda s: (-s.lines, _stable_rank(s.name)))
    for speaker in order:
        if speaker.voice:
            continue
        pool = voice_pool(speaker.gender, cast.narrator.voice, available)
        free = [v for v in pool if v not in used]
        if free:
            speaker.voice = free[0]
        else:  # more characters than voices: reuse, but vary the pitch
            speaker.voice = pool[_stable_rank(speaker.name) % len(pool)]
            speaker.pitch = 30 + _stable_rank(speaker.name + "/pitch") % 41
        used.add(speaker.voice)


def merge_characters(cast: Cast, found: list[Character]) -> None:
    """Add characters found in the text that the cast file does not name yet."""
    known = {n.lower() for s in cast.characters.values() for n in [s.name, *s.aliases]}
    for char in found:
        names = [char.name, *char.aliases]
        if any(n.lower() in known for n in names):
            continue
        cast.characters[char.name] = Speaker(char.name, list(char.aliases), char.gender)
        known.update(n.lower() for n in names)


# --- writing -------------------------------------------------------------------------

_HEADER = """\
# Cast file for audiobook. Edit it and pass it back with --voices.
# voice: an id from `audiobook voices`; rate: words per minute;
# pitch: 0-100 (50 is the voice's own); volume: 0.0-1.0.
# aliases: other names of the same character; gender: male | female | unknown.
# lines/words: how much each character speaks (for your information).
"""


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True,
                          width=1000).strip().removesuffix("...").strip()


def dump_cast(cast: Cast) -> str:
    """The cast as commented YAML: narrator, then characters by lines spoken."""
    out = [_HEADER]
    if cast.title:
        out.append(f"title: {_flow(cast.title)}")
    if cast.author:
        out.append(f"author: {_flow(cast.author)}")
    out.append("narrator:")
    out.append(f"  voice: {_flow(cast.narrator.voice or DEFAULT_NARRATOR_VOICE)}")
    out.append(f"  rate: {cast.narrator.rate or DEFAULT_RATE_WPM}")
    for key in ("pitch", "volume"):
        if getattr(cast.narrator, key) is not None:
            out.append(f"  {key}: {getattr(cast.narrator, key)}")
    if cast.narrator_character:
        out.append(f"  character: {_flow(cast.narrator_character)}  # says the 'I' lines")
    out.append("characters:")
    if not cast.characters:
        out[-1] += " {}"
    for s in sorted(cast.characters.values(), key=lambda s: (-s.lines, s.name)):
        out.append(f"  {_flow(s.name)}:")
        out.append(f"    aliases: {_flow(list(s.aliases))}")
        out.append(f"    gender: {s.gender}")
        out.append(f"    voice: {_flow(s.voice)}")
        for key in ("rate", "pitch", "volume"):
            if getattr(s, key) is not None:
                out.append(f"    {key}: {getattr(s, key)}")
        out.append(f"    lines: {s.lines}")
        out.append(f"    words: {s.words}")
    out.append("pronunciations:" + ("" if cast.pronunciations else " {}"))
    for word, say in cast.pronunciations.items():
        out.append(f"  {_flow(word)}: {_flow(say)}")
    return "\n".join(out) + "\n"
