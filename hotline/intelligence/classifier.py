"""The message category classifier: training with duplicate-aware cross-validation, calibrated prediction.

The model is a linear ensemble over character 1–2-gram counts of the composed message text:

* view 1 — TF-IDF (raw term frequency, smoothed idf, L2 rows) with a one-vs-rest linear SVM;
* view 2 — NB-SVM (Wang & Manning 2012): binary features scaled by each class's naive-Bayes
  log-count ratio, one binary linear SVM per class.

Each view's scores are divided by their out-of-fold standard deviation and summed (view 2 with
weight `nb_weight`), then mapped to probabilities by temperature scaling fitted on out-of-fold
scores. Everything folds into two weight matrices over one vocabulary, so prediction needs only
numpy and scipy; scikit-learn is imported for training alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intelligence import features, modelfile
from hotline.intelligence.calibration import (
    expected_calibration_error,
    fit_calibration,
    log_loss,
    reliability_table,
    softmax,
)
from hotline.intelligence.text import data_sha256, dedupe, normalize_whitespace

Log = Callable[[str], None]


@dataclass(frozen=True)
class Config:
    """Hyper-parameters, chosen by cross-validation (docs/classifier.md)."""

    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = 2
    svm_c: float = 2.0
    nb_c: float = 0.1
    nb_alpha: float = 1.0
    nb_tol: float = 1e-3
    nb_max_iter: int = 100
    nb_weight: float = 0.5
    folds: int = 5
    #: Cosine similarity of hashed 4-gram shingles at or above which two messages share a CV group.
    duplicate_threshold: float = 0.5
    #: Fit per-class biases besides the temperature (changes the argmax; off: temperature only).
    calibrate_bias: bool = False
    #: Self-training: pseudo-label unlabelled texts whose standardised score margin reaches this value.
    pseudo_margin: float = 1.0
    pseudo_weight: float = 0.5


@dataclass
class _Views:
    """The fitted weights of both views, over the full vocabulary of a count matrix."""

    idf: np.ndarray
    w_tfidf: np.ndarray
    b_tfidf: np.ndarray
    w_nb: np.ndarray
    b_nb: np.ndarray

    def scores(self, counts: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Raw decision scores of the TF-IDF view and the NB-SVM view."""
        tfidf_scores = features.tfidf(counts, self.idf) @ self.w_tfidf + self.b_tfidf
        nb_scores = features.binary(counts) @ self.w_nb + self.b_nb
        return np.asarray(tfidf_scores, dtype=np.float64), np.asarray(nb_scores, dtype=np.float64)


