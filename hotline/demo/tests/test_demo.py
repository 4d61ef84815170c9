"""`hotline demo`: the demo city, its people and orders walked through the real services, loaded once."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.accounts.models import Membership, User
from hotline.calls.models import Call
from hotline.dataio.models import ImportedRecord
from hotline.demo.messages import derive_title, load_messages, pick_messages
from hotline.demo.seasons import ARCHIVE_SOURCE
from hotline.demo.users import DEMO_ACCOUNTS, DEMO_PASSWORD, accounts_markdown
from hotline.governance import services as governance
from hotline.governance.choices import ThemeAction, ThemeStatus
from hotline.governance.effect import effect, matching
from hotline.governance.models import Theme, ThemeOrder
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action, Channel, ConsultationStatus, Status, VisitMethod
from hotline.tickets.models import Assignment, Consultation, ReturnVisit, Ticket, TimelineEvent
from hotline.tickets.permissions import available_actions

DOC = Path(__file__).resolve().parents[3] / "docs" / "demo-accounts.md"
ORDERS = 120


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Ticket, TimelineEvent, Assignment, HandlingUnit, User, Membership, Category)}


@pytest.fixture
def fast_hasher(settings) -> None:  # noqa: ANN001
    """A cheap password hasher: the demo's hashing is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_demo_builds_the_city_people_and_orders_once(fast_hasher: None, frozen_now: object) -> None:
    """Units tree, a user per role, 120 orders over many statuses with gap-free timelines; a rerun adds nothing.

    The clock is frozen on a Tuesday morning: how far the recent orders have got depends on the day it runs.
    """
    out = StringIO()
    call_command("demo", orders=ORDERS, call_days=0, stdout=out)
    text = out.getvalue()
    assert "agent1" in text and "已办结" in text

    # The organisation tree of A市; departments, utilities, districts and streets have a duty mobile (承办单位提醒).
    from hotline.notifications.unit_texts import duty_mobile

    assert duty_mobile(HandlingUnit.objects.get(code="D-A2")) and not HandlingUnit.objects.filter(
        kind__in=[UnitKind.DEPARTMENT, UnitKind.UTILITY, UnitKind.STREET], phone="").exists()
    centre = HandlingUnit.objects.get(code="CENTRE", kind=UnitKind.CENTRE)
    city_units = HandlingUnit.objects.filter(parent=centre, kind__in=[UnitKind.DEPARTMENT, UnitKind.UTILITY])
    assert city_units.count() >= 12
    assert city_units.filter(kind=UnitKind.UTILITY).count() == 4
    districts = HandlingUnit.objects.filter(kind=UnitKind.DISTRICT, parent=centre)
    assert sorted(districts.values_list("code", flat=True)) == [f"D-A{i}" for i in range(1, 7)]
    for district in districts:
        streets = district.children.filter(kind=UnitKind.STREET)
        assert 3 <= streets.count() <= 4
        for street in streets:
            assert 2 <= street.children.filter(kind=UnitKind.COMMUNITY).count() <= 3

    # People: every role, the admin can use the Django admin, the demo password works.
    assert set(Role.values) <= set(User.objects.values_list("role", flat=True))
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.role == Role.ADMIN
    assert User.objects.get(username="agent1").check_password(DEMO_PASSWORD)
    zhujian = User.objects.get(username="zhujian")
    assert list(zhujian.units.values_list("code", flat=True)) == ["DEPT-ZJ"]

    # Orders: the count, many statuses, timelines 1..version with no gaps, nothing after now.
    archive = ImportedRecord.objects.filter(source=ARCHIVE_SOURCE).values("ticket")  # last year's, imported
    assert Ticket.objects.exclude(channel=Channel.PROACTIVE).exclude(pk__in=archive).count() == ORDERS
    statuses = Counter(Ticket.objects.values_list("status", flat=True))
    assert len(statuses) >= 8, statuses
    assert statuses[Status.CLOSED] > ORDERS / 3
    assert statuses[Status.ANSWERED] > 0
    seqs: dict[int, list[int]] = {}
    for ticket_id, seq in TimelineEvent.objects.order_by("ticket_id", "seq").values_list("ticket_id", "seq"):
        seqs.setdefault(ticket_id, []).append(seq)
    for ticket_id, version in Ticket.objects.values_list("id", "version"):
        assert seqs[ticket_id] == list(range(1, version + 1)), ticket_id
    assert not Ticket.objects.filter(registered_at__gt=TimelineEvent.objects.order_by("-at").first().at).exists()
    actions = set(TimelineEvent.objects.values_list("action", flat=True))
    assert {"register", "answer_directly", "dispatch", "sign", "reply", "approve_reply", "return_visit"} <= actions
    # Every step was taken by someone allowed to: unit steps by members of the unit.
    for event in TimelineEvent.objects.filter(action__in=["sign", "reply", "return", "give_opinion"]).exclude(
            ticket__in=archive).select_related("actor", "unit"):
        assert Membership.objects.filter(user=event.actor, unit=event.unit).exists()
    # Each dispatched order's lead is a real unit (not the centre), each order has a category and a place.
    assert not Assignment.objects.filter(unit=centre).exists()
    assert not Ticket.objects.filter(category__isnull=True).exists()
    assert not Ticket.objects.filter(district__isnull=True).exists()

    _assert_consultations()
    _assert_themes(text)
    _assert_proactive()
    _assert_followups()
    _assert_corrections()
    _assert_forwards()

    # Running it again loads nothing twice.
    before = _counts()
    out = StringIO()
    call_command("demo", orders=ORDERS, call_days=0, stdout=out)
    assert "已存在" in out.getvalue()
    assert _counts() == before


