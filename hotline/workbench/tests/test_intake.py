"""The intake agent's page (受理登记): each decision, refusals that save nothing, lookups, uploads, escaping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.attachments.models import Attachment
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action, EmergencyService, NotAcceptedReason, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import CategoryFactory, UserFactory, make_ticket
from hotline.workbench.intake.choices import Decision

pytestmark = pytest.mark.django_db

URL = "/work/intake/"
PHONE = "13812341234"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    """Store uploads in a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def agent() -> User:
    return UserFactory(role=Role.INTAKE)


@pytest.fixture
def client_agent(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


@pytest.fixture
def categories() -> dict[str, Category]:
    """城乡建设 → 市政设施 → 路灯不亮 / 井盖缺失; 环境保护 → 噪声污染 → 施工噪声 (+ an inactive leaf)."""
    build = CategoryFactory(name="城乡建设")
    roads = CategoryFactory(name="市政设施", parent=build)
    env = CategoryFactory(name="环境保护")
    noise = CategoryFactory(name="噪声污染", parent=env)
    return {
        "top": build,
        "middle": roads,
        "lamp": CategoryFactory(name="路灯不亮", parent=roads),
        "manhole": CategoryFactory(name="井盖缺失", parent=roads),
        "noise": CategoryFactory(name="施工噪声", parent=noise),
        "old": CategoryFactory(name="路灯旧分类", parent=roads, is_active=False),
    }


def post_data(**overrides: Any) -> dict[str, Any]:
    """What a browser without JavaScript posts for a plain, valid call."""
    data = {
        "phone": PHONE, "caller_name": "张先生", "caller_sex": "m", "caller_company": "", "channel": "phone",
        "request_type": RequestType.COMPLAINT, "urgency": Urgency.NORMAL, "title": "",
        "description": "小区门口路灯不亮，晚上出行不便", "address": "幸福路 12 号", "q": "",
        "decision": Decision.DISPATCH,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def timeline(ticket: Ticket) -> list[str]:
    return list(ticket.timeline.order_by("seq").values_list("action", flat=True))


# --- Who gets in --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize("role", [Role.INTAKE, Role.DISPATCHER, Role.ADMIN])
def test_roles_that_register_get_the_page(client: Client, role: str) -> None:
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("intake")).status_code == 200


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN, Role.SUPERVISOR, Role.LEADER])
@pytest.mark.parametrize("name", ["intake", "intake-caller", "intake-categories", "intake-areas"])
def test_everyone_else_gets_403(client: Client, role: str, name: str) -> None:
    """Supervisors do not register, but they correct orders (工单更正): the category and area pickers serve them."""
    client.force_login(UserFactory(role=role))
    expected = 200 if role == Role.SUPERVISOR and name in ("intake-categories", "intake-areas") else 403
    assert client.get(reverse(name), {"phone": PHONE, "q": "路灯"}).status_code == expected
    assert client.post(reverse("intake"), post_data()).status_code == 403
    assert Ticket.objects.count() == 0


# --- The decisions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "extra", "status", "actions"), [
    (Decision.DISPATCH, {}, Status.PENDING_DISPATCH, [Action.REGISTER, Action.SEND_TO_DISPATCH]),
    (Decision.ANSWER, {"answer": "办理地点在区政务服务中心一楼"}, Status.ANSWERED,
     [Action.REGISTER, Action.ANSWER_DIRECTLY]),
    (Decision.TRANSFER, {"transfer_to": EmergencyService.AMBULANCE, "transfer_note": "老人晕倒"},
     Status.TRANSFERRED, [Action.REGISTER, Action.TRANSFER]),
    (Decision.NOT_ACCEPT, {"not_accept_reason": NotAcceptedReason.LEGAL_CHANNEL, "not_accept_note": "请申请劳动仲裁"},
     Status.NOT_ACCEPTED, [Action.REGISTER, Action.NOT_ACCEPT]),
    (Decision.REGISTER, {}, Status.REGISTERED, [Action.REGISTER]),
])
def test_each_decision_lands_in_its_status(client_agent: Client, agent: User, decision: str, extra: dict,
                                           status: str, actions: list[str]) -> None:
    response = client_agent.post(URL, post_data(decision=decision, **extra))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("order-detail", args=[ticket.number])
    assert ticket.status == status
    assert timeline(ticket) == actions
    assert ticket.registered_by == agent
    assert ticket.caller_phone == PHONE and ticket.caller_name == "张先生"
    assert ticket.title == "小区门口路灯不亮，晚上出行不便"  # derived from the description by register()
    page = client_agent.get(response["Location"])
    shown = [str(m) for m in page.context["messages"]]
    assert any(ticket.number in m and ticket.query_code in m for m in shown)


