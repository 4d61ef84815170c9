"""Model selection experiments (`python -m hotline.intelligence.experiments`): the figures in docs/classifier.md.

Every candidate is scored by the same duplicate-aware stratified 5-fold cross-validation as `train`,
repeated over several fold seeds; the plain baseline (scikit-learn char 1–3-gram TF-IDF + LinearSVC)
is measured in the same run on the same folds.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hotline.intelligence.classifier import (
    Config,
    _folds,
    _macro_f1,
    duplicate_groups,
    train,
)
from hotline.intelligence.text import dedupe, read_messages

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data" / "messages_labeled.csv"
UNLABELED_FILES = ("messages_unlabeled.csv", "messages_likes.csv", "messages_replies.csv")


def baseline_folds(texts: list[str], labels: list[str], seed: int, config: Config) -> list[float]:
    """Fold macro-F1 of char 1–3-gram TF-IDF + LinearSVC(C=1) (scikit-learn, fitted per fold)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    classes = sorted(set(labels))
    targets = np.searchsorted(np.array(classes), np.array(labels))
    groups = duplicate_groups(texts, config.duplicate_threshold)
    scores = []
    for train_rows, test_rows in _folds(targets, groups, config.folds, seed):
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
        x_train = vectorizer.fit_transform([texts[i] for i in train_rows])
        x_test = vectorizer.transform([texts[i] for i in test_rows])
        predicted = LinearSVC(C=1.0).fit(x_train, targets[train_rows]).predict(x_test)
        scores.append(_macro_f1(targets[test_rows], predicted, len(classes)))
    return scores


def _summary(name: str, fold_scores: list[float], seconds: float, extra: str = "") -> str:
    """One markdown table row: mean ± std over all folds of all seeds."""
    return (f"| {name} | {np.mean(fold_scores):.4f} ± {np.std(fold_scores):.4f} | "
            f"{min(fold_scores):.4f}–{max(fold_scores):.4f} | {seconds:.0f} s | {extra} |")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the comparison and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--unlabeled-dir", default="/work/shared/data/teddy2020",
                        help="folder with the unlabelled message files (self-training rows are skipped if absent)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)

    data = read_messages(args.data)
    texts, labels = dedupe(data.texts, data.labels)
    unlabeled: list[str] = []
    for name in UNLABELED_FILES:
        path = Path(args.unlabeled_dir) / name
        if path.is_file():
            unlabeled += read_messages(path, require_labels=False).texts
    seeds = list(range(args.seeds))
    rows = ["| model | CV macro-F1 (mean ± std over folds × seeds) | fold range | time | notes |",
            "|---|---|---|---|---|"]

    def run_variant(name: str, config: Config, use_unlabeled: bool = False) -> None:
        """Train with every seed and append a row (and the TF-IDF view alone for the default)."""
        scores: list[float] = []
        view1: list[float] = []
        ece: list[tuple[float, float]] = []
        pseudo: list[int] = []
        started = time.perf_counter()
        for seed in seeds:
            model = train(texts, labels, seed=seed, config=config, unlabeled=unlabeled if use_unlabeled else None)
            cv = model.metadata["cross_validation"]
            scores += cv["macro_f1_folds"]
            view1.append(cv["tfidf_view_macro_f1_mean"])
            ece.append((cv["ece_uncalibrated"], cv["ece_calibrated"]))
            pseudo += cv["pseudo_labelled_per_fold"]
        seconds = (time.perf_counter() - started) / len(seeds)
        note = (f"ECE {np.mean([e[0] for e in ece]):.3f} → {np.mean([e[1] for e in ece]):.3f}; "
                f"TF-IDF view alone {np.mean(view1):.4f}")
        if pseudo:
            note += f"; ~{int(np.mean(pseudo))} pseudo-labelled per fold"
        rows.append(_summary(name, scores, seconds, note))
        print(rows[-1], flush=True)

    if not args.skip_baseline:
        started = time.perf_counter()
        base = [s for seed in seeds for s in baseline_folds(texts, labels, seed, Config())]
        rows.append(_summary("baseline: sklearn char 1–3 TF-IDF + LinearSVC(C=1)", base,
                             (time.perf_counter() - started) / len(seeds)))
        print(rows[-1], flush=True)
    default = Config()
    run_variant("chosen: char 1–2 TF-IDF SVM + NB-SVM, temperature-scaled", default)
    run_variant("chosen, NB-SVM weight 0 (TF-IDF SVM C=2 only)", dataclasses.replace(default, nb_weight=0.0))
    run_variant("chosen + class-bias calibration", dataclasses.replace(default, calibrate_bias=True))
    if unlabeled:
        run_variant("chosen + self-training (margin ≥ 1.0, weight 0.5)", default, use_unlabeled=True)
        run_variant("chosen + self-training (margin ≥ 2.0, weight 0.3)",
                    dataclasses.replace(default, pseudo_margin=2.0, pseudo_weight=0.3), use_unlabeled=True)
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
