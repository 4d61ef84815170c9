"""Review of the public side (the citizen and the firm): what the tracking page, the FAQ and the forms show.

Brought in from the reviewer's tests, with the cases around each fix: a merged order's page names neither the
other caller's firm nor their pending question, a split tells the new numbers, a chase card says who has the
chase, a duty mobile never reaches a public page, invisible input counts as empty.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from hotline.core.privacy import scrub_public_text
from hotline.kb.public_phone import public_phone
from hotline.notifications.unit_texts import duty_mobile
from hotline.orgs.models import HandlingUnit
from hotline.portal.selectors import chase_offer, public_order
from hotline.portal.services import chase_online
from hotline.portal.tests.helpers import form_token
from hotline.portal.validators import normalize_phone
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.public_text import outbound_note
from hotline.tickets.services import ChildDraft
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _track(client: Client, number: str, code: str) -> str:
    return client.post(reverse("portal:track"), {"number": number, "query_code": code}, follow=True).content.decode()


# 1. A merged order's page does not name the firm that complained first.

def _firms_order(cast, **extra):  # noqa: ANN001, ANN202
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678",
                         caller_company="A市鑫达建材有限公司", description="办理施工许可被要求请客送礼", **extra)
    mine = make_ticket(Status.MERGED, cast=cast, master=master, caller_phone="13900001111",
                       description="办施工许可被刁难")
    master.refresh_from_db()
    services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已核查",
                   public_reply="A市鑫达建材有限公司：您好，经核查，鑫达建材反映的情况属实，已对相关窗口人员进行约谈处理。",
                   contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(master, actor=cast.inspector)
    return master, mine


def test_merged_orders_page_does_not_name_the_firm_that_complained_first(client, frozen_now, cast):
    """The master's caller is a firm (营商环境 complaint): its reply, shown to another citizen whose order was
    merged into it, is masked for the caller's name and number and for the firm too."""
    _master, mine = _firms_order(cast)
    page = _track(client, mine.number, mine.query_code)
    assert "约谈处理" in page
    assert "鑫达建材" not in page and "A**：您好" in page