def test_outcomes_are_recorded(client_agent: Client) -> None:
    client_agent.post(URL, post_data(decision=Decision.ANSWER, answer="带身份证到区政务中心办理"))
    client_agent.post(URL, post_data(decision=Decision.TRANSFER, transfer_to=EmergencyService.FIRE))
    client_agent.post(URL, post_data(decision=Decision.NOT_ACCEPT, not_accept_reason=NotAcceptedReason.REPEAT))
    answered, transferred, declined = Ticket.objects.order_by("id")
    assert answered.direct_answer == "带身份证到区政务中心办理" and answered.closed_at is not None
    assert transferred.transferred_to == EmergencyService.FIRE
    assert declined.not_accepted_reason == NotAcceptedReason.REPEAT


@pytest.mark.parametrize(("decision", "missing"), [
    (Decision.ANSWER, "answer"), (Decision.TRANSFER, "transfer_to"), (Decision.NOT_ACCEPT, "not_accept_reason"),
])
def test_a_decision_without_its_field_is_a_400(client_agent: Client, decision: str, missing: str) -> None:
    response = client_agent.post(URL, post_data(decision=decision))
    assert response.status_code == 400
    assert missing in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_missing_fields_are_a_400(client_agent: Client) -> None:
    response = client_agent.post(URL, post_data(description="  ", request_type=None, decision=None))
    assert response.status_code == 400
    assert {"description", "request_type", "decision"} <= set(response.context["form"].errors)
    assert Ticket.objects.count() == 0



def test_the_error_summary_links_a_radio_group_to_its_first_radio(client_agent: Client) -> None:
    page = client_agent.post(URL, post_data(request_type=None)).content.decode()
    assert '<a href="#id_request_type_0">' in page and 'id="id_request_type_0"' in page
    assert 'href="#"' not in page

def test_a_refused_step_saves_nothing_and_keeps_the_input(client_agent: Client) -> None:
    """不予受理 with reason 「其他」 and no note: the service refuses it, registration is rolled back too."""
    response = client_agent.post(URL, post_data(
        decision=Decision.NOT_ACCEPT, not_accept_reason=NotAcceptedReason.OTHER, not_accept_note="",
        caller_company="某某物业公司", title="路灯不亮",
    ))
    assert response.status_code == 400
    assert Ticket.objects.count() == 0
    html = response.content.decode()
    assert "选择「其他」时须说明原因" in html
    assert 'value="某某物业公司"' in html and 'value="路灯不亮"' in html
    assert "小区门口路灯不亮，晚上出行不便</textarea>" in html
    assert f'value="{NotAcceptedReason.OTHER}" selected' in html


def test_a_refused_step_removes_the_stored_files(client_agent: Client, _media: Path) -> None:
    response = client_agent.post(URL, post_data(
        decision=Decision.NOT_ACCEPT, not_accept_reason=NotAcceptedReason.OTHER,
        attachments=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
    ))
    assert response.status_code == 400
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0
    assert not [p for p in _media.rglob("*") if p.is_file()]
    assert "请重新选择附件" in response.content.decode()


def test_what_was_typed_is_escaped_when_shown_back(client_agent: Client) -> None:
    response = client_agent.post(URL, post_data(description=XSS, caller_name=XSS, decision=Decision.ANSWER))
    assert response.status_code == 400
    html = response.content.decode()
    assert XSS not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


# --- Category, address ----------------------------------------------------------------------------------


def test_the_category_is_recorded(client_agent: Client, categories: dict[str, Category]) -> None:
    client_agent.post(URL, post_data(category=categories["lamp"].pk))
    assert Ticket.objects.get().category == categories["lamp"]


