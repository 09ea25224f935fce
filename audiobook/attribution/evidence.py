"""Who speaks each quote: speech tags, pronouns, action beats, vocatives, turn-taking.

The order of evidence, strongest first: a speech tag next to the quote
(`said Alice`, `the King replied`, `he said`, `I said`); an action beat in the
same paragraph (`Alice shrugged. "No."`); then the conversation: the person the
last line addressed by name, else the speaker before the last one (turn-taking).
Pronouns resolve to the most recently mentioned character of that gender who is
not the narrator ("I" is always the narrator's character).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from audiobook.attribution.characters import infer_narrator
from audiobook.attribution.names import Mention, MentionIndex, Roster, possessive
from audiobook.attribution.quotes import (
    UNKNOWN,
    quote_ends_open,
    spoken_to,
    text_from_segments,
)
from audiobook.lexicon import (
    ADDRESS_WORDS,
    FEMALE_NOUNS,
    KIN_GENDER,
    MALE_NOUNS,
    SPEECH_VERBS,
)
from audiobook.segmenter import Segment

CONVERSATION_GAP_PARAGRAPHS = 2
"""Narration-only paragraphs after which a conversation is taken to be over."""
LONG_NARRATION_WORDS = 60
"""A narration paragraph at least this long also ends the conversation."""
RECENT_MENTIONS = 12
"""How many recently mentioned characters pronouns may refer to."""
_PRONOUN = re.compile(r"\b([Hh]e|[Ss]he|I|[Tt]hey)\b")
_DESCRIPTION = re.compile(r"\b(?:the|his|her|their|my|our|your|a|an|this|that)\s+"
                          r"(?:[a-z][\w-]*\s+){0,2}?(" + "|".join(MALE_NOUNS + FEMALE_NOUNS)
                          + r")\b", re.IGNORECASE)
"""`the old man`, `his wife`: a person described by a gendered noun, not named."""
_KIN = re.compile(r"(his|her)\s+(?:[a-z][\w-]*\s+){0,2}?(" + "|".join(KIN_GENDER) + r")\b",
                  re.IGNORECASE)
"""`his wife`, `her aunt`: someone described by kinship to a person just mentioned."""
KIN_WINDOW = 1500
"""Characters named within this many characters of a kin tag may be the relative."""
KIN_NEAR_UTTERANCES = 6
"""...and so may the tagged speakers of this many utterances either side."""


def _kin_relation(kin: re.Match) -> str | None:
    """The relation a `_KIN` match names: `his lady` is his wife; `her lady` is no kin."""
    noun = kin.group(2).lower()
    if noun == "lady":
        return "wife" if kin.group(1).lower() == "his" else None
    return noun


_SILENCE = re.compile(r"\b(?:said nothing|says nothing|said no more|made no (?:answer|reply)|"
                      r"(?:did not|didn't|does not|doesn't) (?:answer|reply|respond|say anything)|"
                      r"(?:was|is|kept|stayed|remained|fell) silent|gave no (?:answer|reply))\b",
                      re.IGNORECASE)
"""The narration saying someone did not speak."""
GENDER_WORDS = {"he": "male", "she": "female", "man": "male", "woman": "female"}
"""Subject words that stand for someone of a gender: pronouns and descriptions."""
_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\bMrs)(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)"
                           r"(?<!\bMessrs)(?<!\bMme)(?<!\bMlle)(?<!\bRev)(?<!\bCapt)(?<!\bCol)"
                           r"(?<!\bGen)(?<!\bLt)(?<!\bSgt)(?<!\bProf)"
                           r"[.!?;:](?:\s|-{2}|\u2014)|[.!?;:]$|\u2014\s*$")
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_VOCATIVE_BEFORE = re.compile(r"(?:^[\"'\u201c\u2018_]*|[,;!?\u2014-]\s*|\b(?:O|Oh|dear|my)\s+)$",
                              re.IGNORECASE)
_VOCATIVE_AFTER = re.compile(r"(?!['\u2019]s\b)\s*[,.!?;\u2014_\"'\u201d\u2019-]")
NEARBY_PARAGRAPHS = 3
"""Characters named this many paragraphs back (and one ahead) are candidates."""
STYLE_PRIOR = 20.0
"""Pseudo-words of the book's own usage mixed into each speaker's profile (smoothing)."""
_QUOTE_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
SCENE_UTTERANCES = 10
"""Tags this many utterances before and after one show who talks in its scene."""


@dataclass
class Context:
    """Book-wide facts the features need besides the utterance's own evidence."""

    narrator: str | None
    """First-person narrator's character, if any."""
    genders: dict[str, str]
    """Canonical name -> `male`, `female` or `unknown`."""
    paragraph_names: dict[int, list[str]]
    """Paragraph index -> characters named anywhere in it, in order."""
    narration_text: dict[int, str]
    """Paragraph index -> its narration (outside the quotes)."""
    quote_names: dict[int, list[str]]
    """Utterance index -> characters named inside it."""
    narration_names: dict[int, list[str]] = field(default_factory=dict)
    """Paragraph index -> characters named in its narration, in order."""
    tag_counts: Counter = field(default_factory=Counter)
    """Quotes whose speech tag names each character, over the whole book."""
    scene_tags: dict[int, Counter] = field(default_factory=dict)
    """Utterance index -> tags of the utterances around it (the scene's talkers)."""
    counts: Counter = field(default_factory=Counter)
    """Mentions per character over the whole book."""
    total: int = 0
    """All mentions (set once `counts` is filled)."""
    spoken_to: dict[int, tuple[bool, bool]] = field(default_factory=dict)
    """Utterance index -> whether it calls its listener `sir`, and `ma'am` (see `spoken_to`)."""
    words: dict[tuple[int, int], Counter] = field(default_factory=dict)
    """(utterance, paragraph) -> the words it says there (a quote may run on over
    paragraphs, each with evidence of its own)."""
    profiles: dict[str, Counter] = field(default_factory=dict)
    """Character -> the words of the lines a tag names them as saying (how they talk)."""
    profiled: dict[tuple[int, int], str] = field(default_factory=dict)
    """(utterance, paragraph) -> whose profile its words are in."""
    background: Counter = field(default_factory=Counter)
    """The words of all the book's quotes."""
    background_total: int = 0
    """Their number, plus one per distinct word (add-one smoothing)."""
    profile_sizes: Counter = field(default_factory=Counter)
    """Character -> words in their profile."""

    def style(self, ev: Evidence, cand: str) -> tuple[float, float]:
        """How much more an utterance's words sound like `cand`'s tagged lines than like the
        book's quotes at large (mean log ratio per word; its own words left out of the
        profile), and how many words that profile holds (log). `my dear`, `Lizzy` and
        `Oh!` are Mrs. Bennet's before any tag says so."""
        profile = self.profiles.get(cand)
        words = self.words.get((ev.quote, ev.paragraph))
        if not profile or not words:
            return 0.0, 0.0
        own = words if self.profiled.get((ev.quote, ev.paragraph)) == cand else Counter()
        size = self.profile_sizes[cand] - sum(own.values())
        if size <= 0:
            return 0.0, 0.0
        score = 0.0
        for word, n in words.items():
            p_book = (self.background[word] + 1) / self.background_total
            p_cand = (profile[word] - own[word] + STYLE_PRIOR * p_book) / (size + STYLE_PRIOR)
            score += n * math.log(p_cand / p_book)
        return score / sum(words.values()), math.log1p(size)


