"""The cast file: load and validate it, assign voices, write it back.

Loading uses PyYAML's safe loader only, so tags such as `!!python/object` are
errors, never executed. Every error names the file, and the line and column
where the YAML node is known.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from audiobook.attribution import Character
from audiobook.corrections import KINDS, Correction
from audiobook.engines import VoiceInfo, VoiceSettings
from audiobook.errors import InputError
from audiobook.palette import load_palette

DEFAULT_NARRATOR_VOICE = "gmw/en-us"
DEFAULT_RATE_WPM = 170
DEFAULT_PITCH = 50
DEFAULT_VOLUME = 1.0

# English accents and the espeak-ng variants that sound like distinct people;
# novelty variants (robots, whispers, croaks) are left to users who ask for them.
# With an engine's voice list, every accent of the narrator's language is used.
ACCENTS = ("gmw/en-us", "gmw/en", "gmw/en-gb-x-rp", "gmw/en-gb-scotland", "gmw/en-us-nyc",
           "gmw/en-gb-x-gbclan", "gmw/en-gb-x-gbcwmd", "gmw/en-029")
UNSUITABLE_ACCENTS = frozenset({"gmw/en-shaw"})
"""Languages that expect another script (Shavian) and misread Latin text."""
MALE_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "adam", "benjamin", "caleb",
                 "david", "edward", "ian", "john", "max", "paul", "robert", "travis", "victor",
                 "Mike", "Gene")
FEMALE_VARIANTS = ("f1", "f2", "f3", "f4", "f5", "Alicia", "Andrea", "Annie", "belinda",
                   "linda", "steph", "steph2", "steph3", "anika")
PITCH_OFFSETS = (-12, 12)
"""Pitch changes (on the 0-100 scale) that make one voice serve as two more."""
RATE_OFFSETS_WPM = (-15, 15)
"""Rate changes from the narrator's rate, the last resort for telling voices apart."""
TOP_DISTINCT_SPEAKERS = 10
"""This many of the most frequent speakers never share a voice."""

TOP_KEYS = ("title", "author", "summary", "narrator", "characters", "pronunciations",
            "corrections")
CORRECTION_KEYS = ("text", "speaker", "kind", "chapter", "nth")
NARRATOR_KEYS = ("voice", "rate", "pitch", "volume", "character")
CHARACTER_KEYS = ("aliases", "gender", "voice", "rate", "pitch", "volume", "lines", "words")
GENDERS = ("male", "female", "unknown")
RESERVED_NAMES = ("narrator", "unknown")
"""Speaker names segments use for narration and unattributed quotes."""


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
    """Words per minute; None for the narrator's rate (or the default)."""
    pitch: int | None = None
    """0 to 100; None for the voice's own."""
    volume: float | None = None
    """0.0 to 1.0; None for full volume."""
    lines: int = 0
    """Dialogue lines in the book (informational)."""
    words: int = 0
    """Words spoken in the book (informational)."""

    def settings(self, default_rate: int = DEFAULT_RATE_WPM) -> VoiceSettings:
        """Engine settings, with defaults for whatever is not set."""
        return VoiceSettings(
            voice=self.voice or DEFAULT_NARRATOR_VOICE,
            rate=self.rate if self.rate is not None else default_rate,
            pitch=self.pitch if self.pitch is not None else DEFAULT_PITCH,
            volume=self.volume if self.volume is not None else DEFAULT_VOLUME,
        )


