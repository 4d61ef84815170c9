"""未诉先办 on the intake page: a proactive order (主动发现) needs no caller and takes no phone; the page opens
prefilled from GET parameters (a 每月一题 theme's link), and an order raised for a theme is linked to it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.governance import services as governance
from hotline.governance.models import Theme, ThemeOrder
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Channel, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, CategoryFactory, HandlingUnitFactory, UserFactory
from hotline.workbench.intake.forms import (
    PROACTIVE_ANSWER,
    PROACTIVE_CALLER,
    PROACTIVE_PHONE,
    THEME_CHANNEL,
    THEME_GONE,
    IntakeCheck,
    IntakeForm,
)
from hotline.workbench.intake.services import take_call
from hotline.workbench.tests.test_intake import URL, post_data

pytestmark = pytest.mark.django_db

NO_CALLER = {"phone": "", "caller_name": "", "caller_sex": None, "caller_company": ""}


@pytest.fixture
def client_agent(client: Client) -> Client:
    client.force_login(UserFactory(role=Role.DISPATCHER))
    return client


def proactive(**overrides: Any) -> dict[str, Any]:
    return post_data(**(NO_CALLER | {"channel": Channel.PROACTIVE, "description": "巡查发现幸福路路灯成片不亮"}
                        | overrides))


def test_a_proactive_order_is_registered_without_any_caller_field(client_agent: Client) -> None:
    response = client_agent.post(URL, proactive())
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PROACTIVE and ticket.status == Status.PENDING_DISPATCH
    assert (ticket.caller_phone, ticket.caller_name, ticket.caller_company) == ("", "", "")


def test_a_proactive_order_refuses_a_caller_phone(client_agent: Client) -> None:
    response = client_agent.post(URL, proactive(phone="13812341234"))
    assert response.status_code == 400
    assert response.context["form"].errors["phone"] == [str(PROACTIVE_PHONE)]
    assert Ticket.objects.count() == 0
    html = response.content.decode()
    assert str(PROACTIVE_PHONE) in html and 'id="proactive-hint"' in html
    assert 'id="proactive-hint" data-channel="proactive" role="status" hidden' not in html  # the hint is shown


def test_the_api_form_refuses_it_too_and_a_citizen_order_keeps_its_phone() -> None:
    assert "phone" in IntakeCheck(proactive(phone="13812341234")).errors
    assert IntakeCheck(post_data()).is_valid()


def test_the_hint_and_the_caller_fields_are_marked_for_the_script(client_agent: Client) -> None:
    html = client_agent.get(URL).content.decode()
    assert 'data-channel="proactive" role="status" hidden' in html  # a citizen's call: hint hidden
    assert html.count("caller-only") == 5  # phone, name, sex, company, anonymous
    assert "无来电群众；办结前由中心现场核查，不回访" in html
    shown = client_agent.get(URL, {"channel": Channel.PROACTIVE}).content.decode()
    assert 'data-channel="proactive" role="status">' in shown


def test_the_page_opens_prefilled_from_get_parameters(client_agent: Client) -> None:
    leaf = CategoryFactory(name="路灯不亮", parent=CategoryFactory(name="市政设施", parent=CategoryFactory(name="城乡建设")))
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="雨花区")
    response = client_agent.get(URL, {"channel": Channel.PROACTIVE, "title": "路灯整治", "description": "问题描述",
                                      "category": leaf.pk, "district": district.pk})
    form = response.context["form"]
    assert form["channel"].value() == Channel.PROACTIVE and form["title"].value() == "路灯整治"
    assert form["description"].value() == "问题描述"
    assert form["category"].value() == leaf.pk and form["district"].value() == district.pk
    html = response.content.decode()
    assert f'<option value="{leaf.pk}" selected>' in html and f'<option value="{district.pk}" selected>' in html


def test_a_category_above_the_third_level_lists_its_own_instead(client_agent: Client) -> None:
    middle = CategoryFactory(name="市政设施", parent=CategoryFactory(name="城乡建设"))
    leaf = CategoryFactory(name="路灯不亮", parent=middle)
    response = client_agent.get(URL, {"category": middle.pk})
    assert response.context["form"]["category"].value() is None
    assert response.context["category_query"] == middle.full_name
    assert f'data-id="{leaf.pk}"' in response.content.decode()


@pytest.mark.parametrize("params", [
    {"channel": "pigeon"}, {"category": "x"}, {"category": "999999"}, {"district": "999999"}, {"district": "-1"}])
def test_values_the_form_would_refuse_are_left_out(client_agent: Client, params: dict) -> None:
    response = client_agent.get(URL, params)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["channel"].value() == Channel.PHONE
    assert form["category"].value() is None and form["district"].value() is None


def test_a_street_is_not_a_district(client_agent: Client) -> None:
    street = HandlingUnitFactory(kind=UnitKind.STREET)
    assert client_agent.get(URL, {"district": street.pk}).context["form"]["district"].value() is None


def test_only_those_who_register_orders_get_the_prefilled_page(client: Client) -> None:
    client.force_login(UserFactory(role=Role.LEADER))
    assert client.get(URL, {"channel": Channel.PROACTIVE}).status_code == 403


@pytest.fixture
def theme(frozen_now: datetime, cast: Cast) -> Theme:
    today = timezone.localdate(frozen_now)
    return governance.adopt(actor=UserFactory(role=Role.LEADER), title="路灯整治", problem="夜间路灯成片不亮",
                            month=today.replace(day=1), lead=cast.lead, due_date=today + timedelta(days=30),
                            keywords="路灯")


def test_an_order_raised_for_a_theme_is_linked_and_its_registration_names_it(
        client_agent: Client, theme: Theme) -> None:
    response = client_agent.post(URL, proactive(theme=theme.pk, description="巡查发现井盖缺失"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ThemeOrder.objects.get().ticket == ticket and ticket.status == Status.PENDING_DISPATCH
    registered = ticket.timeline.get(seq=1)
    assert registered.note.endswith("；未诉先办：每月一题「路灯整治」") and registered.data == {"theme": theme.pk}


def test_a_plain_proactive_order_is_linked_to_no_theme(client_agent: Client, theme: Theme) -> None:
    assert client_agent.post(URL, proactive()).status_code == 302
    assert not ThemeOrder.objects.exists() and Ticket.objects.get().timeline.get(seq=1).data == {}


@pytest.mark.parametrize("bad", ["999999", "x", "-1"])
def test_an_unknown_theme_is_refused_and_nothing_registered(client_agent: Client, bad: str) -> None:
    response = client_agent.post(URL, proactive(theme=bad))
    assert response.status_code == 400
    assert response.context["form"].errors["theme"] == [str(THEME_GONE)]
    assert str(THEME_GONE) in response.content.decode()
    assert not Ticket.objects.exists() and not ThemeOrder.objects.exists()


def test_a_cancelled_theme_is_refused_and_nothing_registered(client_agent: Client, theme: Theme) -> None:
    governance.cancel(theme, actor=UserFactory(role=Role.LEADER), reason="并入其他专题")
    response = client_agent.post(URL, proactive(theme=theme.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["theme"] == [str(THEME_GONE)]
    assert not Ticket.objects.exists() and not ThemeOrder.objects.exists()


def test_a_theme_needs_the_proactive_channel(client_agent: Client, theme: Theme) -> None:
    response = client_agent.post(URL, post_data(theme=theme.pk))  # a citizen's call, by phone
    assert response.status_code == 400
    assert response.context["form"].errors["channel"] == [str(THEME_CHANNEL)]
    assert not Ticket.objects.exists() and not ThemeOrder.objects.exists()
    html = response.content.decode()
    assert f'name="theme" value="{theme.pk}"' in html and "为每月一题「路灯整治」派发" in html  # kept, and said


def test_a_refused_link_undoes_the_registration(theme: Theme, cast: Cast) -> None:
    """The theme cancelled after the form was checked: registration and decision are rolled back with the link."""
    form = IntakeForm(proactive(theme=theme.pk))
    assert form.is_valid()
    governance.cancel(theme, actor=UserFactory(role=Role.LEADER), reason="并入其他专题")
    with pytest.raises(RuleViolation):
        take_call(form.draft(), actor=cast.dispatcher, decision=form.cleaned_data["decision"],
                  theme=form.cleaned_data["theme"])
    assert not Ticket.objects.exists() and not ThemeOrder.objects.exists()


def test_the_page_opened_from_a_theme_says_so_and_carries_it(client_agent: Client, theme: Theme) -> None:
    response = client_agent.get(URL, {"theme": theme.pk, "channel": Channel.PROACTIVE})
    html = response.content.decode()
    assert "为每月一题「路灯整治」派发" in html and f'name="theme" value="{theme.pk}"' in html
    assert "为每月一题" not in client_agent.get(URL, {"channel": Channel.PROACTIVE}).content.decode()


@pytest.mark.parametrize("extra", [{}, {"channel": Channel.PHONE}])
def test_a_theme_is_prefilled_with_the_proactive_channel_only(
        client_agent: Client, theme: Theme, extra: dict) -> None:
    form = client_agent.get(URL, {"theme": theme.pk, **extra}).context["form"]
    assert form["theme"].value() is None


def test_a_cancelled_theme_is_not_prefilled(client_agent: Client, theme: Theme) -> None:
    governance.cancel(theme, actor=UserFactory(role=Role.LEADER), reason="并入其他专题")
    response = client_agent.get(URL, {"theme": theme.pk, "channel": Channel.PROACTIVE})
    assert response.context["form"]["theme"].value() is None and response.context["for_theme"] is None


@pytest.mark.parametrize("field, value", [("caller_name", "张三"), ("caller_company", "某物业"),
                                          ("caller_sex", "f"), ("is_anonymous", "on")])
def test_a_proactive_order_refuses_caller_details(client_agent: Client, field: str, value: str) -> None:
    response = client_agent.post(URL, proactive(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [str(PROACTIVE_CALLER)]
    assert Ticket.objects.count() == 0


def test_a_proactive_order_is_not_answered_directly_nor_numbered_for_nothing() -> None:
    """The refusal comes from the form, before a number is taken (the API uses the same form)."""
    form = IntakeCheck(proactive(decision="answer", answer="已告知"))
    assert str(PROACTIVE_ANSWER) in form.non_field_errors()
    assert not Ticket.objects.exists()