def _subjects(text: str, start: int, end: int, index: MentionIndex) -> list[tuple[int, str]]:
    """(offset, name or pronoun) of the character words in text[start:end], in order."""
    found = [(m.start, m.name) for m in index.named(start, end)]
    for m in _PRONOUN.finditer(text, start, end):
        found.append((m.start(), m.group(1).lower()))
    for m in _DESCRIPTION.finditer(text, start, end):
        if not any(m.start() <= at < m.end() for at, _ in found):
            noun = m.group(1).lower()
            found.append((m.start(), "man" if noun in MALE_NOUNS else "woman"))
    found.sort()
    return found


_CLAUSE_OPENERS = ("and", "but", "then", "when", "while", "so")


def _opens_clause(text: str, seg_start: int, at: int) -> bool:
    """Whether a name at `at` opens a sentence or clause (`. Mara`, `; and Mara`):
    the likely subject, not an object (`she looked at Mara`)."""
    before = text[max(seg_start, at - 12):at].rstrip(" \n\t_(\"'\u201c\u2018")
    if not before or before[-1] in ".!?;:\u2014-":
        return True
    words = before.split()
    # The window may cut a word in two: a lone word counts only from the segment start.
    return words[-1].lower() in _CLAUSE_OPENERS and (len(words) >= 2 or at - 12 <= seg_start)


def _clause_after(text: str, start: int, end: int) -> int:
    """End of the tag clause that starts at `start` (at the first sentence break)."""
    m = _SENTENCE_END.search(text, start, end)
    return m.start() + 1 if m else end


def _clause_before(text: str, start: int, end: int) -> int:
    """Start of the last clause of text[start:end]."""
    last = start
    for m in _SENTENCE_END.finditer(text, start, max(start, end - 1)):
        last = m.end()
    return last


_COORDINATION = re.compile(r"[,;]\s*(?:and|but|when|while|till|until|whereupon|then)\b",
                           re.IGNORECASE)
_SUBORDINATE = re.compile(r"[\s_(\u2014-]*(?:before|when|while|as|after|though|although|if|"
                          r"since|till|until|once)\b[^,]*,", re.IGNORECASE)


def _subject_before_verb(text: str, start: int, verb: int, index: MentionIndex
                         ) -> tuple[int, str] | None:
    """Subject of a speech verb: the first name or pronoun of the last coordinated
    piece before it that has one (`X protested, and Lydia exclaimed`), past a
    leading subordinate clause (`When Bell was out, Mara whispered`)."""
    # `At dusk, once the boats were in, Mara went to the door and called`: a comma
    # then a subject opening the last piece: that subject is the verb's.
    comma = text.rfind(",", start, verb)
    if comma >= 0:
        last = _subjects(text, comma + 1, verb, index)
        if last and not text[comma + 1:last[0][0]].strip():
            return last[0]
    cuts = [start] + [m.end() for m in _COORDINATION.finditer(text, start, verb)]
    for i in range(len(cuts) - 1, -1, -1):
        piece_start = cuts[i]
        piece_end = cuts[i + 1] if i + 1 < len(cuts) else verb
        sub = _SUBORDINATE.match(text, piece_start, piece_end)
        if sub is not None:
            rest = _subjects(text, sub.end(), piece_end, index)
            if rest:
                return rest[0]
        subjects = _subjects(text, piece_start, piece_end, index)
        if subjects:
            return subjects[0]
    return None


_POSSESSIVE_TAG = re.compile(r"[\s,]*(?:was|were|is|came)\s+(?:(?:the|his|her|their)\s+"
                             r"(?:\w+\s+){0,2}?(?:reply|answer|words?|comment|remark|response|"
                             r"rejoinder|retort|view|verdict|summing[- ]up|advice|greeting)"
                             r"\s+(of)\s+)?", re.IGNORECASE)
_JUST_BEFORE_VERB = re.compile(r"\s+(?:\w+ly\s+)?$")
_WHO_BEFORE_VERB = re.compile(r",?\s+who\s+(?:\w+\s+)?$")
"""`He turned to Mr. Bell, who said`: the one the relative clause is about speaks."""
_PRONOUN_BEFORE_VERB = re.compile(_PRONOUN.pattern + r"\s+(?:\w+ly\s+)?$")
_HEARD_BEFORE_VERB = re.compile(r"\b(?:hear|heard|hearing|overhear|overheard)\s+(him|her|his)"
                                r"(?:\s+voice)?\s+(?:\w+ly\s+)?$", re.IGNORECASE)
"""`...and hear her say`, `heard his voice saying`: the one heard is the speaker."""


def _next_to_verb(text: str, start: int, verb: int, index: MentionIndex) -> tuple[int, str] | None:
    """A name standing right before the verb (`Alice heard the King say`, `the Gryphon
    only answered`): the speaker, even when the clause began with someone else."""
    names = index.named(start, verb)
    if names and (_JUST_BEFORE_VERB.fullmatch(text, names[-1].end, verb)
                  or _WHO_BEFORE_VERB.fullmatch(text, names[-1].end, verb)):
        return names[-1].start, names[-1].name
    heard = _HEARD_BEFORE_VERB.search(text, start, verb)
    if heard is not None:
        return heard.start(1), "she" if heard.group(1).lower() == "her" else "he"
    # Or a pronoun: `as soon as they were alone, she said,` is hers, not theirs.
    pronoun = _PRONOUN_BEFORE_VERB.search(text, start, verb)
    if pronoun is not None and pronoun.group(1).lower() != "they":
        return pronoun.start(1), pronoun.group(1).lower()
    return None


