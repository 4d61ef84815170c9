"""`hotline train --from-db`: the centre's finished orders, labelled by their final level-1 category, train a model.

Orders are made through the real services (`make_ticket`) with real shipped messages as their text, so
the model trained on them must classify other real messages of the same classes.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from hotline.intelligence.text import data_sha256, read_messages
from hotline.intelligence.workflow import DEFAULT_DATA, load_model
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage import training

pytestmark = pytest.mark.django_db

CLASSES = ("劳动和社会保障", "教育文体", "环境保护")
PER_CLASS = 24
#: The order of the shipped messages: (text, label) of every row.
_SHIPPED = read_messages(DEFAULT_DATA)
MESSAGES = list(zip(_SHIPPED.texts, _SHIPPED.labels, strict=True))


def _messages(label: str, start: int, count: int) -> list[str]:
    """`count` shipped messages of one class, skipping the first `start`."""
    return [text for text, lab in MESSAGES if lab == label][start:start + count]


def _leaf(level1: str) -> Category:
    """A level-3 category under the level-1 category `level1` (created as needed)."""
    top, _ = Category.objects.get_or_create(full_name=level1, defaults={"name": level1, "level": 1})
    middle, _ = Category.objects.get_or_create(
        full_name=f"{level1}/二级", defaults={"name": "二级", "level": 2, "parent": top})
    leaf, _ = Category.objects.get_or_create(
        full_name=f"{level1}/二级/三级", defaults={"name": "三级", "level": 3, "parent": middle})
    return leaf


def _order(cast: Cast, text: str, category: Category | None, status: str = Status.ANSWERED, **draft: object) -> None:
    """A finished order carrying a shipped message: its topic (up to the first space) as title, the rest as content."""
    title, _, rest = text.partition(" ") if " " in text[:200] else ("", "", text)
    make_ticket(status, cast=cast, category=category, title=title, description=rest, at=NOW, **draft)


def _build_orders() -> dict[str, list[str]]:
    """PER_CLASS finished orders in each of CLASSES (a few closed, the rest answered), plus orders to skip."""
    cast = Cast.build()
    used: dict[str, list[str]] = {}
    for label in CLASSES:
        leaf = _leaf(label)
        used[label] = _messages(label, 0, PER_CLASS)
        for number, text in enumerate(used[label]):
            _order(cast, text, leaf, Status.CLOSED if number < 2 else Status.ANSWERED)
    other = _leaf("政法")
    for text in _messages("城乡建设", 0, 3):
        _order(cast, text, other)  # a level-1 category the classifier does not have
    _order(cast, _messages("交通运输", 0, 1)[0], _leaf("交通运输"), is_confidential=True)
    _order(cast, _messages("卫生计生", 0, 1)[0], None)  # no category
    _order(cast, used[CLASSES[0]][0], _leaf(CLASSES[1]))  # the same text again, another label: first one wins
    make_ticket(Status.IN_PROGRESS, cast=cast, category=_leaf(CLASSES[0]), title="", description="未办结的工单", at=NOW)
    make_ticket(Status.TRANSFERRED, cast=cast, category=_leaf(CLASSES[0]), title="", description="转应急的工单", at=NOW)
    return used


@pytest.fixture(scope="module")
def orders(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, list[str]]]:
    """The orders of `_build_orders`, made once for this module and rolled back after its last test.

    (Making ~85 orders through the services takes ~20 s; each test still runs in its own savepoint.)
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_orders()
        transaction.set_rollback(True)


def _metadata(path: Path) -> dict:
    return json.loads((path / "model.json").read_text(encoding="utf-8"))


def _write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言主题", "留言详情", "一级标签"])
        writer.writerows(("", text, label) for text, label in rows)
    return path


def _slice(path: Path, per_class: int) -> Path:
    """A labelled CSV with the first `per_class` shipped messages of every class."""
    taken: Counter[str] = Counter()
    rows = []
    for text, label in MESSAGES:
        if taken[label] < per_class:
            taken[label] += 1
            rows.append((text, label))
    return _write_csv(path, rows)