@dataclass
class Cast:
    """Who reads what, in which voice, and how words are pronounced."""

    narrator: Speaker = field(default_factory=lambda: Speaker("narrator"))
    """Reads everything outside quotes (and quotes nobody could be found for)."""
    characters: dict[str, Speaker] = field(default_factory=dict)
    """Speaking characters by canonical name."""
    narrator_character: str | None = None
    """The character who narrates in the first person, if any."""
    pronunciations: dict[str, str] = field(default_factory=dict)
    """Word or phrase -> what the engine is given instead."""
    title: str | None = None
    """Book title override."""
    author: str | None = None
    """Author override."""
    summary: str | None = None
    """Summary override (a fan-fiction work's, shown by players as the description)."""
    corrections: list[Correction] = field(default_factory=list)
    """The user's corrections to the script, in file order."""

    def speaker(self, name: str) -> Speaker:
        """The speaker for a segment's speaker name (the narrator for unknown names, and for
        the character who narrates, unless the file gives them a voice of their own)."""
        found = self.characters.get(name)
        if found is None or name == self.narrator_character and found.voice is None:
            return self.narrator
        return found

    def settings_for(self, speaker: Speaker | str) -> VoiceSettings:
        """Engine settings for a speaker; characters keep the narrator's pace unless set."""
        if isinstance(speaker, str):
            speaker = self.speaker(speaker)
        rate = self.narrator.rate if self.narrator.rate is not None else DEFAULT_RATE_WPM
        return speaker.settings(rate)

    def to_characters(self) -> list[Character]:
        return [Character(s.name, list(s.aliases), s.gender) for s in self.characters.values()]


# --- loading -------------------------------------------------------------------------


