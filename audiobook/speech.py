"""Text made ready for speaking: quote marks, emphasis, numerals, pronunciations.

`normalize()` rewrites what an engine would misread (numbers, money, times,
dates, abbreviations, URLs, shouted words) into plain words; the rules are
ordered so that the more specific patterns (money, times, dates) run before
the general number rule takes what is left.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from audiobook.numbers import cardinal, digits, ordinal, plural_of_year, year

MAX_CLIP_CHARS = 1500
"""Longer texts are split at sentence boundaries: clips stay small for the engine
(which crashes near 22,000 characters) and spread evenly over workers."""

_QUOTES = re.compile(
    r"[\"\u201c\u201d\u201e\u00ab\u00bb]|(?<!\w)['\u2018\u2019]|['\u2018\u2019](?!\w)"
)
_EMPHASIS = re.compile(r"(?<!\w)[_*]+(?=\S)|(?<=\S)[_*]+(?!\w)")
_SPACES = re.compile(r"\s+")
# Markdown marks that are not read: images, link targets, code ticks, quote and list marks.
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_LINE_MARK = re.compile(r"^[ \t]*(?:>[ \t]?)+|^[ \t]*(?:[-+*]|\d+[.)])[ \t]+", re.MULTILINE)
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


_HEADING_MARKS = " \t~*=_-\u2013\u2014+<>|[]{}"


def heading_text(text: str) -> str:
    """A chapter heading as spoken: `CHAPTER IV.` -> `Chapter Four.`"""

    def numeral(m: re.Match) -> str:
        value = roman_to_int(m.group(2))
        spoken = cardinal(value).title() if value else m.group(2)
        return f"{m.group(1).capitalize()} {spoken}"

    text = _ROMAN.sub(numeral, _EMPHASIS.sub("", text.replace("#", " ")))
    # Decorations around a heading (`~ Chapter Three ~`, `[Part One]`) are not read.
    lines = [normalize(line.strip(_HEADING_MARKS)) for line in text.split("\n")
             if line.strip(_HEADING_MARKS)]
    return ". ".join(line.rstrip(".:") for line in lines) + "."


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
    # Substring tests skip rules that cannot match (most prose has no Markdown).
    if "![" in text:
        text = _MD_IMAGE.sub("", text)
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINE_MARK.sub("", text).replace("`", "")
    text = _QUOTES.sub(" ", text)
    if "_" in text or "*" in text:
        text = _EMPHASIS.sub("", text)
    text = normalize(text)
    text = apply_pronunciations(text, pronunciations or {})
    return " ".join(text.split())


# --- normalization ---------------------------------------------------------------------

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December")
_MONTH_ABBR = {"Jan": "January", "Feb": "February", "Mar": "March", "Apr": "April",
               "Jun": "June", "Jul": "July", "Aug": "August", "Sep": "September",
               "Sept": "September", "Oct": "October", "Nov": "November", "Dec": "December"}
_MONTH = rf"(?P<month>{_MONTHS}|(?:{'|'.join(_MONTH_ABBR)})\.?)"

_TITLES = {"Mr": "Mister", "Mrs": "Missus", "Ms": "Mizz", "Dr": "Doctor", "Prof": "Professor",
           "Capt": "Captain", "Lt": "Lieutenant", "Sgt": "Sergeant", "Col": "Colonel",
           "Gen": "General", "Rev": "Reverend", "Hon": "Honorable", "Mt": "Mount",
           "Ft": "Fort", "Gov": "Governor", "Sen": "Senator", "Rep": "Representative"}
_TITLE_ABBR = re.compile(rf"\b(?:(Mr|Mrs|Ms|Dr)\.|({'|'.join(_TITLES)})\.(?=\s+[A-Z]))")
_SAINT = re.compile(r"(?<![A-Za-z]\s)(?<![A-Za-z])\bSt\.(?=\s+[A-Z])")
_STREET = re.compile(r"\bSt\.")
# Abbreviations that may end a sentence: keep a full stop when one follows.
_ENDING_ABBR = [
    (re.compile(r"\betc\.(?=\s+[A-Z]|\s*$)"), "et cetera."),
    (re.compile(r"\betc\."), "et cetera"),
    (re.compile(r"\b[Vv]s\.?(?=\s)"), "versus"),
    (re.compile(r"\be\.g\.,?"), "for example,"),
    (re.compile(r"\bi\.e\.,?"), "that is,"),
    (re.compile(r"\bJr\.(?=\s+[A-Z]|\s*$)"), "Junior."),
    (re.compile(r"\bJr\."), "Junior"),
    (re.compile(r"\bSr\.(?=\s+[A-Z]|\s*$)"), "Senior."),
    (re.compile(r"\bSr\."), "Senior"),
    (re.compile(r"\bNo\.(?=\s*\d)"), "number"),
]

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"),
               "£": ("pound", "pounds", "penny", "pence"),
               "€": ("euro", "euros", "cent", "cents")}
_MONEY = re.compile(
    r"(?P<sym>[$£€])\s?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d\d))?(?!\d)"
    r"(?:\s(?P<scale>thousand|million|billion|trillion)\b)?"
)
_TIME = re.compile(
    r"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?::[0-5]\d)?(?!\d)"
    r"(?:\s?(?P<ampm>[AaPp])\.?[Mm]\b\.?)?"
)
_CLOCK_HOUR = re.compile(r"\b(?P<h>1[0-2]|0?[1-9])\s?(?P<ampm>[AaPp])\.?[Mm]\b\.?")
_DAY_MONTH_YEAR = re.compile(
    rf"\b(?P<day>[12]?\d|3[01])(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+(?P<year>\d{{3,4}}))?\b"
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH}\s+(?P<day>[12]?\d|3[01])(?:st|nd|rd|th)?\b(?:,\s*(?P<year>\d{{3,4}})\b)?"
)
_DECADE = re.compile(r"\b(?P<y>1[1-9]\d0|20[0-9]0)'?s\b")
_YEAR_CONTEXT = re.compile(
    rf"\b(?P<pre>(?i:in|since|of|by|until|till|from|year|circa|c\.|summer|winter|spring|autumn|"
    rf"fall|{_MONTHS})\s+)(?P<y>1[1-9]\d\d|20\d\d)\b(?![,.]?\d)"
)
_YEAR_RANGE = re.compile(
    r"\b(?P<a>1[1-9]\d\d|20\d\d)\s?[\u2013\u2014-]\s?(?P<b>1[1-9]\d\d|20\d\d)\b"
)
_YEAR_ERA = re.compile(r"\b(?P<y>\d{1,4})\s?(?P<era>BC|AD|BCE|CE)\b")
_PHONE = re.compile(
    r"(?<![\d-])\(?\d{3}\)?[-. ]\d{3}[-.]\d{4}(?![\d-])|(?<![\d-])\d{3}-\d{4}(?![\d-])"
)
_RANGE = re.compile(r"(?<=\d)\s?[\u2013\u2014-]\s?(?=\d)")
_PERCENT = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s?(?:%|per\s?cent\b)")
_ORDINAL = re.compile(r"\b(?P<n>\d+)(?:st|nd|rd|th)\b")
_NUMBER = re.compile(r"(?<![\w.])(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?![\w])")
_ELLIPSIS = re.compile(r"\s*(?:\.\s?\.\s?\.|\u2026)[.\s]*")
_DASH = re.compile(r"\s*(?:\u2014|\u2015|--+|\s\u2013\s|\s-\s)\s*")
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z']*[A-Z]\b")
_WORD_CHARS = re.compile(r"[A-Za-z]")


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _money(m: re.Match) -> str:
    one, many, small_one, small_many = _CURRENCIES[m.group("sym")]
    whole, cents, scale = _number(m.group("whole")), m.group("cents"), m.group("scale")
    if scale:
        amount = cardinal(whole) + (f" point {digits(cents)}" if cents and int(cents) else "")
        return f"{amount} {scale} {many}"
    cents_n = int(cents) if cents else 0
    if whole == 0 and cents_n:
        return f"{cardinal(cents_n)} {small_one if cents_n == 1 else small_many}"
    words = f"{cardinal(whole)} {one if whole == 1 else many}"
    return f"{words} {cardinal(cents_n)}" if cents_n else words


def _ampm(letter: str | None) -> str:
    return f" {letter.upper()} M" if letter else ""


def _time(m: re.Match) -> str:
    hour, minute = int(m.group("h")), int(m.group("m"))
    if minute == 0:
        spoken = f"{cardinal(hour)} o'clock" if not m.group("ampm") else cardinal(hour)
    elif minute < 10:
        spoken = f"{cardinal(hour)} oh {cardinal(minute)}"
    else:
        spoken = f"{cardinal(hour)} {cardinal(minute)}"
    return spoken + _ampm(m.group("ampm"))


def _month(name: str) -> str:
    return _MONTH_ABBR.get(name.rstrip("."), name.rstrip("."))


def _day_month_year(m: re.Match) -> str:
    spoken = f"the {ordinal(int(m.group('day')))} of {_month(m.group('month'))}"
    return spoken + (f", {year(int(m.group('year')))}" if m.group("year") else "")


def _month_day_year(m: re.Match) -> str:
    spoken = f"{_month(m.group('month'))} {ordinal(int(m.group('day')))}"
    return spoken + (f", {year(int(m.group('year')))}" if m.group("year") else "")


def _plain_number(m: re.Match) -> str:
    whole = cardinal(_number(m.group("n")))
    return f"{whole} point {digits(m.group('frac'))}" if m.group("frac") else whole


def _url(m: re.Match) -> str:
    url = m.group(0)
    trail = ""
    while url and url[-1] in ".,;:!?)]}":
        trail = url[-1] + trail
        url = url[:-1]
    url = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.IGNORECASE).rstrip("/")
    return _spell_address(url) + trail


def _spell_address(text: str) -> str:
    names = {".": " dot ", "/": " slash ", "@": " at ", "-": " dash ", "_": " underscore ",
             "?": " question mark ", "=": " equals ", "&": " and ", "#": " hash ", ":": " colon "}
    return re.sub(r"\s+", " ", "".join(names.get(c, c) for c in text)).strip()


def _shouted(text: str) -> str:
    """ALL-CAPS words read as words; short lone capitals (BBC, FBI) stay acronyms."""

    def fix(m: re.Match) -> str:
        word = m.group(0)
        letters = word.replace("'", "")
        if len(letters) <= 3 and not _in_caps_run(text, m.start(), m.end()):
            return word
        if not re.search(r"[AEIOUY]", letters) or re.fullmatch(r"[IVXLCDM]+", letters):
            return word  # no vowel: an acronym to spell (NHS, BBC); or a Roman numeral
        return word.capitalize() if word[0].isupper() else word.lower()

    return _CAPS_WORD.sub(fix, text)


def _in_caps_run(text: str, start: int, end: int) -> bool:
    """Whether an ALL-CAPS word sits beside another one (a shouted phrase)."""
    before = re.search(r"([A-Za-z']+)[^A-Za-z']*$", text[max(0, start - 40):start])
    after = re.match(r"[^A-Za-z']*([A-Za-z']+)", text[end:end + 40])
    return any(w and len(w.group(1)) > 1 and w.group(1).isupper() for w in (before, after))


_DIGIT = re.compile(r"\d")
_ELLIPSIS_HINT = re.compile(r"\.\s?\.|\u2026")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_COMMAS = re.compile(r",(\s*,)+")
_LEADING_COMMAS = re.compile(r"^[,\s]+")
_COMMA_AFTER_STOP = re.compile(r"([.!?])\s*,")
_SPACED_HYPHEN = re.compile(r"\s-\s")
# Cheap tests that must hold for a group of rules to match at all: most segments
# hold no digit, URL or abbreviation, and skipping their rules keeps normalizing
# a whole novel fast without changing any result.
_ENDING_HINT = re.compile(r"etc\.|[Vv]s|e\.g\.|i\.e\.|[JS]r\.|No\.")
_TITLE_HINT = re.compile(rf"(?:{'|'.join(_TITLES)})\.")
_DASH_CHARS = ("\u2014", "\u2015", "\u2013", "-")


def normalize(text: str) -> str:
    """Rewrite numbers, money, times, dates, abbreviations, URLs and shouting as words."""
    if "://" in text or "www." in text.lower():
        text = _URL.sub(_url, text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: _spell_address(m.group(0)), text)
    if "." in text:
        if _TITLE_HINT.search(text):
            text = _TITLE_ABBR.sub(lambda m: _TITLES[m.group(1) or m.group(2)], text)
        if "St." in text:
            text = _SAINT.sub("Saint", text)
            text = _STREET.sub("Street", text)
    if _ENDING_HINT.search(text):
        for pattern, words in _ENDING_ABBR:
            text = pattern.sub(words, text)
    if _DIGIT.search(text):
        text = _numbers(text)
    # Ellipses and dashes are pauses: a comma makes the engine pause briefly.
    if _ELLIPSIS_HINT.search(text):
        text = _ELLIPSIS.sub(_ellipsis, text)
    if (any(c in text for c in _DASH_CHARS[:3]) or "--" in text
            or "-" in text and _SPACED_HYPHEN.search(text)):
        text = _DASH.sub(", ", text)
    text = _shouted(text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    if "," in text:
        text = _REPEATED_COMMAS.sub(",", text)
        text = _COMMA_AFTER_STOP.sub(r"\1", text)
        if text[:1] == "," or text[:1].isspace():
            text = _LEADING_COMMAS.sub("", text)
    return " ".join(text.split())


def _numbers(text: str) -> str:
    """Money, times, dates, years, phone numbers, ranges, percentages, then plain numbers."""
    text = _MONEY.sub(_money, text)
    text = _TIME.sub(_time, text)
    text = _CLOCK_HOUR.sub(lambda m: cardinal(int(m.group("h"))) + _ampm(m.group("ampm")), text)
    text = _DAY_MONTH_YEAR.sub(_day_month_year, text)
    text = _MONTH_DAY_YEAR.sub(_month_day_year, text)
    text = _YEAR_ERA.sub(lambda m: f"{year(int(m.group('y')))} {' '.join(m.group('era'))}",
                         text)
    text = _DECADE.sub(lambda m: plural_of_year(int(m.group("y"))), text)
    text = _YEAR_RANGE.sub(lambda m: f"{year(int(m.group('a')))} to {year(int(m.group('b')))}",
                           text)
    text = _YEAR_CONTEXT.sub(lambda m: m.group("pre") + year(int(m.group("y"))), text)
    text = _PHONE.sub(lambda m: ", ".join(digits(g) for g in re.findall(r"\d+", m.group(0))),
                      text)
    text = _RANGE.sub(" to ", text)
    text = _PERCENT.sub(lambda m: f"{_plain_number(_NUMBER.match(m.group('n')))} percent", text)
    text = _ORDINAL.sub(lambda m: ordinal(int(m.group("n"))), text)
    return _NUMBER.sub(_plain_number, text)


def _ellipsis(m: re.Match) -> str:
    rest = m.string[m.end():]
    if not rest or not _WORD_CHARS.search(rest[:1] or "") or rest[:1].isupper():
        return ". " if rest.strip() else "."
    return ", "


@lru_cache(maxsize=1)
def _sentence_tokenizer():
    # Punkt with default parameters: needs no downloaded model data.
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    return PunktSentenceTokenizer()


def split_for_engine(text: str, limit: int = MAX_CLIP_CHARS) -> list[str]:
    """Split text into pieces of at most `limit` characters at sentence, then word, breaks."""
    if not text.strip():
        return []  # nothing to say: no clip
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


_CLAUSE_BREAK = re.compile(r"[,;:\u2013\u2014)](?=\s)")
_CONJUNCTION_BREAK = re.compile(
    r"\s(?=(?:and|but|or|nor|so|yet|then|when|while|because|as|that|which|who|where|until"
    r"|after|before|though|although|if|unless|since|with|without)\s)", re.IGNORECASE)
_SPACE = re.compile(r"\s")


def _last(pattern: re.Pattern, text: str, low: int) -> int | None:
    """End of the last match of `pattern` in text at or after `low`, else None."""
    found = None
    for m in pattern.finditer(text, low):
        found = m.end()
    return found


def _split_long(sentence: str, limit: int) -> list[str]:
    """A sentence over the limit, cut at the most natural point in each stretch of `limit`
    characters: after a clause mark, else before a conjunction, else between words;
    only a single enormous "word" is cut mid-word."""
    out = []
    pos, n = 0, len(sentence)
    while n - pos > limit:
        window = sentence[pos:pos + limit + 1]  # +1: a break right at the limit is fine
        low = limit // 2  # never leave a piece shorter than half the limit for a "nicer" cut
        cut = (_last(_CLAUSE_BREAK, window, low) or _last(_CONJUNCTION_BREAK, window, low)
               or _last(_SPACE, window, 1))
        if not cut:
            cut = limit
            while cut > 1 and unicodedata.combining(window[cut]):
                cut -= 1  # keep an accent with its letter
        piece = window[:cut].strip()
        if piece:
            out.append(piece)
        pos += cut
    rest = sentence[pos:].strip()
    if rest:
        out.append(rest)
    return out