def _assert_followups() -> None:
    """群众催办 / 补充诉求: the oldest orders units hold were chased, each count equal to its chase steps."""
    chases = Counter(TimelineEvent.objects.filter(action="chase", data__counted=True).values_list("ticket_id",
                                                                                                    flat=True))
    assert chases and max(chases.values()) >= 2
    assert dict(Ticket.objects.filter(chase_count__gt=0).values_list("id", "chase_count")) == dict(chases)
    assert TimelineEvent.objects.filter(action="supplement").exists()
    assert not Ticket.objects.filter(pk__in=list(chases), is_confidential=True).exists()


def _assert_corrections() -> None:
    """工单更正: the dispatcher filled in a few communities and raised an urgency, each change on the timeline."""
    events = list(TimelineEvent.objects.filter(action="correct").select_related("actor", "ticket__community"))
    assert len(events) >= 3 and {e.actor.username for e in events} == {"dispatcher"}  # four places, maybe an urgency
    places = [e for e in events if e.data["category_or_place"]]
    assert places and all(e.ticket.community is not None and "更正原因：回拨来电人核实" in e.note for e in places)


def _assert_forwards() -> None:
    """下派: districts handed orders to their own streets (never to a community); the streets lead them then."""
    events = list(TimelineEvent.objects.filter(action="forward").select_related("unit", "ticket"))
    assert events
    for e in events:
        assert e.unit.kind == UnitKind.DISTRICT and e.data["to_unit"] == e.ticket.street_id
        assert Membership.objects.filter(user=e.actor, unit=e.unit).exists()
    assert not Assignment.objects.filter(forwarded_from__isnull=False, unit__kind=UnitKind.COMMUNITY).exists()
    back = TimelineEvent.objects.filter(action="return", data__to_unit__isnull=False)
    assert back.count() <= 1 and all(e.to_status == Status.IN_PROGRESS for e in back)


def _assert_proactive() -> None:
    """未诉先办: five orders raised by the dispatch desk for the themes, checked on site (现场核查), never visited."""
    raised = Ticket.objects.filter(channel=Channel.PROACTIVE)
    assert Counter(raised.values_list("status", flat=True)) == {
        Status.CLOSED: 2, Status.IN_PROGRESS: 2, Status.AWAITING_VISIT: 1}
    assert {t.registered_by.username for t in raised} == {"dispatcher"}
    assert not raised.exclude(caller_phone="").exists()
    checks = ReturnVisit.objects.filter(ticket__in=raised)
    assert set(checks.values_list("method", "resolved")) == {(VisitMethod.VERIFY, True), (VisitMethod.VERIFY, False)}
    assert not ReturnVisit.objects.exclude(ticket__in=raised).filter(method=VisitMethod.VERIFY).exists()
    assert {t.category.level for t in raised} == {3}
    linked = dict(ThemeOrder.objects.values_list("ticket__title", "theme__title"))
    assert len(linked) == 5 and linked["夜市路段油烟和垃圾清运问题排查"] == "城区流动摊贩占道经营整治"