def _has_speech_verb(text: str, start: int, end: int) -> bool:
    return any(w.group(0).lower() in SPEECH_VERBS for w in _WORD.finditer(text, start, end))


_NEGATIONS = frozenset(("no", "not", "never", "nor"))


def _negated(words: list[re.Match], verb: re.Match) -> bool:
    """Whether a speech verb says nobody spoke: `made no answer`, `did not reply`,
    `never spoke`, `said nothing`."""
    at = words.index(verb)  # matches compare by identity
    before = words[at - 1].group(0).lower() if at else ""
    after = words[at + 1].group(0).lower() if at + 1 < len(words) else ""
    return before in _NEGATIONS or before.endswith("n't") or after == "nothing"


@dataclass
class Evidence:
    """What the rules found for one utterance: the inputs of the speaker ranker."""

    quote: int
    """Utterance index (`Segment.quote`)."""
    paragraph: int
    """Book-wide paragraph index."""
    segments: list[Segment]
    """The utterance's dialogue segments (interrupted quotes have several)."""
    rule: str
    """The speaker the rules chose (`unknown` if none)."""
    tag: str | None
    """Speaker named by a speech tag: a name, "" for an unresolved tag, None for no tag."""
    tag_word: str
    """The tag's subject word: a canonical name, `he`, `she`, `i`..."""
    tag_at: int
    """Offset of the tag's subject word in the text (-1 if none or unknown)."""
    tag_options: list[str]
    """For a pronoun or description tag, everyone it may stand for, likeliest first."""
    tag_side: str
    """Where the tag stood: `after`, `before`, `lead` (paragraph before) or ""."""
    continued: str | None
    """Speaker of the quote this one continues (multi-paragraph quotes)."""
    beat: str | None
    """Subject of an action beat in the paragraph."""
    conversation: str | None
    """The turn-taking guess (addressed person, else the speaker before last)."""
    vocatives: list[str]
    """Names called out inside the paragraph's quotes."""
    addressed: list[str]
    """Names called out in the previous quoted paragraph."""
    expected: str | None
    """Whose turn it is by alternation."""
    narration: list[str]
    """Characters named in the paragraph's narration, in order."""
    recent: list[str]
    """Recently mentioned characters, most recent last."""
    subjects: list[str] = field(default_factory=list)
    """Recent sentence subjects (names opening a sentence or clause of the narration,
    and speakers), most recent last: whom a pronoun most likely goes on about."""
    following: list[str | None] = field(default_factory=list)
    """Tagged speakers of the next two utterances when they sit in the next two
    paragraphs (an alternating exchange read backwards from a later tag)."""
    called_next: list[str] = field(default_factory=list)
    """Names the next utterance calls out when it sits in the next paragraph: the one
    it answers, most likely this one's speaker (`"Late." / "Not I, Mara."`)."""
    silent: list[str] = field(default_factory=list)
    """Whom the narration since the last quote calls silent (`He said nothing.`): the
    line after is most likely not theirs."""


def _most_recent_last(order: list[str], names: list[str]) -> None:
    """Move (or add) `names` to the end of `order`, keeping the last RECENT_MENTIONS."""
    for name in names:
        if name in order:
            order.remove(name)
        order.append(name)
    del order[:-RECENT_MENTIONS]


