"""Which capitalised words of a text name people.

Every capitalised word is seen in its contexts: after a title (`Mrs. Morel`), before
a verb (`Shepard sat`), after `in` or `the` (`in Midgar`, `the Alliance`), called
out in a quote, opening sentences only (`Suddenly`), also written in lower case
elsewhere in the text (`Will`, `will`), and how common it is as an English word
(wordfreq). A small logistic model, fit on the annotated corpus by
`tools/train_names.py`, weighs those contexts into the chance that the word names a
person; its weights are `name_model.json` in the package.
"""

from __future__ import annotations

import bisect
import gc
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from audiobook.lexicon import (
    FUNCTION_WORDS,
    MALE_TITLES,
    NAME_WORD,
    SPEECH_VERBS,
    STOPWORDS,
    TITLE_RE,
    TITLES,
)
from audiobook.segmenter import Segment

MODEL_FILE = Path(__file__).with_name("name_model.json")

_TOKEN = re.compile(r"[^\W\d_][\w'\u2019-]*")
"""A word: letters first, then letters, digits, apostrophes or hyphens."""
_OPENERS = " \t\n\"'\u201c\u2018(\u2014\u2015\u2013-_*\u00ab\u00bb[~"
"""What may stand between a sentence break and the first word of a sentence."""
_CLOSERS = "\"'\u201d\u2019)\u00bb\u00ab"
_ABBREVIATED = ("mr", "mrs", "ms", "messrs", "dr", "st", "rev", "capt", "col", "gen", "lt",
                "sgt", "prof", "mme", "mlle")
"""Titles written short with a stop (`Mrs. Morel`): that stop ends no sentence."""
_TITLE_STOP = re.compile(r"\b(?:" + "|".join(t.capitalize() for t in _ABBREVIATED) + r")\.$")
_CONTRACTION = re.compile(r"['\u2019](?:re|ll|ve|d|m|t)$|n['\u2019]t$", re.IGNORECASE)
_CALENDAR = frozenset("""
    monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december christmas easter
""".split())
"""Capitalised words that are dates (`May` and `August` can be names, so they stay out)."""
_PLACE_WORDS = frozenset("""
    in into inside outside near across through towards toward around within throughout
    beyond via
""".split())
"""Words of place before a name (`in Midgar`); not `at` or `to`, which people take too
(`looked at Aziz`, `said to Aziz`)."""
_PRONOUNS_AFTER = re.compile(r"\b(?:he|she|his|her|him|himself|herself)\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.!?;:\n\"\u201c\u201d]")
_HUMAN_VERBS = frozenset("""
    looked smiled nodded laughed shrugged sighed frowned grinned turned sat stood walked
    stared glanced paused hesitated shook reached took gave felt thought knew wanted
    watched waited leaned stepped ran kissed held pulled pushed rolled raised lifted
    touched caught answered replied said asked told smirked winced blinked swallowed
    scowled groaned chuckled snorted huffed muttered tilted crossed folded rubbed picked
    tried decided realized realised noticed heard saw met followed whispered murmured
    looks smiles nods laughs shrugs sighs frowns grins turns sits stands walks stares
    glances pauses shakes reaches takes gives feels thinks knows wants watches waits
    leans steps runs kisses holds pulls pushes says asks tells rolls raises lifts
    touches answers replies hugged hugs cried cries wept weeps yelled yells
""".split()) | SPEECH_VERBS
"""Verbs that mostly a person is the subject of (`Shepard sat`); not `was` or `had`,
which places and things take as well."""

FEATURES = (
    "bias", "log_mid", "initial_share", "lower_share", "zipf", "log_tag", "log_vocative",
    "title_share", "log_title", "verb_share", "possessive_share", "place_share", "the_share",
    "name_list", "pronoun_share", "dialogue_share", "calendar", "sequence_share",
    "initial_only", "male_title_share", "acts", "acts_often", "placed_often",
)
"""Shares of a word's uses rather than counts, mostly: a place named a hundred times is
still a place."""


@dataclass
class WordStats:
    """How one capitalised word is used in a text."""

    total: int = 0
    mid: int = 0
    """Occurrences not opening a sentence."""
    initial: int = 0
    lower: int = 0
    """Occurrences written in lower case."""
    title: int = 0
    """After a title (`Mr.`, `Captain`)."""
    male_title: int = 0
    verb_after: int = 0
    possessive: int = 0
    place: int = 0
    """After a word of place (`in`, `from`, `towards`)."""
    the: int = 0
    """After `the` (organisations, ships, places)."""
    pronoun: int = 0
    """Followed in its clause by he, she, his or her."""
    dialogue: int = 0
    """Inside quotes."""
    sequence: int = 0
    """Next to another capitalised word (`Zack Fair`, `New York`)."""
    tag: int = 0
    vocative: int = 0
    offsets: list[int] = field(default_factory=list)
    followers: Counter = field(default_factory=Counter)
    """The capitalised words right after it (`Brann` before `Holt`)."""