def _linear_svm(
    x: sp.csr_matrix, y: np.ndarray, c: float, seed: int, weight: np.ndarray | None, *,
    tol: float = 1e-4, max_iter: int = 2000,
) -> Any:
    """A fitted liblinear SVM (squared hinge, L2)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    with warnings.catch_warnings():
        # The NB-SVM view is stopped early on purpose (its CV score equals the converged one's).
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LinearSVC(C=c, tol=tol, max_iter=max_iter, random_state=seed).fit(x, y, sample_weight=weight)


#: Intercept given to a class absent from a (small) training fold, so it is never predicted there.
_ABSENT_INTERCEPT = -10.0


def _coef_matrix(model: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest weights as (features × classes) and intercepts, also for two or missing classes."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    seen = np.asarray(model.classes_, dtype=np.int64)
    if len(seen) == 2 and coef.shape[0] == 1:
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    weights = np.zeros((coef.shape[1], n_classes))
    biases = np.full(n_classes, _ABSENT_INTERCEPT)
    weights[:, seen] = coef.T
    biases[seen] = intercept
    return weights, biases


def _fit_views(
    counts: sp.csr_matrix, targets: np.ndarray, n_classes: int, config: Config, seed: int,
    weight: np.ndarray | None = None, df_counts: sp.csr_matrix | None = None,
) -> _Views:
    """Fit both views on a count matrix; columns under min_df (in `df_counts`, default `counts`) get no weight."""
    df_source = counts if df_counts is None else df_counts
    df = features.document_frequency(df_source)
    keep = (df >= config.min_df).astype(np.float32)
    idf = features.smooth_idf(df, df_source.shape[0]) * keep
    svm = _linear_svm(features.tfidf(counts, idf), targets, config.svm_c, seed, weight)
    w_tfidf, b_tfidf = _coef_matrix(svm, n_classes)

    present = features.binary(counts).multiply(keep[np.newaxis, :]).tocsr()
    row_weight = np.ones(counts.shape[0]) if weight is None else weight
    w_nb = np.zeros((counts.shape[1], n_classes))
    b_nb = np.zeros(n_classes)
    b_nb[:] = _ABSENT_INTERCEPT
    for k in range(n_classes):
        positive = targets == k
        if not positive.any() or positive.all():
            continue
        p = config.nb_alpha + np.asarray(present.T @ (row_weight * positive)).ravel()
        q = config.nb_alpha + np.asarray(present.T @ (row_weight * ~positive)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum())) * keep
        scaled = present @ sp.diags(ratio.astype(np.float32))
        model = _linear_svm(
            sp.csr_matrix(scaled), positive.astype(np.int64), config.nb_c, seed, weight,
            tol=config.nb_tol, max_iter=config.nb_max_iter,
        )
        w_nb[:, k] = ratio * np.asarray(model.coef_, dtype=np.float64).ravel()
        b_nb[k] = float(model.intercept_[0])
    return _Views(idf, w_tfidf, b_tfidf, w_nb, b_nb)


def _self_train(
    counts: sp.csr_matrix, targets: np.ndarray, unlabeled: sp.csr_matrix, n_classes: int,
    config: Config, seed: int, views: _Views,
) -> tuple[_Views, int]:
    """Refit on the labelled rows plus confidently pseudo-labelled unlabelled rows (down-weighted)."""
    s1, s2 = views.scores(unlabeled)
    combined = s1 / max(s1.std(), 1e-9) + config.nb_weight * s2 / max(s2.std(), 1e-9)
    ordered = np.sort(combined, axis=1)
    chosen = (ordered[:, -1] - ordered[:, -2]) >= config.pseudo_margin
    if not chosen.any():
        return views, 0
    stacked = sp.vstack([counts, unlabeled[chosen]]).tocsr()
    stacked_targets = np.concatenate([targets, combined[chosen].argmax(axis=1)])
    weight = np.concatenate([np.ones(counts.shape[0]), np.full(int(chosen.sum()), config.pseudo_weight)])
    refit = _fit_views(stacked, stacked_targets, n_classes, config, seed, weight, df_counts=counts)
    return refit, int(chosen.sum())


def duplicate_groups(texts: Sequence[str], threshold: float) -> np.ndarray:
    """A group id per text; texts whose shingle cosine similarity reaches `threshold` share a group (transitively)."""
    shingles = features.hashed_shingles(texts)
    similar = sp.triu(shingles @ shingles.T, k=1).tocoo()
    pairs = similar.data >= threshold
    graph = sp.coo_matrix(
        (np.ones(int(pairs.sum())), (similar.row[pairs], similar.col[pairs])), shape=(len(texts), len(texts))
    )
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(graph, directed=False)
    return labels


def _folds(targets: np.ndarray, groups: np.ndarray, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that keep every near-duplicate group on one side."""
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(targets)), targets, groups))


