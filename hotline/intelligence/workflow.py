"""File-level entry points used by the management commands: train from a CSV, evaluate on one, classify text."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from hotline.intelligence.classifier import Log, Model, train
from hotline.intelligence.evaluation import Report, evaluate
from hotline.intelligence.text import read_messages

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
#: The labelled messages shipped with the project.
DEFAULT_DATA = PACKAGE_ROOT / "data" / "messages_labeled.csv"
#: Where the shipped model lives (and `hotline train` writes by default).
DEFAULT_MODEL_DIR = PACKAGE_ROOT / "data" / "models" / "classifier"

_cache: dict[tuple[str, int], Model] = {}
_cache_lock = threading.Lock()


def train_from_csv(
    data: str | Path = DEFAULT_DATA, output: str | Path | None = DEFAULT_MODEL_DIR, *,
    unlabeled_files: Sequence[str | Path] = (), seed: int = 0, log: Log | None = None,
) -> Model:
    """Train on a labelled CSV (plus optional unlabelled CSVs for self-training) and save the model to `output`."""
    messages = read_messages(data)
    unlabeled: list[str] = []
    for path in unlabeled_files:
        unlabeled += read_messages(path, require_labels=False).texts
    model = train(messages.texts, messages.labels, unlabeled=unlabeled or None, seed=seed, log=log)
    model.metadata["training_data"]["file"] = {"name": Path(messages.path).name, "sha256": messages.file_sha256}
    if output is not None:
        model.save(output)
    return model


def load_model(path: str | Path = DEFAULT_MODEL_DIR) -> Model:
    """Load a model directory, cached per process until its metadata file changes."""
    directory = Path(path).resolve()
    try:
        stamp = (directory / "model.json").stat().st_mtime_ns
    except OSError:
        stamp = -1
    key = (str(directory), stamp)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None:
            cached = Model.load(directory)
            _cache.clear()
            _cache[key] = cached
        return cached


def evaluate_csv(data: str | Path, model_dir: str | Path = DEFAULT_MODEL_DIR) -> Report:
    """Evaluate a saved model on a labelled CSV (columns 留言主题 (may be empty), 留言详情, 一级标签)."""
    messages = read_messages(data)
    return evaluate(load_model(model_dir), messages.texts, messages.labels)


def classify(text: str, model_dir: str | Path = DEFAULT_MODEL_DIR, k: int = 3) -> list[tuple[str, float]]:
    """The k most probable categories of a message text, with calibrated confidences."""
    return load_model(model_dir).top_k(text, k)