class _Attributor:
    """Walks the paragraphs in order, keeping track of the conversation."""

    def __init__(self, text: str, roster: Roster, fixed: dict[int, str] | None = None) -> None:
        self.text = text
        self.roster = roster
        self.fixed = fixed or {}
        self.index = MentionIndex(text, roster)
        self.recent: list[str] = []  # most recently mentioned last
        self.subjects: list[str] = []  # recent sentence subjects, most recent last
        self.turns: list[str | None] = []  # speakers of the current conversation
        self.addressed: list[str] = []  # names called out in the last quote paragraph
        self.local: list[Mention] = []  # names in the current paragraph's narration
        self.local_subjects: list[tuple[int, str]] = []  # (offset, name) opening its clauses
        self.first_pronoun: dict[str, int] = {}  # `he`/`she` -> first offset in its narration
        self.kin_near: list[tuple[int, str, str]] = []  # kin phrases there (`kin_phrases`)
        self.names_near: list[int] = []  # offsets of names in that narration and the lead
        self.lead_subjects: list[tuple[int, str]] = []  # those of the narration just before
        self.called: list[str] = []  # names called out in the current paragraph's quotes
        self.silent: list[str] = []  # whom the narration since the last quote calls silent
        self.tag_word = ""  # subject word of the last tag found (a name, `he`, `I`...)
        self.tag_at = -1  # its offset in the text
        self.tag_options: list[str] = []  # whom it may stand for, likeliest first
        self.kin_tags: dict[int, tuple[str | None, str]] = {}  # kin tag offset -> (owner, relation)
        self.tag_verb = -1  # offset of the speech verb tag_before last used
        self.evidence: list[Evidence] = []  # what the rules saw, per utterance

    # -- mentions and pronouns ----------------------------------------------------

    def mention(self, names: list[str]) -> None:
        _most_recent_last(self.recent, names)

    def subject(self, names: list[str]) -> None:
        _most_recent_last(self.subjects, names)

    def clause_subjects(self, segs: list[Segment]) -> list[tuple[int, str]]:
        """(offset, name) of the characters named opening a sentence or clause of the
        narration `segs` (`. Mara`, `; and Mara`): who the passage is about."""
        return [(m.start, m.name) for seg in segs for m in self.index.within(seg.start, seg.end)
                if _opens_clause(self.text, seg.start, m.start)]

    def resolve(self, word: str, at: int = -1, exclude: str | None = None,
                for_kin: bool = False) -> str | None:
        """The character a subject word at offset `at` stands for: a name, `I`, `he`, `she`.

        `for_kin`: the word is the `his`/`her` of a kin tag, not a speech tag's own.
        """
        if word == "i":
            return self.roster.narrator
        if word not in GENDER_WORDS:
            return word if word != "they" else None
        return next(self.referents(word, at, exclude, for_kin), None)

    def referents(self, word: str, at: int = -1, exclude: str | None = None,
                  for_kin: bool = False) -> Iterator[str]:
        """Whom `he`, `she`, `the man` or `the woman` at offset `at` may stand for,
        likeliest first (names may repeat).

        A pronoun goes to the last character of its gender named earlier in the
        same paragraph, else to whoever's turn it is, else to the last of its
        gender who spoke in the conversation, else to the last one named.
        """
        want = GENDER_WORDS[word]
        # Nobody calls themselves by name: `"Oh, Mr. Cuthbert," she whispered` is not him.
        called = self.called
        kin = _KIN.match(self.text, at) if at >= 0 and word in ("man", "woman") else None
        relation = _kin_relation(kin) if kin is not None else None
        if kin is not None and relation is not None:
            # `said his wife`: whose wife first, then the one who is that by surname;
            # failing that, anyone of her gender but him (`_settle_kin` looks again
            # once the whole book is read).
            of = self.kin_owner(kin.group(1).lower(), at)
            self.kin_tags[at] = (of, relation)
            found = self.roster.kin(of, relation) if of else None
            if found:
                yield found
            exclude = exclude or of

        def fits(name: str) -> bool:
            # Of the pronoun's gender, not the narrator (`I`), not excluded, not called.
            return (name not in (self.roster.narrator, exclude) and name not in called
                    and self.roster.gender(name) == want)

        # A name opening a clause (`Mara frowned`, `Mara's lips moved`) is the one the
        # paragraph is about: it beats a name in passing (`she looked at Tomas`).
        for start, name in reversed(self.local_subjects):
            if start < at and fits(name):
                yield name
        # Once the paragraph goes on about `she` (`She walked on, reading the letter
        # Ida had sent.`), a name merely passed on the way is not who `she` is: it
        # waits till last.
        chain = min(self.first_pronoun.get(word, at), at)
        subjects = {start for start, _ in self.local_subjects}
        passing = []
        for mention in reversed(self.local):
            if mention.start < at and fits(mention.name):
                if mention.start < chain or mention.start in subjects:
                    yield mention.name
                else:
                    passing.append(mention.name)
        # Else the one the narration paragraph just before was about (`Mara set the lamp
        # down by Ida.` then `"Late?" she asked.`), before turn-taking and recency; not
        # for the owner of a kin tag (`her mother`), often the one just spoken to.
        # Then, in a conversation, the one the last quote called by name answers
        # (`"Mrs. Bell, no."` then `"Wait," she said`).
        speech = word in ("he", "she") and at >= 0 and not for_kin
        lead = [name for _, name in reversed(self.lead_subjects)]
        for name in [*lead, *self.addressed] if speech else []:
            if fits(name):
                yield name
        # Else the person whose turn it is; then whoever of that gender spoke last in
        # this conversation (`"Tea?" Mara asked.` ... `Tomas thought of Ida.` ...
        # `"Why?" she asked.` is Mara); then recency.
        expected = self.expected_turn()
        if expected and fits(expected):
            yield expected
        for name in reversed(self.turns):
            if name and fits(name):
                yield name
        for name in reversed(self.recent):
            if fits(name):
                yield name
        yield from passing

    def kin_owner(self, pronoun: str, at: int) -> str | None:
        """Whose relative `his`/`her` means in a kin tag: the one the quote calls by
        name (`"Edith, sit," said her mother` is Edith's mother), else the pronoun's
        usual referent."""
        want = "male" if pronoun == "his" else "female"
        for name in self.called:
            if self.roster.gender(name) == want and name != self.roster.narrator:
                return name
        return self.resolve("he" if pronoun == "his" else "she", at, for_kin=True)

    def kin_phrases(self, segs: list[Segment]) -> list[tuple[int, str, str]]:
        """(offset, `his`/`her`, gender) of the kin phrases in `segs` (`her father`),
        but not one whose sentence already has a subject of its gender before it (`Kate
        read to her sister`): a later `she` goes on about that subject."""
        found = []
        for seg in segs:
            for kin in _KIN.finditer(self.text, seg.start, seg.end):
                relation = _kin_relation(kin)
                if relation is None:
                    continue
                gender = KIN_GENDER[relation]
                start = _clause_before(self.text, seg.start, kin.start())
                if not any((GENDER_WORDS.get(who) or self.roster.gender(who)) == gender
                           for _, who in _subjects(self.text, start, kin.start(), self.index)):
                    found.append((kin.start(), kin.group(1).lower(), gender))
        return found

    def kin_antecedent(self, word: str, at: int) -> int | None:
        """Offset of the kin phrase a `he`/`she` tag stands for: `Edith came down behind
        her father. He said,` is her father, with no name between the two. A relative
        of the tag's own gender (`her mother` ... `she`) only where the kin phrase opens
        its sentence or clause (`Her mother came in.`): else `she` is more likely the owner."""
        want = GENDER_WORDS[word]
        for kin_at, owner, gender in reversed(self.kin_near):
            if kin_at < at and gender == want:
                same = (owner == "his") == (word == "he")
                if (same and not _opens_clause(self.text, 0, kin_at)) or any(
                        kin_at < n < at for n in self.names_near):
                    return None
                return kin_at
        return None

    def resolve_tag(self, word: str, at: int, end: int = -1) -> str | None:
        """Resolve a speech tag's subject word, noting it and, for a pronoun or a
        description, everyone it may stand for (the ranker weighs them all).

        `end`: where the tag's clause ends. Whoever it names after the subject is
        someone else (`she said to Ida`, `he answered, turning to Tomas`)."""
        subject = at
        if word in ("he", "she") and at >= 0:
            kin_at = self.kin_antecedent(word, at)
            if kin_at is not None:  # then the tag is the kin phrase (`said her father`)
                word, at = ("man" if word == "he" else "woman"), kin_at
        self.tag_word, self.tag_at = word, at
        if word not in GENDER_WORDS:
            self.tag_options = []
            return self.resolve(word, at)
        mates = ({m.name for m in self.index.within(subject + 1, end)}
                 if end > subject >= 0 else set())
        self.tag_options = [n for n in dict.fromkeys(self.referents(word, at))
                            if n not in mates]
        return self.tag_options[0] if self.tag_options else None

    def tag_found(self) -> tuple[str, int, list[str]]:
        """The last tag's subject word, its offset and whom it may stand for."""
        return self.tag_word, self.tag_at, self.tag_options

    def expected_turn(self) -> str | None:
        """Who talks next by turn-taking: the speaker before the last, if they differ."""
        turns = [t for t in self.turns if t]
        if len(turns) >= 2 and turns[-1] != turns[-2]:
            return turns[-2]
        return None

    # -- evidence in the paragraph ----------------------------------------------

    def tag_after(self, seg: Segment, quote: Segment) -> str | None:
        """`"...," said Alice` / `"...," she said`: the subject of the clause after a quote."""
        text = self.text
        start = seg.start
        first = text[start:start + 1]
        # `»Gone«, said Tam`: German print puts the comma after the closing mark.
        if not (quote_ends_open(quote) or first.islower() or first in ",\u2014"):
            return None
        end = _clause_after(text, start, seg.end)
        owner = self.possessive_tag(start, end)
        if owner is not None:
            return owner
        subjects = _subjects(text, start, end, self.index)
        if not subjects:
            # `said his wife`: a tag, but no name we know; beats would mislead.
            words = _WORD.findall(text, start, end)[:3]
            return "" if any(w.lower() in SPEECH_VERBS for w in words) else None
        before = _WORD.findall(text, start, subjects[0][0])
        words = len(before)
        # `"Yes," nodded the doctor`: an inverted tag with any verb of manner.
        inverted = words == 1 and before[0].endswith("ed") and before[0].islower()
        if words > 6 or not _has_speech_verb(text, start, end) and words > 0 and not inverted:
            return None
        who = self.resolve_tag(subjects[0][1], subjects[0][0], end)
        # `said the stranger`-like descriptions nobody fits are still a tag, and so is
        # `she said` with no woman in sight: its gender still tells the ranker something.
        return "" if who is None and self.tag_word in GENDER_WORDS else who

    def second_tag(self, seg: Segment) -> bool:
        """Whether narration between two quotes, after tagging the first, has a speech
        verb of its own for the next (`she asked him, and the Owl answered, "...`)."""
        verbs = [w.start() for w in _WORD.finditer(self.text, seg.start, seg.end)
                 if w.group(0).lower() in SPEECH_VERBS]
        if len(verbs) < 2:
            return False
        self.tag_verb = -1
        self.tag_before(seg)
        return self.tag_verb > verbs[0]

    def possessive_tag(self, start: int, end: int) -> str | None:
        """`"..." was Mara's answer` / `were the words of Mr. Reed`: the owner of the
        words that the quote is said to be."""
        m = _POSSESSIVE_TAG.match(self.text, start, end)
        if m is None:
            return None
        names = self.index.within(m.end(), min(end, m.end() + 60))
        if not names or _WORD.findall(self.text, m.end(), names[0].start)[1:]:
            return None  # the name must come first (`the` before it is fine)
        if m.group(1) is None and not possessive(self.text, names[0].end):
            return None
        self.tag_word, self.tag_at, self.tag_options = names[0].name, -1, []
        return names[0].name

    def tag_before(self, seg: Segment) -> str | None:
        """`Alice said, "..."` / `Then he asked: "..."`: subject of the clause before a quote.

        Also `Mr. Bell thus began.` and `...said to her--`: a full stop or dashes
        before the quote when the speech verb closes the clause.
        """
        text = self.text
        body = text[seg.start:seg.end].rstrip()
        core = body.rstrip("-\u2014 \n")
        dashed = len(core) < len(body)
        core_end = seg.start + len(core)
        bare = not core.endswith((",", ":", ".", "!", "?", ";", ")")) and not dashed
        if not (dashed or bare or core.endswith((",", ":", "."))):
            return None
        start = _clause_before(text, seg.start, core_end)
        words = list(_WORD.finditer(text, start, core_end))
        verbs = [w for w in words if w.group(0).lower() in SPEECH_VERBS]
        if not verbs:
            return None
        verb = verbs[-1]
        if bare and verb not in words[-3:]:
            return None  # `...and the Dodo answered "` but not `the word "`
        if _negated(words, verb):
            return None  # `He made no answer.`: whoever speaks next, not he
        self.tag_verb = verb.start()
        if core.endswith(".") and not dashed and len(_WORD.findall(text, verb.end(), core_end)) > 1:
            return None  # `Mara told him the news.`: not a tag for what follows
        found = _next_to_verb(text, start, verb.start(), self.index)
        if found is None:
            found = _subject_before_verb(text, start, verb.start(), self.index)
        if found is None:
            # `...declined; and then rising up, said to her,`: the previous clause's subject.
            prev = _clause_before(text, seg.start, max(seg.start, start - 1))
            if prev < start:
                found = _subject_before_verb(text, prev, start, self.index)
        if found is None:
            return None
        return self.resolve_tag(found[1], found[0], core_end)

    def beat(self, narration: list[Segment]) -> str | None:
        """An action beat: the subject that opens a sentence of the paragraph's narration."""
        text = self.text
        for seg in narration:
            starts = [seg.start] + [m.end() for m in _SENTENCE_END.finditer(text, seg.start,
                                                                              seg.end)]
            for s in starts:
                while s < seg.end and text[s] in " \n\t_(\u2014-":
                    s += 1
                subjects = _subjects(text, s, min(seg.end, s + 40), self.index)
                if subjects and subjects[0][0] == s:
                    who = self.resolve(subjects[0][1], subjects[0][0])
                    if who:
                        return who
        return None

    def vocatives(self, dialogue: list[Segment]) -> list[str]:
        """Names called out inside the quotes (`"Alice, come here!"`, `"Yes, Mr. Bell."`)."""
        names = []
        text = self.text
        for seg in dialogue:
            for m in self.index.within(seg.start, seg.end):
                before = text[max(seg.start, m.start - 12):m.start]
                after = text[m.end:m.end + 2]
                if _VOCATIVE_BEFORE.search(before) and _VOCATIVE_AFTER.match(after) and (
                        m.name not in names) and (
                        text[m.start:m.end].rstrip(".").lower() not in ADDRESS_WORDS):
                    names.append(m.name)
        return names

    # -- the walk ------------------------------------------------------------------

    def paragraph(self, segs: list[Segment], continued: str | None,
                  lead: Segment | None = None) -> None:
        """Attribute the quotes of one paragraph; `lead` is narration just before it."""
        dialogue = [s for s in segs if s.kind == "dialogue"]
        narration = [s for s in segs if s.kind == "narration"]
        self.local = [m for seg in narration for m in self.index.named(seg.start, seg.end)]
        self.called = self.vocatives(dialogue)
        self.local_subjects = self.clause_subjects(narration)
        self.first_pronoun = {}
        for seg in narration:
            for m in _PRONOUN.finditer(self.text, seg.start, seg.end):
                self.first_pronoun.setdefault(m.group(1).lower(), m.start())
        around = ([lead] if lead is not None else []) + narration
        self.kin_near = self.kin_phrases(around)
        self.names_near = [m.start for seg in around for m in self.index.within(seg.start, seg.end)]
        # Per utterance: a tag right after or right before one of its pieces.
        tagged: dict[int, str] = {}
        tag_words: dict[int, tuple[str, int, list[str]]] = {}  # `tag_found()` per utterance
        tag_sides: dict[int, str] = {}
        closed_before: set[int] = set()  # tagged by a sentence before that ended
        for i, seg in enumerate(segs):
            if seg.kind != "narration":
                continue
            if i > 0 and segs[i - 1].kind == "dialogue":
                self.tag_word, self.tag_options = "", []
                who = self.tag_after(seg, segs[i - 1])
                if who is not None:
                    if segs[i - 1].quote in closed_before and who:
                        # `...Tomas thought. "...," said Mara`: the tag after wins.
                        del tagged[segs[i - 1].quote]
                    if segs[i - 1].quote not in tagged:
                        tagged[segs[i - 1].quote] = who
                        tag_words[segs[i - 1].quote] = self.tag_found()
                        tag_sides[segs[i - 1].quote] = "after"
                        if not self.second_tag(seg):
                            continue
                    # `said Mara, "...," Tomas replied, "..."`: the quote before has its
                    # tag already, so this clause introduces the next one.
            if i + 1 < len(segs) and segs[i + 1].kind == "dialogue":
                self.tag_word, self.tag_options = "", []
                who = self.tag_before(seg)
                if who and segs[i + 1].quote not in tagged:
                    tagged[segs[i + 1].quote] = who
                    tag_words[segs[i + 1].quote] = self.tag_found()
                    tag_sides[segs[i + 1].quote] = "before"
                    if self.text[seg.start:seg.end].rstrip().endswith("."):
                        closed_before.add(segs[i + 1].quote)
        if lead is not None and segs[0].kind == "dialogue" and segs[0].quote not in tagged:
            # `...and said,` closing the paragraph before: a tag for this one.
            self.tag_word, self.tag_options = "", []
            who = self.tag_before(lead)
            if who:
                tagged[segs[0].quote] = who
                tag_words[segs[0].quote] = self.tag_found()
                tag_sides[segs[0].quote] = "lead"
        for quote in dict.fromkeys(seg.quote for seg in dialogue):
            if quote in self.fixed:
                # A user's correction: evidence no rule or ranker overrules.
                tagged[quote] = self.fixed[quote]
                tag_words[quote] = (self.fixed[quote], -1, [])
                tag_sides[quote] = "fixed"
        if tagged:
            self.carry_tags(dialogue, tagged, tag_words, tag_sides)
        speaker = next((t for t in tagged.values() if t), None)
        beat = self.beat(narration)
        vocatives = self.called
        conversation = self.from_conversation(vocatives)
        if speaker is None and continued:
            speaker = continued
        if speaker is None and not tagged:
            speaker = beat
        if speaker is None:
            speaker = conversation
        for seg in dialogue:
            seg.speaker = tagged.get(seg.quote) or speaker or UNKNOWN
        self.silences(segs, dialogue[0].start)
        for quote in dict.fromkeys(seg.quote for seg in dialogue):
            word, at, options = tag_words.get(quote, ("", -1, []))
            self.evidence.append(Evidence(
                quote=quote, paragraph=dialogue[0].paragraph,
                segments=[seg for seg in dialogue if seg.quote == quote],
                rule=next(seg.speaker for seg in dialogue if seg.quote == quote),
                tag=tagged.get(quote), tag_word=word, tag_at=at, tag_options=options,
                tag_side=tag_sides.get(quote, ""), continued=continued, beat=beat,
                conversation=conversation, vocatives=list(vocatives),
                addressed=list(self.addressed), expected=self.expected_turn(),
                narration=[m.name for m in self.local], recent=list(self.recent),
                subjects=self.subjects + [name for at, name in self.local_subjects
                                          if at < dialogue[-1].end],
                silent=list(self.silent)))
        self.silent = []
        for seg in narration:
            self.mention([m.name for m in self.index.named(seg.start, seg.end)])
        self.lead_subjects = []
        self.subject([name for _, name in self.local_subjects])
        for who in dict.fromkeys(seg.speaker for seg in dialogue):
            if who != UNKNOWN:
                self.mention([who])
                self.subject([who])
        self.turns.append(dialogue[-1].speaker if dialogue[-1].speaker != UNKNOWN else None)
        self.addressed = [v for v in vocatives if v != dialogue[-1].speaker]

    @staticmethod
    def carry_tags(dialogue: list[Segment], tagged: dict[int, str],
                   tag_words: dict[int, tuple[str, int, list[str]]],
                   tag_sides: dict[int, str]) -> None:
        """`"Is it?" she asked. "Then go."`: a quote with no tag of its own, in a paragraph
        where another quote has one, is the same speaker going on (one speaker per
        paragraph is the convention); it takes the nearest tag, the one before first."""
        quotes = list(dict.fromkeys(seg.quote for seg in dialogue))
        for i, quote in enumerate(quotes):
            if quote in tagged:
                continue
            before = [q for q in reversed(quotes[:i]) if q in tagged and tag_sides[q] != "carried"]
            after = [q for q in quotes[i + 1:] if q in tagged and tag_sides[q] != "carried"]
            source = (before or after or [None])[0]
            if source is not None:
                tagged[quote] = tagged[source]
                tag_words[quote] = tag_words.get(source, ("", -1, []))
                tag_sides[quote] = "carried"

    def from_conversation(self, vocatives: list[str]) -> str | None:
        """Untagged line: the person just addressed, else whoever's turn it is."""
        last = next((t for t in reversed(self.turns) if t), None)
        for name in self.addressed:
            if name != last and name not in vocatives:
                return name
        expected = self.expected_turn()
        if expected and expected not in vocatives:
            return expected
        if last is not None:
            # One speaker so far: the other party is someone recently mentioned.
            for name in reversed(self.recent):
                if name != last and name not in vocatives:
                    return name
            if self.roster.narrator and self.roster.narrator != last:
                return self.roster.narrator
        return None

    def silences(self, segs: list[Segment], end: int | None = None) -> None:
        """Note whom the narration (up to offset `end`) calls silent: `He said nothing`,
        `Mara made no answer`, `she did not reply`."""
        for seg in segs:
            if seg.kind != "narration" or end is not None and seg.start >= end:
                continue
            for m in _SILENCE.finditer(self.text, seg.start, seg.end):
                start = _clause_before(self.text, seg.start, m.start())
                found = _subject_before_verb(self.text, start, m.start(), self.index)
                who = self.resolve(found[1], found[0]) if found else None
                if who and who not in self.silent:
                    self.silent.append(who)

    def narration_only(self, segs: list[Segment], gap: int) -> None:
        self.silences(segs)
        names = []
        words = 0
        narration = [seg for seg in segs if seg.kind == "narration"]
        for seg in narration:
            names += [m.name for m in self.index.named(seg.start, seg.end)]
            words += len(seg.text.split())
        self.lead_subjects = self.clause_subjects(narration)
        self.subject([name for _, name in self.lead_subjects])
        self.mention(names)
        if gap >= CONVERSATION_GAP_PARAGRAPHS or words >= LONG_NARRATION_WORDS or any(
                s.kind == "heading" for s in segs):
            self.turns.clear()
            self.addressed = []


