#!/usr/bin/env python3
"""Fit the model that tells which capitalised words name people
(audiobook/attribution/name_model.json) on the annotated texts.

A capitalised word of a text is a person's name when it is a word of a name or an
alias of its annotated cast (titles left aside). The features are those of
`audiobook.attribution.people`; the model is a logistic regression (L2, Newton
steps). Figures leave whole texts out: the texts are dealt into --folds groups and
each group is scored by a model fit on the others; then the model is fit on all.

    .venv/bin/python tools/train_names.py [--corpus DIR ...] [--folds 6] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import DEFAULT_CORPORA, load_corpus  # noqa: E402

from audiobook.attribution import people  # noqa: E402
from audiobook.attribution.characters import tag_names, vocative_names  # noqa: E402
from audiobook.book import load_book  # noqa: E402
from audiobook.lexicon import ARTICLES, STOPWORDS, TITLES  # noqa: E402
from audiobook.segmenter import segment_book  # noqa: E402

L2 = 1.0


def name_words(t) -> set[str]:
    """Words of the cast's proper names (capitalised, not titles). Descriptions the
    annotators list as aliases (`A Stray Subaltern`, `One Of The Men`) give none."""
    out = set()
    for name, info in t.cast.items():
        if info.get("unnamed"):
            continue
        for form in [name, *info["aliases"]]:
            words = [w.strip(",'\u2019") for w in form.replace(".", " ").split()]
            if not words or words[0].lower() in ARTICLES or words[0] in STOPWORDS or any(
                    not w[:1].isupper() for w in words):
                continue
            out.update(w for w in words if w.lower() not in TITLES and w not in STOPWORDS)
    return out


def rows(t):
    book = load_book(t.path)
    segments = segment_book(book)
    stats = people.word_stats(book.text, segments, tag_names(segments, book.text),
                              vocative_names(segments))
    names = name_words(t)
    words = sorted(stats)
    X = np.array([people.features(w, stats[w]) for w in words], dtype=float)
    y = np.array([w in names for w in words], dtype=float)
    n = np.array([stats[w].total for w in words], dtype=float)
    return words, X, y, n


def fit(X, y, weight) -> np.ndarray:
    """Weighted logistic regression (each text weighs the same, however long)."""
    w = np.zeros(X.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (weight * (p - y)) + L2 * w
        hess = (X * (weight * p * (1 - p))[:, None]).T @ X + L2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def balanced(rows) -> np.ndarray:
    """Row weights giving every text the same total weight (mean 1)."""
    total = sum(len(d[2]) for d in rows)
    return np.concatenate([np.full(len(d[2]), total / len(rows) / max(len(d[2]), 1))
                           for d in rows])


def report(label: str, p, y, n) -> None:
    pred = p >= 0.5
    tp, fp, fn = (pred & (y == 1)).sum(), (pred & (y == 0)).sum(), (~pred & (y == 1)).sum()
    wtp, wfp, wfn = (n * (pred & (y == 1))).sum(), (n * (pred & (y == 0))).sum(), (
        n * (~pred & (y == 1))).sum()
    print(f"{label}: words precision {tp / max(tp + fp, 1):.3f} recall {tp / max(tp + fn, 1):.3f}"
          f" | by mentions precision {wtp / max(wtp + wfp, 1):.3f} "
          f"recall {wtp / max(wtp + wfn, 1):.3f}  ({int(y.sum())} name words of {len(y)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    ap.add_argument("--folds", type=int, default=6)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--errors", type=int, default=0, help="list this many errors per text")
    args = ap.parse_args()
    texts = load_corpus(args.corpus)
    data = {t.name: rows(t) for t in texts}
    fold = {t.name: i % args.folds for i, t in enumerate(sorted(texts, key=lambda t: t.name))}
    out = {name: np.zeros(len(d[2])) for name, d in data.items()}
    for k in range(args.folds):
        train = [d for name, d in data.items() if fold[name] != k]
        w = fit(np.vstack([d[1] for d in train]), np.concatenate([d[2] for d in train]),
                balanced(train))
        for name, d in data.items():
            if fold[name] == k:
                out[name] = 1 / (1 + np.exp(-np.clip(d[1] @ w, -30, 30)))
    for corpus in sorted({t.folder.parent.name for t in texts}):
        names = [t.name for t in texts if t.folder.parent.name == corpus]
        report(f"{corpus}, texts left out", np.concatenate([out[n] for n in names]),
               np.concatenate([data[n][2] for n in names]),
               np.concatenate([data[n][3] for n in names]))
    if args.errors:
        for name, (words, _, y, n) in data.items():
            wrong = [(int(n[i]), words[i], round(float(out[name][i]), 2), int(y[i]))
                     for i in range(len(words)) if (out[name][i] >= 0.5) != (y[i] == 1)]
            wrong.sort(reverse=True)
            print(name, wrong[:args.errors])
    every = list(data.values())
    w = fit(np.vstack([d[1] for d in every]), np.concatenate([d[2] for d in every]),
            balanced(every))
    for f, v in zip(people.FEATURES, w, strict=True):
        print(f"  {f:>18} {v:+.3f}")
    if not args.dry_run:
        people.MODEL_FILE.write_text(json.dumps({
            "features": list(people.FEATURES), "weights": [round(float(v), 4) for v in w],
            "trained_on": sorted(f"{t.folder.parent.name}/{t.name}" for t in texts),
        }) + "\n", encoding="utf-8")
        print(f"wrote {people.MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
