"""Finding the characters of a book: their names, aliases and genders, and who "I" is."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from audiobook.attribution.names import (
    Character,
    Roster,
    clean_name,
    gender_from_title,
    split_title,
)
from audiobook.attribution.people import name_forms, name_gender, person_words, word_stats
from audiobook.lexicon import (
    ARTICLES,
    FEMALE_NOUNS,
    KIN_GENDER,
    MALE_NOUNS,
    NAME_WORD,
    RANK_TITLES,
    RANKS,
    SPEECH_VERB_RE,
    STOPWORDS,
    TAG_AFTER,
    TAG_BEFORE,
    TITLE_RE,
    TITLES,
    UNMARRIED_TITLES,
)
from audiobook.segmenter import NARRATOR, Segment

_VOCATIVE = re.compile(r"(?:^[\"'\u201c\u2018]|[,;!?]\s+|\bO(?:h)?\s+)"
                       r"((?:(?:" + "|".join(t.capitalize() for t in TITLES) +
                       r")\.?\s+)?[A-Z][a-z]+)(?=\s*[,.!?]|\s*$)")


_VOCATIVE_MID = re.compile(_VOCATIVE.pattern.replace(r"(?:^[\"'\u201c\u2018]|", "(?:", 1))
"""A name called out after other words (`"Yes, Mr. Bell."`), not opening the quote, where
an interjection may stand (`"Nonsense, ..."`)."""


def vocative_names(segments: list[Segment], opening: bool = True) -> Counter:
    """Count names called out inside quotes (`"Jake, listen."`, `"Yes, Mr. Bell."`);
    `opening=False` leaves out those that open the quote."""
    counts: Counter = Counter()
    pattern = _VOCATIVE if opening else _VOCATIVE_MID
    for seg in segments:
        if seg.kind != "dialogue":
            continue
        for m in pattern.finditer(seg.text):
            name = clean_name(m.group(1))
            opens = m.start(1) - m.start() <= 1  # the name opens the quote
            if name and not (opens and name.split()[-1] in STOPWORDS):  # `"Oh, ..."`
                counts[name] += 1
    return counts


class _WordStats:
    """Word and capitalized-pair counts of a text, computed once."""

    def __init__(self, text: str) -> None:
        self.words = Counter(re.findall(r"[A-Za-z]+", text))
        self.pairs = Counter(re.findall(r"\b([A-Z][a-z]+)\s+(?=([A-Z][a-z]+)\b)", text))

    def common_word(self, name: str) -> bool:
        """Whether a one-word name is mostly an ordinary word (`Sure`, `Fine`, `Listen`)."""
        if " " in name:
            return False
        return self.words[name.lower()] > 0.2 * self.words[name]

    def full_name(self, name: str) -> str:
        """A one-word first name grown to the full name the text uses most (`Ivo Marsh`)."""
        if " " in name:
            return name
        found = Counter({last: n for (first, last), n in self.pairs.items() if first == name})
        if found:
            surname, n = found.most_common(1)[0]
            if n >= 2 and n > 0.5 * sum(found.values()) and surname not in STOPWORDS:
                return f"{name} {surname}"
        return name


def tag_names(segments: list[Segment], text: str) -> Counter:
    """Count names standing in speech tags next to quotes (`said Alice`, `Alice replied`)."""
    counts: Counter = Counter()
    for i, seg in enumerate(segments):
        if seg.kind != "narration":
            continue
        after_quote = i > 0 and segments[i - 1].kind == "dialogue" and (
            segments[i - 1].paragraph == seg.paragraph)
        before_quote = i + 1 < len(segments) and segments[i + 1].kind == "dialogue" and (
            segments[i + 1].paragraph == seg.paragraph)
        if not (after_quote or before_quote):
            continue
        body = seg.text
        names = []
        if after_quote:
            m = TAG_AFTER.match(body)
            if m:
                names.append(m.group(1))
            m = TAG_BEFORE.match(body.lstrip(" ,\u2014-"))
            if m:
                names.append(m.group(1))
        if before_quote:
            for m in TAG_BEFORE.finditer(body[-120:]):
                names.append(m.group(1))
        for name in names:
            name = clean_name(name)
            if name:
                counts[name] += 1
    return counts


def guess_genders(text: str, characters: list[Character]) -> None:
    """Fill in the gender of every character whose gender is unknown, in place, from
    what the text says: a title (`Mrs.`, `Sir`), the pronouns that follow mentions of
    their names, and a list of first names. It stays `unknown` only when nothing says.

    The first pronoun in the rest of the clause after a name that opens it (`Osei
    laughed and pushed his cap back`) is nearly always the name's own; after a name
    elsewhere (`she handed Osei her cup`) it is weaker evidence, and the pronouns
    further on weaker still. A first name's usual gender (`Mara`, `Tomas`) counts as
    much as one clear pronoun.
    """
    unknown = [c for c in characters if c.gender not in ("male", "female")]
    for char in unknown:
        for form in char.names():
            guess = gender_from_title(form)
            if guess != "unknown":
                char.gender = guess
                break
    unknown = [c for c in unknown if c.gender not in ("male", "female")]
    owner: dict[str, int] = {}
    ranks: dict[str, list[int]] = {}  # `the captain` for Captain Marrow, if she is the one
    for i, char in enumerate(unknown):
        for name in char.names():
            title, _ = split_title(name)
            if title in RANK_TITLES:
                ranks.setdefault(f"the {RANK_TITLES[title]}", []).append(i)
            if name[:1].isupper() and not name.startswith("The "):
                owner.setdefault(name, i)
    owner.update({rank: who[0] for rank, who in ranks.items()
                  if len(set(who)) == 1 and rank not in owner})
    if not owner:
        return
    votes = [0.0] * len(unknown)
    pattern = re.compile(r"\b(?:" + "|".join(
        ("(?i:" + re.escape(n) + ")" if n.startswith("the ") else re.escape(n))
        for n in sorted(owner, key=len, reverse=True)) + r")\b")
    for m in pattern.finditer(text):
        found = m.group(0)
        i = owner[found] if found in owner else owner[found.lower()]
        clause = _CLAUSE_END.search(text, m.end(), m.end() + 100)
        p = _PRONOUN.search(text, m.end(), clause.start() if clause else m.end() + 100)
        subject = _opens(text, m.start())
        if p is not None:
            sign = -1 if p.group(0).lower().startswith(("s", "her")) else 1
            votes[i] += sign * (1.0 if subject else 0.5)
        elif subject and clause is not None:
            # `Brask read it. He read it slowly`: the next sentence goes on about them.
            nxt = _NEXT_SUBJECT.match(text, clause.start())
            if nxt is not None:
                votes[i] += -0.75 if nxt.group(1).lower() == "she" else 0.75
        window = text[m.end():m.end() + 120].lower()
        votes[i] += 0.1 * (len(_HE.findall(window)) - len(_SHE.findall(window)))
    # `his sister Ada`, `Ada, her brother,`: a kinship word says the gender.
    for m in _KIN_BESIDE.finditer(text):
        name, kin = (m.group(2), m.group(1)) if m.group(1) else (m.group(3), m.group(4))
        i = owner.get(name)
        if i is not None:
            votes[i] += 1.5 if KIN_GENDER[kin.lower()] == "male" else -1.5
    for i, char in enumerate(unknown):
        first = split_title(char.name)[1].split()[0]
        prior = name_gender(first) if not char.name.startswith("The ") else "unknown"
        vote = votes[i] + {"male": 1.0, "female": -1.0}.get(prior, 0.0)
        char.gender = "male" if vote >= 0.5 else "female" if vote <= -0.5 else "unknown"


_LEADING_WORDS = re.compile(r"(?:\b[A-Z][\w.]*\s+)+$")
"""Capitalised words before a name (`Old Captain Osei`): part of how it opens."""


def _opens(text: str, at: int) -> bool:
    """Whether a name at `at` opens its sentence or clause: then it is the subject."""
    before = text[max(0, at - 30):at]
    lead = _LEADING_WORDS.search(before)
    if lead is not None:
        before = before[:lead.start()]
    before = before[-12:].rstrip(" \t\"'\u201c\u2018\u201d\u2019_(")
    return not before or before[-1] in ".!?;:,\n\u2014" or before.endswith(
        (" and", " but", " then", " when", " while"))


_KIN_WORDS = "|".join(k for k in KIN_GENDER if k != "lady")
_KIN_BESIDE = re.compile(
    rf"\b(?:his|her|my|their|our|your)\s+({_KIN_WORDS}),?\s+({NAME_WORD})\b"
    rf"|\b({NAME_WORD}),\s+(?:his|her|my|their|our|your)\s+({_KIN_WORDS})\b")
"""`his sister Ada` or `Ada, her brother`."""
_NEXT_SUBJECT = re.compile(r"[.!?]\s+(?:(?:Then|And|But|So|Now|Still)\s+)?([Hh]e|[Ss]he)\b")
_HE = re.compile(r"\b(?:he|his|him|himself)\b")
_SHE = re.compile(r"\b(?:she|her|hers|herself)\b")
_PRONOUN = re.compile(r"\b(?:[Hh]e|[Hh]is|himself|[Ss]he|[Hh]er|hers|herself)\b")
_CLAUSE_END = re.compile(r"[.!?;\n\"\u201c\u201d]")


def _title_kind(name: str) -> str:
    """What a title says about its bearer: `male`, `miss`, `female`, `unknown`; "" untitled.

    `Miss Hale` and `Mrs. Hale` are two people (a daughter and her mother), so
    the unmarried titles are a kind of their own.
    """
    title, _ = split_title(name)
    if title is None:
        return ""
    return "miss" if title in UNMARRIED_TITLES else gender_from_title(name)


def _couples(counts: Counter) -> set[str]:
    """Surnames borne with titles of both genders (`Mr. Hale`, `Mrs. Hale`, `Miss Hale`)."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for name in counts:
        kind = _title_kind(name)
        if kind in ("male", "female", "miss"):
            kinds[split_title(name)[1]].add("male" if kind == "male" else "female")
    return {key for key, found in kinds.items() if len(found) > 1}


