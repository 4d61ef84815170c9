"""Training the category classifier from the centre's own finished orders, and installing models safely.

The labels are the orders' *final* level-1 categories (一级分类): the category an order carries when it is
closed or answered. An agent may have chosen it against the classifier's suggestion, so every such
correction becomes a training label by itself — nothing needs exporting.

Installing a model (`install`) writes it to a temporary directory beside the target, verifies it loads,
moves the current model to `<dir>.previous` and renames the new one into place. Processes that already
serve classifications pick it up on their next call: `workflow.load_model` keys its cache on the
modification time of `model.json`, which the new directory's file always changes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from hotline.intelligence.classifier import Log, Model, train
from hotline.intelligence.modelfile import METADATA_FILE, ModelFileError, read_metadata
from hotline.intelligence.text import compose, normalize_whitespace, read_messages
from hotline.intelligence.workflow import DEFAULT_DATA, DEFAULT_MODEL_DIR, load_model, train_from_csv
from hotline.tickets.choices import Status

#: Finished orders whose category was confirmed by handling: closed (办结) and answered directly (直接答复).
#: Transferred (转应急), not accepted (不予受理) and merged (并单) orders are left out: their category was
#: never worked on, and a merged order repeats its master's text.
TRAINING_STATUSES = (Status.CLOSED.value, Status.ANSWERED.value)
SOURCE_DB = "db"
SOURCE_SHIPPED_AND_DB = "shipped+db"
DEFAULT_MIN_PER_CLASS = 20
BACKUP_SUFFIX = ".previous"


class TrainingRefused(Exception):
    """The orders do not make a usable training set, or the new model would drop classes; nothing was written."""


def model_dir() -> Path:
    """The model directory the application loads from (HOTLINE_MODEL_DIR, default: the shipped model)."""
    configured = getattr(settings, "HOTLINE_MODEL_DIR", "") or ""
    return Path(configured) if configured else DEFAULT_MODEL_DIR


@lru_cache(maxsize=4)
def _read_labelled(path: str, stamp: int) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Texts, labels and file sha256 of a labelled CSV, cached per path and modification time."""
    messages = read_messages(path)
    return tuple(messages.texts), tuple(messages.labels), messages.file_sha256


def _labelled(path: str | Path) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Texts, labels and file sha256 of a labelled CSV (read once per version of the file)."""
    file = Path(path)
    try:
        stamp = file.stat().st_mtime_ns
    except OSError:
        stamp = -1  # read_messages reports the missing file
    return _read_labelled(str(file), stamp)


def model_classes(labelled: str | Path = DEFAULT_DATA) -> tuple[str, ...]:
    """The classifier's classes: the level-1 categories of the labelled messages (the shipped seven)."""
    return tuple(sorted(set(_labelled(labelled)[1])))


def level1_names() -> dict[int, str]:
    """Each taxonomy node's id mapped to the name of its level-1 ancestor (itself when level 1)."""
    from hotline.taxonomy.models import Category

    parents = dict(Category.objects.values_list("id", "parent_id"))
    names = dict(Category.objects.values_list("id", "name"))
    top: dict[int, str] = {}
    for node in parents:
        current, seen = node, set()
        while parents.get(current) is not None and current not in seen:
            seen.add(current)
            current = parents[current]
        top[node] = names[current]
    return top


def local_midnight(day: date) -> datetime:
    """The start of a calendar day in the centre's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


#: Length of the title intake derives from the description when the agent leaves it blank.
DERIVED_TITLE_LENGTH = 40


def order_text(title: str, description: str) -> str:
    """An order's classifier text: title + description, like 留言主题 + 留言详情 of the labelled messages.

    A title that intake derived from the description (its first 40 characters, because the agent left
    the title blank) is left out, as the labelled messages without a 留言主题 have none.
    """
    derived = normalize_whitespace(normalize_whitespace(description)[:DERIVED_TITLE_LENGTH])
    topic = "" if normalize_whitespace(title) == derived else title
    return compose(topic, description)


@dataclass
class TrainingSet:
    """Texts and labels ready for `train`, and an account of what was used and left out."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    source: str = SOURCE_DB
    orders_used: int = 0
    #: Orders (and shipped rows) left out, by reason.
    skipped: Counter[str] = field(default_factory=Counter)
    #: Level-1 categories of orders left out because the classifier has no such class.
    other_categories: Counter[str] = field(default_factory=Counter)
    #: Classes dropped because they had fewer than `min_per_class` rows.
    classes_left_out: dict[str, int] = field(default_factory=dict)
    shipped_rows: int = 0
    shipped_file: dict[str, str] = field(default_factory=dict)
    since: date | None = None
    include_confidential: bool = False

    def class_counts(self) -> Counter[str]:
        """Rows per class."""
        return Counter(self.labels)

    def summary(self) -> str:
        """One line for the console: rows per source and what was skipped."""
        skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(self.skipped.items())) or "none"
        return (f"{len(self.texts)} rows ({self.orders_used} orders, {self.shipped_rows} shipped messages); "
                f"skipped: {skipped}")

    def metadata(self) -> dict[str, Any]:
        """What the model file records about its data besides the hash `train` computes."""
        meta: dict[str, Any] = {
            "source": self.source,
            "orders": {
                "used": self.orders_used,
                "statuses": list(TRAINING_STATUSES),
                "closed_since": self.since.isoformat() if self.since else None,
                "confidential_included": self.include_confidential,
                "label": "final level-1 category of the order",
                "skipped": dict(sorted(self.skipped.items())),
                "other_level1_categories": dict(sorted(self.other_categories.items())),
            },
            "classes_left_out": self.classes_left_out,
        }
        if self.shipped_file:
            meta["shipped"] = {**self.shipped_file, "rows_used": self.shipped_rows}
        return meta