def rule_evidence(segments: list[Segment], roster: Roster, text: str | None = None,
                  fixed: dict[int, str] | None = None
                  ) -> tuple[list[Evidence], Context]:
    """Attribute by the rules alone (in place) and return what they saw per utterance."""
    if text is None:
        text = text_from_segments(segments)
    if roster.narrator is None:
        roster.narrator = infer_narrator(text, segments, roster)
    walker = _Attributor(text, roster, fixed)
    by_paragraph: dict[int, list[Segment]] = {}
    for seg in segments:
        by_paragraph.setdefault(seg.paragraph, []).append(seg)
    gap = 0
    last_quote = None
    last_speaker = None
    lead = None
    for index in sorted(by_paragraph):
        segs = by_paragraph[index]
        dialogue = [s for s in segs if s.kind == "dialogue"]
        if not dialogue:
            gap += 1
            walker.narration_only(segs, gap)
            lead = segs[-1] if segs[-1].kind == "narration" else None
            continue
        gap = 0
        continued = last_speaker if dialogue[0].quote == last_quote else None
        walker.paragraph(segs, continued, lead)
        # `Diana repeated the "oath". Then she said:` leads into the next paragraph's quote.
        tail = segs[-1].text.rstrip() if segs[-1].kind == "narration" else ""
        lead = segs[-1] if tail.endswith((":", ",")) else None
        last_quote = dialogue[-1].quote
        last_speaker = dialogue[-1].speaker if dialogue[-1].speaker != UNKNOWN else None
    _settle_kin(walker)
    _link_following(walker.evidence)
    return walker.evidence, _context(walker, by_paragraph)