DOMINANT = 4
"""A short form goes to the full name said this many times more often than any other it
could belong to."""


def _group_forms(counts: Counter) -> list[Counter]:
    """Forms of one person together: `Hedda`, `Hedda Marsh`; `Mr. Darcy`, `Darcy`.

    Full names (first and last) anchor the groups; a shorter form joins the one
    full name it can belong to, and stays apart when it could be several people
    (`Mr. Marsh` with both `Ivo Marsh` and `Hedda Marsh`, or
    `Mr. Hale` and `Mrs. Hale` with one `Ada Hale`: a couple).
    """
    anchors: dict[str, Counter] = {}
    by_first: dict[str, list[str]] = defaultdict(list)
    by_last: dict[str, list[str]] = defaultdict(list)
    weight: Counter = Counter()  # how often each full name is said
    for name, n in counts.items():
        _, bare = split_title(name)
        words = bare.split()
        if len(words) > 1 and words[0] not in ("The", "the") and len(set(words)) == len(words):
            key = " ".join(words)
            weight[key] += n
            if key not in anchors:
                anchors[key] = Counter()
                by_first[words[0]].append(key)
                by_last[words[-1]].append(key)
    couples = _couples(counts)
    titled_full = {(t, " ".join(b.split())) for t, b in map(split_title, counts)
                   if t and len(b.split()) > 1}
    singles: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for name, n in counts.items():
        title, bare = split_title(name)
        words = bare.split()
        key = " ".join(words)
        if key in anchors:
            anchors[key][name] += n
            continue
        if key in couples:
            owners = []  # which of the couple the one full name is, the title can't tell
        elif title:
            # `Miss Pinkerton` beside `Miss Jemima Pinkerton` is her elder sister: the
            # title with the surname alone names another of the family.
            owners = [o for o in by_last.get(key, [])
                      if title not in UNMARRIED_TITLES or (title, o) not in titled_full]
        else:
            owners = by_first.get(key, []) or by_last.get(key, [])
        owners = sorted(owners, key=weight.__getitem__, reverse=True)
        if len(owners) > 1 and weight[owners[0]] >= DOMINANT * weight[owners[1]]:
            owners = owners[:1]  # `Rodney`: William Rodney, not the Katharine Rodney said once
        if len(owners) == 1:
            anchors[owners[0]][name] += n
        else:
            singles[(key, _title_kind(name))][name] += n
    # A bare name and its titled forms (`Darcy`, `Mr. Darcy`) are one person. With
    # titles of both genders (`Mr. Hale`, `Mrs. Hale`) a bare surname is the man's:
    # women are seldom called by their surname alone.
    for (key, kind) in list(singles):
        if kind:
            continue
        titled = [k for k in singles if k[0] == key and k[1]]
        if len(titled) > 1:
            titled = [k for k in titled if k[1] == "male"] if key in couples else []
        if len(titled) == 1:
            singles[titled[0]].update(singles.pop((key, kind)))
    groups = [g for g in anchors.values() if g] + [g for g in singles.values() if g]
    return _join_title_alone(groups)


