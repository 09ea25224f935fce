"""What story text looks like: chapter headings, scene breaks, notes, title lines.

Rules shared by the readers of plain text, Markdown and HTML, written for
fan fiction as it is posted and pasted as much as for novels.
"""

from __future__ import annotations

import re

from audiobook.model import Paragraph

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    "seventy|eighty|ninety|hundred|first|second|third|fourth|fifth|sixth|seventh|"
    "eighth|ninth|tenth|last|final"
)
_HEADING = re.compile(
    rf"""^\s*(?:
        (?i:chapter|chap\.?|ch\.|ch|book|part|volume|vol\.|act)\s*
            (?i:\d+|[ivxlcdm]+|(?:the\s+)?(?:{_NUMBER_WORDS})(?:[\s-](?:{_NUMBER_WORDS}))*)\b
            # a title after a separator, or a capitalised one: not "Chapter one of her life"
            (?:\s*[.:\-\u2013\u2014]\s*\S.*|\s+[A-Z0-9"'\u201c\u2018_*(\[].*|\s*[.:]?)
      | (?i:prologue|epilogue|preface|foreword|afterword|introduction|interlude)
            (?:\s*[.:\-\u2013\u2014]\s*\S.*|\s*[.:]?)
      | \#{{1,3}}\s+\S.*
    )\s*$""",
    re.VERBOSE,
)
# `~ Chapter Three ~`, `-Chapter 1-`, `**Chapter 2**`, `[Part One]`: decorations around a heading.
_DECORATIVE = r"[\s~*=_\-\u2013\u2014+<>|\[\]{}\u2022\u00b7]"
_DECORATION = re.compile(rf"^{_DECORATIVE}+|{_DECORATIVE}+$")
_MAX_HEADING_CHARS = 120
_META = re.compile(r"^\s*(title|author|by)\s*:\s*(\S.*?)\s*$", re.IGNORECASE)
_BY_LINE = re.compile(r"^\s*by\s+(\S.*?)\s*$", re.IGNORECASE)
_SCENE_BREAK = re.compile(
    r"""^\s*(?:
        (?:[*~\-_=#+\u2022\u00b7\u2013\u2014]\s*){3,}     # * * *, ~~~, -----, ###, ___
      | (?:[oO0xX]){3,}                                  # oOo, o0o, xXx
      | [\u00a7\u2042\u2766\u2767]+                         # section signs, asterisms, fleurons
    )\s*$""",
    re.VERBOSE,
)
# Fan fiction's own marks: `-o-o-o-`, `~o~O~o~`, `x-x-x`, `<>~<>~<>`, `%%%`: symbols, with
# at most the letters o and x between them.
_SYMBOL_LINE = re.compile(r"^[^\w\s.,;:!?'\"\u2018\u2019\u201c\u201d\u2026()]+$")
_BREAK_WORDS = re.compile(
    r"^[^\w]*(?:(?:line|scene|page|section|time)[\s-]*(?:break|skip|change)|break|"
    r"pov[\s-]*(?:change|switch))[^\w]*$", re.IGNORECASE)