def _initial(text: str, at: int) -> bool:
    """Whether the word at `at` opens a sentence, a paragraph or a quote."""
    i = at - 1
    while i >= 0 and text[i] in _OPENERS:
        if text[i] == "\n" or text[i] in "\"\u201c\u2018\u00ab\u00bb":
            return True  # a paragraph or a quote begins
        i -= 1
    if i < 0:
        return True
    while i >= 0 and text[i] in _CLOSERS:
        i -= 1
    if i >= 0 and text[i] == "." and _TITLE_STOP.search(text, max(0, i - 8), i + 1):
        return False  # `Mrs. Morel`: the stop of a title
    return i < 0 or text[i] in ".!?:;\u2026"


def word_stats(text: str, segments: list[Segment], tags: Counter, vocatives: Counter
               ) -> dict[str, WordStats]:
    """Every capitalised word of the text (not a title, not `I`) with its contexts.

    `tags` and `vocatives` count names found in speech tags and called out in quotes.
    """
    stats: dict[str, WordStats] = {}
    lower: Counter = Counter()
    quotes = [(s.start, s.end) for s in segments if s.kind == "dialogue"]
    starts = [a for a, _ in quotes]
    tokens = list(_TOKEN.finditer(text))
    for k, m in enumerate(tokens):
        word = m.group(0)
        if _CONTRACTION.search(word):
            continue  # `You're`, `Don't`
        possessive = word.endswith(("'s", "\u2019s"))
        if possessive or word.endswith(("'", "\u2019")):
            word = word[:-2] if possessive else word[:-1]
        if not word[0].isupper():
            lower[word] += 1
            continue
        if not any(c.islower() for c in word) or word.lower() in TITLES or word in FUNCTION_WORDS:
            continue
        s = stats.get(word)
        if s is None:
            s = stats[word] = WordStats()
        at = m.start()
        s.total += 1
        s.offsets.append(at)
        if _initial(text, at):
            s.initial += 1
        else:
            s.mid += 1
        prev = tokens[k - 1] if k else None
        gap = text[prev.end():at] if prev is not None else ""
        if prev is not None and len(gap) <= 2 and "\n" not in gap:
            before = prev.group(0).lower()
            if before in TITLES and before != "st" and (
                    gap == " " or gap == ". " and before in _ABBREVIATED):
                s.title += 1
                s.male_title += before in MALE_TITLES
            elif before in _PLACE_WORDS:
                s.place += 1
            elif before == "the":
                s.the += 1
            elif prev.group(0)[0].isupper() and gap.strip() in ("", "."):
                s.sequence += 1
        if possessive:
            s.possessive += 1
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if nxt is not None and text[m.end():nxt.start()] in (" ", "\n"):
            follow = nxt.group(0)
            if follow.lower() in _HUMAN_VERBS and follow[0].islower():
                s.verb_after += 1
            elif follow[0].isupper() and not _initial(text, nxt.start()):
                s.sequence += 1
                s.followers[follow] += 1
        end = _CLAUSE_BREAK.search(text, m.end(), m.end() + 80)
        if _PRONOUNS_AFTER.search(text, m.end(), end.start() if end else m.end() + 80):
            s.pronoun += 1
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0 and quotes[i][1] > at:
            s.dialogue += 1
    for word, s in stats.items():
        s.lower = lower[word.lower()]
    for name, n in tags.items():
        for word in name.split():
            if word in stats:
                stats[word].tag += n
    for name, n in vocatives.items():
        for word in name.split():
            if word in stats:
                stats[word].vocative += n
    return stats


@cache
def _zipf():
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - a declared dependency
        return lambda word: 0.0
    return lambda word: zipf_frequency(word, "en")


@cache
def _first_names():
    import gender_guesser.detector as detector

    return detector.Detector(case_sensitive=False)


def release_word_lists() -> None:
    """Forget the word-frequency and first-name lists (about 60 MB), as a long build does
    once attribution is done; the next use loads them again."""
    _zipf.cache_clear()
    _first_names.cache_clear()
    try:
        import wordfreq

        for cached in (wordfreq.get_frequency_dict, wordfreq.get_frequency_list,
                       wordfreq.top_n_list):
            cached.cache_clear()
        wordfreq._wf_cache.clear()  # its per-word cache, a plain dict
    except (ImportError, AttributeError):  # pragma: no cover - another wordfreq
        pass
    gc.collect()


