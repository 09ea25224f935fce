"""Text made ready for speaking: quote marks, emphasis, numerals, pronunciations."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_CLIP_CHARS = 1500
"""Longer texts are split at sentence boundaries: clips stay small for the engine
(which crashes near 22,000 characters) and spread evenly over workers."""

_QUOTES = re.compile(
    r"[\"\u201c\u201d\u201e\u00ab\u00bb]|(?<!\w)['\u2018\u2019]|['\u2018\u2019](?!\w)")
_EMPHASIS = re.compile(r"(?<!\w)[_*]+(?=\S)|(?<=\S)[_*]+(?!\w)")
_SPACES = re.compile(r"\s+")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_ROMAN = re.compile(r"\b(chapter|book|part|volume|act)\s+([IVXLCDM]+)\b", re.IGNORECASE)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_to_int(numeral: str) -> int | None:
    """`XIV` -> 14; None if it is not a well-formed numeral."""
    numeral = numeral.upper()
    total, prev = 0, 0
    for ch in reversed(numeral):
        value = _ROMAN_VALUES.get(ch)
        if value is None:
            return None
        total += -value if value < prev else value
        prev = max(prev, value)
    return total if total > 0 and _int_to_roman(total) == numeral else None


def _int_to_roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                       (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                       (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def heading_text(text: str) -> str:
    """A chapter heading as spoken: `CHAPTER IV.` -> `Chapter 4.`"""

    def numeral(m: re.Match) -> str:
        value = roman_to_int(m.group(2))
        return f"{m.group(1).capitalize()} {value if value else m.group(2)}"

    text = _ROMAN.sub(numeral, text.replace("#", " "))
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return ". ".join(line.rstrip(".") for line in lines) + "."


@lru_cache(maxsize=64)
def _pronunciation_pattern(words: tuple[str, ...]) -> re.Pattern:
    # Longest first, so "Doctor Harrow" wins over "Doctor"; any run of spaces
    # inside a phrase matches, and (?<!\w)/(?!\w) make whole words that still
    # match before a possessive `'s`.
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in w.split())
                            for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _key(word: str) -> str:
    return " ".join(word.split()).casefold()


def apply_pronunciations(text: str, pronunciations: dict[str, str]) -> str:
    """Replace whole words and phrases, any case; possessives keep their `'s`.

    One pass: a replacement is never itself replaced again.
    """
    lookup = {_key(k): v for k, v in pronunciations.items() if k.strip()}
    if not lookup:
        return text
    pattern = _pronunciation_pattern(tuple(sorted(lookup)))
    return pattern.sub(lambda m: lookup[_key(m.group(0))], text)


def speakable(text: str, pronunciations: dict[str, str] | None = None) -> str:
    """The exact text sent to the engine for a segment."""
    text = _QUOTES.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    # Shouted words are read as words, not spelled out letter by letter.
    text = _CAPS_WORD.sub(lambda m: m.group(0).capitalize(), text)
    text = _SPACES.sub(" ", text).strip()
    return apply_pronunciations(text, pronunciations or {})


@lru_cache(maxsize=1)
def _sentence_tokenizer():
    # Punkt with default parameters: needs no downloaded model data.
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    return PunktSentenceTokenizer()


def split_for_engine(text: str, limit: int = MAX_CLIP_CHARS) -> list[str]:
    """Split text into pieces of at most `limit` characters at sentence, then word, breaks."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _sentence_tokenizer().tokenize(text):
        for part in _split_long(sentence, limit):
            if current and len(current) + 1 + len(part) > limit:
                pieces.append(current)
                current = part
            else:
                current = f"{current} {part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _split_long(sentence: str, limit: int) -> list[str]:
    """A sentence over the limit: break after commas or semicolons, else between words."""
    if len(sentence) <= limit:
        return [sentence]
    out, current = [], ""
    for word in re.split(r"(?<=[,;:])\s+|\s+", sentence):
        while len(word) > limit:  # one enormous "word": cut it
            out.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out