_SAME_TITLE = {"dr": "doctor", "rev": "reverend"}


def _join_title_alone(groups: list[Counter]) -> list[Counter]:
    """`the Count` is the one character the text names with that title (`Count Orsi`)."""
    out = list(groups)
    for forms in groups:
        words = next(iter(forms)).split()
        if len(forms) != 1 or len(words) != 2 or words[0] != "The" or (
                words[1].lower() not in RANKS):
            continue
        title = words[1].lower()
        owners = [g for g in out if g is not forms and any(
            _SAME_TITLE.get(split_title(f)[0], split_title(f)[0]) == title
            and f.split()[0] != "The" for f in g)]
        if len(owners) == 1:
            owners[0].update(forms)
            out.remove(forms)
    return out


def _canonical(forms: Counter, couples: set[str]) -> str:
    """The name to print: the form the text uses most (`Elizabeth`, `Mr. Marvel`), a
    proper name before a description (`Count Orsi`, `the Count`), and `Mr. Hale` rather
    than `Hale` when there is a `Mrs. Hale` too. The form most used is the one a reader
    knows the character by, and one a list of the character's names surely holds.

    (Measured on the corpus: preferring a full name whenever the text uses it more than
    once scores 0.69 without a cast, the form most used 0.73; annotators name a
    character now one way, now the other.)"""
    name = max(forms, key=lambda f: (not f.startswith("The "), forms[f], len(f)))
    title, bare = split_title(name)
    if title is None and bare in couples:
        titled = [f for f in forms if split_title(f)[0] is not None]
        return max(titled, key=forms.get) if titled else name
    return name