def _kin_options(walker: _Attributor, i: int) -> dict[str, tuple[int, int]]:
    """Who may be the relative a kin tag of utterance `i` names: characters named near
    the tag or tagged nearby, that fit (`Roster.kin_fit`), not the owner nor anyone
    the quote calls by name; name -> (fit, minus the distance to the tag)."""
    ev = walker.evidence[i]
    of, relation = walker.kin_tags[ev.tag_at]
    at = ev.tag_at
    near: dict[str, int] = {}
    for m in walker.index.within(max(0, at - KIN_WINDOW), at + KIN_WINDOW):
        near[m.name] = min(near.get(m.name, KIN_WINDOW), abs(m.start - at))
    for other in walker.evidence[max(0, i - KIN_NEAR_UTTERANCES):i + KIN_NEAR_UTTERANCES + 1]:
        # Speakers named by the scene's other tags, not by kin tags (still guesses).
        if other.tag and other.tag not in near and other.tag_at not in walker.kin_tags:
            near[other.tag] = KIN_WINDOW
    by_name = walker.roster.kin(of, relation) if of else None
    if by_name:
        near.setdefault(by_name, KIN_WINDOW)  # kin by name need not be in sight
    out = {}
    for name, distance in near.items():
        if name in ev.vocatives or name == walker.roster.narrator:
            continue
        fit = walker.roster.kin_fit(of, name, relation)
        if fit >= 0:
            out[name] = (fit, -distance)
    return out