def order_rows(
    *, classes: Iterable[str], since: date | None = None, include_confidential: bool = False,
) -> TrainingSet:
    """The finished orders as (title + description, final level-1 category) rows, oldest closing first.

    Orders with no category, a level-1 category outside `classes`, no text, or (unless
    `include_confidential`) marked 保密 are skipped and counted; repeated texts keep the first order's label.
    """
    from hotline.tickets.models import Ticket

    result = TrainingSet(since=since, include_confidential=include_confidential)
    known = set(classes)
    top = level1_names()
    seen: set[str] = set()
    orders = Ticket.objects.filter(status__in=TRAINING_STATUSES)
    if since is not None:
        orders = orders.filter(closed_at__gte=local_midnight(since))
    rows = orders.order_by("closed_at", "id").values_list("title", "description", "category_id", "is_confidential")
    for title, description, category_id, confidential in rows.iterator(chunk_size=2000):
        if confidential and not include_confidential:
            result.skipped["confidential"] += 1
            continue
        if category_id is None:
            result.skipped["no category"] += 1
            continue
        label = top.get(category_id, "")
        if label not in known:
            result.skipped["other level-1 category"] += 1
            result.other_categories[label] += 1
            continue
        text = order_text(title, description)
        if not text:
            result.skipped["no text"] += 1
            continue
        if text in seen:
            result.skipped["repeated text"] += 1
            continue
        seen.add(text)
        result.texts.append(text)
        result.labels.append(label)
        result.orders_used += 1
    return result


def build_training_set(
    *, since: date | None = None, min_per_class: int = DEFAULT_MIN_PER_CLASS, also_shipped: bool = False,
    shipped_data: str | Path = DEFAULT_DATA, include_confidential: bool = False,
) -> TrainingSet:
    """The orders' rows (plus, with `also_shipped`, the labelled messages whose text no order has).

    The classes are those of `shipped_data`. Classes with fewer than `min_per_class` rows are dropped
    and recorded. Raises TrainingRefused when no order is usable or fewer than two classes remain.
    """
    if min_per_class < 2:
        raise TrainingRefused("--min-per-class must be at least 2 (cross-validation needs two rows per class)")
    classes = model_classes(shipped_data)
    result = order_rows(classes=classes, since=since, include_confidential=include_confidential)
    if not result.orders_used:
        skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(result.skipped.items())) or "none found"
        window = f", finished since {since.isoformat()}" if since else ""
        raise TrainingRefused(
            f"no finished order (closed or answered{window}) can be used for training (skipped: {skipped}); "
            f"the classes are {', '.join(classes)}"
        )
    if also_shipped:
        texts, labels, sha256 = _labelled(shipped_data)
        result.source = SOURCE_SHIPPED_AND_DB
        result.shipped_file = {"name": Path(shipped_data).name, "sha256": sha256}
        seen = set(result.texts)
        for text, label in zip(texts, labels, strict=True):
            key = normalize_whitespace(text)
            if key in seen:
                result.skipped["shipped message repeating an order or another message"] += 1
                continue
            seen.add(key)
            result.texts.append(key)
            result.labels.append(label)
            result.shipped_rows += 1
    counts = result.class_counts()
    small = {name: n for name, n in sorted(counts.items()) if n < min_per_class}
    if small:
        result.classes_left_out = small
        keep = [i for i, label in enumerate(result.labels) if label not in small]
        orders_kept = sum(1 for i in keep if i < result.orders_used)  # the orders' rows come first
        result.shipped_rows -= sum(small.values()) - (result.orders_used - orders_kept)
        result.skipped["order or message of a class under --min-per-class"] += sum(small.values())
        result.orders_used = orders_kept
        result.texts = [result.texts[i] for i in keep]
        result.labels = [result.labels[i] for i in keep]
    remaining = sorted(set(result.labels))
    if len(remaining) < 2:
        per_class = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        raise TrainingRefused(
            f"too few classes: {len(remaining)} with at least {min_per_class} rows each "
            f"(rows per class: {per_class or 'none'}); at least 2 are needed"
        )
    return result