def test_trains_on_final_categories_and_records_the_data(orders: dict[str, list[str]], tmp_path: Path) -> None:
    """Finished orders with a known level-1 category are the rows; the file records source, counts and hash."""
    output = tmp_path / "model"
    out = StringIO()
    call_command("train", from_db=True, output=str(output), min_per_class=10, stdout=out)
    assert "cv_macro_f1=" in out.getvalue().strip().splitlines()[-1]

    meta = _metadata(output)
    data = meta["training_data"]
    assert data["source"] == "db" and meta["version"].startswith("db-")
    assert meta["classes"] == sorted(CLASSES)
    assert data["class_counts"] == dict.fromkeys(sorted(CLASSES), PER_CLASS)
    assert data["orders"]["used"] == 3 * PER_CLASS == data["n_samples"]
    assert data["orders"]["skipped"] == {"confidential": 1, "no category": 1, "other level-1 category": 3,
                                         "repeated text": 1}
    assert data["orders"]["other_level1_categories"] == {"政法": 3}
    assert data["orders"]["confidential_included"] is False
    # The hash is over the rows in closing order: title + description = the original message.
    rows = [(text, label) for label in CLASSES for text in orders[label]]
    assert data["sha256"] == data_sha256([t for t, _ in rows], [lab for _, lab in rows])
    assert meta["cross_validation"]["folds"] == 5
    assert meta["version"].endswith(data["sha256"][:12])

    held_out = [(text, label) for label in CLASSES for text in _messages(label, PER_CLASS, 10)]
    predicted = load_model(output).predict([text for text, _ in held_out])
    correct = sum(p == label for p, (_, label) in zip(predicted, held_out, strict=True))
    assert correct >= 0.7 * len(held_out)


def test_confidential_orders_only_on_request(orders: dict[str, list[str]], tmp_path: Path) -> None:
    """--include-confidential adds the 保密 order (its class 交通运输 then has one row: left out as too small)."""
    output = tmp_path / "model"
    call_command("train", from_db=True, output=str(output), min_per_class=10, include_confidential=True,
                 stdout=StringIO())
    data = _metadata(output)["training_data"]
    assert data["orders"]["confidential_included"] is True
    assert "confidential" not in data["orders"]["skipped"]
    assert data["classes_left_out"] == {"交通运输": 1}
    assert data["orders"]["skipped"]["order or message of a class under --min-per-class"] == 1
    assert data["n_samples"] == data["orders"]["used"] == 3 * PER_CLASS


def test_since_keeps_recent_orders_only(orders: dict[str, list[str]], tmp_path: Path) -> None:
    """--since: orders finished before the day are not used; if none remain, training is refused."""
    with pytest.raises(CommandError, match="no finished order"):
        call_command("train", from_db=True, output=str(tmp_path / "m"), since=str((NOW + timedelta(days=1)).date()),
                     stdout=StringIO())
    assert not (tmp_path / "m").exists()
    call_command("train", "--from-db", "--output", str(tmp_path / "m"), "--min-per-class", "10",
                 "--since", str(NOW.date()), stdout=StringIO())
    assert _metadata(tmp_path / "m")["training_data"]["orders"]["closed_since"] == str(NOW.date())
    with pytest.raises(CommandError, match="not a date"):
        call_command("train", from_db=True, since="2025-13-45", stdout=StringIO())


def test_refuses_without_enough_orders(orders: dict[str, list[str]], tmp_path: Path) -> None:
    """No usable orders, or a single class with enough rows: a clear error, nothing written."""
    output = tmp_path / "model"
    with pytest.raises(CommandError, match=r"no finished order \(closed or answered, finished since 2025-03-05\)"):
        call_command("train", from_db=True, output=str(output), since=str((NOW + timedelta(days=1)).date()),
                     stdout=StringIO())
    cast = Cast.build()
    for text in _messages(CLASSES[0], PER_CLASS, 2):
        _order(cast, text, _leaf(CLASSES[0]))
    with pytest.raises(CommandError, match=r"too few classes: 1 .*劳动和社会保障 26, 教育文体 24, 环境保护 24"):
        call_command("train", from_db=True, output=str(output), min_per_class=25, stdout=StringIO())
    with pytest.raises(CommandError, match="at least 2"):
        call_command("train", from_db=True, output=str(output), min_per_class=1, stdout=StringIO())
    with pytest.raises(CommandError, match="needs --from-db"):
        call_command("train", also_shipped=True, output=str(output), stdout=StringIO())
    assert not output.exists()


def test_a_title_intake_derived_is_not_part_of_the_text() -> None:
    """Intake fills a blank title with the description's first 40 characters; the text leaves that copy out."""
    description = "小区门口的路灯已经坏了一个多月，晚上出行非常不便，老人和孩子容易摔倒，请尽快派人维修更换路灯"
    derived = description[:40]
    assert training.order_text(derived, description) == description
    assert training.order_text("路灯不亮", description) == f"路灯不亮 {description}"
    assert training.order_text("", f"  {description}\n") == description