_PARENTS = {"father": "mother", "mother": "father", "uncle": "aunt", "aunt": "uncle"}
"""Relations usually held by a married couple: her uncle is her aunt's husband."""


def _settle_kin(walker: _Attributor) -> None:
    """Kin tags read over the whole book: within one book `her mother` is nearly always
    the same person, so each kin tag goes to the one who is that relative by name
    (`Roster.kin_fit`: her husband shares her married surname), else to the relative
    present most often across the book's tags of that relation (those of the same owner
    counting twice), then the best fit by title, then the nearest."""
    tagged = [i for i, ev in enumerate(walker.evidence) if ev.tag_at in walker.kin_tags]
    options = {i: _kin_options(walker, i) for i in tagged}
    _drop_unlikely_owners(walker, tagged, options)
    support: Counter = Counter()  # ((owner, relation), name) and (relation, name)
    seen: set[int] = set()
    for i in tagged:
        at = walker.evidence[i].tag_at
        if at not in seen:  # once per tag, not per quote it was carried to
            seen.add(at)
            key = walker.kin_tags[at]
            support.update([(key, name) for name in options[i]])
            support.update([(key[1], name) for name in options[i]])
    _couple_support(walker.roster, support)
    # The book's relative for an (owner, relation) may go unnamed where the tag is
    # (`her uncle` in the narration too): they stay an option there.
    book_best: dict[tuple[str | None, str], tuple[int, str]] = {}
    def backing(key: tuple[str | None, str], name: str) -> int:
        return support[key, name] + support[key[1], name]

    for i in tagged:
        key = walker.kin_tags[walker.evidence[i].tag_at]
        for name in options[i]:
            score = (backing(key, name), name)
            book_best[key] = max(book_best.get(key, score), score)
    for i in tagged:
        fits = options[i]
        ev = walker.evidence[i]
        key = walker.kin_tags[ev.tag_at]
        if key in book_best and book_best[key][1] not in fits and (
                book_best[key][1] not in ev.vocatives):
            name = book_best[key][1]
            fits[name] = (walker.roster.kin_fit(key[0], name, key[1]), -KIN_WINDOW)
        if not fits:
            continue
        # A relative by name beats the book's usual one: `"Mrs. Penn," said her
        # husband` is Mr. Penn, though most of the book's husband tags are another's.
        best = max(fits, key=lambda n: (fits[n][0] == 2, backing(key, n), *fits[n]))
        if ev.rule == ev.tag or not ev.tag:
            ev.rule = best
            for seg in ev.segments:
                seg.speaker = best
        ev.tag = best


