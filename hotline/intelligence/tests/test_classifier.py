"""Tests of the message classifier (plain pytest: no database, no Django)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from hotline.intelligence import ModelFileError, evaluate, features, modelfile, train
from hotline.intelligence.classifier import Model
from hotline.intelligence.text import compose, dedupe, read_messages
from hotline.intelligence.workflow import DEFAULT_DATA, DEFAULT_MODEL_DIR

OBVIOUS = {
    "教育文体": "孩子所在的小学老师违规办补习班，学校还要求家长交资料费，请教育局查处",
    "劳动和社会保障": "公司拖欠我们工人三个月工资，也不给缴纳社保养老保险，劳动监察不管",
    "卫生计生": "医院医生乱开药，看个感冒做了一堆检查，医疗费太贵，请卫健委调查",
    "交通运输": "出租车司机拒载绕路不打表，公交线路停运，请交通局管理",
    "环境保护": "化工厂夜间偷排废水废气，河水发黑发臭，请环保局查处污染",
}


@pytest.fixture(scope="module")
def labelled() -> tuple[list[str], list[str]]:
    """The shipped labelled messages."""
    messages = read_messages(DEFAULT_DATA)
    return messages.texts, messages.labels


@pytest.fixture(scope="module")
def small_subset(labelled: tuple[list[str], list[str]]) -> tuple[list[str], list[str]]:
    """60 shipped messages per class."""
    texts, labels = labelled
    rng = np.random.default_rng(0)
    chosen = []
    for label in sorted(set(labels)):
        rows = [i for i, value in enumerate(labels) if value == label]
        chosen += list(rng.choice(rows, 60, replace=False))
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


@pytest.fixture(scope="module")
def small_model(small_subset: tuple[list[str], list[str]]) -> Model:
    """A model trained on the small subset."""
    return train(*small_subset, seed=0)


@pytest.fixture(scope="module")
def shipped() -> Model:
    """The model shipped in the project."""
    return Model.load(DEFAULT_MODEL_DIR)


def test_ngram_codes_match_the_characters() -> None:
    """Unigrams and bigrams are packed code points; n-grams never cross texts."""
    docs, codes = features.ngram_codes(["ab", "c"], (1, 2))
    pairs = sorted(zip(docs.tolist(), codes.tolist(), strict=True))
    bigram = (ord("a") << features.CODE_BITS) | ord("b")
    assert pairs == sorted([(0, ord("a")), (0, ord("b")), (0, bigram), (1, ord("c"))])


def test_full_width_and_case_are_folded() -> None:
    """Ｆ市 and f市 give the same features."""
    vocabulary, _ = features.fit_counts(["f市"], (1, 2))
    counts = features.count_matrix(["Ｆ市", "F市"], vocabulary, (1, 2))
    assert counts.toarray().tolist() == [[1.0, 1.0, 1.0]] * 2


def test_compose_and_dedupe_normalise_whitespace() -> None:
    """Topic and detail are joined by one space; repeated texts keep their first label."""
    assert compose("  主题 ", "\n\t详情  内容 ") == "主题 详情 内容"
    assert compose(None, "详情") == "详情"
    assert dedupe(["a  b", "a b", "c"], ["x", "y", "z"]) == (["a b", "c"], ["x", "z"])


def test_small_model_predicts_obvious_messages(small_model: Model) -> None:
    """A model trained on a small subset gets unmistakable messages right."""
    predicted = small_model.predict(list(OBVIOUS.values()))
    assert predicted == list(OBVIOUS)


def test_probabilities_sum_to_one(small_model: Model) -> None:
    """Every row of predict_proba is a distribution; top_k is sorted and consistent with it."""
    texts = list(OBVIOUS.values()) + ["", "？？？"]
    probabilities = small_model.predict_proba(texts)
    assert probabilities.shape == (len(texts), len(small_model.classes))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert (probabilities >= 0).all()
    top = small_model.top_k(texts[0], k=3)
    assert len(top) == 3 and top[0][1] >= top[1][1] >= top[2][1]
    assert top[0][1] == pytest.approx(probabilities[0].max())


def test_metadata_records_provenance_and_metrics(small_model: Model, tmp_path: Path) -> None:
    """The saved metadata carries version, aware creation time, data hash, counts, classes, CV and calibration."""
    small_model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / modelfile.METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["format"] == modelfile.FORMAT and meta["format_version"] == modelfile.FORMAT_VERSION
    assert datetime.fromisoformat(meta["created_at"]).tzinfo is not None
    assert len(meta["training_data"]["sha256"]) == 64
    assert meta["training_data"]["n_samples"] == 420
    assert meta["classes"] == sorted(meta["classes"]) and len(meta["classes"]) == 7
    assert 0 < meta["cross_validation"]["macro_f1_mean"] <= 1
    assert meta["calibration"]["method"].startswith("temperature")


def test_save_load_round_trip_is_exact(small_model: Model, tmp_path: Path) -> None:
    """A loaded model gives bit-identical probabilities."""
    small_model.save(tmp_path / "m")
    loaded = Model.load(tmp_path / "m")
    texts = list(OBVIOUS.values())
    assert loaded.classes == small_model.classes
    assert np.array_equal(loaded.predict_proba(texts), small_model.predict_proba(texts))


def test_load_refuses_damaged_or_edited_files(small_model: Model, tmp_path: Path) -> None:
    """A flipped byte in the arrays or an edited metadata field is refused with a clear error."""
    directory = tmp_path / "m"
    small_model.save(directory)
    arrays = directory / modelfile.ARRAYS_FILE
    original = arrays.read_bytes()
    damaged = bytearray(original)
    damaged[len(damaged) // 2] ^= 0xFF
    arrays.write_bytes(bytes(damaged))
    with pytest.raises(ModelFileError, match="checksum"):
        Model.load(directory)
    arrays.write_bytes(original)

    meta_path = directory / modelfile.METADATA_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["classes"] = list(reversed(meta["classes"]))
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelFileError, match="metadata edited"):
        Model.load(directory)


def test_load_refuses_other_versions_and_missing_models(small_model: Model, tmp_path: Path) -> None:
    """An incompatible format version or a missing directory gives a clear error."""
    with pytest.raises(ModelFileError, match="hotline train"):
        Model.load(tmp_path / "nowhere")
    directory = tmp_path / "m"
    small_model.save(directory)
    meta_path = directory / modelfile.METADATA_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["format_version"] = modelfile.FORMAT_VERSION + 1
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelFileError, match="format version"):
        Model.load(directory)


def test_load_never_unpickles(small_model: Model, tmp_path: Path) -> None:
    """Even with a valid checksum, an object (pickled) array is refused."""
    directory = tmp_path / "m"
    small_model.save(directory)
    arrays_path = directory / modelfile.ARRAYS_FILE
    with np.load(arrays_path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["bias"] = np.array([object()] * len(small_model.classes), dtype=object)
    np.savez(arrays_path, **arrays)
    meta_path = directory / modelfile.METADATA_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    data = arrays_path.read_bytes()
    meta["arrays_sha256"] = __import__("hashlib").sha256(data).hexdigest()
    meta["checksum"] = modelfile._checksum(meta, data)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ModelFileError, match="unreadable|dtype"):
        Model.load(directory)


def test_two_classes_train(labelled: tuple[list[str], list[str]]) -> None:
    """A two-class problem trains and predicts (liblinear returns one weight row then)."""
    texts, labels = labelled
    rows = [i for i, label in enumerate(labels) if label in ("教育文体", "卫生计生")][:120]
    model = train([texts[i] for i in rows], [labels[i] for i in rows])
    assert model.predict([OBVIOUS["教育文体"], OBVIOUS["卫生计生"]]) == ["教育文体", "卫生计生"]


def test_train_rejects_a_single_class() -> None:
    """One class is not a classification problem."""
    with pytest.raises(ValueError, match="two classes"):
        train(["a", "b", "c"], ["x", "x", "x"])


def test_shipped_model_is_sane(shipped: Model, labelled: tuple[list[str], list[str]]) -> None:
    """The shipped model loads, knows the seven classes and classifies a labelled sample well."""
    texts, labels = labelled
    assert len(shipped.classes) == 7
    assert shipped.metadata["cross_validation"]["macro_f1_mean"] > 0.88
    sample = np.random.default_rng(1).choice(len(texts), 300, replace=False)
    report = evaluate(shipped, [texts[i] for i in sample], [labels[i] for i in sample])
    assert report.accuracy > 0.9
    assert shipped.predict(list(OBVIOUS.values())) == list(OBVIOUS)


def test_evaluate_report_format(small_model: Model) -> None:
    """The report has per-class rows, a confusion table and ends with macro_f1=; unknown labels count wrong."""
    texts = list(OBVIOUS.values()) + ["一段随便的文字"]
    labels = list(OBVIOUS) + ["不存在的类别"]
    report = evaluate(small_model, texts, labels)
    text = report.format()
    assert text.splitlines()[-1] == f"macro_f1={report.macro_f1:.4f}"
    assert "不存在的类别" in report.unknown_labels
    assert sum(map(sum, report.confusion)) == len(texts)
    assert "precision" in text and "confusion" in text


def test_evaluate_flags_messages_seen_in_training(small_model: Model, small_subset: tuple[list[str], list[str]]) -> None:
    """Messages the model was trained on are counted (whitespace aside) and scored apart."""
    texts, labels = small_subset
    padded = [f"  {texts[0]}\n\t", texts[1]] + list(OBVIOUS.values())
    assert small_model.seen_in_training(padded).tolist() == [True, True] + [False] * len(OBVIOUS)
    report = evaluate(small_model, padded, [labels[0], labels[1], *OBVIOUS])
    assert report.seen_in_training == 2 and report.macro_f1_unseen is not None
    assert "occur verbatim in the training data" in report.format()