_FIRST_PERSON = re.compile(r"\b(?:I|me|my|myself)\b")
_ENDS_IN_TITLE = re.compile(rf"\b(?:{TITLE_RE})\.?\s+$")


def _first_person(segments: list[Segment]) -> tuple[bool, str, str]:
    """Whether the narration says "I" (a first-person narrator), and the narration and
    dialogue text."""
    narration = " ".join(s.text for s in segments if s.kind == "narration")
    dialogue = " ".join(s.text for s in segments if s.kind == "dialogue")
    words = narration.count(" ") + 1
    return len(_FIRST_PERSON.findall(narration)) >= 0.01 * words, narration, dialogue


def _merge_narrator_names(groups: list[Counter], tags: Counter, segments: list[Segment],
                          text: str) -> list[Counter]:
    """One narrator for a first name and a surname only others say (`Jo`, `Mr. Penn`).

    A first-person narrator is never tagged by name ("I said"): friends call them
    by their first name and strangers by title and surname, and both turn up only
    inside quotes. When the name most often said that way is a first name (never
    after a title) and one titled surname stands out among the others said that
    way (said at least twice as often as any other), borne by no other character,
    they are the narrator's first name and surname (`Jo Penn`).
    """
    candidates = [i for i, forms in enumerate(groups) if sum(forms.values()) >= 3
                  and sum(tags[f] for f in forms) <= 0.2 * sum(forms.values())]
    if not candidates:
        return groups
    first_person, narration, dialogue = _first_person(segments)
    if not first_person:
        return groups
    # How much more each group is named in quotes than in narration.
    owner = {f: i for i in candidates for f in groups[i]}
    pattern = re.compile(r"\b(?:" + "|".join(
        re.escape(f) for f in sorted(owner, key=len, reverse=True)) + r")\b")
    in_dialogue, in_narration = Counter(), Counter()
    for found, part in ((in_dialogue, dialogue), (in_narration, narration)):
        found.update(owner[m] for m in pattern.findall(part))
    scores = [0.0] * len(groups)
    for i in candidates:
        score = in_dialogue[i] / (1 + in_narration[i]) ** 2
        scores[i] = score if in_dialogue[i] >= 3 and score >= 1 else 0.0
    best = max(candidates, key=scores.__getitem__)
    if not scores[best] or len(groups[best]) != 1:
        return groups
    (name,) = groups[best]
    if " " in name or any(_ENDS_IN_TITLE.search(text, max(0, m.start() - 16), m.start())
                          for m in re.finditer(rf"\b{re.escape(name)}\b", text)):
        return groups  # a surname (`Dr. Penn`), not a first name
    surnames = []
    surname_of: dict[int, str] = {}
    for i, forms in enumerate(groups):
        # One surname, with a title at least once (`Mr. Barnes`, `Barnes`, `Jacob Barnes`,
        # and `Jacob` of that full name).
        bare = [split_title(f)[1].split() for f in forms]
        last = {b[-1] for b in bare if len(b) > 1 or split_title(" ".join(b))[0] is None} | {
            split_title(f)[1].split()[-1] for f in forms if split_title(f)[0]}
        firsts = {b[0] for b in bare if len(b) > 1}
        last -= firsts
        if scores[i] and len(last) == 1 and any(split_title(f)[0] for f in forms):
            (surname,) = last
            others = [f for j, g in enumerate(groups) if j != i for f in g
                      if f.split()[-1] == surname]
            if not others:
                surnames.append(i)
                surname_of[i] = surname
    # The narrator's surname is said far more often than any other such surname.
    surnames.sort(key=in_dialogue.__getitem__, reverse=True)
    if not surnames or len(surnames) > 1 and (
            in_dialogue[surnames[1]] * 2 > in_dialogue[surnames[0]]):
        return groups
    merged = groups[best] + groups[surnames[0]]
    # Printed as the first name they are called by and the surname: `Jake Barnes`.
    merged[f"{name} {surname_of[surnames[0]]}"] += groups[best][name]
    return [g for i, g in enumerate(groups) if i not in (best, surnames[0])] + [merged]


