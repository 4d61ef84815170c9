"""会商 on the order page: the section, the step forms' initial values and the recommendation panel's button."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.routing.models import DispatchRecommendation
from hotline.tickets import services
from hotline.tickets.choices import Action, ConsultationStatus, Stance, Status
from hotline.tickets.models import Consultation, Opinion, Ticket
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket
from hotline.workbench.actions import STEPS
from hotline.workbench.views import bind

pytestmark = pytest.mark.django_db

QUESTION = "楼道堆放杂物占用消防通道，属物业管理还是消防监管职责不清"


@pytest.fixture
def parties(cast: Cast) -> tuple[Cast, list[tuple[HandlingUnit, User]]]:
    """The cast with three candidate units (the lead street and two city departments), each with a handler."""
    units = [(cast.lead, cast.lead_handler)]
    for name in ("市消防救援支队", "市住建局"):
        department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name=name)
        units.append((department, UserFactory(role=Role.UNIT_HANDLER, units=[department])))
    return cast, units


def _consulted(cast: Cast, units: list) -> Ticket:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=NOW)
    with time_machine.travel(NOW, tick=False):
        return services.start_consultation(t, actor=cast.dispatcher, units=[u for u, _h in units], question=QUESTION)


def _page(user: User, ticket: Ticket, *, language: str = "") -> str:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    response = client.get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str) -> str:
    found = re.search(r'<section class="card consultations".*?</section>', page, re.S)
    assert found, "no 会商 section"
    return found.group(0)


def _row(section: str, unit: HandlingUnit) -> str:
    found = re.search(rf'<tr data-unit="{unit.pk}".*?</tr>', section, re.S)
    assert found, f"no row for {unit}"
    return found.group(0)


def test_no_consultation_no_section(cast: Cast) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    assert 'class="card consultations"' not in _page(cast.dispatcher, t)


@pytest.mark.parametrize("viewer", ["dispatcher", "invited handler"])
def test_open_consultation_shows_stances_and_marks_the_overdue(parties: tuple, viewer: str) -> None:
    cast, units = parties
    (street, street_handler), (fire, fire_handler), (housing, _h) = units
    t = _consulted(cast, units)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        t = services.give_opinion(t, actor=fire_handler, stance=Stance.NOT_OURS, basis="消防监管不含物业管理",
                                  suggested_unit=housing)
    due = Consultation.objects.get(ticket=t).opinions_due
    user = cast.dispatcher if viewer == "dispatcher" else street_handler
    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        before_due = _section(_page(user, t))
    assert "逾期未答复" not in before_due and "未答复" in _row(before_due, street)
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        section = _section(_page(user, t))
    assert "会商中" in section and QUESTION in section and str(cast.dispatcher) in section
    assert "意见时限" in section and due.astimezone(NOW.tzinfo).strftime("%Y-%m-%d %H:%M") in section
    answered = _row(section, fire)
    assert "不属本单位职责" in answered and "消防监管不含物业管理" in answered and "市住建局" in answered
    assert "逾期" not in answered and "2025-03-04 11:00" in answered
    for unit in (street, housing):  # unanswered after the deadline: a red tag with words, not only colour
        assert re.search(r'<span class="tag warn">逾期未答复</span>', _row(section, unit))


def test_a_late_answer_is_marked_and_nothing_is_overdue_once_concluded(parties: tuple) -> None:
    cast, units = parties
    (street, street_handler), (fire, _fh), (housing, _hh) = units
    t = _consulted(cast, units)
    due = Consultation.objects.get(ticket=t).opinions_due
    with time_machine.travel(due + timedelta(hours=1), tick=False):
        t = services.give_opinion(t, actor=street_handler, stance=Stance.LEAD, basis="街道履职清单第12项")
        t = services.conclude_consultation(t, actor=cast.dispatcher, lead=street, assisting=[],
                                           note="物业管理属街道履职清单第12项")
        section = _section(_page(cast.dispatcher, t))
    assert "逾期答复" in _row(section, street)
    assert "逾期未答复" not in section and "未答复" in _row(section, fire)


def test_conclusion_is_shown_to_the_unit_it_went_to(parties: tuple) -> None:
    cast, units = parties
    (street, street_handler), (fire, fire_handler), _housing = units
    t = _consulted(cast, units)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        t = services.give_opinion(t, actor=street_handler, stance=Stance.LEAD, basis="街道履职清单第12项")
        t = services.give_opinion(t, actor=fire_handler, stance=Stance.ASSIST, basis="可配合消防检查")
        t = services.conclude_consultation(t, actor=cast.dispatcher, lead=street, assisting=[fire],
                                           note="物业管理属街道履职清单第12项")
    assert t.status == Status.DISPATCHED
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        section = _section(_page(street_handler, t))
    assert "已定责" in section and "会商中" not in section
    conclusion = re.search(r'<dl class="fields conclusion">.*?</dl>', section, re.S).group(0)
    assert street.name in conclusion and "物业管理属街道履职清单第12项" in conclusion
    assert str(cast.dispatcher) in conclusion and "2025-03-04 12:00" in conclusion
    assert "逾期未答复" not in section  # only an open consultation waits for answers
    assert "可协办" in _row(section, fire)


def test_withdrawal_shows_why(parties: tuple) -> None:
    cast, units = parties
    t = _consulted(cast, units)
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        t = services.answer_directly(t, actor=cast.dispatcher, answer="已告知群众向物业公司反映")
    reason = Consultation.objects.get(ticket=t).conclusion
    section = _section(_page(cast.dispatcher, t))
    assert "已撤销" in section and "定责人" not in section
    withdrawal = re.search(r'<dl class="fields withdrawal">.*?</dl>', section, re.S).group(0)
    assert "撤销原因" in withdrawal and reason and reason in withdrawal and "2025-03-04 13:00" in withdrawal


def test_newest_consultation_first(parties: tuple) -> None:
    cast, units = parties
    t = _consulted(cast, units)
    Consultation.objects.filter(ticket=t).update(status=ConsultationStatus.CLOSED, conclusion="（测试）先前的会商")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        t = services.start_consultation(t, actor=cast.dispatcher, units=[u for u, _h in units[:2]],
                                        question="第二次会商")
    section = _section(_page(cast.dispatcher, t))
    assert section.index("第二次会商") < section.index(QUESTION)


def test_order_page_queries_do_not_grow_with_invited_units(parties: tuple) -> None:
    cast, units = parties
    t = _consulted(cast, units)
    client = Client()
    client.force_login(cast.dispatcher)
    url = reverse("order-detail", args=[t.number])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    extra = [HandlingUnitFactory(kind=UnitKind.DEPARTMENT) for _ in range(7)]  # before: new units refresh caches
    client.get(url)  # warm the caches (settings, calendar, the unit tree)
    few = count()
    consultation = Consultation.objects.get(ticket=t)
    Opinion.objects.bulk_create([
        Opinion(consultation=consultation, unit=u, stance=Stance.NOT_OURS, basis="不在权责清单",
                suggested_unit=units[0][0], author=cast.lead_handler, answered_at=NOW) for u in extra])
    many = count()
    assert few == many
    assert all(u.name in client.get(url).content.decode() for u in extra)


def _recommend(ticket: Ticket, units: list[HandlingUnit], assisting: HandlingUnit | None = None) -> None:
    DispatchRecommendation.objects.create(
        ticket=ticket, created_at=NOW, formula_version="test", top_unit=units[0], confidence=0.5,
        top3=[{"unit_id": u.pk, "name": u.name, "kind": u.kind, "confidence": 0.5, "reason": f"推荐{u.name}",
               "parts": {}, "assisting": [assisting.pk] if assisting else [],
               "assisting_names": [assisting.name] if assisting else []} for u in units])


def test_consult_form_starts_from_the_recommended_units(parties: tuple) -> None:
    cast, units = parties
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    assert not bind(STEPS[Action.CONSULT], cast.dispatcher, t).initial
    old = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    _recommend(t, [old])
    _recommend(t, [u for u, _h in units])  # the latest one counts
    form = bind(STEPS[Action.CONSULT], cast.dispatcher, t)
    assert form.initial["units"] == [u.pk for u, _h in units]
    assert form.fields["units"].required and not form.is_bound  # a suggestion, not a choice made
    page = _page(cast.dispatcher, t)
    chosen = set(re.findall(r'<option value="(\d+)"[^>]*selected', page.split('data-action="consult"')[1]
                            .split("</details>")[0]))
    assert chosen == {str(u.pk) for u, _h in units}


def test_opinion_form_holds_the_units_current_answer(parties: tuple) -> None:
    cast, units = parties
    (street, street_handler), (fire, fire_handler), (housing, _h) = units
    t = _consulted(cast, units)
    assert not bind(STEPS[Action.GIVE_OPINION], fire_handler, t).initial
    with time_machine.travel(NOW, tick=False):
        t = services.give_opinion(t, actor=fire_handler, stance=Stance.NOT_OURS, basis="消防监管不含物业管理",
                                  suggested_unit=housing)
    form = bind(STEPS[Action.GIVE_OPINION], fire_handler, t)
    assert form.initial == {"stance": Stance.NOT_OURS, "basis": "消防监管不含物业管理", "suggested_unit": housing.pk}
    assert not bind(STEPS[Action.GIVE_OPINION], street_handler, t).initial  # another unit: its own, unanswered
    assert bind(STEPS[Action.GIVE_OPINION], fire_handler, t, {"give_opinion-stance": ""}).is_bound


@pytest.mark.parametrize("leads", [1, 2])
def test_conclude_form_preselects_the_only_lead_and_the_assisting(parties: tuple, leads: int) -> None:
    cast, units = parties
    (street, street_handler), (fire, fire_handler), (housing, housing_handler) = units
    t = _consulted(cast, units)
    with time_machine.travel(NOW, tick=False):
        t = services.give_opinion(t, actor=street_handler, stance=Stance.LEAD, basis="街道履职清单第12项")
        t = services.give_opinion(t, actor=fire_handler, stance=Stance.ASSIST, basis="可配合消防检查")
        t = services.give_opinion(t, actor=housing_handler, stance=Stance.LEAD if leads == 2 else Stance.NOT_OURS,
                                  basis="物业监管")
    form = bind(STEPS[Action.CONCLUDE_CONSULTATION], cast.dispatcher, t)
    assert form.initial.get("lead") == (street.pk if leads == 1 else None)
    assert form.initial["assisting"] == [fire.pk]
    assert not form.initial.get("note")


def test_the_recommendation_panel_concludes_while_consulting(parties: tuple) -> None:
    cast, units = parties
    (street, _sh), (fire, _fh), _housing = units
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    _recommend(t, [street, fire], assisting=fire)
    dispatch_url = reverse("order-act", args=[t.number, Action.DISPATCH])
    assert f'action="{dispatch_url}"' in _page(cast.dispatcher, t)
    with time_machine.travel(NOW, tick=False):
        t = services.start_consultation(t, actor=cast.dispatcher, units=[u for u, _h in units], question=QUESTION)
    page = _page(cast.dispatcher, t)
    panel = re.search(r'<section class="card triage".*?</section>', page, re.S).group(0)
    conclude_url = reverse("order-act", args=[t.number, Action.CONCLUDE_CONSULTATION])
    assert f'action="{dispatch_url}"' not in panel and f'action="{conclude_url}"' in panel
    assert 'name="conclude_consultation-note"' in panel and "required" in panel
    client = Client()
    client.force_login(cast.dispatcher)
    response = client.post(conclude_url, {"version": str(t.version), "conclude_consultation-lead": street.pk,
                                          "conclude_consultation-assisting": fire.pk,
                                          "conclude_consultation-note": "按权责清单由街道主办"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.status == Status.DISPATCHED
    assert Consultation.objects.get(ticket=t).lead == street


def test_the_section_in_english(parties: tuple) -> None:
    cast, units = parties
    t = _consulted(cast, units)
    due = Consultation.objects.get(ticket=t).opinions_due
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        section = _section(_page(cast.lead_handler, t, language="en"))
    assert "Consultation" in section and "Opinions due" in section and "Not answered in time" in section
    assert f"started by {cast.dispatcher}" in section
    labels = re.sub(r'<th scope="row">.*?</th>', "", section)  # the units' names are data, not UI
    for data in (QUESTION, str(cast.dispatcher)):
        labels = labels.replace(data, "")
    assert not re.search(r"[\u4e00-\u9fff]", labels)


def test_the_header_keeps_the_status_apart_from_who_started_it(parties: tuple) -> None:
    cast, units = parties
    t = _consulted(cast, units)
    header = re.search(r"<header>.*?</header>", _section(_page(cast.dispatcher, t, language="en")), re.S).group(0)
    status = re.search(r'<span class="status[^"]*">(.*?)</span>', header).group(1)
    started = re.search(r'<p class="muted started">(.*?)</p>', header, re.S).group(1)
    assert status == "Consulting"
    assert started == f"Consultation started by {cast.dispatcher} at 2025-03-04 10:00"
    header = re.search(r"<header>.*?</header>", _section(_page(cast.dispatcher, t)), re.S).group(0)
    assert f"{cast.dispatcher} 于 2025-03-04 10:00 发起会商" in header and "会商中" in header


def test_the_conclusion_shows_its_assisting_units_and_a_deactivated_unit_is_marked(parties: tuple) -> None:
    cast, units = parties
    (street, _sh), (fire, _fh), (housing, _hh) = units
    t = _consulted(cast, units)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        t = services.conclude_consultation(t, actor=cast.dispatcher, lead=street, assisting=[fire, housing],
                                           note="物业管理属街道履职清单第12项")
    HandlingUnit.objects.filter(pk=housing.pk).update(is_active=False)
    section = _section(_page(cast.dispatcher, t))
    assisting = re.search(r'<dd class="assisting">(.*?)</dd>', section, re.S).group(1)
    assert fire.name in assisting and housing.name in assisting and street.name not in assisting
    assert "已停用" in _row(section, housing) and "已停用" not in _row(section, fire)
    english = _section(_page(cast.dispatcher, t, language="en"))
    assert "deactivated" in _row(english, housing) and "Assisting units" in english


def test_a_single_units_opinion_form_does_not_ask_which_unit(parties: tuple) -> None:
    cast, units = parties
    (street, _sh), (fire, fire_handler), (housing, _hh) = units
    t = _consulted(cast, units)
    form = bind(STEPS[Action.GIVE_OPINION], fire_handler, t)
    assert "unit" not in form.fields
    suggestions = set(form.fields["suggested_unit"].queryset)
    assert fire not in suggestions and {street, housing} <= suggestions  # a unit does not suggest itself
    page = _page(fire_handler, t)
    assert 'name="give_opinion-unit"' not in page and 'name="give_opinion-suggested_unit"' in page


def test_someone_in_two_invited_units_says_which_one_answers(parties: tuple) -> None:
    cast, units = parties
    (street, _sh), (fire, _fh), (housing, _hh) = units
    both = UserFactory(role=Role.UNIT_HANDLER, units=[fire, housing])
    t = _consulted(cast, units)
    form = bind(STEPS[Action.GIVE_OPINION], both, t)
    assert form.fields["unit"].required and set(form.fields["unit"].queryset) == {fire, housing}
    assert set(form.fields["suggested_unit"].queryset) & {fire, housing} == set()
    assert 'name="give_opinion-unit"' in _page(both, t)
    client = Client()
    client.force_login(both)
    url = reverse("order-act", args=[t.number, Action.GIVE_OPINION])
    body = {"version": str(t.version), "give_opinion-stance": Stance.ASSIST, "give_opinion-basis": "可配合检查"}
    assert client.post(url, body).status_code == 400  # which unit? the page asks
    assert not Opinion.objects.filter(answered_at__isnull=False).exists()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert client.post(url, {**body, "give_opinion-unit": housing.pk}).status_code == 302
    answered = Opinion.objects.get(answered_at__isnull=False)
    assert answered.unit == housing and answered.stance == Stance.ASSIST
    HandlingUnit.objects.filter(pk=fire.pk).update(is_active=False)  # one left that may answer: nothing to ask
    assert "unit" not in bind(STEPS[Action.GIVE_OPINION], both, t).fields


def test_another_units_opinion_does_not_make_the_page_stale(parties: tuple) -> None:
    cast, units = parties
    (street, street_handler), (fire, fire_handler), _housing = units
    t = _consulted(cast, units)
    seen = t.version  # both units opened the order now
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        services.give_opinion(t, actor=street_handler, stance=Stance.LEAD, basis="街道履职清单第12项")
    client = Client()
    client.force_login(fire_handler)
    url = reverse("order-act", args=[t.number, Action.GIVE_OPINION])
    body = {"version": str(seen), "give_opinion-stance": Stance.ASSIST, "give_opinion-basis": "可配合消防检查"}
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        response = client.post(url, body)
    assert response.status_code == 302
    assert Opinion.objects.get(unit=fire).stance == Stance.ASSIST
    t.refresh_from_db()
    assert t.version == seen + 2
    with time_machine.travel(NOW + timedelta(hours=2, seconds=5), tick=False):  # a second click: done already
        assert client.post(url, body).status_code == 302
    t.refresh_from_db()
    assert t.version == seen + 2 and Opinion.objects.get(unit=fire).revised_at is None


def test_the_desks_step_still_makes_an_opinion_page_stale(parties: tuple) -> None:
    cast, units = parties
    (street, street_handler), (fire, fire_handler), _housing = units
    t = _consulted(cast, units)
    seen = t.version
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        t = services.give_opinion(t, actor=street_handler, stance=Stance.LEAD, basis="街道履职清单第12项")
        services.conclude_consultation(t, actor=cast.dispatcher, lead=street, assisting=[],
                                       note="物业管理属街道履职清单第12项")
    client = Client()
    client.force_login(fire_handler)
    response = client.post(reverse("order-act", args=[t.number, Action.GIVE_OPINION]), {
        "version": str(seen), "give_opinion-stance": Stance.ASSIST, "give_opinion-basis": "可配合消防检查"})
    assert response.status_code == 409
    assert "工单已被他人处理" in response.content.decode()
    assert Opinion.objects.get(unit=fire).answered_at is None


def test_a_colleagues_opinion_of_the_same_unit_makes_the_page_stale(parties: tuple) -> None:
    """A colleague answered for the unit meanwhile: posting would overwrite an answer this person has not seen."""
    cast, units = parties
    (street, street_handler), _fire, _housing = units
    colleague = UserFactory(role=Role.UNIT_HANDLER, units=[street])
    t = _consulted(cast, units)
    seen = t.version
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        services.give_opinion(t, actor=colleague, stance=Stance.LEAD, basis="街道履职清单第12项")
    client = Client()
    client.force_login(street_handler)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        response = client.post(reverse("order-act", args=[t.number, Action.GIVE_OPINION]), {
            "version": str(seen), "give_opinion-stance": Stance.NOT_OURS, "give_opinion-basis": "不在履职清单"})
    assert response.status_code == 409 and "不在履职清单" in response.content.decode()  # the text is kept
    assert Opinion.objects.get(unit=street).stance == Stance.LEAD


def test_someone_in_two_units_answering_for_the_second_is_not_a_second_click(parties: tuple) -> None:
    cast, units = parties
    _street, (fire, _fh), (housing, _hh) = units
    both = UserFactory(role=Role.UNIT_HANDLER, units=[fire, housing])
    t = _consulted(cast, units)
    client = Client()
    client.force_login(both)
    url = reverse("order-act", args=[t.number, Action.GIVE_OPINION])
    body = {"version": str(t.version), "give_opinion-stance": Stance.ASSIST, "give_opinion-basis": "可配合检查"}
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert client.post(url, {**body, "give_opinion-unit": fire.pk}).status_code == 302
    with time_machine.travel(NOW + timedelta(hours=1, seconds=20), tick=False):  # the second tab, same version
        response = client.post(url, {**body, "give_opinion-unit": housing.pk})
        assert response.status_code == 409  # not 「已完成」: the housing answer was never given
        assert Opinion.objects.get(unit=housing).answered_at is None
        t.refresh_from_db()
        assert client.post(url, {**body, "version": str(t.version), "give_opinion-unit": housing.pk}).status_code == 302
    assert Opinion.objects.get(unit=housing).stance == Stance.ASSIST


def test_a_different_answer_a_moment_later_is_not_taken_for_a_second_click(parties: tuple) -> None:
    cast, units = parties
    _street, (fire, fire_handler), _housing = units
    t = _consulted(cast, units)
    client = Client()
    client.force_login(fire_handler)
    url = reverse("order-act", args=[t.number, Action.GIVE_OPINION])
    body = {"version": str(t.version), "give_opinion-stance": Stance.LEAD, "give_opinion-basis": "消防监管职责"}
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert client.post(url, body).status_code == 302
    with time_machine.travel(NOW + timedelta(hours=1, seconds=5), tick=False):  # the same page, another answer
        changed = {**body, "give_opinion-stance": Stance.NOT_OURS, "give_opinion-basis": "不在权责清单"}
        response = client.post(url, changed)
    assert response.status_code == 409 and "不在权责清单" in response.content.decode()
    assert Opinion.objects.get(unit=fire).stance == Stance.LEAD