def _where(path: Path, node: yaml.Node | None) -> str:
    if node is None:
        return str(path)
    mark = node.start_mark
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def _suggest(word: str, options: Iterable[str]) -> str:
    options = list(options)
    lower = {o.lower(): o for o in options}
    close = [lower[word.lower()]] if word.lower() in lower else difflib.get_close_matches(
        word, options, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def suggest_voice(voice: str, voices: set[str]) -> str | None:
    """The available voice id closest to a mistyped one, or None."""
    by_lower = {v.lower(): v for v in voices}
    if voice.lower() in by_lower:
        return by_lower[voice.lower()]
    accent, _, variant = voice.partition("+")
    if "/" not in accent:  # `en-us+f3`: the language family prefix was left out
        for v in voices:
            if v.split("+")[0].split("/")[-1].lower() == accent.lower() and (
                    v.partition("+")[2].lower() == variant.lower()):
                return v
    if variant:
        # Compare variants of the same accent by their spoken names (`f3` is `female3`).
        same = [v for v in voices if v.split("+")[0].lower() == accent.lower() and "+" in v]
        if same:
            wanted = _variant_name(variant)
            best = max(same, key=lambda v: difflib.SequenceMatcher(
                None, wanted, _variant_name(v.partition("+")[2])).ratio())
            return best
    plain = sorted(v for v in voices if "+" not in v)
    close = difflib.get_close_matches(accent, plain, n=1, cutoff=0.5)
    if close:
        return close[0] + (f"+{variant}" if f"{close[0]}+{variant}" in voices else "")
    close = difflib.get_close_matches(voice, sorted(voices), n=1, cutoff=0.6)
    return close[0] if close else None


def _variant_name(variant: str) -> str:
    variant = variant.lower()
    if len(variant) == 2 and variant[0] in "mf" and variant[1].isdigit():
        return ("male" if variant[0] == "m" else "female") + variant[1]
    return variant


def _mapping(path: Path, node: yaml.Node, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
    """The (key, value) pairs of a mapping node; keys must be distinct scalars."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return []
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{_where(path, node)}: {what} must be a mapping of keys to values, "
                         f"not {_describe(node)}")
    seen: dict[str, yaml.Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError(f"{_where(path, key_node)}: a key in {what} must be a plain name, "
                             f"not {_describe(key_node)}")
        first = seen.setdefault(str(key_node.value), key_node)
        if first is not key_node:
            raise InputError(
                f"{_where(path, key_node)}: {key_node.value!r} appears twice in {what} "
                f"(first at line {first.start_mark.line + 1}); keep one"
            )
    return node.value


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return repr(_value(node))


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
    want = " or ".join(_KIND_WORDS.get(k, k.__name__) for k in kinds)
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(f"{_where(path, node)}: {what} must be {want}, not {_describe(node)}")
    value = _value(node)
    if value is None:
        return None
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise InputError(f"{_where(path, node)}: {what} must be {want}, not {value!r}")
    return value


def _text(path: Path, node: yaml.Node, what: str) -> str:
    """Non-empty text (numbers are taken as text, so a name like `7` works)."""
    value = _scalar(path, node, what, (str, int))
    if value is None or not str(value).strip():
        raise InputError(f"{_where(path, node)}: {what} must not be empty")
    return str(value).strip()


def _number(path: Path, node: yaml.Node, what: str, kind, low, high):
    value = _scalar(path, node, what, kind)
    if value is not None and not low <= value <= high:
        raise InputError(f"{_where(path, node)}: {what} must be {low} to {high}, not {value!r}")
    return value


def _speaker_fields(path: Path, pairs, allowed: tuple[str, ...], what: str, speaker: Speaker,
                    voices: set[str] | None) -> yaml.Node | None:
    """Fill a speaker from its mapping; return the `character` node (narrator only)."""
    character = None
    for key_node, value_node in pairs:
        key = key_node.value
        if key not in allowed:
            raise InputError(
                f"{_where(path, key_node)}: unknown key {key!r} in {what}"
                f"{_suggest(key, allowed)}; valid keys: {', '.join(allowed)}"
            )
        if key == "voice":
            speaker.voice = _scalar(path, value_node, f"{what}.voice", str)
            if speaker.voice is not None and voices is not None and speaker.voice not in voices:
                if speaker.voice.startswith(PIPER_PREFIX):
                    raise InputError(f"{_where(path, value_node)}: "
                                     f"{_piper_voice_missing(speaker.voice, what)}")
                close = suggest_voice(speaker.voice, voices)
                hint = f" (did you mean {close!r}?)" if close else ""
                raise InputError(
                    f"{_where(path, value_node)}: unknown voice {speaker.voice!r} for {what}"
                    f"{hint}; `audiobook voices --lang en` lists them"
                )
        elif key == "rate":
            speaker.rate = _number(path, value_node, f"{what}.rate", int, 40, 600)
        elif key == "pitch":
            speaker.pitch = _number(path, value_node, f"{what}.pitch", int, 0, 100)
        elif key == "volume":
            volume = _number(path, value_node, f"{what}.volume", (int, float), 0.0, 1.0)
            speaker.volume = None if volume is None else float(volume)
        elif key == "gender":
            gender = _scalar(path, value_node, f"{what}.gender", str) or "unknown"
            if gender.lower() not in GENDERS:
                raise InputError(
                    f"{_where(path, value_node)}: {what}.gender must be male, female or "
                    f"unknown, not {gender!r}"
                )
            speaker.gender = gender.lower()
        elif key == "aliases":
            if isinstance(value_node, yaml.ScalarNode) and _value(value_node) is None:
                speaker.aliases = []
                continue
            if not isinstance(value_node, yaml.SequenceNode):
                raise InputError(f"{_where(path, value_node)}: {what}.aliases must be a list "
                                 f"such as [the General, Seph], not {_describe(value_node)}")
            speaker.aliases = [_text(path, n, f"an alias of {what}") for n in value_node.value]
        elif key in ("lines", "words"):
            setattr(speaker, key, _number(path, value_node, f"{what}.{key}", int, 0, 10**9) or 0)
        elif key == "character":
            character = value_node
    _check_piper_pitch(path, pairs, speaker, what)
    return character


# libyaml's loader when PyYAML has it (same nodes and marks, many times faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_cast(text: str, path: Path, voices: set[str] | None = None) -> Cast:
    """Parse and validate cast YAML; `voices` is the set of valid voice ids (None: no check)."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
        # Refuses unsafe tags such as !!python/object.
        _LOADER(text).get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = " ".join(str(err.problem or err.context or "invalid YAML").split())
        if isinstance(err, yaml.constructor.ConstructorError) and "for the tag" in problem:
            tag = problem.split("for the tag", 1)[1].strip(" '").replace("tag:yaml.org,2002:", "!!")
            problem = f"the tag {tag!r} is not allowed: a cast file holds plain values only"
        raise InputError(f"{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    cast = Cast()
    if root is None:
        return cast
    owners: dict[str, str] = {}
    narrator_character: yaml.Node | None = None
    corrections: yaml.Node | None = None
    for key_node, value_node in _mapping(path, root, "the cast file"):
        key = key_node.value
        if key not in TOP_KEYS:
            raise InputError(
                f"{_where(path, key_node)}: unknown key {key!r}{_suggest(key, TOP_KEYS)}; "
                f"valid keys: {', '.join(TOP_KEYS)}"
            )
        if key in ("title", "author", "summary"):
            value = _scalar(path, value_node, key, (str, int))
            setattr(cast, key, None if value is None else str(value))
        elif key == "narrator":
            pairs = _mapping(path, value_node, "narrator")
            narrator_character = _speaker_fields(
                path, pairs, NARRATOR_KEYS, "narrator", cast.narrator, voices)
        elif key == "characters":
            for name_node, spec in _mapping(path, value_node, "characters"):
                name = _text(path, name_node, "a character name")
                if name.lower() in RESERVED_NAMES:
                    raise InputError(f"{_where(path, name_node)}: {name!r} cannot be a "
                                     f"character name (it is used for the {name.lower()})")
                speaker = Speaker(name)
                where = f"characters.{name}"
                _speaker_fields(path, _mapping(path, spec, where), CHARACTER_KEYS, where,
                                speaker, voices)
                for alias in [name, *speaker.aliases]:
                    other = owners.setdefault(alias.lower(), name)
                    if other != name:
                        raise InputError(
                            f"{_where(path, name_node)}: the name {alias!r} is claimed by both "
                            f"{other!r} and {name!r}; keep it under one of them"
                        )
                cast.characters[name] = speaker
        elif key == "pronunciations":
            for word_node, say_node in _mapping(path, value_node, "pronunciations"):
                word = _text(path, word_node, "a pronounced word")
                cast.pronunciations[word] = _text(path, say_node, f"the pronunciation of {word!r}")
        elif key == "corrections":
            corrections = value_node
    if narrator_character is not None:
        name = _scalar(path, narrator_character, "narrator.character", (str, int))
        if name is not None and str(name).strip():
            name = str(name).strip()
            # "character: Mar" may name an alias: the narrator is then that character.
            cast.narrator_character = owners.get(name.lower(), name)
            if cast.narrator_character not in cast.characters:
                cast.characters[name] = Speaker(name)
    if corrections is not None:
        # After the characters, wherever the list stands: a correction names one of them.
        names = {**{n.lower(): n for n in cast.characters}, **owners}
        cast.corrections = _corrections(path, corrections, names)
    return cast


def _corrections(path: Path, node: yaml.Node, owners: dict[str, str]) -> list[Correction]:
    if isinstance(node, yaml.ScalarNode) and _value(node) is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(f"{_where(path, node)}: corrections must be a list of entries such as "
                         f"- {{text: WORDS, speaker: NAME}}, not {_describe(node)}")
    out = []
    for entry in node.value:
        what = "a correction"
        c = Correction("", where=_where(path, entry))
        speaker_node = None
        for key_node, value_node in _mapping(path, entry, what):
            key = key_node.value
            if key not in CORRECTION_KEYS:
                raise InputError(f"{_where(path, key_node)}: unknown key {key!r} in {what}"
                                 f"{_suggest(key, CORRECTION_KEYS)}; valid keys: "
                                 f"{', '.join(CORRECTION_KEYS)}")
            if key == "text":
                c.text = _text(path, value_node, "a correction's text")
            elif key == "speaker":
                speaker_node = value_node
                c.speaker = _text(path, value_node, "a correction's speaker")
            elif key == "kind":
                c.kind = _text(path, value_node, "a correction's kind").lower()
                if c.kind not in KINDS:
                    raise InputError(f"{_where(path, value_node)}: a correction's kind must be "
                                     f"narration or dialogue, not {c.kind!r}")
            elif key == "chapter":
                c.chapter = _number(path, value_node, "a correction's chapter", int, 1, 10**6)
            else:
                c.nth = _number(path, value_node, "a correction's nth", int, 1, 10**6) or 1
        if not c.text:
            raise InputError(f"{c.where}: a correction needs text: the words of the line")
        if c.kind == "narration" and c.speaker:
            raise InputError(f"{_where(path, speaker_node)}: a correction of kind narration "
                             "has no speaker (the narrator reads it); remove one of them")
        if c.kind is None and not c.speaker:
            raise InputError(f"{c.where}: a correction needs speaker: NAME (or kind: narration "
                             "for words that are no quote)")
        if speaker_node is not None:
            name = owners.get(c.speaker.lower())
            if name is None and c.speaker.lower() != "narrator":
                raise InputError(
                    f"{_where(path, speaker_node)}: the correction's speaker {c.speaker!r} is "
                    f"not in the cast file{_suggest(c.speaker, sorted(set(owners.values())))}; "
                    "add them under characters: or name the narrator")
            c.speaker = name or "narrator"
        out.append(c)
    return out


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


def select_voices(voices: Iterable[VoiceInfo], lang: str | None = None,
                  gender: str | None = None) -> list[VoiceInfo]:
    """Voices of a language and its accents (`en` takes `en-gb-scotland`), and of a gender."""
    out = []
    want = lang.lower().strip() if lang else None
    for voice in voices:
        if want:
            tags = (voice.language.lower(), voice.id.split("+")[0].split("/")[-1].lower())
            if not any(t == want or t.startswith(want + "-") for t in tags):
                continue
        if gender and voice.gender != gender:
            continue
        out.append(voice)
    return out


# --- assigning voices ----------------------------------------------------------------


@dataclass(frozen=True)
class VoiceSlot:
    """One distinct-sounding voice: an engine voice with optional pitch and rate offsets."""

    voice: str
    """Engine voice id, `accent+variant`."""
    pitch: int | None = None
    """Pitch set for the character (None: the voice's own)."""
    rate: int | None = None
    """Rate set for the character (None: the narrator's)."""


def _accents(narrator_voice: str, available: set[str] | None) -> list[str]:
    """The narrator's accent first, then the engine's other accents of the same language."""
    accent = narrator_voice.split("+")[0]
    if available is None:
        others = [a for a in ACCENTS if a != accent]
    else:
        language = accent.split("/")[-1].split("-")[0]
        others = sorted(v for v in available if "+" not in v and v != accent
                        and v.split("/")[-1].split("-")[0] == language
                        and v not in UNSUITABLE_ACCENTS)
    return [accent, *others]


def _variants(gender: str) -> tuple[str, ...]:
    if gender == "female":
        return FEMALE_VARIANTS
    if gender == "male":
        return MALE_VARIANTS
    return MALE_VARIANTS + FEMALE_VARIANTS


def _score(name: str, slot: VoiceSlot) -> bytes:
    # Rendezvous hashing: each name ranks every slot independently of the other names,
    # so adding a character cannot change anyone else's preferences.
    return hashlib.sha256(f"{name}\0{slot.voice}\0{slot.pitch}\0{slot.rate}".encode()).digest()


def candidate_voices(gender: str, narrator_voice: str,
                     available: set[str] | None = None) -> list[str]:
    """Every accent x variant of a gender the auto-cast considers, before the palette's rule.

    `tools/measure_voices.py` measures exactly these; `voice_slots` keeps the fit ones.
    """
    ids = [f"{a}+{v}" for a in _accents(narrator_voice, available) for v in _variants(gender)]
    if available is not None:
        ids = [v for v in ids if v in available]
    return [v for v in ids if v != narrator_voice]


def voice_slots(name: str, gender: str, narrator_voice: str, narrator_rate: int,
                available: set[str] | None = None) -> Iterator[VoiceSlot]:
    """A character's voice preferences, best first; never the narrator's voice.

    Only voices the measured palette finds intelligible enough are used
    (`audiobook.palette`: within 0.05 WER of the best voice of the gender, at
    most 0.25). Tiers, each in the name's own hashed order: every such accent x
    variant of the narrator's language and the character's gender; all of these again
    with a higher or lower pitch; then faster or slower. A new character moves
    someone else only on a clash in the first tier, so the larger that tier the
    rarer: in a cast of 20, 0.04 voices moved per added leading character with
    all 288 English voices, 1.2 with the palette's 54 (10 of them female).
    Putting the pitch tiers into the first tier would cut that to 0.2, but the
    shifted voices were less intelligible (+0.02 to +0.03 WER on average).
    """
    ids = load_palette().fit_for(candidate_voices(gender, narrator_voice, available), gender)
    tiers = (
        lambda: [VoiceSlot(v) for v in ids],
        lambda: [VoiceSlot(v, DEFAULT_PITCH + d) for v in ids for d in PITCH_OFFSETS],
        lambda: [VoiceSlot(v, None, narrator_rate + d) for v in ids for d in RATE_OFFSETS_WPM],
    )
    for tier in tiers:  # lazily: most characters never look past the first tier
        yield from sorted(tier(), key=lambda s: _score(name, s))


def _sound(cast: Cast, speaker: Speaker) -> tuple[str, int, int]:
    """What makes two speakers sound alike: voice, pitch and rate as spoken."""
    s = cast.settings_for(speaker)
    return s.voice, s.pitch, s.rate


def assign_voices(cast: Cast, available: set[str] | None = None) -> None:
    """Give every character without a voice one that no one else has, where possible.

    Deterministic and stable: characters are served most lines first (ties by
    name), each taking the first free slot of its own hashed preference list
    (`voice_slots`), so a new character never changes the voice of anyone who
    speaks more, and rarely (only on a direct clash) anyone else. Voices given
    in the cast file are never changed. The narrator's voice goes to no one;
    the ten most frequent speakers share a voice only when the whole inventory,
    across genders, is used up.
    """
    if not cast.narrator.voice:
        cast.narrator.voice = DEFAULT_NARRATOR_VOICE
    narrator_rate = cast.settings_for(cast.narrator).rate
    taken = {_sound(cast, cast.narrator)}
    taken |= {_sound(cast, s) for s in cast.characters.values() if s.voice}
    ranked = sorted(cast.characters.values(), key=lambda s: (-s.lines, s.name))
    top = {s.name for s in ranked[:TOP_DISTINCT_SPEAKERS]}
    for speaker in ranked:
        if speaker.voice or speaker.name == cast.narrator_character:
            continue  # the narrator's character speaks in the narrator's voice
        genders = [speaker.gender]
        if speaker.name in top and speaker.gender != "unknown":
            genders.append("unknown")  # leading speakers may cross gender rather than share
        chosen = None
        for gender in genders:
            slots = voice_slots(speaker.name, gender, cast.narrator.voice, narrator_rate,
                                available)
            chosen = next((s for s in slots if _slot_sound(cast, speaker, s) not in taken), None)
            if chosen:
                break
        if chosen is None:  # more characters than voices: share one, picked by hash
            slots = list(voice_slots(speaker.name, speaker.gender, cast.narrator.voice,
                                     narrator_rate, available))
            chosen = slots[_stable_rank(speaker.name) % len(slots)] if slots else VoiceSlot(
                cast.narrator.voice, DEFAULT_PITCH + PITCH_OFFSETS[0])
        speaker.voice = chosen.voice
        if chosen.pitch is not None and speaker.pitch is None:
            speaker.pitch = chosen.pitch
        if chosen.rate is not None and speaker.rate is None:
            speaker.rate = chosen.rate
        taken.add(_sound(cast, speaker))


def _slot_sound(cast: Cast, speaker: Speaker, slot: VoiceSlot) -> tuple[str, int, int]:
    trial = Speaker(speaker.name, voice=slot.voice,
                    pitch=speaker.pitch if speaker.pitch is not None else slot.pitch,
                    rate=speaker.rate if speaker.rate is not None else slot.rate,
                    volume=speaker.volume)
    return _sound(cast, trial)


def _stable_rank(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def add_aliases(cast: Cast, name: str, aliases: list[str]) -> None:
    """Give a character aliases the text made for them, those no one else goes by."""
    if name not in cast.characters:
        return
    claimed = {n.lower() for s in cast.characters.values() for n in [s.name, *s.aliases]}
    speaker = cast.characters[name]
    speaker.aliases += [a for a in aliases if a.lower() not in claimed]


def merge_characters(cast: Cast, found: list[Character]) -> None:
    """Add characters found in the text that the cast file does not name yet."""
    known = {n.lower() for s in cast.characters.values() for n in [s.name, *s.aliases]}
    for char in found:
        names = [char.name, *char.aliases]
        owner = next((s for s in cast.characters.values()
                      if {n.lower() for n in [s.name, *s.aliases]} & {n.lower() for n in names}),
                     None)
        if owner is not None:
            # The file's names and aliases stand; a gender it leaves open is filled in.
            if owner.gender == "unknown":
                owner.gender = char.gender
            continue
        if any(n.lower() in known for n in names):
            continue
        cast.characters[char.name] = Speaker(char.name, list(char.aliases), char.gender)
        known.update(n.lower() for n in names)


# --- writing -------------------------------------------------------------------------

_HEADER = """\
# Cast file for audiobook: who reads what, in which voice. Edit it, then pass it back:
#   audiobook preview --voices THIS.yaml BOOK     (hear every voice in a few seconds)
#   audiobook build BOOK --voices THIS.yaml
#   audiobook cast BOOK --voices THIS.yaml -o THIS.yaml   (add new characters, keep your edits)
# Every key is optional; characters left out are found and cast automatically.
#   voice:   an engine voice id, accent+variant (list: audiobook voices --lang en)
#   rate:    words per minute (characters keep the narrator's rate unless set)
#   pitch:   0-100, 50 is the voice's own       volume: 0.0-1.0
#   aliases: other names of the same character, e.g. [the General, Seph]
#   gender:  male | female | unknown (the kind of voice picked when none is set)
#   lines, words: how much the character speaks in this book (information only)
"""

_PRONUNCIATION_HELP = """\
# pronunciations: word or name -> what to say instead (whole words, any case,
# possessives too), e.g.  Sephiroth: SEF-ih-roth
"""


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True,
                          width=1000).strip().removesuffix("...").strip()


def _optional(out: list[str], speaker: Speaker, indent: str) -> None:
    for key in ("rate", "pitch", "volume"):
        if getattr(speaker, key) is not None:
            out.append(f"{indent}{key}: {getattr(speaker, key)}")


def dump_cast(cast: Cast) -> str:
    """The cast as commented YAML: narrator, then characters by lines spoken."""
    out = [_HEADER]
    if cast.title:
        out.append(f"title: {_flow(cast.title)}")
    if cast.author:
        out.append(f"author: {_flow(cast.author)}")
    if cast.summary:
        out.append(f"summary: {_flow(cast.summary)}")
    out.append("narrator:  # reads everything outside quotes")
    out.append(f"  voice: {_flow(cast.narrator.voice or DEFAULT_NARRATOR_VOICE)}")
    out.append(f"  rate: {cast.narrator.rate or DEFAULT_RATE_WPM}")
    for key in ("pitch", "volume"):
        if getattr(cast.narrator, key) is not None:
            out.append(f"  {key}: {getattr(cast.narrator, key)}")
    if cast.narrator_character:
        out.append(f"  character: {_flow(cast.narrator_character)}  # who says the 'I said' lines")
    else:
        out.append("  # character: NAME   (for a story told in the first person)")
    out.append("characters:  # most lines first" if cast.characters else "characters: {}")
    for s in sorted(cast.characters.values(), key=lambda s: (-s.lines, s.name)):
        out.append(f"  {_flow(s.name)}:")
        out.append(f"    aliases: {_flow(list(s.aliases))}")
        out.append(f"    gender: {s.gender}")
        out.append(f"    voice: {_flow(s.voice)}")
        _optional(out, s, "    ")
        out.append(f"    lines: {s.lines}")
        out.append(f"    words: {s.words}")
    out.append(_PRONUNCIATION_HELP.rstrip("\n"))
    out.append("pronunciations:" + ("" if cast.pronunciations else " {}"))
    for word, say in cast.pronunciations.items():
        out.append(f"  {_flow(word)}: {_flow(say)}")
    return "\n".join(out) + "\n"


# --- Piper voices ---------------------------------------------------------------------

PIPER_PREFIX = "piper:"
"""Piper voice ids: `piper:MODEL` or `piper:MODEL#SPEAKER`."""
_QUALITY_RANK = {"high": 0, "medium": 1, "low": 2, "x_low": 3}


def _piper_voice_missing(voice: str, what: str) -> str:
    model = voice[len(PIPER_PREFIX):].partition("#")[0]
    return (f"the Piper voice {voice!r} for {what} is not installed (or has no such "
            f"speaker); install it with `audiobook voices --install {model}`, and "
            f"`audiobook voices --engine piper` lists the installed ones")


def _check_piper_pitch(path: Path, pairs, speaker: Speaker, what: str) -> None:
    """Piper has no pitch control: a `pitch` for a Piper voice is an error, not ignored."""
    if speaker.pitch is None or not (speaker.voice or "").startswith(PIPER_PREFIX):
        return
    node = next(value for key, value in pairs if key.value == "pitch")
    raise InputError(f"{_where(path, node)}: {what}.pitch cannot be set for the Piper voice "
                     f"{speaker.voice!r} (Piper has no pitch control); remove it, or "
                     f"choose another voice")


def _piper_preference(name: str, voice: VoiceInfo) -> bytes:
    return hashlib.sha256(f"{name}\0{voice.id}".encode()).digest()


def assign_piper_voices(cast: Cast, voices: Iterable[VoiceInfo]) -> None:
    """Installed Piper voices for the narrator and every character without a voice.

    The narrator takes the best-quality voice (one-speaker models first: they are the
    most polished), then characters, most lines first, each a distinct speaker of their
    own measured gender (a voice of unknown gender if none is left; any voice for a
    character of unknown gender), in an order hashed from their name, so adding a
    character rarely moves anyone. When the Piper voices run out, the characters left
    (those who speak least) keep no voice here and get espeak-ng voices from
    `assign_voices`: everyone stays distinct, rather than two characters sharing one
    Piper voice. Voices named in the cast file are kept.
    """
    voices = [v for v in voices if v.id.startswith(PIPER_PREFIX)]
    if not voices:
        raise InputError("no Piper voice is installed: `audiobook voices --available` lists "
                         "what can be, `audiobook voices --install NAME` installs one")
    taken = {cast.narrator.voice} | {s.voice for s in cast.characters.values() if s.voice}
    free = [v for v in voices if v.id not in taken]
    if not cast.narrator.voice and free:
        narrator = min(free, key=lambda v: (_QUALITY_RANK.get(v.quality, 9), v.speakers, v.id))
        cast.narrator.voice = narrator.id
        free.remove(narrator)
    for speaker in sorted(cast.characters.values(), key=lambda s: (-s.lines, s.name)):
        if speaker.voice:
            continue
        if speaker.gender in ("male", "female"):
            choices = ([v for v in free if v.gender == speaker.gender]
                       or [v for v in free if v.gender == "unknown"])
        else:
            choices = free
        if not choices:
            continue  # left to espeak-ng (assign_voices)
        chosen = min(choices, key=lambda v: _piper_preference(speaker.name, v))
        speaker.voice = chosen.id
        free.remove(chosen)


def assign_remaining_voices(cast: Cast, available: set[str] | None = None) -> None:
    """`assign_voices` (espeak-ng) for everyone still without a voice. A Piper narrator
    stands aside meanwhile: espeak-ng's choices start from its default accent then."""
    narrator = cast.narrator.voice
    if narrator and narrator.startswith(PIPER_PREFIX):
        cast.narrator.voice = DEFAULT_NARRATOR_VOICE
        try:
            assign_voices(cast, available)
        finally:
            cast.narrator.voice = narrator
    else:
        assign_voices(cast, available)