def test_also_shipped_adds_messages_once(orders: dict[str, list[str]], tmp_path: Path) -> None:
    """--also-shipped adds the labelled messages of --data; a message an order already carries is not added again."""
    shipped = _slice(tmp_path / "slice.csv", 12)
    rows = read_messages(shipped)
    repeated = sum(text in set(orders.get(label, ())) for text, label in zip(rows.texts, rows.labels, strict=True))
    assert repeated == 3 * 12  # the slice starts with the very messages the orders carry
    output = tmp_path / "model"
    out = StringIO()
    call_command("train", from_db=True, also_shipped=True, data=str(shipped), output=str(output), min_per_class=10,
                 stdout=out)
    meta = _metadata(output)
    data = meta["training_data"]
    assert data["source"] == "shipped+db" and meta["version"].startswith("shipped+db-")
    assert data["shipped"]["rows_used"] == 7 * 12 - repeated == 48
    assert data["shipped"]["sha256"] == rows.file_sha256
    assert data["n_samples"] == data["n_distinct"] == 3 * PER_CLASS + 48
    assert len(meta["classes"]) == 7 and data["classes_left_out"] == {}
    assert data["class_counts"]["交通运输"] == 12 and data["class_counts"]["教育文体"] == PER_CLASS


def test_install_keeps_the_previous_model_and_the_process_sees_the_new_one(
    orders: dict[str, list[str]], tmp_path: Path,
) -> None:
    """Retraining replaces the directory atomically, keeps `.previous`, and load_model returns the new model."""
    shipped = _slice(tmp_path / "slice.csv", 12)
    output = tmp_path / "model"
    call_command("train", data=str(shipped), output=str(output), stdout=StringIO())
    first = load_model(output)
    assert first.metadata["training_data"]["source"] == "csv" and len(first.classes) == 7

    with pytest.raises(CommandError, match="would not know .*交通运输.*--allow-fewer-classes"):
        call_command("train", from_db=True, output=str(output), min_per_class=10, stdout=StringIO())
    assert load_model(output).metadata["version"] == first.metadata["version"]

    out = StringIO()
    call_command("train", from_db=True, output=str(output), min_per_class=10, allow_fewer_classes=True, stdout=out)
    assert f"previous model kept at {output}.previous" in out.getvalue()
    assert _metadata(tmp_path / "model.previous")["version"] == first.metadata["version"]
    current = load_model(output)
    assert current.metadata["training_data"]["source"] == "db" and current.classes == tuple(sorted(CLASSES))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "model.previous", "slice.csv"]


def test_ensure_model_trains_only_when_missing(tmp_path: Path) -> None:
    """ensure_model does nothing when a model exists and trains one (from `data`) when it is missing."""
    shipped = _slice(tmp_path / "slice.csv", 10)
    target = tmp_path / "models" / "classifier"
    assert training.ensure_model(target, data=shipped) is True
    meta = _metadata(target)
    assert meta["training_data"]["n_samples"] == 70 and meta["version"].startswith("csv-")
    stamp = (target / "model.json").stat().st_mtime_ns
    assert training.ensure_model(target, data=shipped) is False
    assert (target / "model.json").stat().st_mtime_ns == stamp
    assert not (tmp_path / "models" / "classifier.previous").exists()


def test_ensure_model_defaults_to_the_configured_directory(settings, tmp_path: Path) -> None:  # noqa: ANN001
    """Without a path it looks at HOTLINE_MODEL_DIR (the shipped model when unset, which exists)."""
    settings.HOTLINE_MODEL_DIR = ""
    assert training.model_dir() == training.DEFAULT_MODEL_DIR
    assert training.ensure_model() is False
    settings.HOTLINE_MODEL_DIR = str(tmp_path / "configured")
    assert training.model_dir() == tmp_path / "configured"
    assert training.ensure_model(data=_slice(tmp_path / "slice.csv", 10)) is True
    assert load_model(tmp_path / "configured").classes == training.model_classes()


def test_a_new_model_file_always_looks_newer(tmp_path: Path) -> None:
    """Even when the clock or the file system says otherwise, the installed model.json is newer than the old one."""
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text("{}")
    new.write_text("{}")
    future = new.stat().st_mtime_ns + 5_000_000_000
    os.utime(old, ns=(future, future))
    training._newer_than(new, old)
    assert new.stat().st_mtime_ns > old.stat().st_mtime_ns