_DISCLAIMER = re.compile(r"^[\s*_\[(]*disclaimer\b\s*[:.\-\u2013\u2014]?", re.IGNORECASE)
_AUTHORS_NOTE = re.compile(
    r"""^[\s*_\[(]*(?:
        a\s*/\s*n\b | an\s*: | author'?s?'?\s+(?:\w+\s+)?notes?\b | author\s+notes?\b
      | notes?\s+from\s+the\s+author\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def is_heading(text: str) -> bool:
    """Whether a paragraph's text is a chapter heading (first line decides): `Chapter 3:
    Title`, `CHAPTER IX.`, `Ch. 3`, `Part Three`, `~ Chapter Three ~`, `Prologue`."""
    if len(text) > _MAX_HEADING_CHARS:
        return False
    lines = text.split("\n")
    if len(lines) > 3:
        return False
    return bool(_HEADING.match(lines[0]) or _HEADING.match(_DECORATION.sub("", lines[0])))


def byline_author(text: str) -> str | None:
    """The author named by a `By: X`, `by X` or `Author: X` line, else None."""
    meta, by = _META.match(text), _BY_LINE.match(text)
    if meta and meta.group(1).lower() in ("by", "author"):
        return meta.group(2)
    return by.group(1) if by else None


def _is_byline(text: str) -> bool:
    meta = _META.match(text)
    return bool(_BY_LINE.match(text) or (meta and meta.group(1).lower() in ("by", "author")))


def front_matter(text: str, paragraphs: list[Paragraph]) -> tuple[int, str | None, str | None]:
    """Count leading title/author paragraphs; return (count, title, author)."""
    title = author = None
    count = 0
    for i, para in enumerate(paragraphs[:4]):
        body = text[para.start : para.end].strip()
        lines = [line.strip() for line in body.split("\n") if line.strip()]
        if len(lines) > 1 and len(body) <= 300 and all(
            _META.match(line) or _BY_LINE.match(line) or (j == 0 and not is_heading(line))
            for j, line in enumerate(lines)
        ) and any(_is_byline(line) for line in lines):
            # A block of metadata lines: `Title: X` / `Author: Y`, or a title over `By: Y`.
            for j, line in enumerate(lines):
                meta, by = _META.match(line), _BY_LINE.match(line)
                if meta:
                    if meta.group(1).lower() == "title":
                        title = meta.group(2)
                    else:
                        author = meta.group(2)
                elif by:
                    author = by.group(1)
                elif j == 0:
                    title = line
            count = i + 1
            continue
        if len(lines) != 1 or len(body) > 100 or is_heading(body):
            break
        meta = _META.match(body)
        by = _BY_LINE.match(body)
        if meta:
            key, value = meta.group(1).lower(), meta.group(2)
            if key == "title":
                title = value
            else:
                author = value
        elif by and (title or i == 1):
            author = by.group(1)
        elif i == 0 and len(paragraphs) > 1 and _is_byline(
            text[paragraphs[1].start : paragraphs[1].end]
        ):
            title = body
        else:
            break
        count = i + 1
    return count, title, author


def is_scene_break(text: str) -> bool:
    """Whether a paragraph is a scene-break marker: `* * *`, `***`, `~~~`, `___`, `xXx`,
    `oOo`, `-o-o-o-`, a line of one repeated symbol, `Line Break`."""
    text = text.strip()
    if len(text) > 40 or not text:
        return False
    if _SCENE_BREAK.match(text) or _BREAK_WORDS.match(text):
        return True
    if len(text) < 3:
        return False
    symbols = re.sub(r"[oOxX0\s]", "", text)
    # Symbols only (`%%%`, `<><><>`), or symbols with o's and x's between (`-o-o-`); never
    # words, digits, sentence punctuation (`...`, `?!`) or brackets of an aside.
    return bool(symbols) and bool(_SYMBOL_LINE.match(symbols)) and not re.search(
        r"[A-NP-WYZa-np-wyz1-9]", text)


def is_note(text: str) -> bool:
    """Whether a paragraph is a disclaimer or an author's note."""
    return bool(_DISCLAIMER.match(text) or _AUTHORS_NOTE.match(text))




def relationship_tags(value: str) -> list[str]:
    """A Relationships entry as tags: `A/B, C & D` as it is; FanFiction.Net's pairings
    `[Rook, Dorian H.] Maud` as `Rook/Dorian H.`."""
    pairs = re.findall(r"\[([^\]]+)\]", value)
    if pairs:
        return ["/".join(n.strip() for n in pair.split(",") if n.strip()) for pair in pairs]
    return [v.strip() for v in value.split(",") if v.strip()]


# --- notes with no marker --------------------------------------------------------------
# An author talking to readers at the start or end of a chapter: thanks, requests for
# reviews, betas, update schedules, "to be continued", disclaimers. A story paragraph
# may use any one of these words; a note uses them to talk about the story itself.

_STRONG_NOTE = re.compile(
    r"""
      \b(?:please|pls|plz|do)\s+(?:r\s*&\s*r|review|rate\s+and\s+review|comment|leave\s+(?:a\s+|me\s+)?
           (?:review|comment|kudos))\b
    | \bR\s*(?:&|and)\s*R\b | \bread\s+(?:and|&|n)\s+review\b
    | \breviews?\s+(?:are|is|=)\s+(?:love|appreciated|welcome|awesome|my\s+fuel)
    | \b(?:reviews?|comments?|kudos)\s+(?:make|made|keep|give)s?\s+(?:my|me)\b
    | \bleave\s+(?:a\s+|me\s+|some\s+)?(?:review|comment|kudos)
    | \bthank(?:s|\s+you)\s+(?:(?:so|very)\s+much\s+|a\s+lot\s+|again\s+)?(?:to|for|all|everyone|
           everybody|you\s+all|you\s+guys|y'all)\b[^.!?"\u201c]{0,80}\b(?:reading|reviews?|reviewed|reviewing|
           reviewers|favou?rit\w*|follow(?:s|ed|ing|ers)|kudos|comments?|commented|support|
           alerts?|sticking\s+with)\b
    | \bthanks?\s+(?:you\s+)?(?:so\s+much\s+)?to\s+(?:my|our)\s+(?:\w+\s+)?beta
    | \b(?:my|our)\s+(?:\w+\s+)?beta(?:[\s-]?reader)?\b | \bbeta[\s-]?(?:read|reader|reading)\b
    | \bun-?beta'?e?d\b | \bnot\s+beta'?e?d\b
    | \b(?:next|new)\s+(?:chapter|update)\s+(?:will|should|is|comes?|coming|soon|up|on|by|in)\b
    | \bupdat(?:e|es|ing)\s+(?:soon|every|weekly|monthly|schedule|again|tomorrow|next)\b
    | \b(?:sorry|apologies|apologi[sz]e)\b[^.!?]{0,40}\b(?:late|long|slow|wait|delay)\w*
           [^.!?]{0,40}\b(?:update|chapter|post(?:ing)?)\b
    | \b(?:hope|hoped)\s+(?:you|y'all|everyone)\s+(?:all\s+|guys\s+)?(?:enjoy|like|liked|
           enjoyed|loved?)\w*\s+(?:this|the|my)\s+(?:chapter|story|fic|update|one-?shot)
    | \blet\s+me\s+know\s+(?:what\s+you\s+(?:think|thought)|in\s+the\s+(?:reviews|comments))
    | \b(?:tumblr|patreon|ko-?fi|wattpad|ao3|ff\.?net|fanfiction\.net|deviantart)\b
    | \b(?:on|my|our|join|follow\s+me\s+on)\s+(?:twitter|discord|insta(?:gram)?)\b
    | \b(?:this|the)\s+(?:fic|fanfic|one-?shot)\b
    | \bcross-?posted\b | \bwritten\s+for\s+(?:the\s+)?(?:prompt|challenge|exchange)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_CONTINUED = re.compile(
    r"""^[\W_]*(?:
        (?:to\s+be\s+continued|tbc|end\s+of\s+(?:chapter|part)|coming\s+(?:up\s+)?next|
           stay\s+tuned|until\s+next\s+time)\b
      | (?:see\s+you\s+)?(?:next\s+(?:chapter|time|update|week)|more\s+(?:soon|to\s+come))
           (?:[\W_]*$|\s*[:!.\u2026]|\s+on\b)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BESIDES = r"""(?:[.!]|$|,?\s*(?:except|but|apart\s+from|save)\s+(?:for\s+)?
    (?:the\s+|my\s+|this\s+)?(?:plot|story|idea|ocs?|original|own\s+characters|fic|writing))"""
_OWNED = rf"""(?:any\s+of|the\s+(?:characters|rights|world|series|franchise|show|books?|games?)
    |(?-i:[A-Z])|anything\s*{_BESIDES}|nothing\s*{_BESIDES})"""
_DISCLAIMER_WORDS = re.compile(
    rf"""
      ^[\W_]*(?:i|we)\s+(?:do\s+not|don'?t|dont|never|still\s+don'?t|sadly\s+don'?t)\s+
           (?:claim\s+to\s+)?own\s+{_OWNED}
    | ^[\W_]*(?:i|we)\s+own\s+{_OWNED}
    | \bno\s+(?:copyright\s+)?infringement\b | \bmake\s+no\s+(?:money|profit)\b
    | \bno\s+(?:money|profit)\s+(?:is|was|will\s+be)\s+(?:being\s+)?made\b
    | \bbelongs?\s+to\s+[^.]{{1,80}}?(?:,\s*)?(?:not\s+(?:to\s+)?me|and\s+not\s+(?:to\s+)?me|
           respective\s+(?:owners?|creators?))\b
    | \ball\s+(?:rights|characters)\s+(?:go\s+|belong\s+)?(?:to|belong)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_WEAK_NOTE = re.compile(
    r"""\b(?:chapters?|updates?|updated|updating|reviews?|reviewers?|readers?|you\s+guys|y'all|
        guys|lol|omg|xd|haha\w*|hehe\w*|fic|fics|fanfic\w*|oc|pov|canon|ship|sequel|prompt|
        kudos|comments?|favou?rites?|follows?|author|plot|cliffhanger|beta)\b
        | [:;]-?[)(DPp3] | <3 | !!
    """,
    re.IGNORECASE | re.VERBOSE,
)
_QUOTES = re.compile(r"[\"\u201c\u201d]")
MAX_NOTE_CHARS = 1500
"""Longer paragraphs are story, however chatty."""


def is_disclaimer(text: str) -> bool:
    """A disclaimer, marked (`Disclaimer:`) or not (`I don't own Naruto`)."""
    return bool(_DISCLAIMER.match(text) or (len(text) <= MAX_NOTE_CHARS
                                             and _DISCLAIMER_WORDS.search(text)))


def is_unmarked_note(text: str) -> bool:
    """Whether a paragraph at the start or end of a chapter is the author talking to
    readers, with no `A/N:` marker: thanks, review requests, betas, update news,
    `To be continued`, disclaimers. (Anywhere else, only marked notes are taken.)"""
    if len(text) > MAX_NOTE_CHARS:
        return False
    if _QUOTES.search(text):
        return False  # a line of dialogue, not the author's voice
    if is_disclaimer(text) or _CONTINUED.match(text) and len(text) <= 200:
        return True
    if _STRONG_NOTE.search(text):
        return True
    weak = {m.group(0).lower() for m in _WEAK_NOTE.finditer(text)}
    return len(weak) >= 3


def edge_notes(texts: list[str | None]) -> set[int]:
    """Indices of the paragraphs (of one chapter's body, in order) that are notes at its
    start or end: runs of unmarked notes, marked notes and scene-break marks from either
    edge, stopped by the first story paragraph. `None` stands for a paragraph already
    skipped (a note the format marked): the run goes on past it."""
    found: set[int] = set()
    for order in (range(len(texts)), range(len(texts) - 1, -1, -1)):
        run: list[int] = []
        for i in order:
            text = texts[i]
            if text is None:
                continue
            if is_note(text) or is_unmarked_note(text):
                found.update(run)
                found.add(i)
                run = []
            elif is_scene_break(text):
                run.append(i)  # a mark between two notes is part of them
            else:
                break
    return found


_INLINE_NOTE = re.compile(
    r"""[(\[]\s*(?:a\s*/\s*n\b|(?-i:AN)\s*:|author'?s?'?\s+notes?\b)\s*[:.\-\u2013\u2014]?
        \s[^()\[\]]*[)\]]""",
    re.IGNORECASE | re.VERBOSE)


def inline_notes(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of `(A/N: ...)` and `[Author's note: ...]` asides inside a paragraph."""
    return [m.span() for m in _INLINE_NOTE.finditer(text, start, end)]