MIN_MENTIONS = 2
"""A name the tags never give must be mentioned this often to make a character."""


def find_characters(text: str, segments: list[Segment], min_tags: int = 1,
                    known: list[Character] | None = None) -> list[Character]:
    """Characters named in speech tags, with titled and bare forms merged.

    With `known` characters (from a cast file), names they already cover (also
    by a short form such as a first name) are left out, and so are unnamed
    descriptions (`the doctor`): a cast file's characters always win.
    """
    tags = tag_names(segments, text)
    vocatives = vocative_names(segments)
    person = person_words(word_stats(text, segments, tags, vocatives))

    def named(form: str) -> bool:
        # A title or an article makes a name (`Mrs. Morel`, `the Count`); else every
        # word must be one the text uses for a person.
        title, bare = split_title(form)
        return bool(title) or form.startswith(("The ", "the ")) or all(
            w in person for w in bare.split())

    counts = Counter(tags)
    if not known:
        # Without a cast, everyone the text names as a person: in the narration
        # (`Shepard sat on her bed`), called out in quotes, or in tags.
        for form, n in name_forms(text, person).items():
            # A full name said once still links its parts (`Lieutenant Senna Adair`), and
            # a title its bearer's rank (`Captain Osei`).
            title, bare = split_title(form)
            if n >= MIN_MENTIONS or form in tags or title or len(bare.split()) > 1:
                counts[form] += n
        for name, n in vocatives.items():
            if named(name):
                counts[name] += n
    # `Oh`, `Well` called out or caught in a tag are no one, unless the text makes them
    # someone (`Will`).
    counts = Counter({name: n for name, n in counts.items() if not all(
        w in STOPWORDS and w not in person for w in split_title(name)[1].split())})
    stats = _WordStats(text)
    if known:
        roster = Roster(known)
        counts = Counter({name: n for name, n in counts.items()
                          if roster.lookup(name) is None
                          and (n >= 2 or len(re.findall(rf"\b{re.escape(name)}\b", text)) >= 3)
                          and name.split()[0].lower() not in ARTICLES})
    for name in list(counts):
        longer = stats.full_name(name) if name[:1].isupper() else name
        if longer != name:
            counts[longer] += 1
    groups = _merge_narrator_names(_group_forms(counts), tags, segments, text)
    couples = _couples(counts)
    characters = []
    for forms in groups:
        total = sum(forms.values())
        if total < min_tags:
            continue
        name = _canonical(forms, couples)
        aliases = sorted(f for f in forms if f != name)
        characters.append(Character(name, aliases, "unknown", lines=total))
    characters = _epithets_by_apposition(text, characters)
    guess_genders(text, characters)
    characters.sort(key=lambda c: (-c.lines, c.name))
    return characters


_EPITHET = (r"[Tt]he\s+(?:[a-z][\w-]*\s+){0,2}?(?:"
            + "|".join(sorted((*RANKS, *MALE_NOUNS, *FEMALE_NOUNS), key=len, reverse=True))
            + r"|[A-Z][a-z]+)")
_NAMED = rf"{NAME_WORD}(?:\s+{NAME_WORD})?"
_APPOSITION = re.compile(
    rf"(?<![\w.])(?<!the )(?<!The )(?:({_NAMED}),\s+({_EPITHET})|({_EPITHET}),\s+({_NAMED}))"
    r",\s+(?!(?:and|or|nor|the|a|an|then)\b)[a-z]")
"""`Sephiroth, the General, stood` or `the silver-haired man, Sephiroth, said`: one person,
two names (not a list: `the King, the Queen, and the Knave`)."""


