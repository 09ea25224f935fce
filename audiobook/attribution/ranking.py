"""A small learned ranker that picks each quote's speaker from the rules' evidence.

The rules in `attribution` find tags, beats, vocatives and turn-taking guesses;
each is right most of the time but they disagree, and hand-set precedence
between them is brittle. Here every plausible speaker of an utterance gets a
feature vector (does a tag name them, are they the beat's subject, did they
speak two turns ago, were they just addressed...) and boosted trees trained on
annotated novels (`tools/train_attribution.py`) score them; a beam search then
picks the likeliest sequence of speakers. The trees are a small JSON file in
the package.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from audiobook.attribution.evidence import (
    NEARBY_PARAGRAPHS,
    NOT_NAMES,
    Context,
    Evidence,
    named_speaker,
)
from audiobook.attribution.quotes import spoken_to

MODEL_FILE = Path(__file__).with_name("speaker_model.json")
"""The trained model: {"features": [...], "trees": [...]} (or linear "weights")."""
HISTORY_UTTERANCES = 6
"""How many earlier utterances' speakers are candidates (turn-taking)."""
_HE = re.compile(r"\b(?:he|him|his)\b", re.IGNORECASE)
_SHE = re.compile(r"\b(?:she|her)\b", re.IGNORECASE)
_I = re.compile(r"\b(?:I|me|my)\b")


FEATURES = (
    "bias_rule", "tag_name", "tag_pronoun_resolved", "tag_pronoun_gender", "tag_i_narrator",
    "tag_other_subject", "tag_after", "tag_before", "tag_lead", "continued", "beat",
    "conversation", "expected_turn", "addressed", "vocative_here", "named_in_quote",
    "prev1", "prev2", "prev3", "prev_any", "prev1_near", "prev2_near",
    "in_narration", "first_in_narration", "narration_count", "narration_he", "narration_she",
    "narration_i", "named_prev_paragraph", "named_next_paragraph", "named_nearby",
    "recent_rank", "log_share", "narrator", "narrator_quote_first_person", "rule_unknown",
    "tag_unresolved", "gender_unknown", "is_rule_and_tag",
    "pron_prev2", "pron_prev1", "pron_in_narration", "pron_addressed", "pron_vocative",
    "pron_recent_rank", "pron_gender_mismatch",
    "untagged_prev2_near", "untagged_prev1_near", "untagged_addressed", "untagged_beat",
    "untagged_in_narration",
    "next1_tag", "next2_tag", "untagged_next1", "untagged_next2",
    "tag_description", "description_prev1",
    "turns_since_spoke", "paragraphs_since_spoke", "named_in_prev_quote", "addressed_me_before",
    "same_gender_as_prev1", "first_in_next_narration", "last_in_narration",
    "ctx_candidates", "ctx_gap", "ctx_has_tag", "ctx_quote_words", "ctx_narration_words",
    "ctx_tag_side",
    "book_tags", "scene_tags",
    "subject_rank", "pron_gender_rank", "pron_subject_rank",
    "male_to_woman", "female_to_woman", "male_to_man", "female_to_man",
    "called_next", "gender_called_before", "gender_called_after",
    "pron_option_rank", "pron_options",
    "silent_before", "pair_other", "pair_size", "style", "style_words",
)
# Where the features that read the earlier turns sit (each group is consecutive).
_PREV1 = FEATURES.index("prev1")
_PRON_PREV2 = FEATURES.index("pron_prev2")
_UNTAGGED_PREV2 = FEATURES.index("untagged_prev2_near")
_DESCRIPTION_PREV1 = FEATURES.index("description_prev1")
_TURNS_SINCE = FEATURES.index("turns_since_spoke")
_ADDRESSED_ME = FEATURES.index("addressed_me_before")
_CONTEXT = FEATURES.index("ctx_candidates")
_PAIR = FEATURES.index("pair_other")
PAIR_TURNS = 4
"""Turns looked back on to see whether an exchange is between two people."""


def _listener(to: tuple[bool, bool] | None) -> str | None:
    """`male` or `female` for a line that calls its listener only one of them."""
    if to is None or to[0] == to[1]:
        return None
    return "male" if to[0] else "female"