def test_only_active_third_level_categories_may_be_chosen(client_agent: Client,
                                                          categories: dict[str, Category]) -> None:
    for bad in (categories["middle"], categories["old"]):
        response = client_agent.post(URL, post_data(category=bad.pk))
        assert response.status_code == 400 and "category" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_category_search_matches_name_and_path(client_agent: Client, categories: dict[str, Category]) -> None:
    url = reverse("intake-categories")
    by_name = client_agent.get(url, {"q": "路灯"}).content.decode()
    assert f'data-id="{categories["lamp"].pk}"' in by_name
    assert "路灯旧分类" not in by_name  # inactive
    assert f'data-id="{categories["manhole"].pk}"' not in by_name
    by_path = client_agent.get(url, {"q": "市政设施"}).content.decode()
    assert f'data-id="{categories["lamp"].pk}"' in by_path and f'data-id="{categories["manhole"].pk}"' in by_path
    assert f'data-id="{categories["middle"].pk}"' not in by_path  # only the third level
    two_words = client_agent.get(url, {"q": "环境 施工"}).content.decode()
    assert f'data-id="{categories["noise"].pk}"' in two_words and "路灯" not in two_words
    assert "没有匹配" in client_agent.get(url, {"q": "不存在的词"}).content.decode()
    assert client_agent.get(url, {"q": ""}).content.decode().strip() == ""


def test_area_options_cascade(client_agent: Client, org: Any) -> None:
    url = reverse("intake-areas")
    streets = client_agent.get(url, {"parent": org.district.pk}).content.decode()
    assert org.street_a.name in streets and org.street_b.name in streets and org.other_street.name not in streets
    communities = client_agent.get(url, {"parent": org.street_a.pk}).content.decode()
    assert org.community_a.name in communities
    for bad in ("", "x", org.department.pk, org.community_a.pk, 999999):
        html = client_agent.get(url, {"parent": bad}).content.decode()
        assert html.count("<option") == 1  # the blank option only


def test_the_address_is_recorded(client_agent: Client, org: Any) -> None:
    client_agent.post(URL, post_data(district=org.district.pk, street=org.street_a.pk,
                                     community=org.community_a.pk, address="多福巷 3 号"))
    ticket = Ticket.objects.get()
    assert (ticket.district, ticket.street, ticket.community) == (org.district, org.street_a, org.community_a)
    assert ticket.address == "多福巷 3 号"


def test_a_street_fills_in_its_district(client_agent: Client, org: Any) -> None:
    client_agent.post(URL, post_data(community=org.community_a.pk))
    ticket = Ticket.objects.get()
    assert (ticket.district, ticket.street, ticket.community) == (org.district, org.street_a, org.community_a)


def test_a_street_of_another_district_is_refused(client_agent: Client, org: Any) -> None:
    response = client_agent.post(URL, post_data(district=org.district.pk, street=org.other_street.pk))
    assert response.status_code == 400
    assert "street" in response.context["form"].errors
    assert "不属于" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_community_of_another_street_is_refused(client_agent: Client, org: Any) -> None:
    response = client_agent.post(URL, post_data(district=org.district.pk, street=org.street_b.pk,
                                                community=org.community_a.pk))
    assert response.status_code == 400
    assert "community" in response.context["form"].errors
    assert Ticket.objects.count() == 0


# --- Attachments ----------------------------------------------------------------------------------------


def test_a_png_is_attached(client_agent: Client, agent: User) -> None:
    upload = SimpleUploadedFile("路灯.png", PNG, content_type="image/png")
    response = client_agent.post(URL, post_data(attachments=[upload]))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    item = ticket.attachments.get()
    assert (item.original_name, item.kind, item.uploaded_by) == ("路灯.png", "image", agent)
    assert timeline(ticket) == [Action.REGISTER, Action.ATTACH, Action.SEND_TO_DISPATCH]


def test_attachments_survive_an_order_that_closes_at_once(client_agent: Client) -> None:
    upload = SimpleUploadedFile("录音.png", PNG, content_type="image/png")
    client_agent.post(URL, post_data(decision=Decision.ANSWER, answer="已解答", attachments=[upload]))
    ticket = Ticket.objects.get()
    assert ticket.status == Status.ANSWERED and ticket.attachments.count() == 1


def test_a_text_file_named_jpg_is_refused_by_name(client_agent: Client) -> None:
    good = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    fake = SimpleUploadedFile("伪装照片.jpg", b"just some text, not an image at all", content_type="image/jpeg")
    response = client_agent.post(URL, post_data(attachments=[good, fake]))
    assert response.status_code == 400
    assert "伪装照片.jpg" in response.content.decode()
    assert "attachments" in response.context["form"].errors
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_more_than_five_files_are_refused(client_agent: Client) -> None:
    files = [SimpleUploadedFile(f"p{i}.png", PNG, content_type="image/png") for i in range(6)]
    response = client_agent.post(URL, post_data(attachments=files))
    assert response.status_code == 400
    assert "最多上传 5 个附件" in response.content.decode()
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


# --- Caller lookup (来电弹屏) --------------------------------------------------------------------------