def _assert_consultations() -> None:
    """会商: one waits for 城管's opinion (the demo account `chengguan` may answer it), one waits for the desk,
    and a concluded one went out as a designation of the lead it names."""
    waiting = Consultation.objects.filter(status=ConsultationStatus.OPEN,
                                          opinions__unit__code="DEPT-CG", opinions__answered_at__isnull=True).get()
    assert waiting.opinions.filter(answered_at__isnull=False).exists()
    assert waiting.ticket.status in (Status.REGISTERED, Status.PENDING_DISPATCH)
    chengguan = User.objects.get(username="chengguan")
    assert Action.GIVE_OPINION in available_actions(waiting.ticket, chengguan)
    assert Ticket.objects.visible_to(chengguan).filter(pk=waiting.ticket_id).exists()
    answered = Consultation.objects.filter(status=ConsultationStatus.OPEN).exclude(pk=waiting.pk).get()
    assert not answered.opinions.filter(answered_at__isnull=True).exists()
    assert Action.CONCLUDE_CONSULTATION in available_actions(answered.ticket, User.objects.get(username="dispatcher"))
    concluded = Consultation.objects.filter(status=ConsultationStatus.CONCLUDED)
    assert concluded.exists()
    for done in concluded:
        lead = done.ticket.assignments.order_by("id").first()
        assert (lead.unit, lead.is_designated, lead.dispatched_at) == (done.lead, True, done.ended_at)
        assert not done.opinions.filter(answered_at__isnull=True).exists()


def _assert_themes(output: str) -> None:
    """每月一题: four themes in four stages, each one's next step open to a documented demo account; the
    record in order, before now, unit steps by members of the unit; linked orders are ones it measures."""
    themes = {t.status: t for t in Theme.objects.all()}
    assert sorted(themes) == sorted([ThemeStatus.CLOSED, ThemeStatus.IN_PROGRESS, ThemeStatus.REPORTED,
                                     ThemeStatus.ADOPTED])
    user = {u.username: u for u in User.objects.filter(username__in=[
        "leader", "supervisor", "chengguan", "zhujian", "a2", "renshe", "water"])}
    closed, working = themes[ThemeStatus.CLOSED], themes[ThemeStatus.IN_PROGRESS]
    reported, adopted = themes[ThemeStatus.REPORTED], themes[ThemeStatus.ADOPTED]
    assert [e.action for e in closed.events.order_by("seq")] == [
        ThemeAction.ADOPT, ThemeAction.PLAN, ThemeAction.PROGRESS, ThemeAction.PROGRESS, ThemeAction.REPORT,
        ThemeAction.SEND_BACK, ThemeAction.REPORT, ThemeAction.ACCEPT]
    assert closed.lead.code == "DEPT-CG" and closed.closed_at.date() <= closed.due_date
    assert governance.available_actions(closed, user["chengguan"]) == []
    assert working.lead.code == "DEPT-ZJ" and list(working.assisting.values_list("code", flat=True)) == ["D-A2"]
    assert working.events.filter(action=ThemeAction.PROGRESS, unit=working.lead).exists()
    assert working.events.filter(action=ThemeAction.PROGRESS, unit__code="D-A2").exists()
    assert set(governance.available_actions(working, user["zhujian"])) == {ThemeAction.PROGRESS, ThemeAction.REPORT}
    assert governance.available_actions(working, user["a2"]) == [ThemeAction.PROGRESS]
    assert reported.lead.code == "DEPT-RS" and governance.available_actions(reported, user["renshe"]) == []
    for centre in ("leader", "supervisor"):
        assert {ThemeAction.ACCEPT, ThemeAction.SEND_BACK} <= set(governance.available_actions(reported,
                                                                                              user[centre]))
    assert adopted.lead.code == "UTIL-WATER" and governance.available_actions(adopted, user["water"]) == [
        ThemeAction.PLAN]
    for theme, who in ((closed, "chengguan"), (working, "a2"), (reported, "renshe"), (adopted, "water")):
        assert Theme.objects.visible_to(user[who]).filter(pk=theme.pk).exists()
    now = TimelineEvent.objects.order_by("-at").first().at
    for theme in themes.values():
        events = list(theme.events.order_by("seq"))
        assert [e.seq for e in events] == list(range(1, theme.version + 1))
        assert events[0].at == theme.created_at and events[-1].at <= now
        assert all(a.at < b.at for a, b in zip(events, events[1:], strict=False))
        for event in events:
            assert event.unit is None or Membership.objects.filter(user=event.actor, unit=event.unit).exists()
        assert theme.month == timezone.localdate(theme.created_at).replace(day=1)
        measured = Ticket.objects.filter(matching(theme))
        assert not theme.orders.exclude(pk__in=measured.values("pk")).exists()
        assert effect(theme).measurable
    assert "进行中的每月一题" in output
    assert "water" in output and "报送整改方案" in output and "验收销号" in output


