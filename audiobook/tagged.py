"""The characters a fan-fiction work's tags name, as known characters for attribution.

The Characters tag of an AO3 or FanFicFare download is the cast list whose
absence makes attribution hard: each tag that names one person becomes a
character before attribution starts, the way a user's cast file does (and a
user's cast file always wins over tags).

    Sephiroth (Compilation of FFVII)  -> Sephiroth
    Female Shepard (Mass Effect)      -> Shepard, female
    Angeal Hewley                     -> Angeal Hewley, alias Angeal where the text says Angeal
    Commander Brask                   -> Commander Brask, alias Brask (a rank says no gender)
    Original Female Character(s), Reader, Everyone -> not one named person: no character
"""

from __future__ import annotations

import re

from audiobook.attribution import Character
from audiobook.model import WorkInfo

_DISAMBIGUATION = re.compile(r"\s*\([^()]*\)\s*$")
_GENDERED = re.compile(r"^(?:(?P<female>female|fem|f)|(?P<male>male|m))(?:\s+|!)(?P<name>\S.*)$",
                       re.IGNORECASE)
_NOT_A_PERSON = re.compile(
    r"""^(?:
        original\s+(?:\w+[\s-])*characters?(?:\(s\))?
      | (?:female|male|gender[\s-]?neutral|non[\s-]?binary|\w+)?\s*reader(?:[\s-]insert)?
      | you | y/n | everyone | everybody | other\(s\) | others? | various | ensemble
      | (?:minor|background|side|original|multiple|\w+)\s+characters?(?:\(s\))?
      | .*\bensemble\b.* | ocs? | oc\(s\) | .*\s-\s(?:character|relationship)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_NICKNAME = re.compile(r"""\s+["\u201c']([^"\u201d']+)["\u201d']\s+""")
_PARTICLES = frozenset("de da di del der van von la le du of the and y".split())
_TITLE_WORDS = frozenset("""
    mr mrs miss ms mx dr doctor sir lord lady madam dame master mistress father mother uncle
    aunt brother sister king queen prince princess duke duchess count countess baron baroness
    captain capt general gen commander cmdr colonel col major lieutenant lt sergeant sgt
    admiral professor prof inspector detective agent officer president reverend rev saint st
    judge
""".split())
"""Titles and ranks: a tag's `Commander` is no name the text calls anyone by alone."""
_PLACEHOLDERS = {
    "Y/N": "your name", "L/N": "your last name", "F/N": "your first name",
    "H/C": "your hair colour", "E/C": "your eye colour", "S/C": "your skin colour",
}
"""Reader-insert placeholders and what they are spoken as unless the cast file says."""


def tag_person(tag: str) -> tuple[str, list[str], str] | None:
    """One Characters tag as (name, alternative names, gender), or None when the tag
    names no one person (`Original Female Character(s)`, `Reader`, `Everyone`)."""
    name = " ".join(tag.split())
    while _DISAMBIGUATION.search(name) and not name.endswith("(s)"):
        name = _DISAMBIGUATION.sub("", name)
    if not name or _NOT_A_PERSON.match(name):
        return None
    gender = "unknown"
    gendered = _GENDERED.match(name)
    if gendered and gendered.group("name")[:1].isupper():
        gender = "female" if gendered.group("female") else "male"
        name = gendered.group("name")
    # `Ben Solo | Kylo Ren`: one person by two names.
    names = [n.strip() for n in name.split("|") if n.strip()]
    others = names[1:]
    name = names[0] if names else name
    nickname = _NICKNAME.search(f" {name} ")
    if nickname:
        others.append(nickname.group(1).strip())
        name = " ".join(_NICKNAME.sub(" ", f" {name} ").split())
    if not re.search(r"[A-Za-z]", name):
        return None
    return name, others, gender


def _expand_initials(name: str, text: str) -> str:
    """FanFiction.Net's `Dorian H.` as the text writes it (`Dorian Hale`), when it does."""
    if not re.search(r"\s[A-Z]\.$", name):
        return name
    found = re.search(rf"\b{re.escape(name[:-1])}[a-z]+\b", text)
    return found.group(0) if found else name


def tagged_characters(work: WorkInfo, text: str) -> list[Character]:
    """The work's tagged characters, each with the parts of its name the text uses as
    aliases (a part two characters share, such as a family name, belongs to neither)."""
    people = [(_expand_initials(name, text), others, gender) for name, others, gender in
              (p for p in (tag_person(tag) for tag in work.characters) if p)]
    parts: dict[str, set[int]] = {}
    for i, (name, _, _) in enumerate(people):
        for word in _name_parts(name):
            parts.setdefault(word, set()).add(i)
    characters: list[Character] = []
    seen: set[str] = set()
    for i, (name, others, gender) in enumerate(people):
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        aliases = [o for o in others if _used(o, text)]
        # A part counts where the text uses it alone, not only inside the full name.
        alone = text.replace(name, " ") if " " in name else text
        aliases += [w for w in _name_parts(name) if parts[w] == {i} and w != name
                    and _used(w, alone) and w not in aliases]
        characters.append(Character(name, aliases, gender))
    return characters


def _name_parts(name: str) -> list[str]:
    """Words of a name that may stand for the whole: not titles, ranks or particles."""
    words = name.replace(".", ". ").split()
    if len(words) < 2:
        return []
    return [w for w in words if w[:1].isupper() and w.rstrip(".").lower() not in _TITLE_WORDS
            and w.lower() not in _PARTICLES and len(w.rstrip(".")) > 1]


def _used(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w'-]){re.escape(name)}(?![\w-])", text) is not None


def placeholder_pronunciations(text: str) -> dict[str, str]:
    """What reader-insert placeholders used in the text (`Y/N`, `(L/N)`) are spoken as."""
    return {mark: say for mark, say in _PLACEHOLDERS.items()
            if re.search(rf"(?<![\w/]){re.escape(mark)}(?![\w/])", text, re.IGNORECASE)}