def candidates(ev: Evidence, history: list[tuple[int, str]], ctx: Context) -> list[str]:
    """Everyone who might have said the utterance, without duplicates.

    `history` holds (paragraph, speaker) of the earlier utterances.
    """
    out: list[str] = []
    for name in (ev.rule, ev.tag, ev.continued, ev.beat, ev.conversation, ev.expected,
                 *ev.addressed, *ev.narration, *ev.following, *ev.called_next):
        if name and name != "unknown":
            out.append(name)
    out += [who for _, who in history[-HISTORY_UTTERANCES:] if who != "unknown"]
    for p in range(ev.paragraph - NEARBY_PARAGRAPHS, ev.paragraph + 2):
        out += ctx.paragraph_names.get(p, [])
    out += ev.recent[-4:]
    if ctx.narrator:
        out.append(ctx.narrator)
    return list(dict.fromkeys(out))


class Frame:
    """What the features read about one utterance, the same for all its candidates.

    `about` is what the utterance itself shows; `turns` what one sequence of earlier
    speakers adds. A beam search keeps the first and redoes only the second (and the
    candidates' features built on it) for each sequence."""

    __slots__ = ("word", "pronoun_tag", "pronoun_gender", "described", "tag_named", "recent",
                 "following", "total", "next_names",
                 "narration_he", "narration_she", "narration_i", "quote_i", "quote_names",
                 "prev_quote_names", "prev_paragraph", "next_paragraph", "nearby",
                 "scene", "subjects", "gender_recent", "gender_subjects", "utterance",
                 "to_man", "to_woman", "called_before", "called_after",
                 "prev", "near", "spoken", "last", "prev_gender", "context", "cached")

    def __init__(self, ev: Evidence, history: list[tuple[int, str]], ctx: Context,
                 n_candidates: int) -> None:
        self.about(ev, ctx)
        self.turns(ev, history, ctx, n_candidates)

    def about(self, ev: Evidence, ctx: Context) -> None:
        word = ev.tag_word
        self.word = word
        self.pronoun_tag = word in ("he", "she", "man", "woman")
        # Whom a pronoun tag can be: `she` skips the men (None for any other tag).
        self.pronoun_gender = (("male" if word in ("he", "man") else "female")
                               if self.pronoun_tag else None)
        self.described = word in ("man", "woman")
        self.tag_named = bool(ev.tag) and word not in NOT_NAMES
        narration = ctx.narration_text.get(ev.paragraph, "")
        self.recent = list(reversed(ev.recent))
        quote_text = " ".join(s.text for s in ev.segments)
        self.following = list(ev.following) + [None, None]
        self.total = ctx.total or sum(ctx.counts.values()) or 1
        self.next_names = ctx.narration_names.get(ev.paragraph + 1, [])
        self.narration_he = _HE.search(narration) is not None
        self.narration_she = _SHE.search(narration) is not None
        self.narration_i = _I.search(narration) is not None
        self.quote_i = _I.search(quote_text) is not None
        self.to_man, self.to_woman = ctx.spoken_to.get(ev.quote) or spoken_to(quote_text)
        # `"Thank you, ma'am."` next: the one it answers is a woman.
        self.called_before = _listener(ctx.spoken_to.get(ev.quote - 1))
        self.called_after = _listener(ctx.spoken_to.get(ev.quote + 1))
        self.quote_names = ctx.quote_names.get(ev.quote, [])
        self.prev_quote_names = ctx.quote_names.get(ev.quote - 1, [])
        self.prev_paragraph = ctx.paragraph_names.get(ev.paragraph - 1, [])
        self.next_paragraph = ctx.paragraph_names.get(ev.paragraph + 1, [])
        self.nearby = [ctx.paragraph_names.get(p, [])
                       for p in range(ev.paragraph - NEARBY_PARAGRAPHS, ev.paragraph)]
        self.scene = ctx.scene_tags.get(ev.quote) or Counter()
        self.subjects = list(reversed(ev.subjects))
        want = self.pronoun_gender
        self.gender_recent = [n for n in self.recent if ctx.genders.get(n) == want] if want else []
        self.gender_subjects = ([n for n in self.subjects if ctx.genders.get(n) == want]
                                if want else [])
        self.utterance = [
            float(ev.tag is not None),
            math.log1p(len(quote_text.split())),
            math.log1p(len(narration.split())),
            float({"after": 1, "before": 2, "lead": 3, "carried": 4}.get(ev.tag_side, 0)),
        ]
        self.cached: dict[str, list[float]] = {}

    def turns(self, ev: Evidence, history: list[tuple[int, str]], ctx: Context,
              n_candidates: int) -> None:
        self.prev = [who for _, who in reversed(history[-3:])] + [None] * 3
        self.near = [p >= ev.paragraph - 2 for p, _ in reversed(history[-2:])] + [False] * 2
        self.spoken = list(reversed(history[-HISTORY_UTTERANCES:]))
        self.last = history[-1] if history else (-99, None)
        self.prev_gender = ctx.genders.get(self.last[1] or "", "unknown")
        self.context = [float(n_candidates), float(min(ev.paragraph - self.last[0], 10))]