def _epithets_by_apposition(text: str, characters: list[Character]) -> list[Character]:
    """Give a character the epithets the text sets beside their name (`Sephiroth, the
    General,`) as aliases; a character found under that epithet alone (`the General`)
    is the same person."""
    roster = Roster(characters)
    links: dict[str, Counter] = defaultdict(Counter)
    for m in _APPOSITION.finditer(text):
        name, epithet = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        char = roster.lookup(name)
        if char is not None:
            words = epithet.split()
            links[char.name][" ".join(["the", *words[1:]])] += 1
    claimed = {n.lower() for c in characters for n in c.names()}
    by_name = {c.name: c for c in characters}
    for name, epithets in links.items():
        char = by_name[name]
        for epithet, _ in epithets.most_common():
            other = roster.lookup(epithet)
            if other is not None and other.name != name and other.name.lower() == epithet.lower():
                # The rank-alone character found from the tags (`said the General`).
                char.aliases = sorted({*char.aliases, *other.names()})
                char.lines += other.lines
                by_name.pop(other.name, None)
            elif epithet.lower() not in claimed:
                char.aliases = sorted({*char.aliases, epithet})
            claimed.add(epithet.lower())
    return list(by_name.values())


_I_TAG = re.compile(rf"\bI\s+(?:\w+ly\s+)?(?:{SPEECH_VERB_RE})\b|\b(?:{SPEECH_VERB_RE})\s+I\b")
"""A first-person speech tag: `I said`, `I whispered`, `said I`."""
_MY_NAME = re.compile(rf"\b(?:[Mm]y name(?:'s|\u2019s| is| was)|[Cc]all(?:ed)? me)\s+"
                      rf"((?:(?:{TITLE_RE})\.?\s+)?{NAME_WORD}(?:\s+{NAME_WORD})?)")
"""`My name is Rudolf`, `call me Ishmael`: the narrator naming themself."""


def infer_narrator(text: str, segments: list[Segment], roster: Roster) -> str | None:
    """Who "I" is in a story told in the first person: a name (a roster character's
    canonical name, or a name the text calls them by that no character has yet),
    `narrator` when the story says "I" but never names them, or None for a story
    told in the third person.

    The narrator is "I" in the narration, so their name turns up almost only inside
    quotes, where others address them, above all in the lines next to their own
    (`"You never could hide it, Cloud."` beside `"No," I said.`); or they name
    themself (`my name is`). Whoever the tags name in the third person (`said
    Rook`) is someone else.
    """
    first_person, narration, _ = _first_person(segments)
    if not first_person:
        return None
    tags = tag_names(segments, text)
    tagged = {split_title(n)[1] for n in tags} | set(tags)
    by_paragraph: dict[int, list[Segment]] = {}
    for seg in segments:
        by_paragraph.setdefault(seg.paragraph, []).append(seg)
    narrator_lines = {p for p, segs in by_paragraph.items()
                      if any(s.kind == "dialogue" for s in segs) and any(
                          s.kind == "narration" and _I_TAG.search(s.text) for s in segs)}
    person = person_words(word_stats(text, segments, tags, vocative_names(segments)))
    score: Counter = Counter()
    for p, segs in by_paragraph.items():
        beside = p - 1 in narrator_lines or p + 1 in narrator_lines
        for seg in segs:
            if seg.kind != "dialogue":
                continue
            mid = vocative_names([seg], opening=False)
            for name, n in vocative_names([seg]).items():
                # `"..., Cloud,"` surely calls someone; `"Cloud, ..."` might be `"Nonsense, ..."`
                sure = mid[name] > 0 or name in person or roster.lookup(name) is not None
                score[name] += n * (3 if beside and p not in narrator_lines else 1) * sure
    for m in _MY_NAME.finditer(text):
        score[clean_name(m.group(1)) or m.group(1)] += 3
    best, best_score = None, 0.0
    for name, points in score.items():
        if name in tagged or split_title(name)[1] in tagged:
            continue  # `said Rook`: someone the narration speaks of, not "I"
        if name in STOPWORDS and roster.lookup(name) is None:
            continue  # `"Oh, ..."`, `"Well, ..."`
        said = len(re.findall(rf"\b{re.escape(name)}\b", narration))
        value = points - 3 * said
        if value >= 3 and value > best_score:
            best, best_score = name, value
    if best is None:
        return NARRATOR
    char = roster.lookup(best)
    return char.name if char is not None else best
