#!/usr/bin/env python3
"""Train the speaker ranker (audiobook/speaker_model.json) on the annotated corpus.

For every utterance the rules run first (`attribution.rule_evidence`); each
candidate speaker gets the features of `audiobook.ranker`, and a conditional
logit model (softmax over an utterance's candidates, L2-regularized) learns
one weight per feature. Leave-one-novel-out figures show how it does on a
novel it never saw; the shipped weights are then fit on all novels.

    .venv/bin/python tools/train_attribution.py [--corpus ../shared/corpus/pdnc] [--dry-run]

Needs numpy (training only; the package scores with plain Python).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import DEFAULT_CORPUS, correct, gold_for_segments, load_corpus, make_cast  # noqa: E402

from audiobook import ranker  # noqa: E402
from audiobook.attribution import Roster, rule_evidence  # noqa: E402
from audiobook.book import load_book  # noqa: E402
from audiobook.cast import Cast, merge_characters  # noqa: E402
from audiobook.characters import find_characters  # noqa: E402
from audiobook.segmenter import segment_book  # noqa: E402

SETTING = {True: "cast given", False: "no cast"}
L2 = 1e-3
STEPS = 250


def extract(novel, folder: Path, cast_given: bool = True):
    """Rule evidence of one novel and the gold quotes of each utterance.

    Without the cast the characters are found from the text, as `audiobook
    segment` does with no --voices; a found name is right when it is any
    annotated alias of the speaker.
    """
    book = load_book(folder / novel.name / "novel_text.txt")
    segments = segment_book(book)
    cast = make_cast(novel) if cast_given else Cast()
    merge_characters(cast, find_characters(book.text, segments, known=cast.to_characters()))
    roster = Roster(cast.to_characters(), narrator=cast.narrator_character)
    evidence, ctx = rule_evidence(segments, roster, book.text)
    gold_by_segment: dict[int, list[dict]] = {}
    for q, seg in gold_for_segments(novel, segments):
        if seg is not None:
            gold_by_segment.setdefault(id(seg), []).append(q)
    quotes = [[q for seg in ev.segments for q in gold_by_segment.get(id(seg), [])]
              for ev in evidence]
    return novel, evidence, ctx, quotes, cast_given


def rows_for(ext, prior: list[str]):
    """Per utterance: candidates, features, gold index, gold quotes, prior speaker.

    `prior` gives the speaker taken for each utterance by an earlier stage
    (the rules, or a first model): the turn-taking features read it.
    """
    novel, evidence, ctx, quotes, cast_given = ext
    rows = []
    history: list[tuple[int, str]] = []
    for ev, qs, who in zip(evidence, quotes, prior, strict=True):
        names = ranker.candidates(ev, history, ctx)
        feats = np.array([ranker.features(ev, c, history, ctx) for c in names],
                         dtype=float).reshape(len(names), len(ranker.FEATURES))
        label = -1
        gold = Counter(q["speaker"] for q in qs).most_common(1)
        if gold:
            probe = {"speaker": gold[0][0]}
            hits = [j for j, c in enumerate(names) if correct(novel, probe, c, cast_given)]
            label = hits[0] if hits else -1
        rows.append((names, feats, label, qs, who))
        history.append((ev.paragraph, who))
    return rows


def decode(ext, w) -> list[str]:
    """Greedy speakers in text order, as `attribution.attribute` picks them."""
    novel, evidence, ctx = ext[:3]
    weights = [float(x) for x in w]
    history: list[tuple[int, str]] = []
    out = []
    for ev in evidence:
        who = ranker.choose(ev, history, ctx, weights) or ev.rule
        history.append((ev.paragraph, who))
        out.append(who)
    return out


def fit(exts) -> np.ndarray:
    """Two stages: weights on the rules' turn history, then on that model's own choices."""
    first = train([r for e in exts for r in rows_for(e, [ev.rule for ev in e[1]])])
    return train([r for e in exts for r in rows_for(e, decode(e, first))])


def pack(rows):
    width = max(len(r[0]) for r in rows)
    n_feat = len(ranker.FEATURES)
    X = np.zeros((len(rows), width, n_feat))
    mask = np.zeros((len(rows), width), dtype=bool)
    y = np.array([r[2] for r in rows])
    for i, r in enumerate(rows):
        X[i, :len(r[0])] = r[1]
        mask[i, :len(r[0])] = True
    keep = y >= 0
    return X[keep], mask[keep], y[keep]


def train(rows) -> np.ndarray:
    """Conditional logit by Adam on the mean negative log-likelihood."""
    X, mask, y = pack(rows)
    w = np.zeros(X.shape[2])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    idx = np.arange(len(y))
    for step in range(1, STEPS + 1):
        scores = np.where(mask, X @ w, -1e9)
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores) * mask
        p /= p.sum(axis=1, keepdims=True)
        expected = np.einsum("uc,ucf->uf", p, X)
        grad = (expected - X[idx, y]).mean(axis=0) + L2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad ** 2
        w -= 0.05 * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return w


def evaluate(ext, speakers: list[str]) -> Counter:
    """Counts of gold quotes (total and right) per quote type."""
    novel, _, _, quotes, cast_given = ext
    tally: Counter = Counter()
    for qs, who in zip(quotes, speakers, strict=True):
        for q in qs:
            kind = q["type"] if q["type"] in ("explicit", "anaphoric", "implicit") else "implicit"
            tally[kind] += 1
            tally[kind + "_right"] += correct(novel, q, who, cast_given)
    return tally


def line(name: str, t: Counter) -> str:
    n = sum(t[k] for k in ("explicit", "anaphoric", "implicit"))
    r = sum(t[k + "_right"] for k in ("explicit", "anaphoric", "implicit"))
    kinds = " ".join(f"{k} {t[k + '_right'] / max(t[k], 1):.3f}"
                     for k in ("explicit", "anaphoric", "implicit"))
    return f"{name}: {r / max(n, 1):.3f} ({r}/{n})  {kinds}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--dry-run", action="store_true", help="report only; keep the model file")
    args = ap.parse_args()
    novels = load_corpus(args.corpus)
    # Both settings of the scorer: the cast given, and characters found from the text.
    exts = {(nv.name, given): extract(nv, args.corpus, given)
            for nv in novels for given in (True, False)}
    loo = {True: Counter(), False: Counter()}
    rules = {True: Counter(), False: Counter()}
    fitted = {True: Counter(), False: Counter()}
    print("leave-one-novel-out (gold quotes matched as the scorer does):")
    for nv in novels:
        w = fit([e for (other, _), e in exts.items() if other != nv.name])
        for given in (True, False):
            ext = exts[(nv.name, given)]
            t = evaluate(ext, decode(ext, w))
            loo[given].update(t)
            rules[given].update(evaluate(ext, [ev.rule for ev in ext[1]]))
            print("  " + line(f"{nv.name} {SETTING[given]}", t), flush=True)
    w = fit(list(exts.values()))
    for (name, given), ext in exts.items():
        t = evaluate(ext, decode(ext, w))
        fitted[given].update(t)
        print("  " + line(f"{name} {SETTING[given]} (all-novel fit)", t))
    for given in (True, False):
        print(line(f"LOO overall, {SETTING[given]}", loo[given]))
        print(line(f"rules only, {SETTING[given]}", rules[given]))
        print(line(f"all-novel fit, {SETTING[given]}", fitted[given]))
    data = sorted({name for name, _ in exts})
    if not args.dry_run:
        ranker.MODEL_FILE.write_text(json.dumps({
            "features": list(ranker.FEATURES),
            "weights": [round(float(x), 4) for x in w],
            "trained_on": data,
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {ranker.MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