def features(ev: Evidence, cand: str, history: list[tuple[int, str]], ctx: Context,
             n_candidates: int = 0, frame: Frame | None = None) -> list[float]:
    """The feature vector of one candidate (of `n_candidates`), in `FEATURES` order.

    `frame` is the utterance's `Frame` when the caller scores several candidates
    (its `turns` set for this `history`)."""
    f = frame if frame is not None else Frame(ev, history, ctx, n_candidates)
    x = f.cached.get(cand)
    if x is None:
        x = f.cached[cand] = _about_candidate(ev, cand, ctx, f)
    x = x.copy()
    # Who spoke when in this sequence of turns: the slots `_about_candidate` leaves 0.
    prev, near = f.prev, f.near
    turns_since = paragraphs_since = HISTORY_UTTERANCES + 1
    for k, (p, who) in enumerate(f.spoken):
        if who == cand:
            turns_since, paragraphs_since = k, min(ev.paragraph - p, HISTORY_UTTERANCES + 1)
            break
    gender = ctx.genders.get(cand, "unknown")
    pronoun_match = gender == f.pronoun_gender
    untagged = not ev.tag
    x[_PREV1] = float(prev[0] == cand)
    x[_PREV1 + 1] = float(prev[1] == cand)
    x[_PREV1 + 2] = float(prev[2] == cand)
    x[_PREV1 + 3] = float(turns_since <= HISTORY_UTTERANCES)
    x[_PREV1 + 4] = float(prev[0] == cand and near[0])
    x[_PREV1 + 5] = float(prev[1] == cand and near[1])
    x[_PRON_PREV2] = float(pronoun_match and prev[1] == cand)
    x[_PRON_PREV2 + 1] = float(pronoun_match and prev[0] == cand)
    x[_UNTAGGED_PREV2] = float(untagged and prev[1] == cand and near[1])
    x[_UNTAGGED_PREV2 + 1] = float(untagged and prev[0] == cand and near[0])
    x[_DESCRIPTION_PREV1] = float(f.described and pronoun_match and prev[0] == cand)
    x[_TURNS_SINCE] = float(turns_since)
    x[_TURNS_SINCE + 1] = float(paragraphs_since)
    x[_ADDRESSED_ME] = float(cand == f.last[1] and bool(ev.vocatives))
    x[_ADDRESSED_ME + 1] = float(gender != "unknown" and gender == f.prev_gender)
    x[_CONTEXT] = f.context[0]
    x[_CONTEXT + 1] = f.context[1]
    # Two people trading lines: the one who did not speak last speaks next.
    pair = {who for _, who in f.spoken[:PAIR_TURNS] if who and who != "unknown"}
    x[_PAIR] = float(len(pair) == 2 and cand in pair and cand != prev[0])
    x[_PAIR + 1] = float(len(pair))
    return x


