"""Masked caller phones (号码脱敏)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hotline.accounts.choices import CENTRE_ROLES, UNIT_ROLES
from hotline.core.privacy import mask_phone, phone_for, scrub_public_text


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("02512345678", "025******78"),  # landline with area code: 11 digits but not a mobile
        ("010-62345678", "010*******78"),
        ("12345", "1****"),
        ("110", "1**"),
        ("", ""),
        ("  13812341234 ", "138****1234"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    """Mobiles keep 3 + 4 digits, other numbers 3 + 2; short ones keep only the first character."""
    assert mask_phone(phone) == masked


def test_mask_phone_never_returns_the_full_number() -> None:
    """Whatever the length, a non-empty number comes back changed."""
    for n in range(1, 20):
        phone = "9" * n
        assert mask_phone(phone) != phone
        assert len(mask_phone(phone)) == n


def _user(role: str, authenticated: bool = True) -> SimpleNamespace:
    return SimpleNamespace(role=role, is_authenticated=authenticated)


@pytest.mark.parametrize("role", sorted(CENTRE_ROLES))
def test_centre_staff_see_the_full_number(role: str) -> None:
    """Every centre role needs the number to call back."""
    ticket = SimpleNamespace(caller_phone="13812341234")
    assert phone_for(ticket, _user(role)) == "13812341234"


@pytest.mark.parametrize("role", sorted(UNIT_ROLES))
def test_unit_staff_see_a_masked_number(role: str) -> None:
    """Handling units see the number masked."""
    ticket = SimpleNamespace(caller_phone="13812341234")
    assert phone_for(ticket, _user(role)) == "138****1234"


def test_anonymous_or_missing_user_sees_a_masked_number() -> None:
    """No logged-in centre user, no full number."""
    ticket = SimpleNamespace(caller_phone="13812341234")
    assert phone_for(ticket, None) == "138****1234"
    assert phone_for(ticket, _user("intake", authenticated=False)) == "138****1234"


def test_empty_phone_stays_empty() -> None:
    """Nothing to show, nothing to mask."""
    assert phone_for(SimpleNamespace(caller_phone=""), _user("unit_handler")) == ""


@pytest.mark.parametrize("text, published", [
    ("联系电话13812345678。", "联系电话138****5678。"),
    ("电话 139 0731 2345，住", "电话 139****2345，住"),
    ("+86 139 0731 2345", "139****2345"),
    ("+8613812345678 / 008613812345678", "138****5678 / 138****5678"),
    ("138-1234-5678", "138****5678"),
    ("座机 0731 87654321", "座机 073*******21"),
    ("+86 731 87654321", "073*******21"),
    ("１３８１２３４５６７８，０７３１－８７６５４３２１", "138****5678，073*******21"),
    ("反映139.0000.1111噪音", "反映139****1111噪音"),  # dotted, as some people write it
    ("0731 8899 0001扰民", "073*******01扰民"),  # a landline grouped in fours
    ("0731.8899.0001", "073*******01"),
    ("日期2024.03.05，金额12.50元", "日期2024.03.05，金额12.50元"),
    ("身份证430102198001011234号", "身份证430102********1234号"),
    ("身份证43010219800101123X", "身份证430102********123X"),
    # Digits shaped like neither stay as written, and so does the Chinese punctuation around them.
    ("工单202611240000002：金额 12000元，2019年4月25日，房号 1201，电话：84567890",
     "工单202611240000002：金额 12000元，2019年4月25日，房号 1201，电话：84567890"),
    ("", ""),
])
def test_public_text_masks_phone_and_identity_numbers(text: str, published: str) -> None:
    assert scrub_public_text(text) == published


@pytest.mark.parametrize(("written", "secret"), [
    ("联系电话（0731）88990001", "88990001"),  # the area code in brackets, as the portal's phone field accepts
    ("联系电话(0731)8899-0001", "8899-0001"),
    ("手机138—1234—5678", "1234—5678"),  # em dashes between the groups
    ("手机138–1234–5678", "1234–5678"),  # en dashes
    ("身份证430102 19900101 1234", "19900101"),  # an identity card number in 6-8-4 groups
    ("身份证430102-19900101-123X", "19900101"),
])
def test_scrub_finds_numbers_written_in_common_shapes(written: str, secret: str) -> None:
    """Brackets around the area code, dashes between digit groups and grouped identity card numbers are masked."""
    scrubbed = scrub_public_text(f"小区门口路灯不亮，{written}")
    assert secret not in scrubbed
    assert scrubbed.startswith("小区门口路灯不亮，")


def test_scrub_with_the_order_masks_its_callers_name_and_number_anywhere() -> None:
    """Given the order, the caller's recorded name is masked without a cue (王建华家楼下) and their number in any
    digit run of its own; other names and digits stay."""
    order = SimpleNamespace(caller_name="王建华", caller_phone="0731-88990001")
    text = "王建华家楼下的路灯坏了，请回电073188990001；另：李局长已到场，编号20260101"
    assert scrub_public_text(text, order=order) == "王**家楼下的路灯坏了，请回电073*******01；另：李局长已到场，编号20260101"
    assert scrub_public_text(text) == "王建华家楼下的路灯坏了，请回电073*******01；另：李局长已到场，编号20260101"


@pytest.mark.parametrize("name", ["王女士", "李先生", "匿名", "王", "", "Li Lei"])
def test_scrub_leaves_a_recorded_name_that_is_no_full_name(name: str) -> None:
    """A surname with a form of address, a placeholder, one character or a Latin name is not looked for."""
    order = SimpleNamespace(caller_name=name, caller_phone="")
    text = f"{name}您好，路灯已修复。"
    assert scrub_public_text(text, order=order) == text


def test_scrub_masks_a_compound_surnames_name_keeping_the_surname() -> None:
    order = SimpleNamespace(caller_name="欧阳娜娜", caller_phone="13812345678")
    assert scrub_public_text("欧阳娜娜反映噪音", order=order) == "欧阳**反映噪音"


def test_masked_json_masks_number_keys_the_callers_name_and_numbers_in_text() -> None:
    from hotline.core.privacy import masked_json

    order = SimpleNamespace(caller_name="王建华", caller_phone="13812345678")
    shown = masked_json({"order": {"caller": {"name": "王建华", "phone": "13812345678"}, "count": 3,
                                   "title": "王建华反映路灯不亮，回电0731-88990001"}, "flag": True},
                        number_keys=frozenset({"phone"}), order=order)
    assert shown == {"order": {"caller": {"name": "王**", "phone": "138****5678"}, "count": 3,
                               "title": "王**反映路灯不亮，回电073*******01"}, "flag": True}
