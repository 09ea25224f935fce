#!/usr/bin/env python3
"""Train the speaker ranker (audiobook/attribution/speaker_model.json) on the annotated texts.

For every utterance the rules run first (`attribution.rule_evidence`); each
candidate speaker gets the features of `audiobook.attribution.ranking`. The
default model is gradient-boosted regression trees with a softmax over each
utterance's candidates (Newton steps, histogram splits): the trees learn how the
features combine (a pronoun tag that matches the speaker before last...).
`--model linear` fits one weight per feature instead (conditional logit, L2).

It learns from every text of both corpora (PDNC novels, LitBank openings), in both
settings of the scorer (the cast given, and characters found from the text), and
checks itself leaving whole texts out: the texts are dealt into --folds groups, and
each group is scored by a model fit on the others. The shipped model is then fit
on all texts. Our own stories (tests/stories) are never learned from.

    .venv/bin/python tools/train_attribution.py [--corpus DIR ...] [--dry-run]
        [--model trees|linear] [--folds 6] [--no-loo]

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

from corpus import DEFAULT_CORPORA, gold_for_segments, load_corpus, run_rules  # noqa: E402

from audiobook.attribution import ranking  # noqa: E402

SETTING = {True: "cast given", False: "no cast"}
L2 = 1e-3
STEPS = 250
ROUNDS = 100
"""Boosting rounds (trees) per stage."""
DEPTH = 4
"""Depth of each tree."""
LEARNING_RATE = 0.1
LEAF_L2 = 5.0
MIN_HESSIAN = 10.0
"""Smallest summed hessian a leaf may hold (keeps leaves off a handful of quotes)."""
MAX_BINS = 32


def extract(t, cast_given: bool = True):
    """Rule evidence of one text and the gold quotes of each utterance (those the
    scorer counts in this setting)."""
    _, segments, _, evidence, ctx = run_rules(t, cast_given)
    gold_by_segment: dict[int, list[dict]] = {}
    for q, seg in gold_for_segments(t, segments):
        if seg is not None and not t.left_out(q, cast_given):
            gold_by_segment.setdefault(id(seg), []).append(q)
    quotes = [[q for seg in ev.segments for q in gold_by_segment.get(id(seg), [])]
              for ev in evidence]
    return t, evidence, ctx, quotes, cast_given


def rows_for(ext, prior: list[str]):
    """Per utterance: candidates, features, gold index, gold quotes, prior speaker.

    `prior` gives the speaker taken for each utterance by an earlier stage
    (the rules, or a first model): the turn-taking features read it.
    """
    t, evidence, ctx, quotes, cast_given = ext
    rows = []
    history: list[tuple[int, str]] = []
    for ev, qs, who in zip(evidence, quotes, prior, strict=True):
        names = ranking.candidates(ev, history, ctx)
        frame = ranking.Frame(ev, history, ctx, len(names))
        feats = np.array([ranking.features(ev, c, history, ctx, len(names), frame)
                          for c in names],
                         dtype=float).reshape(len(names), len(ranking.FEATURES))
        label = -1
        gold = Counter(q["speaker"] for q in qs).most_common(1)
        # A tag naming its speaker outright is taken as it is (`ranking.named_tag`):
        # nothing for the trees to learn there.
        if gold and not ranking.named_tag(ev):
            probe = {"speaker": gold[0][0]}
            hits = [j for j, c in enumerate(names) if t.correct(probe, c, cast_given)]
            label = hits[0] if hits else -1
        rows.append((names, feats, label, qs, who))
        history.append((ev.paragraph, who))
    return rows


def decode(ext, score) -> list[str]:
    """Speakers in text order, as `attribution.attribute` picks them (beam search)."""
    evidence, ctx = ext[1], ext[2]
    return [who for who, _ in ranking.decode(evidence, ctx, score)]


def fit(exts, kind: str):
    """Two stages: a model on the rules' turn history, then on that model's own choices.

    Returns (scorer, what to save in the model file)."""
    learn = train if kind == "linear" else train_trees
    first = learn([r for e in exts for r in rows_for(e, [ev.rule for ev in e[1]])])
    model = learn([r for e in exts for r in rows_for(e, decode(e, scorer(first, kind)))])
    return scorer(model, kind), model


def scorer(model, kind: str):
    return ranking.linear([float(x) for x in model]) if kind == "linear" else ranking.boosted(model)


def pack(rows):
    width = max(len(r[0]) for r in rows)
    n_feat = len(ranking.FEATURES)
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


def flatten(rows):
    """Candidates stacked: features, utterance id, 1 for the gold candidate."""
    xs, groups, ys = [], [], []
    for names, feats, label, _, _ in rows:
        if label < 0:
            continue
        y = np.zeros(len(names))
        y[label] = 1.0
        xs.append(feats)
        ys.append(y)
        groups.append(np.full(len(names), len(groups)))
    return np.vstack(xs), np.concatenate(groups), np.concatenate(ys)


def train_trees(rows) -> list:
    """Boosted trees on the softmax over each utterance's candidates.

    Each round fits one tree to the gradient (p - y) with Newton leaf values
    -G/(H + L2); splits are searched on at most MAX_BINS thresholds per feature.
    """
    X, group, y = flatten(rows)
    n_groups = int(group.max()) + 1
    edges = []
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        if len(values) > MAX_BINS:
            values = np.unique(np.quantile(X[:, j], np.linspace(0, 1, MAX_BINS)))
        edges.append((values[:-1] + values[1:]) / 2)
    bins = np.zeros(X.shape, dtype=np.int64)
    for j, thr in enumerate(edges):
        bins[:, j] = np.searchsorted(thr, X[:, j], side="left")
    sizes = np.array([len(e) + 1 for e in edges])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    score = np.zeros(len(X))
    trees = []
    for _ in range(ROUNDS):
        top = np.full(n_groups, -np.inf)
        np.maximum.at(top, group, score)
        e = np.exp(score - top[group])
        p = e / np.bincount(group, e, n_groups)[group]
        g, h = p - y, np.maximum(p * (1 - p), 1e-6)
        tree = _grow(bins, edges, offsets, int(sizes.sum()), g, h, np.arange(len(X)), DEPTH)
        trees.append(tree)
        score += _apply(tree, X)
    return trees


def _grow(bins, edges, offsets, n_bins, g, h, rows, depth):
    G, H = g[rows].sum(), h[rows].sum()
    leaf = round(float(-G / (H + LEAF_L2) * LEARNING_RATE), 5)
    if depth == 0 or H < 2 * MIN_HESSIAN:
        return leaf
    n_feat = bins.shape[1]
    flat = (bins[rows] + offsets).ravel()
    gs = np.bincount(flat, np.repeat(g[rows], n_feat), n_bins)
    hs = np.bincount(flat, np.repeat(h[rows], n_feat), n_bins)
    base = G * G / (H + LEAF_L2)
    best_gain, best = 0.0, None
    for j in range(n_feat):
        k = len(edges[j])
        if k == 0:
            continue
        gl = np.cumsum(gs[offsets[j]:offsets[j] + k])
        hl = np.cumsum(hs[offsets[j]:offsets[j] + k])
        ok = (hl >= MIN_HESSIAN) & (H - hl >= MIN_HESSIAN)
        gain = np.where(ok, gl ** 2 / (hl + LEAF_L2) + (G - gl) ** 2 / (H - hl + LEAF_L2) - base,
                        -1.0)
        t = int(np.argmax(gain))
        if gain[t] > best_gain:
            best_gain, best = gain[t], (j, t)
    if best is None:
        return leaf
    j, t = best
    left = rows[bins[rows, j] <= t]
    right = rows[bins[rows, j] > t]
    return [j, round(float(edges[j][t]), 6),
            _grow(bins, edges, offsets, n_bins, g, h, left, depth - 1),
            _grow(bins, edges, offsets, n_bins, g, h, right, depth - 1)]


def _apply(tree, X) -> np.ndarray:
    if not isinstance(tree, list):
        return np.full(len(X), tree)
    j, thr, left, right = tree
    out = np.empty(len(X))
    go_left = X[:, j] <= thr
    out[go_left] = _apply(left, X[go_left])
    out[~go_left] = _apply(right, X[~go_left])
    return out


def evaluate(ext, speakers: list[str]) -> Counter:
    """Counts of gold quotes (total and right) per quote type; the quotes the scorer
    cannot match to a segment count as wrong."""
    t, _, _, quotes, cast_given = ext
    tally: Counter = Counter()
    for qs, who in zip(quotes, speakers, strict=True):
        for q in qs:
            kind = t.kind(q)
            tally[kind] += 1
            tally[kind + "_right"] += t.correct(q, who, cast_given)
    tally["unmatched"] += sum(not t.left_out(q, cast_given) for q in t.quotes) - sum(
        len(qs) for qs in quotes)
    return tally


KINDS = ("explicit", "anaphoric", "implicit", "unlabelled")


def line(name: str, t: Counter) -> str:
    n = sum(t[k] for k in KINDS) + t["unmatched"]
    r = sum(t[k + "_right"] for k in KINDS)
    kinds = " ".join(f"{k} {t[k + '_right'] / t[k]:.3f}" for k in KINDS if t[k])
    return f"{name}: {r / max(n, 1):.3f} ({r}/{n})  {kinds}"


def corpus_of(t) -> str:
    return t.folder.parent.name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    ap.add_argument("--dry-run", action="store_true", help="report only; keep the model file")
    ap.add_argument("--model", choices=("trees", "linear"), default="trees")
    ap.add_argument("--folds", type=int, default=6, help="groups of texts left out in turn")
    ap.add_argument("--no-loo", action="store_true", help="skip leaving texts out")
    ap.add_argument("--quiet", action="store_true", help="totals only")
    args = ap.parse_args()
    texts = load_corpus(args.corpus)
    # Both settings of the scorer: the cast given, and characters found from the text.
    exts = {(t.name, given): extract(t, given) for t in texts for given in (True, False)}
    groups = sorted({corpus_of(t) for t in texts})
    loo = {(c, g): Counter() for c in groups for g in (True, False)}
    rules = {(c, g): Counter() for c in groups for g in (True, False)}
    fitted = {(c, g): Counter() for c in groups for g in (True, False)}
    if not args.no_loo:
        # Texts dealt round-robin in each corpus, so every fold holds novels and openings.
        fold = {}
        for c in groups:
            for i, t in enumerate(sorted((t for t in texts if corpus_of(t) == c),
                                         key=lambda t: t.name)):
                fold[t.name] = i % args.folds
        for k in range(args.folds):
            score, _ = fit([e for (name, _), e in exts.items() if fold[name] != k], args.model)
            for t in texts:
                if fold[t.name] != k:
                    continue
                for given in (True, False):
                    ext = exts[(t.name, given)]
                    tally = evaluate(ext, decode(ext, score))
                    loo[(corpus_of(t), given)].update(tally)
                    rules[(corpus_of(t), given)].update(evaluate(ext, [ev.rule for ev in ext[1]]))
                    if not args.quiet:
                        print("  " + line(f"{t.name} {SETTING[given]}", tally), flush=True)
    score, model = fit(list(exts.values()), args.model)
    for (_, given), ext in exts.items():
        tally = evaluate(ext, decode(ext, score))
        fitted[(corpus_of(ext[0]), given)].update(tally)
    for c in groups:
        for given in (True, False):
            key = (c, given)
            if not args.no_loo:
                print(line(f"{c} texts left out, {SETTING[given]}", loo[key]))
                print(line(f"{c} rules only, {SETTING[given]}", rules[key]))
            print(line(f"{c} fit on all texts, {SETTING[given]}", fitted[key]))
    if not args.dry_run:
        body = ({"weights": [round(float(x), 4) for x in model]} if args.model == "linear"
                else {"trees": model})
        ranking.MODEL_FILE.write_text(json.dumps({
            "features": list(ranking.FEATURES), **body,
            "trained_on": sorted(f"{corpus_of(t)}/{t.name}" for t in texts),
        }, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {ranking.MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
