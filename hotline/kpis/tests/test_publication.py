"""Publishing the monthly bulletin (发布通报): stored as announced, corrected only by a new edition, refused
for months not ended and for people who may not publish, never edited or deleted."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.kpis import services as publication
from hotline.kpis.bulletin import data, preview_status, render
from hotline.kpis.models import AppendOnlyError, BulletinEvent, PublishedBulletin
from hotline.kpis.periods import days_between, parse_month
from hotline.kpis.services import publish_bulletin
from hotline.kpis.tests.scenario import Month, at, build
from hotline.tickets import services
from hotline.tickets.exceptions import ConflictError, NotPermitted, RuleViolation
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: 3 April 2025, 10:00 Beijing time: March is over, its bulletin is announced.
AFTER = at(3, 10, month=4)


@pytest.fixture
def month() -> Month:
    return build()


@pytest.fixture
def after() -> Iterator[None]:
    with clock.frozen(AFTER):
        yield


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _file_url(published: PublishedBulletin, fmt: str) -> str:
    return reverse("kpis-bulletin-file", args=[published.label, published.edition, fmt])


def _ranking_cell(content: bytes, unit_name: str, column: str) -> object:
    """A unit's value in one column of the workbook's ranking sheet."""
    rows = list(openpyxl.load_workbook(BytesIO(content))["考核排名"].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "名次")
    line = next(r for r in rows if r[1] == unit_name)
    return line[header.index(column)]


# --- the service -------------------------------------------------------------------------------------


def test_publishing_stores_both_files_their_hashes_and_an_audit_record(month: Month, after: None) -> None:
    leader = UserFactory(role=Role.LEADER)
    published = publish_bulletin("2025-03", actor=leader)
    assert (published.label, published.edition, published.replaces, published.reason) == ("2025-03", 1, None, "")
    assert published.published_by == leader and published.published_at == AFTER
    stored = PublishedBulletin.objects.get(pk=published.pk)
    assert stored.content("pdf").startswith(b"%PDF-") and stored.content("xlsx")[:2] == b"PK"
    assert stored.pdf_sha256 == hashlib.sha256(stored.content("pdf")).hexdigest()
    assert stored.xlsx_sha256 == hashlib.sha256(stored.content("xlsx")).hexdigest()
    overview = openpyxl.load_workbook(BytesIO(stored.content("xlsx")))["概览"]
    assert "生成于 2025-04-03 10:00" in overview["A2"].value
    assert overview["A3"].value == "正式发布版：第 1 版，发布于 2025-04-03 10:00"
    event = BulletinEvent.objects.get(bulletin=stored)
    assert (event.kind, event.actor, event.at) == (BulletinEvent.Kind.PUBLISHED, leader, AFTER)
    assert event.data == {"month": "2025-03", "edition": 1, "replaces": None,
                          "pdf_sha256": stored.pdf_sha256, "xlsx_sha256": stored.xlsx_sha256}


def test_the_published_edition_stays_as_announced_after_an_appeal_is_upheld(month: Month, after: None) -> None:
    cast = month.cast
    published = publish_bulletin("2025-03", actor=cast.supervisor)
    pdf, xlsx = published.content("pdf"), published.content("xlsx")
    assert _ranking_cell(xlsx, cast.lead.name, "满意率") == pytest.approx(1.9 / 3)
    t2 = services.appeal(month.tickets["t2"], actor=cast.lead_handler, unit=cast.lead, reason="群众诉求已按政策答复")
    services.decide_appeal(t2, actor=cast.supervisor, uphold=True, note="申诉成立")
    # The preview follows the orders: the upheld appeal leaves t2 out of U's assessment...
    preview = render(parse_month("2025-03"), "xlsx")
    assert _ranking_cell(preview, cast.lead.name, "满意率") == pytest.approx(1 / 2)
    # ...the published edition does not: the download is the stored file, byte for byte.
    client = _client(UserFactory(role=Role.LEADER))
    for fmt, content in (("pdf", pdf), ("xlsx", xlsx)):
        response = client.get(_file_url(published, fmt))
        assert response.status_code == 200 and response.content == content
        assert hashlib.sha256(response.content).hexdigest() == published.sha256(fmt)
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        assert response["Repr-Digest"] == f"sha-256=:{digest}:"
        assert f'filename="bulletin-2025-03-v1.{fmt}"' in response["Content-Disposition"]
    assert _ranking_cell(client.get(_file_url(published, "xlsx")).content, cast.lead.name, "满意率") == \
        pytest.approx(1.9 / 3)


def test_a_second_edition_needs_a_reason_and_replaces_the_first(month: Month, after: None) -> None:
    leader = UserFactory(role=Role.LEADER)
    first = publish_bulletin("2025-03", actor=leader)
    with pytest.raises(RuleViolation, match="已发布第 1 版：发布更正版须写明更正原因"):
        publish_bulletin("2025-03", actor=leader, reason="   ")
    assert PublishedBulletin.objects.count() == 1
    second = publish_bulletin("2025-03", actor=leader, reason="东华门街道申诉成立，重新排名")
    assert (second.edition, second.replaces, second.reason) == (2, first, "东华门街道申诉成立，重新排名")
    overview = openpyxl.load_workbook(BytesIO(second.content("xlsx")))["概览"]
    assert overview["A3"].value == ("正式发布版：第 2 版，发布于 2025-04-03 10:00；更正版，代替第 1 版；"
                                    "更正原因：东华门街道申诉成立，重新排名")
    third = publish_bulletin("2025-03", actor=leader, reason="再次更正")
    assert (third.edition, third.replaces) == (3, second)
    assert BulletinEvent.objects.count() == 3


def test_a_month_not_ended_is_refused(month: Month) -> None:
    leader = UserFactory(role=Role.LEADER)
    with clock.frozen(at(31, 23)):  # the last evening of March
        with pytest.raises(RuleViolation, match="2025-03 尚未结束，不能发布通报"):
            publish_bulletin("2025-03", actor=leader)
    with clock.frozen(AFTER):
        with pytest.raises(RuleViolation, match="2025-04 尚未结束"):
            publish_bulletin("2025-04", actor=leader)
        with pytest.raises(RuleViolation, match="2026-01 尚未结束"):
            publish_bulletin("2026-01", actor=leader)
    assert not PublishedBulletin.objects.exists() and not BulletinEvent.objects.exists()


@pytest.mark.parametrize("text", ["2025-13", "2025/03", "", "1999-12"])
def test_a_malformed_month_is_refused(text: str, after: None) -> None:
    with pytest.raises(RuleViolation):
        publish_bulletin(text, actor=UserFactory(role=Role.LEADER))
    with pytest.raises(RuleViolation, match="通报按月发布"):
        publish_bulletin(days_between(date(2025, 3, 1), date(2025, 3, 31)), actor=UserFactory(role=Role.LEADER))
    assert not PublishedBulletin.objects.exists()


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.INSPECTOR, Role.INTAKE, Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_only_supervisors_leaders_and_administrators_publish(role: str, after: None) -> None:
    with pytest.raises(NotPermitted, match="只有督办员、领导和系统管理员可以发布通报"):
        publish_bulletin("2025-03", actor=UserFactory(role=role))
    assert not PublishedBulletin.objects.exists()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LEADER, Role.ADMIN])
def test_centre_supervisors_leaders_and_administrators_may_publish(role: str, after: None) -> None:
    assert publish_bulletin("2025-03", actor=UserFactory(role=role)).edition == 1


def test_an_inactive_leader_may_not_publish(after: None) -> None:
    with pytest.raises(NotPermitted):
        publish_bulletin("2025-03", actor=UserFactory(role=Role.LEADER, is_active=False))


def test_two_publishers_of_the_same_edition_get_one_edition_and_a_clean_error(
        month: Month, after: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone else publishes edition 1 between our reading of the editions and our insert."""
    leader, other = UserFactory(role=Role.LEADER), UserFactory(role=Role.SUPERVISOR)
    real = publication.render_both

    def meanwhile(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        files = real(*args, **kwargs)
        PublishedBulletin.objects.create(month=parse_month("2025-03").first_day, edition=1, published_by=other,
                                         published_at=AFTER, pdf=b"x", xlsx=b"y", pdf_sha256="0" * 64,
                                         xlsx_sha256="0" * 64)
        return files

    monkeypatch.setattr(publication, "render_both", meanwhile)
    with pytest.raises(ConflictError, match="2025-03 第 1 版刚被他人发布"):
        publish_bulletin("2025-03", actor=leader)
    assert not BulletinEvent.objects.filter(actor=leader).exists()


def test_the_database_refuses_a_duplicate_edition_and_a_correction_without_a_reason(after: None) -> None:
    leader = UserFactory(role=Role.LEADER)
    first = PublishedBulletin.objects.create(month=parse_month("2025-03").first_day, edition=1, published_by=leader,
                                             published_at=AFTER, pdf=b"", xlsx=b"", pdf_sha256="", xlsx_sha256="")
    fields = {"month": first.month, "published_by": leader, "published_at": AFTER, "pdf": b"", "xlsx": b""}
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedBulletin.objects.create(edition=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedBulletin.objects.create(edition=2, replaces=first, reason="", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedBulletin.objects.create(edition=2, reason="更正", **fields)  # replaces nothing


def test_a_published_edition_is_never_edited_or_deleted(month: Month, after: None) -> None:
    published = publish_bulletin("2025-03", actor=UserFactory(role=Role.LEADER))
    event = BulletinEvent.objects.get()
    published.reason = "改一下"
    for action in (published.save, published.delete, event.save, event.delete):
        with pytest.raises(AppendOnlyError):
            action()
    with pytest.raises(AppendOnlyError):
        PublishedBulletin.objects.update(reason="改一下")
    with pytest.raises(AppendOnlyError):
        PublishedBulletin.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        BulletinEvent.objects.all().delete()
    assert PublishedBulletin.objects.get().reason == ""


def test_the_preview_says_it_is_not_published(month: Month) -> None:
    overview = openpyxl.load_workbook(BytesIO(render(parse_month("2025-03"), "xlsx")))["概览"]
    assert overview["A3"].value == preview_status() and "未发布" in preview_status()
    assert data.gather(parse_month("2025-03")).status == ""  # the builders print a status only when given


# --- the page ------------------------------------------------------------------------------------------


def test_publishing_from_the_page(month: Month, after: None) -> None:
    leader = UserFactory(role=Role.LEADER, display_name="王主任")
    client = _client(leader)
    page = client.get(reverse("kpis-bulletin"))
    body = page.content.decode()
    assert page.status_code == 200 and page.context["may_publish"] and page.context["may_preview"]
    assert "预览（未发布）" in body and "尚未发布通报。" in body
    assert page.context["publish_form"]["month"].value() == "2025-03"  # the last full month
    # Not confirmed: nothing published.
    unconfirmed = client.post(reverse("kpis-bulletin-publish"), {"publish-month": "2025-03"})
    assert unconfirmed.status_code == 400 and not PublishedBulletin.objects.exists()
    done = client.post(reverse("kpis-bulletin-publish"), {"publish-month": "2025-03", "publish-confirm": "on"})
    assert done.status_code == 302 and done["Location"] == reverse("kpis-bulletin")
    published = PublishedBulletin.objects.get()
    body = client.get(reverse("kpis-bulletin")).content.decode()
    assert "已发布 2025-03 月度通报第 1 版" in body
    assert "王主任" in body and published.pdf_sha256 in body and published.xlsx_sha256 in body
    assert _file_url(published, "pdf") in body and _file_url(published, "xlsx") in body
    # A second edition without a reason: the reason is asked for, nothing is published.
    again = client.post(reverse("kpis-bulletin-publish"), {"publish-month": "2025-03", "publish-confirm": "on"})
    assert again.status_code == 400 and "发布更正版须写明更正原因" in again.content.decode()
    client.post(reverse("kpis-bulletin-publish"),
                {"publish-month": "2025-03", "publish-confirm": "on", "publish-reason": "申诉成立"})
    body = client.get(reverse("kpis-bulletin")).content.decode()
    assert "第 2 版" in body and "（更正版）" in body and "已被更正" in body and "申诉成立" in body


@pytest.mark.parametrize(("month_text", "message"), [
    ("2025-13", "月份无效"), ("2025/03", "月份格式应为 YYYY-MM"), ("", "这个字段是必填项"),
    ("2025-04", "2025-04 尚未结束"),
])
def test_the_page_refuses_a_bad_or_unfinished_month(month_text: str, message: str, after: None) -> None:
    response = _client(UserFactory(role=Role.SUPERVISOR)).post(
        reverse("kpis-bulletin-publish"), {"publish-month": month_text, "publish-confirm": "on"})
    assert response.status_code == 400 and message in response.content.decode()
    assert not PublishedBulletin.objects.exists()


def test_publishing_needs_the_csrf_token(after: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.post(reverse("kpis-bulletin-publish"), {"publish-month": "2025-03", "publish-confirm": "on"})
    assert response.status_code == 403 and not PublishedBulletin.objects.exists()


def test_publishing_is_a_post(after: None) -> None:
    client = _client(UserFactory(role=Role.LEADER))
    assert client.get(reverse("kpis-bulletin-publish"), {"publish-month": "2025-03"}).status_code == 405


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN, Role.INTAKE, Role.DISPATCHER, Role.INSPECTOR])
def test_the_page_refuses_to_publish_for_others(month: Month, role: str, after: None) -> None:
    units = [month.cast.lead] if role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) else []
    response = _client(UserFactory(role=role, units=units)).post(
        reverse("kpis-bulletin-publish"), {"publish-month": "2025-03", "publish-confirm": "on"})
    assert response.status_code == 403 and not PublishedBulletin.objects.exists()


def test_dispatchers_preview_without_the_publish_form(after: None) -> None:
    page = _client(UserFactory(role=Role.DISPATCHER)).get(reverse("kpis-bulletin"))
    assert page.status_code == 200 and page.context["may_preview"] and not page.context["may_publish"]
    assert reverse("kpis-bulletin-publish") not in page.content.decode()


def test_unit_staff_see_and_download_the_published_editions_only(month: Month, after: None) -> None:
    published = publish_bulletin("2025-03", actor=month.cast.supervisor)
    client = _client(UserFactory(role=Role.UNIT_HANDLER, units=[month.cast.lead]))
    page = client.get(reverse("kpis-bulletin"))
    body = page.content.decode()
    assert page.status_code == 200 and not page.context["may_preview"] and not page.context["may_publish"]
    assert _file_url(published, "pdf") in body and "预览（未发布）" not in body
    assert reverse("kpis-bulletin-publish") not in body
    assert client.get(_file_url(published, "xlsx")).content == published.content("xlsx")
    # The preview (figures as they stand, not announced) stays with the centre.
    assert client.get(reverse("kpis-bulletin"), {"month": "2025-03", "format": "pdf"}).status_code == 403


@pytest.mark.parametrize("role", [Role.INTAKE, Role.UNIT_HANDLER])
def test_the_published_files_are_refused_to_agents_and_to_unit_staff_without_a_unit(
        month: Month, role: str, after: None) -> None:
    published = publish_bulletin("2025-03", actor=month.cast.supervisor)
    client = _client(UserFactory(role=role))
    assert client.get(_file_url(published, "pdf")).status_code == 403
    assert client.get(reverse("kpis-bulletin")).status_code == 403


def test_a_file_not_published_or_asked_for_wrongly_is_not_found(month: Month, after: None) -> None:
    published = publish_bulletin("2025-03", actor=month.cast.supervisor)
    client = _client(UserFactory(role=Role.LEADER))
    for args in (["2025-03", 2, "pdf"], ["2025-02", 1, "pdf"], ["2025-03", 1, "docx"], ["2025-13", 1, "pdf"],
                 ["march", 1, "xlsx"], ["2025-03", 99999, "pdf"]):
        assert client.get(reverse("kpis-bulletin-file", args=args)).status_code == 404, args
    assert client.get(_file_url(published, "pdf")).status_code == 200


# --- the admin -----------------------------------------------------------------------------------------


def test_the_admin_shows_but_never_adds_changes_or_deletes(month: Month, after: None, admin_client: Client) -> None:
    published = publish_bulletin("2025-03", actor=month.cast.supervisor)
    event = BulletinEvent.objects.get()
    listing = admin_client.get(reverse("admin:kpis_publishedbulletin_changelist"))
    assert listing.status_code == 200 and published.pdf_sha256 in listing.content.decode()
    change = reverse("admin:kpis_publishedbulletin_change", args=[published.pk])
    view = admin_client.get(change)
    assert view.status_code == 200 and _file_url(published, "pdf") in view.content.decode()
    assert b'name="reason"' not in view.content  # read-only: no input
    assert admin_client.post(change, {"reason": "改一下", "edition": 5}).status_code == 403
    assert admin_client.get(reverse("admin:kpis_publishedbulletin_add")).status_code == 403
    assert admin_client.post(reverse("admin:kpis_publishedbulletin_delete", args=[published.pk]),
                             {"post": "yes"}).status_code == 403
    assert admin_client.post(reverse("admin:kpis_publishedbulletin_changelist"),
                             {"action": "delete_selected", "_selected_action": [published.pk],
                              "post": "yes"}).status_code in (200, 302)
    assert admin_client.post(reverse("admin:kpis_bulletinevent_change", args=[event.pk]), {}).status_code == 403
    assert admin_client.post(reverse("admin:kpis_bulletinevent_delete", args=[event.pk]),
                             {"post": "yes"}).status_code == 403
    stored = PublishedBulletin.objects.get()
    assert (stored.reason, stored.edition, stored.pdf_sha256) == ("", 1, published.pdf_sha256)
    assert BulletinEvent.objects.count() == 1


# --- hotline report --published --------------------------------------------------------------------------


def test_report_writes_the_stored_edition(month: Month, after: None, tmp_path: Path) -> None:
    cast = month.cast
    first = publish_bulletin("2025-03", actor=cast.supervisor)
    second = publish_bulletin("2025-03", actor=cast.supervisor, reason="更正")
    t2 = services.appeal(month.tickets["t2"], actor=cast.lead_handler, unit=cast.lead, reason="已按政策答复")
    services.decide_appeal(t2, actor=cast.supervisor, uphold=True, note="申诉成立")
    latest, older = tmp_path / "latest.pdf", tmp_path / "first.xlsx"
    call_command("report", "--month", "2025-03", "--published", "--output", str(latest))
    call_command("report", "--month", "2025-03", "--published", "--edition", "1", "--output", str(older))
    assert latest.read_bytes() == second.content("pdf")
    assert older.read_bytes() == first.content("xlsx")
    assert hashlib.sha256(older.read_bytes()).hexdigest() == first.xlsx_sha256


def test_report_says_when_nothing_was_published(month: Month, after: None, tmp_path: Path) -> None:
    out = tmp_path / "b.pdf"
    with pytest.raises(CommandError, match="2025-03 没有已发布的通报（任何一版）"):
        call_command("report", "--month", "2025-03", "--published", "--output", str(out))
    publish_bulletin("2025-03", actor=month.cast.supervisor)
    with pytest.raises(CommandError, match="2025-03 没有已发布的通报（第 2 版）"):
        call_command("report", "--month", "2025-03", "--published", "--edition", "2", "--output", str(out))
    with pytest.raises(CommandError, match="--edition 只能与 --published 同用"):
        call_command("report", "--month", "2025-03", "--edition", "1", "--output", str(out))
    assert not out.exists()


def test_the_page_in_english_publishes_the_chinese_bulletin(month: Month, after: None) -> None:
    client = _client(UserFactory(role=Role.LEADER))
    page = client.get(reverse("kpis-bulletin"), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "Published bulletins" in body and "Preview (not published)" in body and "Publish the bulletin" in body
    response = client.post(reverse("kpis-bulletin-publish"), {"publish-month": "2025-03", "publish-confirm": "on"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    overview = openpyxl.load_workbook(BytesIO(PublishedBulletin.objects.get().content("xlsx")))["概览"]
    assert overview["A3"].value.startswith("正式发布版：第 1 版")


def test_the_list_of_editions_takes_the_same_queries_for_one_or_many(month: Month, after: None) -> None:
    client = _client(UserFactory(role=Role.LEADER))
    publish_bulletin("2025-03", actor=month.cast.supervisor)
    client.get(reverse("kpis-bulletin"))  # warm the caches (settings, session)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("kpis-bulletin"))
    for reason in ("更正", "再更正"):
        publish_bulletin("2025-03", actor=UserFactory(role=Role.SUPERVISOR), reason=reason)
    publish_bulletin("2025-02", actor=month.cast.supervisor)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("kpis-bulletin"))
    assert len(page.context["editions"].object_list) == 4
    assert len(many) == len(one)
    assert not any('"pdf"' in q["sql"] and "SELECT" in q["sql"] for q in many.captured_queries)  # files not read