def _about_candidate(ev: Evidence, cand: str, ctx: Context, f: Frame) -> list[float]:
    """The features that do not depend on the earlier turns (those slots hold 0)."""
    gender = ctx.genders.get(cand, "unknown")
    word = f.word
    pronoun_tag = f.pronoun_tag
    described = f.described
    following = f.following
    pronoun_match = gender == f.pronoun_gender
    in_narration = cand in ev.narration
    recent = f.recent
    rank = recent.index(cand) if cand in recent else len(recent) + 1
    named_nearby = sum(cand in names for names in f.nearby)
    next_names = f.next_names
    total = f.total
    turns = 0.0  # filled in by `features`
    return [
        float(ev.rule == cand),
        float(f.tag_named and ev.tag == cand),
        float(pronoun_tag and ev.tag == cand),
        float(pronoun_match),
        float(word == "i" and cand == ctx.narrator),
        float(bool(ev.tag) and ev.tag != cand),
        float(ev.tag_side == "after" and ev.tag == cand),
        float(ev.tag_side == "before" and ev.tag == cand),
        float(ev.tag_side == "lead" and ev.tag == cand),
        float(ev.continued == cand),
        float(ev.beat == cand),
        float(ev.conversation == cand),
        float(ev.expected == cand),
        float(cand in ev.addressed),
        float(cand in ev.vocatives),
        float(cand in f.quote_names),
        turns, turns, turns, turns, turns, turns,  # prev1..3, prev_any, prev1_near, prev2_near
        float(cand in ev.narration),
        float(bool(ev.narration) and ev.narration[0] == cand),
        math.log1p(ev.narration.count(cand)),
        float(gender == "male" and f.narration_he),
        float(gender == "female" and f.narration_she),
        float(cand == ctx.narrator and f.narration_i),
        float(cand in f.prev_paragraph),
        float(cand in f.next_paragraph),
        math.log1p(named_nearby),
        1.0 / (1 + rank),
        math.log((ctx.counts.get(cand, 0) + 1) / total),
        float(cand == ctx.narrator),
        float(cand == ctx.narrator and f.quote_i),
        float(ev.rule == "unknown"),
        float(ev.tag == ""),
        float(gender == "unknown"),
        float(ev.rule == cand and ev.tag == cand),
        # A pronoun tag (`she said`): which woman? Recency and turn-taking decide.
        turns, turns,  # pron_prev2, pron_prev1
        float(pronoun_match and in_narration),
        float(pronoun_match and cand in ev.addressed),
        float(pronoun_match and cand in ev.vocatives),
        float(pronoun_match) / (1 + rank),
        float(pronoun_tag and not pronoun_match and gender != "unknown"),
        # No tag at all: the conversation's alternation and who was addressed.
        turns, turns,  # untagged_prev2_near, untagged_prev1_near
        float(not ev.tag and cand in ev.addressed),
        float(not ev.tag and ev.beat == cand),
        float(not ev.tag and in_narration),
        # The exchange read backwards: a later line's tag fixes who alternates here.
        float(following[0] == cand),
        float(following[1] == cand),
        float(not ev.tag and following[0] == cand),
        float(not ev.tag and following[1] == cand),
        # `said the old man`: a description, usually not the one just talked about.
        float(described and ev.tag == cand),
        turns,  # description_prev1
        # Who spoke when (turns), and who the last lines were about or spoken to.
        turns, turns,  # turns_since_spoke, paragraphs_since_spoke
        float(cand in f.prev_quote_names),
        turns, turns,  # addressed_me_before, same_gender_as_prev1
        float(bool(next_names) and next_names[0] == cand),
        float(bool(ev.narration) and ev.narration[-1] == cand),
        # The utterance itself, the same for every candidate: what the trees split on
        # to weigh the rest (a long gap makes turn-taking unreliable...).
        turns, turns,  # ctx_candidates, ctx_gap
        *f.utterance,
        # Who talks in this book and in this scene, by the tags that name them.
        math.log1p(ctx.tag_counts.get(cand, 0)),
        math.log1p(f.scene.get(cand, 0)),
        # Who the narration was about: recent sentence subjects, and for a pronoun tag
        # the order among those of its gender.
        _inverse_rank(f.subjects, cand),
        _inverse_rank(f.gender_recent, cand),
        _inverse_rank(f.gender_subjects, cand),
        # Whom the line speaks to (`sir`, `ma'am`): a hint at who speaks it.
        float(gender == "male" and f.to_woman),
        float(gender == "female" and f.to_woman),
        float(gender == "male" and f.to_man),
        float(gender == "female" and f.to_man),
        # The next line calls them by name, or the lines either side call them `sir`
        # or `ma'am`: they most likely answer them.
        float(cand in ev.called_next),
        float(gender != "unknown" and f.called_before == gender),
        float(gender != "unknown" and f.called_after == gender),
        # A pronoun tag: where they stand among everyone it may stand for, and how
        # many that is (the rules take the first; the trees weigh the rest).
        _inverse_rank(ev.tag_options, cand),
        math.log1p(len(ev.tag_options)),
        # The narration just said they were silent (`He said nothing.`).
        float(cand in ev.silent),
        turns, turns,  # pair_other, pair_size
        # Their way of talking, from the lines a tag gives them.
        *ctx.style(ev, cand),
    ]


def _inverse_rank(names: list[str], cand: str) -> float:
    """1 for the first of `names`, 1/2 for the second... 0 when absent."""
    try:
        return 1.0 / (1 + names.index(cand))
    except ValueError:
        return 0.0


Scorer = Callable[[list[float]], float]
"""A trained model: a candidate's feature vector -> its score (higher speaks)."""


def linear(weights: list[float]) -> Scorer:
    """A linear scorer: the dot product of the weights and the features."""
    def score(x: list[float]) -> float:
        return sum(w * v for w, v in zip(weights, x, strict=True))
    return score


