"""Characters and their names: forms of a name, and finding them in the text."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from audiobook.lexicon import (
    ARTICLES,
    DETERMINERS,
    FEMALE_TITLES,
    FUNCTION_WORDS,
    KIN_GENDER,
    MALE_TITLES,
    MARRIED_TITLES,
    RANK_TITLES,
    RANKS,
    STOPWORDS,
    TITLES,
)


@dataclass
class Character:
    """A speaking character: canonical name, other names, gender."""

    name: str
    """Canonical name, as printed in segments and the cast file."""
    aliases: list[str] = field(default_factory=list)
    """Other names that refer to the same character."""
    gender: str = "unknown"
    """`male`, `female` or `unknown`."""
    lines: int = 0
    """Dialogue segments attributed to the character."""
    words: int = 0
    """Words spoken by the character."""

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


def split_title(name: str) -> tuple[str | None, str]:
    """`Mr. Darcy` -> ("mr", "Darcy"); `Darcy` -> (None, "Darcy")."""
    parts = name.replace(".", ". ").split()
    if len(parts) > 1 and parts[0].rstrip(".").lower() in TITLES:
        return parts[0].rstrip(".").lower(), " ".join(parts[1:])
    return None, name


def gender_from_title(name: str) -> str:
    title, _ = split_title(name)
    words = name.split()
    if title is None and len(words) == 2 and words[0].lower() in ARTICLES:
        title = words[1].rstrip(".").lower()  # `the Duchess`
    if title in MALE_TITLES:
        return "male"
    if title in FEMALE_TITLES:
        return "female"
    return "unknown"


def clean_name(name: str) -> str | None:
    """Drop leading non-name words (`Then Alice` -> `Alice`); None if nothing is left.

    A single word is kept unless it is a function word: whether `Will` or `Well` names
    someone is for `people` to judge."""
    words = name.split()
    article = len(words) > 1 and words[0] in ("the", "The")
    if article:
        words = words[1:]
    while len(words) > 1 and words[0].rstrip(".") in STOPWORDS and (
            words[0].rstrip(".").lower() not in TITLES):
        words = words[1:]
        article = False
    if not words or len(words) == 1 and words[0] in FUNCTION_WORDS:
        return None
    if len(words) == 1 and words[0].rstrip(".").lower() in TITLES:
        # `the Count` is someone; a title alone without the article is not a name.
        rank = article and words[0].lower() in RANKS
        return "The " + words[0].capitalize() if rank else None
    if article:
        # `the Hatter`: a description used as a name keeps its article.
        return "The " + " ".join(words)
    return " ".join(words)


@dataclass
class Mention:
    """A name (or alias) of a character found in the text."""

    start: int
    """Offset of the mention in `Book.text`."""
    end: int
    """Offset just past it."""
    name: str
    """Canonical name of the character."""


@dataclass
class Roster:
    """Name lookup for the characters of a book."""

    characters: list[Character]
    """Everyone who may speak."""
    narrator: str | None = None
    """Character who narrates in the first person (`I said`), if any."""
    by_name: dict[str, Character] = field(default_factory=dict)
    """Lower-cased names and aliases (and unambiguous short forms) to characters."""

    def __post_init__(self) -> None:
        exact: dict[str, Character] = {}
        derived: dict[str, set[str]] = {}
        chars = {c.name: c for c in self.characters}
        # Main names first: another entry's alias never takes a character's own name.
        for char in self.characters:
            for key in _variants(char.name):
                exact.setdefault(key.lower(), char)
        for char in self.characters:
            for form in char.names():
                for key in _variants(form):
                    exact.setdefault(key.lower(), char)
            for form in char.names():
                for key in _short_forms(form):
                    derived.setdefault(key.lower(), set()).add(char.name)
        self.by_name = dict(exact)
        for key, owners in derived.items():
            if key not in exact and len(owners) == 1:
                self.by_name[key] = chars[next(iter(owners))]
        for char in self.characters:
            if char.gender not in ("male", "female"):
                for form in char.names():
                    guess = gender_from_title(form)
                    if guess != "unknown":
                        char.gender = guess
                        break
        self._by_canonical = {c.name: c for c in self.characters}
        self._patterns = _mention_patterns(self.by_name)
        # (surname, title) of every titled or full name: kin share a surname.
        self.surnames: dict[str, set[tuple[str, str | None]]] = {}
        for char in self.characters:
            for form in char.names():
                title, bare = split_title(_norm_key(form))
                words = bare.split()
                if words and (title or len(words) >= 2) and words[-1][:1].isupper() and (
                        words[-1].lower() not in TITLES):
                    self.surnames.setdefault(char.name, set()).add((words[-1].lower(), title))
        # Titles each character goes by (`mrs`, `aunt`): what kin they may be.
        self.titles = {c.name: {t for t in (split_title(_norm_key(f))[0] for f in c.names())
                                if t} for c in self.characters}
        self._found: tuple[str, list[Mention]] | None = None

    def lookup(self, mention: str) -> Character | None:
        """The character a mention names: whole, without title or article, or a short form."""
        key = _norm_key(mention).lower()
        for candidate in (key, _strip_article(key)):
            if candidate in self.by_name:
                return self.by_name[candidate]
        _, bare = split_title(key)
        return self.by_name.get(bare)

    def kin(self, of: str, relation: str) -> str | None:
        """The one character who is `of`'s wife, father, sister... by a shared surname
        (see `kin_fit`); None unless exactly one character fits."""
        found = [c.name for c in self.characters if self.kin_fit(of, c.name, relation) == 2]
        return found[0] if len(found) == 1 else None

    def kin_fit(self, of: str | None, name: str, relation: str) -> int:
        """How well `name` fits as `of`'s `relation`: -1 not at all (wrong gender, the
        owner, a title that rules it out), 0 possibly, 1 by title (a married woman for a
        wife), 2 by name (shares the owner's surname with a fitting title, or `Aunt`
        for an aunt).

        A wife or mother has a married woman's title (Mrs.), a husband or father a
        man's title (Mr.), a sister or daughter not a married title. A married woman's
        surname is her husband's: it makes kin of her husband and children only.
        """
        char = self._by_canonical.get(name)
        if char is None or name == of or char.gender != KIN_GENDER[relation]:
            return -1
        titles = self.titles.get(name, set())
        married = bool(titles & MARRIED_TITLES)
        if relation in ("wife", "mother") and titles and not married:
            return -1  # `Miss Ames` is nobody's wife
        if relation in titles:
            return 1  # `Aunt Ida` for her aunt
        owned = self.surnames.get(of or "", set())
        names = {surname for surname, _ in owned}
        if relation not in ("husband", "son", "daughter"):
            # Her name as a married woman (with or without the title) is not her father's.
            names -= {surname for surname, title in owned if title in MARRIED_TITLES}
        shared = {title for surname, title in self.surnames.get(name, ()) if surname in names}
        if shared:
            if relation in ("wife", "mother"):
                fits = bool(shared & MARRIED_TITLES)
            elif relation in ("husband", "father"):
                fits = any(t is not None and t in MALE_TITLES for t in shared)
            elif relation in ("sister", "daughter"):
                fits = not shared & MARRIED_TITLES
            else:
                fits = relation in ("brother", "son")
            if fits:
                return 2
        return 1 if relation in ("wife", "mother") and married else 0

    def married_couple(self, one: str, other: str) -> bool:
        """Whether a man and a woman share a surname, she with a married title."""
        genders = {self.gender(one), self.gender(other)}
        if genders != {"male", "female"}:
            return False
        shared = ({s for s, _ in self.surnames.get(one, ())}
                  & {s for s, _ in self.surnames.get(other, ())})
        return any(title in MARRIED_TITLES for name in (one, other)
                   for surname, title in self.surnames.get(name, ()) if surname in shared)

    def gender(self, name: str) -> str:
        """`male`, `female` or `unknown` for a canonical name."""
        # By the canonical name itself: `Mrs. Hall` is keyed `mrs hall` in by_name.
        char = self._by_canonical.get(name) or self.lookup(name)
        return char.gender if char else "unknown"

    def mentions(self, text: str) -> list[Mention]:
        """Every mention of a character in `text`, in order."""
        if self._found is not None and self._found[0] is text:
            return list(self._found[1])  # the same book again (narrator inference, walk)
        found = []
        if not self._patterns:
            return found
        pos = 0
        # One small pattern per first letter, tried only at word starts: the same
        # matches as one big alternation, many times faster on a large cast.
        for start in _WORD_START.finditer(text):
            at = start.start()
            if at < pos:
                continue
            pattern = self._patterns.get(text[at].lower())
            m = pattern.match(text, at) if pattern is not None else None
            if m is None:
                continue
            pos = m.end()
            if not _looks_like_name(m.group(0)):
                continue
            char = self.lookup(m.group(0))
            if char is not None:
                found.append(Mention(m.start(), m.end(), char.name))
        self._found = (text, found)
        return list(found)


def _norm_key(name: str) -> str:
    return " ".join(name.replace(".", " ").split())


def _strip_article(key: str) -> str:
    first, _, rest = key.partition(" ")
    return rest if first in ARTICLES and rest else key


def _variants(form: str) -> list[str]:
    """Spellings that surely mean this form: itself, without its article."""
    key = _norm_key(form)
    out = [key]
    stripped = _strip_article(key.lower())
    if stripped != key.lower():
        out.append(stripped)
    return out


def _short_forms(form: str) -> list[str]:
    """Shorter names a form may go by: without title, first name, surname, title + surname."""
    key = _norm_key(form)
    title, bare = split_title(key)
    words = bare.split()
    if not words or "," in bare or any(w in STOPWORDS or not w[:1].isupper()
                                       or w.lower().endswith(("'s", "\u2019s")) for w in words):
        # A description (`Inspector In Uniform`, `A Small, Dark Man`, `Ida's Aunt`), not
        # a name: `Ida's` alone is Ida.
        return []
    out = []
    if title:
        out.append(bare)
        if title in RANK_TITLES:
            out.append(f"the {RANK_TITLES[title]}")
    if len(words) >= 2:
        first, last = words[0], words[-1]
        if first[:1].isupper() and first.lower() not in TITLES:
            out.append(first)
        if last[:1].isupper():
            out.append(last)
            if title:
                out.append(f"{title} {last}")
        if title and first[:1].isupper():
            out.append(f"{title} {first}")
    return [o for o in out if len(o) > 1 and o.lower() not in ARTICLES]


_WORD_START = re.compile(r"(?<![\w'])\w")


def _mention_patterns(by_name: dict[str, Character]) -> dict[str, re.Pattern]:
    """Per first letter, one regex for the names starting with it: titles with or
    without a full stop, line breaks between words, longest name first."""
    parts: dict[str, list[str]] = {}
    for key in sorted(by_name, key=len, reverse=True):
        pieces = [re.escape(word) + (r"\.?" if word in TITLES else "") for word in key.split()]
        if pieces:
            parts.setdefault(key[0].lower(), []).append(r"\s+".join(pieces))
    return {first: re.compile(r"(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)
            for first, alts in parts.items()}


def _looks_like_name(found: str) -> bool:
    """A bare name must be capitalized (`Hope`, not `hope`); descriptions need not be."""
    words = found.split()
    head = [w for w in words if w.lower() not in ARTICLES]
    return (any(w[:1].isupper() for w in head) or len(words) >= 3
            or len(words) == 2 and words[0].lower() in ARTICLES + DETERMINERS)


class MentionIndex:
    """Mentions and pronouns located by offset, for quick lookup per segment."""

    def __init__(self, text: str, roster: Roster) -> None:
        self.text = text
        self.mentions = roster.mentions(text)
        self.starts = [m.start for m in self.mentions]

    def within(self, start: int, end: int) -> list[Mention]:
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            if self.mentions[i].end <= end:
                out.append(self.mentions[i])
            i += 1
        return out

    def named(self, start: int, end: int) -> list[Mention]:
        """The mentions within, but not a possessive (`Mara's boat` is about the boat)."""
        return [m for m in self.within(start, end) if not possessive(self.text, m.end)]


def possessive(text: str, end: int) -> bool:
    return text.startswith(("'s", "\u2019s"), end)