def _drop_unlikely_owners(walker: _Attributor, tagged: list[int],
                          options: dict[int, dict[str, tuple[int, int]]]) -> None:
    """`"Well," cried her mother` where `her` was taken for the book's usual mother
    herself: nobody is their own mother, so that owner was a wrong guess; the tag
    then has no known owner (and she is an option again)."""
    once = {walker.evidence[i].tag_at: i for i in tagged}.values()  # a tag, not each quote
    votes = Counter((walker.kin_tags[walker.evidence[i].tag_at][1], name)
                    for i in once for name in options[i])
    usual: dict[str, tuple[int, str]] = {}  # relation -> (votes, the book's usual one)
    for (relation, name), count in votes.items():
        usual[relation] = max(usual.get(relation, (0, "")), (count, name))
    for i in tagged:
        at = walker.evidence[i].tag_at
        of, relation = walker.kin_tags[at]
        if of is not None and relation in usual and usual[relation][1] == of:
            walker.kin_tags[at] = (None, relation)
            options[i] = _kin_options(walker, i)


def _couple_support(roster: Roster, support: Counter) -> None:
    """Back the man and wife who share a surname as uncle and aunt (father and mother):
    the aunt most seen in aunt tags lends her support to her husband among the uncles."""
    best: dict[str, tuple[int, str]] = {}
    for key, count in support.items():
        if isinstance(key[0], str) and key[0] in _PARENTS:
            best[key[0]] = max(best.get(key[0], (0, "")), (count, key[1]))
    lent = []
    for relation, (count, partner) in best.items():
        other = _PARENTS[relation]
        for key in [k for k in support if k[0] == other]:
            if roster.married_couple(partner, key[1]):
                lent.append(((other, key[1]), count))
    for key, count in lent:
        support[key] += count


def _link_following(evidence: list[Evidence]) -> None:
    """Give each utterance the tags of the two after it, one paragraph apart each, and
    the names the next one calls out."""
    for i, ev in enumerate(evidence):
        ev.following = []
        nxt = evidence[i + 1] if i + 1 < len(evidence) else None
        ev.called_next = (list(nxt.vocatives) if nxt is not None
                          and nxt.paragraph == ev.paragraph + 1 else [])
        for k in (1, 2):
            nxt = evidence[i + k] if i + k < len(evidence) else None
            ok = nxt is not None and nxt.paragraph == ev.paragraph + k and nxt.tag
            ev.following.append(nxt.tag if ok else None)


def _context(walker: _Attributor, by_paragraph: dict[int, list[Segment]]) -> Context:
    roster = walker.roster
    ctx = Context(roster.narrator, {c.name: c.gender for c in roster.characters},
                         {}, {}, {})
    wanted = set()
    for ev in walker.evidence:
        wanted.update(range(ev.paragraph - NEARBY_PARAGRAPHS, ev.paragraph + 2))
    for index in wanted.intersection(by_paragraph):
        segs = by_paragraph[index]
        ctx.paragraph_names[index] = [
            m.name for seg in segs for m in walker.index.within(seg.start, seg.end)]
        ctx.narration_text[index] = " ".join(s.text for s in segs if s.kind == "narration")
        ctx.narration_names[index] = [m.name for seg in segs if seg.kind == "narration"
                                      for m in walker.index.within(seg.start, seg.end)]
    for ev in walker.evidence:
        ctx.quote_names[ev.quote] = [m.name for seg in ev.segments
                                     for m in walker.index.within(seg.start, seg.end)]
        ctx.spoken_to[ev.quote] = spoken_to(" ".join(seg.text for seg in ev.segments))
    tags = [ev.tag if ev.tag else None for ev in walker.evidence]
    ctx.tag_counts = Counter(t for t in tags if t)
    window = SCENE_UTTERANCES
    scene: Counter = Counter(t for t in tags[:window] if t)
    for i, ev in enumerate(walker.evidence):
        # Slide the window [i - window, i + window], leaving out the utterance itself.
        if i + window < len(tags) and tags[i + window]:
            scene[tags[i + window]] += 1
        if i - window - 1 >= 0 and tags[i - window - 1]:
            scene[tags[i - window - 1]] -= 1
        here = +scene
        if tags[i]:
            here[tags[i]] -= 1
        ctx.scene_tags[ev.quote] = +here
    ctx.counts = Counter(m.name for m in walker.index.mentions)
    ctx.total = sum(ctx.counts.values())
    for ev in walker.evidence:
        words = Counter(_QUOTE_WORD.findall(" ".join(seg.text for seg in ev.segments).lower()))
        ctx.words[ev.quote, ev.paragraph] = words
        ctx.background.update(words)
        if named_speaker(ev):
            ctx.profiles.setdefault(ev.tag, Counter()).update(words)
            ctx.profile_sizes[ev.tag] += sum(words.values())
            ctx.profiled[ev.quote, ev.paragraph] = ev.tag
    ctx.background_total = sum(ctx.background.values()) + len(ctx.background)
    return ctx


NOT_NAMES = ("he", "she", "man", "woman", "i", "they", "")
"""Tag subject words that stand for someone unnamed (pronouns, descriptions) or nobody."""


def named_speaker(ev: Evidence) -> str | None:
    """The speaker a speech tag names outright (`said Mara`, `the ferryman answered`), or
    a user's correction; None for a pronoun or description (`she said`, `said her
    aunt`) or a tag carried over from another quote of the paragraph."""
    if ev.tag_side == "fixed":
        return ev.tag
    if ev.tag and ev.tag_side in ("after", "before", "lead") and ev.tag_word not in NOT_NAMES:
        return ev.tag
    return None


EPITHET_MIN_USES = 2
"""A description must tag a speaker this often to be an alias..."""
EPITHET_SHARE = 0.75
"""...and stand for them at least this share of the times it tags anyone."""


def epithets(evidence: list[Evidence], text: str) -> dict[str, list[str]]:
    """Descriptions the speech tags give a speaker (`said the older man`, `the boy
    asked`) that nearly always stand for the same character: aliases of theirs, once
    attributed (`speaker -> [descriptions]`). `his wife` is kin, not an epithet."""
    uses: dict[str, Counter] = {}
    for ev in evidence:
        if ev.tag_word not in ("man", "woman") or ev.tag_at < 0:
            continue
        m = _DESCRIPTION.match(text, ev.tag_at)
        if m is None or m.group(0).split()[0].lower() != "the":
            continue
        phrase = " ".join(m.group(0).split()).lower()
        uses.setdefault(phrase, Counter())[ev.segments[0].speaker] += 1
    out: dict[str, list[str]] = {}
    for phrase, who in uses.items():
        (name, n), = who.most_common(1)
        if n >= EPITHET_MIN_USES and n >= EPITHET_SHARE * sum(who.values()) and (
                name != UNKNOWN):
            out.setdefault(name, []).append(phrase)
    return out

