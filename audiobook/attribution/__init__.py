"""Who speaks each quote, read in the order the data flows.

`quotes` (the utterances and what their words say), `names` and `characters`
(who is in the book, by which names, of which gender, and who "I" is),
`evidence` (what the rules find for each quote: tags, pronouns, beats,
vocatives, turn-taking) and `ranking` (a small learned model that weighs the
evidence for every candidate speaker). Each module imports only those before it.
"""

from __future__ import annotations

from audiobook.attribution import ranking
from audiobook.attribution.characters import find_characters, guess_genders, infer_narrator
from audiobook.attribution.evidence import Evidence, epithets, rule_evidence
from audiobook.attribution.names import Character, Mention, Roster
from audiobook.attribution.people import release_word_lists
from audiobook.attribution.quotes import UNKNOWN, text_from_segments
from audiobook.segmenter import NARRATOR, Segment


def attribute(segments: list[Segment], roster: Roster, text: str | None = None,
              learned: bool = True, fixed: dict[int, str] | None = None
              ) -> dict[str, list[str]]:
    """Fill in the speaker of every dialogue segment, in place; return the epithets
    the tags gave each speaker (`the older man`), aliases the text made for them.

    `text` is the book's text (the segments' offsets point into it); without
    it the text is rebuilt from the segments' own text. The rules run first;
    then, unless `learned` is False, the ranker picks among the candidates
    their evidence points to. `fixed` maps utterances (`Segment.quote`) to the
    speaker a user gave them: fixed evidence, from which the untagged lines
    after them take turns.
    """
    if text is None:
        text = text_from_segments(segments)
    evidence, context = rule_evidence(segments, roster, text, fixed)
    model = ranking.load_model() if learned else None
    if model is not None:
        for ev, (who, p) in zip(evidence, ranking.decode(evidence, context, model),
                                strict=True):
            for seg in ev.segments:
                seg.speaker = who
                seg.confidence = round(p, 3) if who != UNKNOWN else 0.0
    return epithets(evidence, text)


def speaker_stats(segments: list[Segment], characters: list[Character]) -> None:
    """Count lines and words per character from attributed segments, in place."""
    by_name = {c.name: c for c in characters}
    for char in characters:
        char.lines = char.words = 0
    for seg in segments:
        if seg.kind == "dialogue" and seg.speaker in by_name:
            by_name[seg.speaker].lines += 1
            by_name[seg.speaker].words += len(seg.text.split())


__all__ = ["NARRATOR", "UNKNOWN", "Character", "Evidence", "Mention", "Roster", "attribute",
           "find_characters", "guess_genders", "infer_narrator", "release_word_lists",
           "rule_evidence", "speaker_stats"]