def name_gender(word: str) -> str:
    """`male`, `female` or `unknown` for a first name, by a first-name list."""
    found = _first_names().get_gender(word)
    if found in ("male", "mostly_male"):
        return "male"
    if found in ("female", "mostly_female"):
        return "female"
    return "unknown"


def features(word: str, s: WordStats) -> list[float]:
    """The model's inputs for one word, in `FEATURES` order."""
    n = max(s.total, 1)
    known = _first_names().get_gender(word) != "unknown"
    return [
        1.0,
        math.log1p(s.mid),
        s.initial / n,
        s.lower / (s.lower + s.total),
        _zipf()(word.lower()) / 8,
        math.log1p(s.tag),
        math.log1p(s.vocative),
        s.title / n,
        math.log1p(s.title),
        s.verb_after / n,
        s.possessive / n,
        s.place / n,
        s.the / n,
        float(known) * s.mid / n,  # a first name, written as one in mid-sentence
        s.pronoun / n,
        s.dialogue / n,
        float(word.lower() in _CALENDAR),
        s.sequence / n,
        float(s.mid == 0),
        s.male_title / n,
        math.log1p(s.verb_after + s.possessive),
        # How often it is named, weighed by how it is used: a person who acts, or a place.
        math.log1p(s.total) * (s.verb_after + s.possessive + s.title) / n,
        math.log1p(s.total) * (s.place + s.the) / n,
    ]


@cache
def _weights() -> list[float] | None:
    try:
        data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("features") != list(FEATURES):
        return None
    return [float(w) for w in data["weights"]]


def person_chance(word: str, s: WordStats) -> float:
    """The chance that a capitalised word names a person (0 to 1)."""
    weights = _weights()
    if weights is None:
        return 1.0 if s.tag else 0.0
    z = sum(w * x for w, x in zip(weights, features(word, s), strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


PERSON_CHANCE = 0.5
RARE_ZIPF = 3.0
"""A word rarer than this in English (wordfreq's Zipf scale; `Brann`, not `Misses`) that
stands before a name may be a first name."""
"""A capitalised word at least this likely to name a person is taken for a name."""
_FORM = re.compile(rf"(?<![\w'\u2019.])(?:((?:{TITLE_RE})\.?)\s+)?"
                   rf"({NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}})")


def person_words(stats: dict[str, WordStats]) -> set[str]:
    """The capitalised words that name people: likely enough by the model, or borne
    after a personal title (`Mrs. Morel`); or, written seldom in lower case or after
    a word of place, a first name of the name list the text writes capitalised in
    mid-sentence (`Stewart`), or a word that mostly stands before a verb that people
    do (`Shepard sat`, `Shepard looked`).

    The model learned from casts that list only the speakers, so it is shy of the
    people who merely act; those two signs are near certain whoever speaks."""
    found, listed = set(), set()
    for w, s in stats.items():
        if person_chance(w, s) >= PERSON_CHANCE or s.title > s.the + s.place:
            found.add(w)
        elif s.lower > 0.2 * s.total or s.place + s.the > 0.3 * s.total or w in STOPWORDS:
            continue
        elif s.verb_after >= 2 and s.verb_after >= 0.5 * s.total:
            found.add(w)  # `Shepard sat ... Shepard looked`: someone who acts
        elif s.mid and name_gender(w) != "unknown":
            listed.add(w)
    for w, s in stats.items():
        # `Brann Holt`: a rare word that mostly stands before a name is a first name.
        # (Not an adverb opening a sentence: `Unluckily Aziz`.)
        if w not in found and w not in STOPWORDS and s.lower <= 0.2 * s.total and (
                s.mid or not w.endswith("ly")) and (
                sum(n for f, n in s.followers.items() if f in found) >= 0.5 * s.total) and (
                _zipf()(w.lower()) < RARE_ZIPF):
            listed.add(w)
    return found | listed
    return found


def name_forms(text: str, person: set[str]) -> Counter:
    """Every mention of a person by name, as written: a title and the name words after it
    (`Mrs. Morel`, `Harriet Okafor`, `Shepard`; `Old Captain Osei` is `Captain Osei`)."""
    counts: Counter = Counter()
    for m in _FORM.finditer(text):
        title = m.group(1)
        words: list[str] = []
        for word in m.group(2).split():
            base = word[:-2] if word.endswith(("'s", "\u2019s")) else word
            if base in person:
                words.append(base)
            elif words:
                break
            elif base.rstrip(".").lower() in TITLES:
                title = base  # `Old Captain Osei`: a title after a word that is no name
            else:
                title = None
            if words and base != word:
                break  # `Zack's sword`: the name ends at the possessive
        if words:
            counts[f"{title} {' '.join(words)}" if title else " ".join(words)] += 1
    return counts