def boosted(trees: list) -> Scorer:
    """A sum of regression trees, each `[feature, threshold, left, right]` or a leaf value.

    The trees become one generated Python function of nested conditional
    expressions over local variables: scoring a candidate is then a few
    hundred comparisons, no loop over nodes.
    """
    used: set[int] = set()

    def expr(node) -> str:
        if not isinstance(node, list):
            return repr(float(node))
        feature, threshold, left, right = node
        used.add(int(feature))
        return (f"({expr(left)} if x{int(feature)} <= {float(threshold)!r} "
                f"else {expr(right)})")

    terms = [expr(tree) for tree in trees] or ["0.0"]
    names = sorted(used)
    unpack = (f" {', '.join(f'x{i}' for i in names)}, = "
              f"{', '.join(f'x[{i}]' for i in names)},\n" if names else "")
    source = "def score(x):\n" + unpack + " return (" + "\n  + ".join(terms) + ")\n"
    namespace: dict = {}
    exec(compile(source, "<speaker_model>", "exec"), namespace)  # noqa: S102
    return namespace["score"]


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> Scorer | None:
    """The trained scorer (boosted trees or linear weights); None without a usable file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if list(data.get("features", [])) != list(FEATURES):
        return None  # trained on another feature set: fall back to the rules
    if "trees" in data:
        return boosted(data["trees"])
    return linear([float(w) for w in data["weights"]])


def named_tag(ev: Evidence) -> str | None:
    """The speaker a speech tag names outright, which the ranker does not overrule (see
    `evidence.named_speaker`).

    Trained free to overrule such tags, the trees learned the corpus's naming quirks
    (a surname-only cast entry standing for a fuller one) and then overruled plain
    tags in other texts."""
    return named_speaker(ev)


BEAM_WIDTH = 8
"""Speaker sequences kept while decoding (a greedy pick can't be taken back)."""
BEAM_MARGIN = 1.0
"""Sequences this much less likely (log) than the best are dropped: most lines have
one clear speaker, so the beam is one sequence wide almost everywhere."""


def decode(evidence: list[Evidence], ctx: Context, score: Scorer,
           width: int = BEAM_WIDTH, margin: float = BEAM_MARGIN
           ) -> list[tuple[str, float]]:
    """The most likely speaker of every utterance, in text order, with its probability
    among the utterance's candidates (1.0 for a tag that names the speaker outright).

    A beam search over speaker sequences, the scores a softmax over each
    utterance's candidates. Turn-taking features read the sequence's own earlier
    choices, so one doubtful line in an untagged exchange is settled by how well
    the lines after it fit, not by a greedy guess that shifts the whole exchange.
    `width=1` is greedy decoding.
    """
    # A beam: (log probability, its last turns as the features see them, and a
    # back-pointer chain (speaker, its probability, parent) to read the sequence at the end).
    Beam = tuple[float, list[tuple[int, str]], tuple | None]
    beams: list[Beam] = [(0.0, [], None)]
    for ev in evidence:
        grown: list[Beam] = []
        fixed = named_tag(ev)
        frame = None
        # Sequences that differ only in turns a candidate's features don't see
        # give it the same vector: score each vector once.
        seen_scores: dict[tuple[float, ...], float] = {}
        for logp, history, chain in beams:
            names = [fixed] if fixed else candidates(ev, history, ctx)
            if fixed or not names:
                names, scores = names or [ev.rule], [0.0]
            else:
                if frame is None:
                    frame = Frame(ev, history, ctx, len(names))
                else:
                    frame.turns(ev, history, ctx, len(names))
                scores = []
                for c in names:
                    x = tuple(features(ev, c, history, ctx, len(names), frame))
                    s = seen_scores.get(x)
                    if s is None:
                        s = seen_scores[x] = score(x)
                    scores.append(s)
            top = max(scores)
            norm = top + math.log(sum(math.exp(s - top) for s in scores))
            tail = history[-HISTORY_UTTERANCES + 1:]
            grown += [(logp + s - norm, tail + [(ev.paragraph, c)], (c, math.exp(s - norm), chain))
                      for c, s in zip(names, scores, strict=True)]
        grown.sort(key=lambda b: -b[0])
        beams, seen = [], set()
        for beam in grown:
            if len(beams) >= width or beam[0] < grown[0][0] - margin:
                break
            # Sequences that agree on the recent turns look the same to every feature.
            key = tuple(who for _, who in beam[1])
            if key not in seen:
                seen.add(key)
                beams.append(beam)
    out: list[tuple[str, float]] = []
    chain = beams[0][2] if beams else None
    while chain is not None:
        out.append((chain[0], chain[1]))
        chain = chain[2]
    return out[::-1]