def test_caller_lookup_shows_earlier_orders_newest_first(client_agent: Client) -> None:
    old = make_ticket(Status.ANSWERED, caller_phone=PHONE, description="上次来电咨询社保")
    new = make_ticket(Status.PENDING_DISPATCH, caller_phone=PHONE, description="小区噪音扰民")
    other = make_ticket(Status.REGISTERED, caller_phone="13900000000", description="别人的工单")
    html = client_agent.get(reverse("intake-caller"), {"phone": "138-1234 1234"}).content.decode()
    assert new.number in html and old.number in html and other.number not in html
    table = html[html.index("<table"):]
    assert table.index(new.number) < table.index(old.number)
    assert "未办结" in html and html.index(new.number) < html.index("<table")  # the open order is listed
    assert "上次来电咨询社保" in html


def test_caller_lookup_shows_at_most_ten(client_agent: Client, cast: Any) -> None:
    tickets = [make_ticket(Status.REGISTERED, cast=cast, caller_phone=PHONE) for _ in range(12)]
    html = client_agent.get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    table = html[html.index("<table"):]
    assert tickets[-1].number in table and tickets[1].number not in table
    assert table.count('<td class="num">') == 10
    assert "共 12 件" in html


def test_caller_lookup_of_a_new_number(client_agent: Client) -> None:
    assert "首次来电" in client_agent.get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert "<table" not in client_agent.get(reverse("intake-caller"), {"phone": "1"}).content.decode()


def test_a_screen_pop_opens_the_page_with_the_caller(client_agent: Client) -> None:
    earlier = make_ticket(Status.REGISTERED, caller_phone=PHONE)
    html = client_agent.get(URL, {"phone": PHONE}).content.decode()
    assert f'value="{PHONE}"' in html and earlier.number in html


def test_unit_staff_see_no_caller_history(client: Client, org: Any) -> None:
    earlier = make_ticket(Status.IN_PROGRESS, caller_phone=PHONE)
    client.force_login(UserFactory(role=Role.UNIT_HANDLER, units=[org.street_a]))
    response = client.get(reverse("intake-caller"), {"phone": PHONE})
    assert response.status_code == 403
    # The language switch's way back is this very URL (what they typed); nothing else may carry the number.
    page = response.content.decode().replace(f'name="next" value="{reverse("intake-caller")}?phone={PHONE}"', "")
    assert PHONE not in page and earlier.number not in page


# --- Without JavaScript ---------------------------------------------------------------------------------


def test_the_page_works_without_javascript(client_agent: Client, org: Any, categories: dict[str, Category]) -> None:
    """A plain form: POST multipart, every choice in plain <select>s, one submit button per decision."""
    html = client_agent.get(URL).content.decode()
    assert 'method="post"' in html and 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert '<optgroup label="城乡建设">' in html and "市政设施/路灯不亮" in html
    assert f'<optgroup label="{org.district.name}">' in html and org.other_street.name in html
    for decision in Decision:
        assert f'name="decision" value="{decision.value}"' in html
    # Without JS, Enter presses the first submit button: the category search, which registers nothing.
    assert html.index('name="decision"') == html.index('name="decision" value="search-category"')
    response = client_agent.post(URL, post_data(category=categories["noise"].pk, district=org.district.pk,
                                                street=org.street_b.pk))
    assert response.status_code == 302
    assert Ticket.objects.get().status == Status.PENDING_DISPATCH


def test_lookups_take_a_constant_number_of_queries(client_agent: Client, cast: Any, categories: dict[str, Category],
                                                   django_assert_max_num_queries: Any) -> None:
    for _ in range(4):
        make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE, category=categories["lamp"])
    with django_assert_max_num_queries(6):  # session, user, three reads of the history
        client_agent.get(reverse("intake-caller"), {"phone": PHONE})
    with django_assert_max_num_queries(8):
        client_agent.get(URL)