@pytest.mark.django_db
def test_the_first_message_marks_the_demo_for_any_order_count(fast_hasher: None) -> None:
    """A second run with another --orders still finds the demo: the first message is in every selection."""
    messages = load_messages()
    assert pick_messages(messages, 30)[0] == pick_messages(messages, 2000)[0] == messages[0]
    call_command("demo", orders=30, call_days=1, stdout=StringIO())
    calls = Call.objects.count()
    out = StringIO()
    call_command("demo", orders=50, call_days=1, stdout=out)
    archive = ImportedRecord.objects.filter(source=ARCHIVE_SOURCE).values("ticket")
    assert Ticket.objects.exclude(channel=Channel.PROACTIVE).exclude(pk__in=archive).count() == 30
    assert calls > 100 and Call.objects.count() == calls, "one day of calls, loaded once"
    assert "话务历史" in out.getvalue() and "already loaded" in out.getvalue()
    assert Ticket.objects.values("status").annotate(n=Count("id")).count() >= 2


def test_titles_come_from_the_subject_or_the_first_sentence() -> None:
    """At most 40 characters; an empty subject takes the first sentence of the text."""
    assert derive_title(" 小区停水 ", "正文") == "小区停水"
    assert derive_title("", "\n\t我家楼下烧烤摊油烟很大。晚上也吵。") == "我家楼下烧烤摊油烟很大"
    assert len(derive_title("", "很长" * 50)) == 40


def test_demo_accounts_doc_matches_the_constant() -> None:
    """docs/demo-accounts.md is the table written from DEMO_ACCOUNTS."""
    assert accounts_markdown() in DOC.read_text(encoding="utf-8")
    assert len(DEMO_ACCOUNTS) == accounts_markdown().count("\n") - 2


@pytest.mark.django_db
def test_messages_get_a_category_and_the_unit_that_holds_the_power() -> None:
    """Utilities go to the utility, neighbourhood matters to the street, the rest by the first level."""
    from hotline.demo.classify import Classifier, lead_code
    from hotline.taxonomy.services import load_taxonomy

    load_taxonomy()
    classifier = Classifier()
    water, _ = classifier.classify("我们小区已经停水三天了，自来水水压也很低", "城乡建设")
    assert water.full_name == "城乡建设/城市建设和市政管理/自来水供应"
    assert lead_code(water, "") == "UTIL-WATER"
    estate, _ = classifier.classify("小区物业不作为，物业费却年年涨，业委会也不管", "城乡建设")
    assert lead_code(estate, "") == "STREET"
    wages, _ = classifier.classify("公司拖欠工资半年了，老板跑路", "劳动和社会保障")
    assert wages.full_name == "劳动和社会保障/工资福利/工资发放"
    assert lead_code(wages, "") == "DEPT-RS"
    nothing, score = classifier.classify("啊啊啊", "交通运输")
    assert (nothing.full_name, score) == ("交通运输/其他/其他", 0)
