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


@pytest.mark.parametrize("text, published", [
    ("我叫邓益国，工程款被拖欠，邓益国的工资至今未付", "我叫邓**，工程款被拖欠，邓**的工资至今未付"),
    ("村民邓益国承包工程，邓益国做完后未付款", "村民邓**承包工程，邓**做完后未付款"),
    ("该房屋为彭芳德所有，彭芳德在外地务工，业主彭芳德反映", "该房屋为彭**所有，彭**在外地务工，业主彭**反映"),
    ("杨永家门口堆放垃圾，杨永之前反映过，村民杨永家门口", "杨**家门口堆放垃圾，杨**之前反映过，村民杨**家门口"),
])
def test_a_name_once_found_is_masked_everywhere_in_the_text(text: str, published: str) -> None:
    assert mask_personal_names(text) == published


@pytest.mark.parametrize("text, published", [
    ("市民李胜道发现路灯坏了", "市民李**发现路灯坏了"),  # jieba reads 李胜|道|发现
    ("村民黄涛跃改变土地性质", "村民黄**改变土地性质"),
    ("村民曹勇革房屋倒塌", "村民曹**房屋倒塌"),
    ("村民周胜长经常与邻村村民发生纠纷", "村民周**经常与邻村村民发生纠纷"),
    ("本组村民卢座应承包责任田", "本组村民卢**承包责任田"),  # 应承 is a word, but jieba reads 应|承包
    ("村民赵熙峻出生于2010年", "村民赵**出生于2010年"),
    ("本组村民蒋民爱在房屋下修路", "本组村民蒋**在房屋下修路"),
    ("村民于荣樟二级听力残疾", "村民于**二级听力残疾"),
    ("我叫刘海生河北省人", "我叫刘**河北省人"),
    ("业主刘英再，看了房屋", "业主刘**，看了房屋"),  # the clause ends after the third character
])
def test_a_three_character_name_jieba_cut_short_is_masked_whole(text: str, published: str) -> None:
    assert mask_personal_names(text) == published


@pytest.mark.parametrize("text, published", [
    ("村民李强和王五吵架", "村民李**和王五吵架"),  # a word of its own after the name: 和, 说, 在, 于
    ("村民张三说路灯坏了", "村民张**说路灯坏了"),
    ("业主王刚在家", "业主王**在家"),
    ("本人李华于2012年购房", "本人李**于2012年购房"),
])
def test_a_word_after_a_two_character_name_is_kept(text: str, published: str) -> None:
    assert mask_personal_names(text) == published


@pytest.mark.parametrize("text", ["增强市民向心力", "增强市民向心力，亲和力", "市民杨梅节", "欢迎市民杨梅节来玩"])
def test_dictionary_words_after_a_cue_that_is_not_sure_stay(text: str) -> None:
    assert mask_personal_names(text) == text