def _macro_f1(targets: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """Macro-averaged F1 over all classes."""
    scores = []
    for k in range(n_classes):
        tp = np.sum((predicted == k) & (targets == k))
        fp = np.sum((predicted == k) & (targets != k))
        fn = np.sum((predicted != k) & (targets == k))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


@dataclass
class CrossValidation:
    """Out-of-fold results of one training run."""

    scores_tfidf: np.ndarray
    scores_nb: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    targets: np.ndarray
    pseudo_labelled: list[int] = field(default_factory=list)

    def combined(self, nb_weight: float) -> np.ndarray:
        """Standardised ensemble scores."""
        return self.scores_tfidf / self.scores_tfidf.std() + nb_weight * self.scores_nb / self.scores_nb.std()


class Model:
    """A trained classifier: vocabulary, idf, folded weights and bias, plus its metadata."""

    def __init__(
        self, *, classes: Sequence[str], vocabulary: np.ndarray, idf: np.ndarray, w_tfidf: np.ndarray,
        w_nb: np.ndarray, bias: np.ndarray, ngram_range: tuple[int, int], metadata: dict[str, Any],
        training_hashes: np.ndarray | None = None,
    ) -> None:
        """Wrap arrays already folded (scaled and calibrated) into logits = tfidf·W1 + binary·W2 + bias."""
        self.classes: tuple[str, ...] = tuple(classes)
        self.vocabulary = np.ascontiguousarray(vocabulary, dtype=np.uint64)
        self.idf = np.ascontiguousarray(idf, dtype=np.float32)
        self.w_tfidf = np.ascontiguousarray(w_tfidf, dtype=np.float32)
        self.w_nb = np.ascontiguousarray(w_nb, dtype=np.float32)
        self.bias = np.ascontiguousarray(bias, dtype=np.float32)
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        #: Sorted 64-bit hashes of the training texts, to tell which evaluated messages were trained on.
        self.training_hashes = np.sort(np.asarray(
            training_hashes if training_hashes is not None else np.zeros(0), dtype=np.uint64))
        self.metadata = metadata
        #: Out-of-fold scores of the training run (not saved; for experiments).
        self.cross_validation: CrossValidation | None = None
        size, k = len(self.vocabulary), len(self.classes)
        if self.idf.shape != (size,) or self.w_tfidf.shape != (size, k) or self.w_nb.shape != (size, k):
            raise ValueError("model arrays do not match the vocabulary and classes")
        if self.bias.shape != (k,):
            raise ValueError("model bias does not match the classes")

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated logits (documents × classes); texts are whitespace-normalised first."""
        counts = features.count_matrix([normalize_whitespace(t) for t in texts], self.vocabulary, self.ngram_range)
        out = features.tfidf(counts, self.idf) @ self.w_tfidf
        out += features.binary(counts) @ self.w_nb
        return np.asarray(out, dtype=np.float64) + self.bias

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities (documents × classes, columns in `classes` order; rows sum to 1)."""
        if len(texts) == 0:
            return np.zeros((0, len(self.classes)))
        return softmax(self.logits(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable class of each text."""
        return [self.classes[i] for i in self.predict_proba(texts).argmax(axis=1)] if len(texts) else []

    def seen_in_training(self, texts: Sequence[str]) -> np.ndarray:
        """Whether each text (whitespace-normalised) occurs verbatim in the training data."""
        if len(self.training_hashes) == 0 or len(texts) == 0:
            return np.zeros(len(texts), dtype=bool)
        hashes = text_hashes(texts)
        index = np.minimum(np.searchsorted(self.training_hashes, hashes), len(self.training_hashes) - 1)
        return self.training_hashes[index] == hashes

    def top_k(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable classes of one text, with calibrated probabilities, best first."""
        probabilities = self.predict_proba([text])[0]
        order = np.argsort(-probabilities, kind="stable")[:k]
        return [(self.classes[i], float(probabilities[i])) for i in order]

    def save(self, path: str | Path) -> None:
        """Write the model directory (JSON metadata + npz arrays) atomically enough for a single writer."""
        arrays = {
            "vocabulary": self.vocabulary,
            "idf": self.idf.astype(np.float32),
            "w_tfidf": self.w_tfidf.astype(np.float16),
            "w_nb": self.w_nb.astype(np.float16),
            "bias": self.bias.astype(np.float32),
            "training_hashes": self.training_hashes,
        }
        meta = dict(self.metadata)
        meta["classes"] = list(self.classes)
        meta["ngram_range"] = list(self.ngram_range)
        modelfile.save(Path(path), meta, arrays)

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read and verify a model directory written by `save` (no pickle is ever loaded)."""
        meta, arrays = modelfile.load(Path(path))
        try:
            return cls(
                classes=meta["classes"], vocabulary=arrays["vocabulary"], idf=arrays["idf"],
                w_tfidf=arrays["w_tfidf"], w_nb=arrays["w_nb"], bias=arrays["bias"],
                ngram_range=tuple(meta["ngram_range"]), metadata=meta, training_hashes=arrays["training_hashes"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise modelfile.ModelFileError(f"{path}: inconsistent model file: {exc}") from exc


def text_hashes(texts: Sequence[str]) -> np.ndarray:
    """A 64-bit BLAKE2b hash of each whitespace-normalised text."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(normalize_whitespace(t).encode("utf-8"), digest_size=8).digest(), "little")
         for t in texts],
        dtype=np.uint64,
    )


def load(path: str | Path) -> Model:
    """Load a saved model directory."""
    return Model.load(path)


def _quantize(values: np.ndarray) -> np.ndarray:
    """Round to float16 precision (as stored), kept as float32, so a saved model predicts exactly the same."""
    return values.astype(np.float16).astype(np.float32)


def _cross_validate(
    counts: sp.csr_matrix, targets: np.ndarray, groups: np.ndarray, n_classes: int, config: Config,
    seed: int, unlabeled: sp.csr_matrix | None, log: Log,
) -> CrossValidation:
    """Out-of-fold scores of both views over duplicate-aware stratified folds."""
    n_folds = min(config.folds, int(np.bincount(targets, minlength=n_classes).min()))
    if n_folds < 2:
        raise ValueError("every class needs at least two distinct training texts")
    folds = _folds(targets, groups, n_folds, seed)
    s1 = np.zeros((len(targets), n_classes))
    s2 = np.zeros((len(targets), n_classes))
    pseudo: list[int] = []
    for number, (train_rows, test_rows) in enumerate(folds, start=1):
        started = time.perf_counter()
        views = _fit_views(counts[train_rows], targets[train_rows], n_classes, config, seed)
        if unlabeled is not None and unlabeled.shape[0]:
            views, chosen = _self_train(
                counts[train_rows], targets[train_rows], unlabeled, n_classes, config, seed, views
            )
            pseudo.append(chosen)
        s1[test_rows], s2[test_rows] = views.scores(counts[test_rows])
        fold_f1 = _macro_f1(targets[test_rows], (s1[test_rows] / s1[test_rows].std()).argmax(1), n_classes)
        log(f"fold {number}/{n_folds}: {len(train_rows)} train, {len(test_rows)} test, "
            f"tfidf-view macro-F1 {fold_f1:.4f} ({time.perf_counter() - started:.1f} s)")
    return CrossValidation(s1, s2, folds, targets, pseudo)


def _cv_metrics(cv: CrossValidation, classes: Sequence[str], config: Config) -> dict[str, Any]:
    """Fold-wise macro-F1 (mean ± std), pooled per-class figures and reliability of the out-of-fold predictions.

    The calibration is cross-fitted too (fitted on the other folds' scores, applied to each fold), so
    the figures are honest even when the calibration has class biases that move the argmax.
    """
    n_classes = len(classes)
    combined = cv.combined(config.nb_weight)
    probabilities = np.zeros_like(combined)
    for train_rows, test_rows in cv.folds:
        fold_cal = fit_calibration(combined[train_rows], cv.targets[train_rows], with_bias=config.calibrate_bias)
        probabilities[test_rows] = fold_cal.apply(combined[test_rows])
    predicted = probabilities.argmax(axis=1)
    fold_f1 = [_macro_f1(cv.targets[test], predicted[test], n_classes) for _, test in cv.folds]
    tfidf_only = [_macro_f1(cv.targets[test], cv.scores_tfidf[test].argmax(1), n_classes) for _, test in cv.folds]
    per_class = {}
    for k, name in enumerate(classes):
        tp = int(np.sum((predicted == k) & (cv.targets == k)))
        fp = int(np.sum((predicted == k) & (cv.targets != k)))
        fn = int(np.sum((predicted != k) & (cv.targets == k)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                           "support": tp + fn}
    raw = softmax(combined)
    return {
        "folds": len(cv.folds),
        "grouping": f"near-duplicate groups (hashed 4-gram cosine >= {config.duplicate_threshold})",
        "macro_f1_mean": round(float(np.mean(fold_f1)), 4),
        "macro_f1_std": round(float(np.std(fold_f1)), 4),
        "macro_f1_folds": [round(v, 4) for v in fold_f1],
        "tfidf_view_macro_f1_mean": round(float(np.mean(tfidf_only)), 4),
        "accuracy": round(float(np.mean(predicted == cv.targets)), 4),
        "per_class": per_class,
        "ece_uncalibrated": round(expected_calibration_error(raw, cv.targets), 4),
        "ece_calibrated": round(expected_calibration_error(probabilities, cv.targets), 4),
        "log_loss_uncalibrated": round(log_loss(raw, cv.targets), 4),
        "log_loss_calibrated": round(log_loss(probabilities, cv.targets), 4),
        "reliability": [{key: round(value, 4) for key, value in row.items()}
                        for row in reliability_table(probabilities, cv.targets)],
        "pseudo_labelled_per_fold": cv.pseudo_labelled,
    }


def train(
    texts: list[str], labels: list[str], *, unlabeled: list[str] | None = None, seed: int = 0,
    config: Config | None = None, log: Log | None = None,
) -> Model:
    """Train on labelled texts (deduplicated by text), cross-validate, calibrate, and return the model."""
    config = config or Config()
    say: Log = log or (lambda _message: None)
    started = time.perf_counter()
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    unique_texts, unique_labels = dedupe(texts, labels)
    classes = sorted(set(unique_labels))
    if len(classes) < 2:
        raise ValueError("training needs at least two classes")
    targets = np.searchsorted(np.array(classes), np.array(unique_labels))
    n_classes = len(classes)
    say(f"{len(texts)} texts, {len(unique_texts)} distinct, {n_classes} classes")

    vocabulary, counts = features.fit_counts(unique_texts, config.ngram_range)
    groups = duplicate_groups(unique_texts, config.duplicate_threshold)
    say(f"{len(np.unique(groups))} near-duplicate groups; vocabulary {len(vocabulary)} n-grams")
    extra = None
    if unlabeled:
        known = set(unique_texts)
        pool = [text for text in dedupe(unlabeled, [""] * len(unlabeled))[0] if text not in known]
        extra = features.count_matrix(pool, vocabulary, config.ngram_range)
        say(f"{len(pool)} unlabelled texts for self-training")

    cv = _cross_validate(counts, targets, groups, n_classes, config, seed, extra, say)
    combined = cv.combined(config.nb_weight)
    calibration = fit_calibration(combined, targets, with_bias=config.calibrate_bias)
    metrics = _cv_metrics(cv, classes, config)
    say(f"cross-validated macro-F1 {metrics['macro_f1_mean']:.4f} ± {metrics['macro_f1_std']:.4f}; "
        f"ECE {metrics['ece_uncalibrated']:.4f} -> {metrics['ece_calibrated']:.4f}")

    views = _fit_views(counts, targets, n_classes, config, seed)
    pseudo_final = 0
    if extra is not None and extra.shape[0]:
        views, pseudo_final = _self_train(counts, targets, extra, n_classes, config, seed, views)
    keep = features.document_frequency(counts) >= config.min_df
    scale1 = calibration.inverse_temperature / cv.scores_tfidf.std()
    scale2 = calibration.inverse_temperature * config.nb_weight / cv.scores_nb.std()
    bias = views.b_tfidf * scale1 + views.b_nb * scale2 + np.asarray(calibration.bias)
    metadata = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {
            "sha256": data_sha256(texts, labels),
            "n_samples": len(texts),
            "n_distinct": len(unique_texts),
            "class_counts": {name: int(n) for name, n in zip(classes, np.bincount(targets), strict=True)},
            "unlabeled_used": 0 if extra is None else int(extra.shape[0]),
            "pseudo_labelled": pseudo_final,
        },
        "model": {
            "kind": "char-ngram TF-IDF LinearSVC + NB-SVM ensemble",
            "config": dataclasses.asdict(config),
            "seed": seed,
            "vocabulary_size": int(keep.sum()),
        },
        "calibration": {
            "method": f"{calibration.method} scaling of the standardised ensemble score, "
                      "fitted on out-of-fold scores",
            "inverse_temperature": round(calibration.inverse_temperature, 6),
            "bias": [round(b, 6) for b in calibration.bias],
            "score_std": {"tfidf": float(cv.scores_tfidf.std()), "nb": float(cv.scores_nb.std())},
        },
        "cross_validation": metrics,
        "training_seconds": round(time.perf_counter() - started, 1),
        "environment": _environment(),
    }
    model = Model(
        classes=classes,
        vocabulary=vocabulary[keep],
        idf=views.idf[keep],
        w_tfidf=_quantize(views.w_tfidf[keep] * scale1),
        w_nb=_quantize(views.w_nb[keep] * scale2),
        bias=bias.astype(np.float32),
        ngram_range=config.ngram_range,
        metadata=metadata,
        training_hashes=text_hashes(unique_texts),
    )
    model.cross_validation = cv
    return model


def _environment() -> dict[str, str]:
    """Versions of the software that trained the model."""
    import scipy
    import sklearn

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__}
