"""Citizens' full names in published text (hot-spot titles, Open311, open data) are masked, surname kept."""

from __future__ import annotations

import pytest

from hotline.core.privacy import mask_personal_names, scrub_public_text


@pytest.mark.parametrize("text, published", [
    ("我叫张三丰，住在A3区", "我叫张**，住在A3区"),
    ("业主李建国反映小区噪音", "业主李**反映小区噪音"),
    ("姓名：王小明 电话", "姓名：王** 电话"),
    ("本人刘洋，住在幸福里", "本人刘**，住在幸福里"),
    ("居民张秀英家门口积水", "居民张**家门口积水"),
    ("我叫欧阳娜娜", "我叫欧阳**"),
    ("我叫唐武宜,西地省M2县人", "我叫唐**,西地省M2县人"),  # jieba reads 唐武|宜: the clause ends there
    ("烧烤店噪音 联系人张伟 13812345678", "烧烤店噪音 联系人张** 138****5678"),
])
def test_a_full_name_after_a_cue_is_masked(text: str, published: str) -> None:
    assert scrub_public_text(text) == published


@pytest.mark.parametrize("text", [
    "张局长、王书记到幸福里小区查看",  # officials: no cue, no full name
    "业主王书记说小区门口路灯不亮",
    "业主李女士反映楼下烧烤店噪音",  # a form of address, no full name
    "联系人：张先生",
    "F市民办学校教师社会保险",
    "市民申请办理恢复劳动关系",  # words starting with a surname (申, 房, 许, 安 …) stay
    "村民房屋倒塌多年",
    "经规划局及业主许可同意下",
    "还市民安静的休息时间",
    "本人于今年3月",
    "业主向K市管理办求救",
    "我叫张**，住在A3区",  # masked already: the same again
])
def test_ordinary_text_and_titles_of_officials_stay(text: str) -> None:
    assert mask_personal_names(text) == text
    assert scrub_public_text(text) == text
