"""Numbers as English words: cardinals, ordinals, years, digits."""

from __future__ import annotations

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}


def _below_thousand(n: int) -> str:
    words = []
    if n >= 100:
        words.append(f"{_ONES[n // 100]} hundred")
        n %= 100
    if n >= 20:
        tens, ones = divmod(n, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif n or not words:
        words.append(_ONES[n])
    return " ".join(words)


def cardinal(n: int) -> str:
    """`1250` -> `one thousand two hundred fifty`."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 1000:
        return _below_thousand(n)
    words = []
    for value, name in _SCALES:
        if n >= value:
            words.append(f"{cardinal(n // value)} {name}")
            n %= value
    if n:
        words.append(_below_thousand(n))
    return " ".join(words)


def ordinal(n: int) -> str:
    """`21` -> `twenty-first`."""
    words = cardinal(n)
    head, sep, last = max(words.rpartition("-"), words.rpartition(" "), key=lambda p: len(p[0]))
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year(n: int) -> str:
    """`1999` -> `nineteen ninety-nine`, `1805` -> `eighteen oh five`, `2007` -> `two thousand
    seven`."""
    if not 1000 <= n <= 9999 or 2000 <= n <= 2009 or n % 1000 == 0:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    if low < 10:
        return f"{cardinal(high)} oh {cardinal(low)}"
    return f"{cardinal(high)} {cardinal(low)}"


def digits(text: str) -> str:
    """`0314` -> `zero three one four`."""
    return " ".join(_ONES[int(d)] for d in text if d.isdigit())


def plural_of_year(n: int) -> str:
    """`1990` -> `nineteen nineties` (a decade)."""
    words = year(n)
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"