def existing_classes(output: Path) -> tuple[str, ...]:
    """The classes of the model currently at `output` (empty when there is none or it is unreadable)."""
    try:
        return tuple(read_metadata(output).get("classes", ()))
    except ModelFileError:
        return ()


def _newer_than(new: Path, old: Path) -> None:
    """Give `new` a modification time after `old`'s, so caches keyed on it (load_model) always see a change.

    (On a file system with coarse timestamps two models written within one tick would otherwise look alike.)
    """
    try:
        before = old.stat().st_mtime_ns
    except OSError:
        return
    now = new.stat().st_mtime_ns
    if now <= before:
        os.utime(new, ns=(before + 1_000_000_000, before + 1_000_000_000))


def install(model: Model, output: str | Path) -> Path | None:
    """Write `model` to `output` atomically, keeping the model it replaces as `<output>.previous`.

    Returns the backup's path (None when there was no model). The new model is verified by loading
    it before anything is replaced; on any error the current model is left untouched.
    """
    target = Path(output).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    backup: Path | None = None
    try:
        model.save(building)
        Model.load(building)
        os.chmod(building, 0o755)  # noqa: S103 - mkdtemp makes 0700; the app may run as another user
        if target.exists():
            _newer_than(building / METADATA_FILE, target / METADATA_FILE)
            backup = target.with_name(target.name + BACKUP_SUFFIX)
            if backup.exists():
                shutil.rmtree(backup)
            os.replace(target, backup)
        os.replace(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    load_model(target)  # verify in place and warm this process's cache
    return backup


def _stamp(model: Model, source: str, extra: dict[str, Any]) -> None:
    """Record the source, the data description and a version string in the model's metadata."""
    data = model.metadata["training_data"]
    data.update(extra)
    data["source"] = source
    created = model.metadata["created_at"].replace("-", "").replace(":", "").replace("+0000", "Z")
    model.metadata["version"] = f"{source}-{created}-{data['sha256'][:12]}"


@dataclass(frozen=True)
class TrainingResult:
    """A trained and installed model, where the previous one went, and the data it was trained on."""

    model: Model
    output: Path
    backup: Path | None
    data: TrainingSet | None = None


def train_from_db(
    output: str | Path | None = None, *, since: date | None = None, min_per_class: int = DEFAULT_MIN_PER_CLASS,
    also_shipped: bool = False, shipped_data: str | Path = DEFAULT_DATA, include_confidential: bool = False,
    allow_fewer_classes: bool = False, seed: int = 0, log: Log | None = None,
) -> TrainingResult:
    """Train on the centre's finished orders (optionally plus the shipped messages) and install the model."""
    say: Log = log or (lambda _message: None)
    target = Path(output) if output else model_dir()
    data = build_training_set(since=since, min_per_class=min_per_class, also_shipped=also_shipped,
                              shipped_data=shipped_data, include_confidential=include_confidential)
    say(data.summary())
    if data.classes_left_out:
        say("classes left out (fewer than --min-per-class rows): "
            + ", ".join(f"{name} {n}" for name, n in data.classes_left_out.items()))
    lost = sorted(set(existing_classes(target)) - set(data.labels))
    if lost and not allow_fewer_classes:
        raise TrainingRefused(
            f"the new model would not know {', '.join(lost)}, which the model at {target} classifies; "
            "add --also-shipped, lower --min-per-class, or pass --allow-fewer-classes"
        )
    model = train(data.texts, data.labels, seed=seed, log=say)
    _stamp(model, data.source, data.metadata())
    backup = install(model, target)
    return TrainingResult(model, target, backup, data)


def train_from_file(
    data: str | Path = DEFAULT_DATA, output: str | Path | None = None, *, unlabeled_files: Iterable[str | Path] = (),
    seed: int = 0, log: Log | None = None,
) -> TrainingResult:
    """Train on a labelled CSV (default: the shipped messages) and install the model like `train_from_db`."""
    target = Path(output) if output else model_dir()
    model = train_from_csv(data, None, unlabeled_files=list(unlabeled_files), seed=seed, log=log)
    source = "shipped" if Path(data).resolve() == DEFAULT_DATA.resolve() else "csv"
    _stamp(model, source, {})
    backup = install(model, target)
    return TrainingResult(model, target, backup)


def ensure_model(path: str | Path | None = None, *, data: str | Path = DEFAULT_DATA, log: Log | None = None) -> bool:
    """Train from the shipped messages if no model file exists at `path` (default: the configured one).

    Returns True when a model was trained. A model directory that exists is never replaced, even if damaged.
    """
    target = Path(path) if path else model_dir()
    if (target / METADATA_FILE).is_file():
        return False
    train_from_file(data, target, log=log)
    return True