@pytest.mark.django_db
def test_the_api_form_shares_its_fields_and_validates_like_the_page(org: Any, categories: dict[str, Category]) -> None:
    from hotline.workbench.intake.forms import IntakeCheck, IntakeForm

    leaf = next(c for c in categories.values() if c.level == 3)
    cases = [
        post_data(),
        post_data(category=str(leaf.pk), district=str(org.district.pk), street=str(org.street_a.pk)),
        post_data(street=str(org.other_street.pk), district=str(org.district.pk)),  # street of another district
        post_data(phone="138-abc"),  # not a number
        post_data(decision=Decision.ANSWER, answer=""),  # a decision without its field
        post_data(description="", request_type="nonsense"),
    ]
    for data in cases:
        page, api = IntakeForm(data), IntakeCheck(data)
        assert page.is_valid() == api.is_valid()
        assert page.errors == api.errors
        if api.is_valid():
            assert page.draft() == api.draft() and page.decision_args() == api.decision_args()
    first, second = IntakeCheck(post_data()), IntakeCheck(post_data(phone="x"))
    assert first.fields["district"] is second.fields["district"]  # one copy per process
    assert not second.is_valid() and first.is_valid()  # … and no error leaks from one to the other
    assert IntakeForm(post_data()).fields["district"] is not IntakeForm(post_data()).fields["district"]
    assert "hx-get" not in first.fields["phone"].widget.attrs  # the page's helpers are left to the page


# --- The same page posted twice ----------------------------------------------------------------------


def _token(client: Client) -> str:
    import re

    return re.search(r'name="submission" value="([0-9a-f]{32})"', client.get(URL).content.decode()).group(1)


def test_the_same_page_posted_twice_registers_one_order(client_agent: Client) -> None:
    token = _token(client_agent)
    first = client_agent.post(URL, post_data(submission=token))
    again = client_agent.post(URL, post_data(submission=token))  # a double click, or a reload of the POST
    assert first.status_code == again.status_code == 302
    ticket = Ticket.objects.get()
    assert again["Location"] == first["Location"] == reverse("order-detail", args=[ticket.number])
    page = client_agent.get(again["Location"]).content.decode()
    assert f"该来电已登记为工单 {ticket.number}，未重复登记" in page
    assert client_agent.post(URL, post_data(submission=_token(client_agent))).status_code == 302  # a new page
    assert Ticket.objects.count() == 2


def test_a_rejected_page_keeps_its_token_and_registers_once_corrected(client_agent: Client) -> None:
    token = _token(client_agent)
    refused = client_agent.post(URL, post_data(submission=token, description=""))
    assert refused.status_code == 400 and f'value="{token}"' in refused.content.decode()
    assert client_agent.post(URL, post_data(submission=token)).status_code == 302
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("typed", ["+86 139 1111 4444", "0086-139-1111-4444", "8613911114444", "１３９１１１１４４４４"])
def test_a_number_typed_with_the_country_code_is_stored_as_the_national_number(client_agent: Client,
                                                                             typed: str) -> None:
    """Else the receipt SMS (mobiles only) and the caller history would miss the caller."""
    assert client_agent.post(URL, post_data(phone=typed)).status_code == 302
    assert Ticket.objects.get().caller_phone == "13911114444"


def test_back_never_shows_a_stale_form(client_agent: Client) -> None:
    """Back after registering must not offer a half-restored form with a fresh token: no-store, autocomplete off."""
    page = client_agent.get(URL)
    assert "no-store" in page["Cache-Control"]
    assert '<form id="intake-form" class="intake-form" method="post"' in page.content.decode()
    form_tag = page.content.decode().split('<form id="intake-form"', 1)[1].split(">", 1)[0]
    assert 'autocomplete="off"' in form_tag
    refused = client_agent.post(URL, post_data(description=""))
    assert refused.status_code == 400 and "no-store" in refused["Cache-Control"]
    script = (Path(__file__).resolve().parents[2] / "static" / "hotline" / "intake.js").read_text()
    assert "pageshow" in script and "back_forward" in script


def test_the_category_search_example_finds_shipped_categories(client_agent: Client) -> None:
    """The placeholder's example words each find a leaf of the shipped taxonomy (hotline/data/taxonomy.csv)."""
    import csv
    import re

    html = client_agent.get(URL).content.decode()
    example = re.search(r'placeholder="关键词，如 ([^"]+)"', html).group(1).split("、")
    taxonomy = Path(__file__).resolve().parents[2] / "data" / "taxonomy.csv"
    leaves = [row[2] for row in csv.reader(taxonomy.open(encoding="utf-8"))][1:]
    assert len(example) >= 2 and all(any(word in leaf for leaf in leaves) for word in example)


def test_the_page_names_its_icon_and_the_assist_never_aborts(client_agent: Client) -> None:
    """No /favicon.ico 404 and no aborted triage request logged as an error in the console."""
    html = client_agent.get(URL).content.decode()
    assert '<link rel="icon" href="data:image/svg+xml,' in html
    assert 'hx-sync="this:queue last"' in html and "this:replace" not in html.split('id="triage-assist"', 1)[1][:800]