def test_the_merged_callers_reply_text_and_open311_do_not_name_the_firm(client, frozen_now, cast,
                                                                         django_capture_on_commit_callbacks):
    from hotline.notifications.choices import Template
    from hotline.notifications.models import Notification

    def on_commit():  # noqa: ANN202 - the `ticket_changed` signal delivered as a real commit would
        return django_capture_on_commit_callbacks(execute=True)

    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678",
                         caller_company="A市鑫达建材有限公司", description="办理施工许可被要求请客送礼")
    mine = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone="13900001111", description="办施工许可被刁难")
    services.merge(mine, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    with on_commit():
        services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已核查",
                       public_reply="A市鑫达建材有限公司：您好，已对相关窗口人员进行约谈处理。",
                       contacted=True, resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(master, actor=cast.inspector)
    text = Notification.objects.get(ticket=mine, template=Template.REPLIED).body
    assert "约谈处理" in text and "鑫达建材" not in text
    published = client.get(f"/open311/v2/requests/{master.number}.json").content.decode()
    assert "约谈处理" in published and "鑫达建材" not in published


def test_the_firm_is_masked_wherever_the_public_scrub_is_given_the_order():
    order = SimpleNamespace(caller_name="王建华", caller_phone="13812345678", caller_company="A市鑫达建材有限公司")
    text = scrub_public_text("A市鑫达建材有限公司：您好。鑫达建材的王建华（13812345678）反映的问题已处理。", order=order)
    assert "鑫达建材" not in text and "王建华" not in text and "13812345678" not in text
    assert text.startswith("A**：您好。鑫**的")


@pytest.mark.parametrize("company", ["", "无", "个人", "自由职业", "饭店"])
def test_no_firm_or_a_short_one_masks_nothing(company: str):
    order = SimpleNamespace(caller_name="", caller_phone="", caller_company=company)
    text = "经核查，个人反映的饭店油烟问题已处理，无其他问题。"
    assert scrub_public_text(text, order=order) == text


# 2. A merged order's page: the master waits for its own caller, not for this citizen.

def _merged_awaiting(cast):  # noqa: ANN001, ANN202
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678")
    mine = make_ticket(Status.MERGED, cast=cast, master=master, caller_phone="13900001111",
                       description="小区门口路灯也不亮")
    master.refresh_from_db()
    services.request_info(master, actor=cast.lead_handler, question="请问王先生家具体门牌号？")
    master.refresh_from_db()
    return master, mine


def test_merged_order_is_not_told_the_unit_waits_for_its_own_supplement(client, frozen_now, cast):
    """The master's unit asked the master's caller (请群众补充): the merged order's citizen was asked nothing and
    cannot see the question, yet the page told them it waits for *their* information and to call 12345."""
    master, mine = _merged_awaiting(cast)
    page = _track(client, mine.number, mine.query_code)
    assert "请问王先生" not in page  # the question to the other caller stays hidden (as designed)
    assert "待您补充信息" not in page  # the master's status in the master caller's words
    assert "办理中（承办单位正在核实情况）" in page
    assert "待您补充信息" in _track(Client(), master.number, master.query_code)  # the master's own caller is asked


def test_merged_orders_chase_card_does_not_send_the_citizen_to_supplement(client, frozen_now, cast):
    master, mine = _merged_awaiting(cast)
    page = _track(client, mine.number, mine.query_code)
    assert "承办单位正在等待您补充情况" not in page  # this citizen was asked nothing
    assert (chase_offer(mine), chase_offer(master)) == ("offered", "awaiting")


# 3. A split (拆单) reads in the citizen's words, with the new numbers.

def test_split_step_on_tracking_page_reads_in_citizen_words(client, frozen_now, cast):
    parent = make_ticket(Status.REGISTERED, cast=cast, description="路灯不亮，另外小区停车乱收费，还有楼道堆物")
    services.split(parent, actor=cast.intake, children=[ChildDraft(description="小区停车乱收费"),
                                                         ChildDraft(description="楼道堆物")])
    children = list(Ticket.objects.filter(split_from=parent).order_by("id"))
    page = _track(client, parent.number, parent.query_code)
    assert "路灯不亮" in page
    # the citizen is told the other demands were registered separately, under which numbers
    assert f"其他诉求已另行登记为工单 {children[0].number}、{children[1].number}" in page
    assert "其他诉求另行登记" in page
    assert "拆单" not in page
    assert not any(child.query_code in page for child in children)  # the codes came by SMS, never on a page
    event = TimelineEvent.objects.get(ticket=parent, action=Action.SPLIT)
    event.ticket = parent
    assert outbound_note(event) == f"拆分为工单 {children[0].number}、{children[1].number}"  # unchanged


# 4. The public FAQ phone drops whatever the unit alerts read as the duty mobile.

def test_public_faq_phone_hides_the_duty_mobile_the_alerts_use():
    written = "0731-88990001 / (139)0731-0001"
    unit = HandlingUnit(phone=written)
    assert duty_mobile(unit) == "13907310001"  # the alerts read it as the duty mobile...
    shown = public_phone(written)
    assert "0731-0001" not in shown and "139" not in shown  # ...so the public page must not show it
    assert shown == "0731-88990001"


@pytest.mark.parametrize("written", [
    "(139)0731-0001", "（139）0731-0001", "+86(139)07310001", "0086 139.0731.0001", "值班手机(139)0731-0001",
    "(0731)88990001；(139)0731-0001", "139 0731 0001 / (0731)88990001",
])
def test_no_part_the_alerts_read_as_a_mobile_is_shown(written: str):
    mobile = duty_mobile(HandlingUnit(phone=written))
    shown = public_phone(written)
    assert "0731-0001" not in shown and "07310001" not in shown and "139" not in shown
    assert not mobile or not duty_mobile(HandlingUnit(phone=shown))  # never disagree: nothing left to read
    if "88990001" in written:
        assert shown == "(0731)88990001"  # the office line, brackets and all


# 5. The chase card says who has the chase: no unit before dispatch.

def test_chase_card_does_not_claim_a_unit_received_it_before_dispatch(client, frozen_now, cast):
    order = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    client.post(reverse("portal:chase"), {"number": order.number, "query_code": order.query_code})
    page = client.get(reverse("portal:tracked")).content.decode()
    assert "本工作日已催办过" in page
    assert "承办单位已收到您的催办" not in page  # no unit holds the order yet: nobody received it
    assert "热线中心将尽快派单" in page


def test_a_second_chase_is_refused_in_the_words_of_the_orders_status(frozen_now, cast):
    waiting = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    chase_online(waiting)
    with pytest.raises(RuleViolation, match="热线中心将尽快派单"):
        chase_online(waiting)
    held = make_ticket(Status.IN_PROGRESS, cast=cast)
    chase_online(held)
    with pytest.raises(RuleViolation, match="承办单位已收到您的催办"):
        chase_online(held)
    assert "承办单位已收到您的催办" in public_order(held).chase_note


# 6.–7. Invisible characters count as nothing typed.

def test_title_of_only_invisible_characters_gets_the_description_title(client):
    token = form_token(client)
    response = client.post(reverse("portal:submit"), {
        "request_type": "complaint", "title": "\u200b\u200b", "description": "小区门口路灯不亮已有一周",
        "phone": "13812345678", "submission": token})
    assert response.status_code == 302
    ticket = Ticket.objects.latest("id")
    assert ticket.title.startswith("小区门口路灯不亮")  # as if left empty: staff lists show a readable title


@pytest.mark.parametrize(("praised", "story", "said"), [
    ("\u200b\u200b", "\u200b\ufeff", "请填写表扬对象"),
    ("\u200b\u200b", "热心帮助老人办理社保", "请填写表扬对象"),
    ("天心区社保中心", "\u2060\u200d ", "请填写表扬事迹"),
])
def test_praise_of_only_invisible_characters_is_refused(client, praised: str, story: str, said: str):
    token = form_token(client, "praise")
    before = Ticket.objects.count()
    response = client.post(reverse("portal:praise"), {"praised": praised, "story": story, "submission": token})
    assert response.status_code == 400
    assert said in response.content.decode()
    assert Ticket.objects.count() == before


# 8. Not accepted yet: the time shown is the submission's.

def test_online_request_not_yet_accepted_shows_no_acceptance_time(client, frozen_now, cast):
    token = form_token(client)
    client.post(reverse("portal:submit"), {"request_type": "complaint", "description": "小区门口路灯不亮已有一周",
                                           "phone": "13812345678", "submission": token})
    ticket = Ticket.objects.latest("id")
    page = _track(client, ticket.number, ticket.query_code)
    assert "已提交，待受理" in page
    assert "受理时间" not in page  # the page says it is not accepted yet: the time is when it was submitted
    assert "提交时间" in page
    services.send_to_dispatch(ticket, actor=cast.intake)
    page = _track(client, ticket.number, ticket.query_code)
    assert "受理时间" in page and "提交时间" not in page


# (a) A firm may say so on the portal; (b) a bare 86 in front of a mobile is read as the intake reads it.

def test_a_firm_is_recorded_from_the_portal_form(client):
    token = form_token(client)
    assert 'name="company"' in client.get(reverse("portal:submit")).content.decode()
    response = client.post(reverse("portal:submit"), {
        "request_type": "complaint", "description": "办理施工许可被要求请客送礼", "company": " 鑫达建材有限公司 ",
        "phone": "13812345678", "submission": token})
    assert response.status_code == 302
    assert Ticket.objects.latest("id").caller_company == "鑫达建材有限公司"


def test_an_anonymous_request_keeps_no_firm(client):
    token = form_token(client)
    client.post(reverse("portal:submit"), {
        "request_type": "complaint", "description": "办理施工许可被要求请客送礼", "company": "鑫达建材有限公司",
        "name": "王建华", "is_anonymous": "on", "phone": "13812345678", "submission": token})
    ticket = Ticket.objects.latest("id")
    assert (ticket.caller_name, ticket.caller_company) == ("", "")


@pytest.mark.parametrize("typed", ["8613812345678", "８６１３８１２３４５６７８", "86 138 1234 5678", "86-138-1234-5678"])
def test_a_bare_86_before_a_mobile_is_read(typed: str):
    assert normalize_phone(typed) == "13812345678"
