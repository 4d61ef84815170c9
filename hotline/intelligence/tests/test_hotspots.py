"""Hot-spot clustering and the heat index on hand-made messages: two clear clusters and noise."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from hotline.intelligence.hotspots import (
    HotspotParams,
    Message,
    admin_prefix,
    cluster,
    extract_groups,
    extract_places,
    find_hotspots,
    growth_ratio,
    heat_index,
    subject_of,
    topic_text,
)

START = datetime(2019, 11, 1, 9, 0)

MIXER = [
    ("A2区丽发新城附近搅拌站噪音扰民", "A市A2区丽发新城小区旁边的搅拌站日夜施工，噪音和粉尘严重，业主无法休息。"),
    ("投诉丽发新城小区旁搅拌站噪音污染", "丽发新城小区附近的搅拌站噪音太大，晚上十二点还在作业，居民苦不堪言。"),
    ("A2区丽发新城搅拌站粉尘噪音严重", "丽发新城小区旁边搅拌站粉尘很大，噪音扰民，请环保部门查处。"),
    ("丽发新城小区附近违建搅拌站扰民", "A2区丽发新城附近违规建设的搅拌站，噪音粉尘影响业主生活，孩子无法学习。"),
]
PARKING = [
    ("A市伊景园滨河苑捆绑销售车位", "伊景园滨河苑开发商要求购房者必须购买车位才能签合同，这是捆绑销售。"),
    ("投诉伊景园滨河苑强制捆绑销售车位", "A市伊景园滨河苑项目强制购房者捆绑购买车位，职工购房者权益受损。"),
    ("伊景园滨河苑违法捆绑销售车位求解决", "伊景园滨河苑捆绑销售车位，每个车位十几万，购房者被迫接受。"),
]
NOISE = [
    ("A6区月亮岛路高压线杆架设的建议", "建议A6区月亮岛路沿线的110kv高压线改为地下电缆。"),
    ("咨询A市落户需要准备什么材料", "我是应届毕业生，想在A市落户，请问需要准备哪些证明材料？"),
    ("A3区某学校食堂饭菜价格太贵", "A3区一所中学的食堂饭菜价格偏高，学生家长希望有关部门管一管。"),
]


def _messages() -> list[Message]:
    out: list[Message] = []
    for n, (title, body) in enumerate(MIXER):
        out.append(Message(id=f"m{n}", title=title, body=body, at=START + timedelta(days=2 * n),
                           user=f"u{n}", likes=10 * n, dislikes=1))
    for n, (title, body) in enumerate(PARKING):
        out.append(Message(id=f"p{n}", title=title, body=body, at=START + timedelta(days=n), user=f"v{n}"))
    for n, (title, body) in enumerate(NOISE):
        out.append(Message(id=f"n{n}", title=title, body=body, at=START + timedelta(days=n), user=f"w{n}"))
    return out


def test_two_clear_clusters_are_found_and_the_noise_stays_alone() -> None:
    messages = _messages()
    groups = cluster(messages)
    by_id = [{messages[i].id for i in group} for group in groups]
    assert {"m0", "m1", "m2", "m3"} in by_id
    assert {"p0", "p1", "p2"} in by_id
    assert {"n0"} in by_id and {"n1"} in by_id and {"n2"} in by_id
    assert sorted(i for group in groups for i in group) == list(range(len(messages)))


def test_hot_issues_are_ranked_by_heat_with_place_people_and_description() -> None:
    issues = find_hotspots(_messages())
    assert [issue.rank for issue in issues] == [1, 2]
    first, second = issues
    assert set(first.message_ids) == {"m0", "m1", "m2", "m3"}
    assert "丽发新城" in first.place and "搅拌站" in first.description
    assert "业主" in first.groups
    assert first.orders == 4 and first.people == 4
    assert first.supports == 0 + 9 + 19 + 29  # likes − dislikes, never below zero
    assert first.first_at == START and first.last_at == START + timedelta(days=6)
    assert "伊景园滨河苑" in second.place and "购房者" in second.groups
    assert first.heat > second.heat > 0


def test_results_do_not_depend_on_the_input_order() -> None:
    messages = _messages()
    forward = find_hotspots(messages)
    backward = find_hotspots(list(reversed(messages)))
    assert [(i.heat, i.message_ids, i.description) for i in forward] == \
           [(i.heat, i.message_ids, i.description) for i in backward]


def test_one_person_writing_many_times_is_not_a_hot_issue() -> None:
    repeated = [Message(id=f"r{n}", title="A2区丽发新城搅拌站噪音扰民", body="搅拌站噪音", user="same",
                        at=START + timedelta(hours=n)) for n in range(5)]
    assert find_hotspots(repeated) == []
    assert find_hotspots(repeated, params=HotspotParams(min_people=1))[0].people == 1


def test_messages_further_apart_than_the_span_are_not_clustered() -> None:
    a = Message(id="a", title="丽发新城搅拌站噪音扰民", body="搅拌站噪音", at=START, user="x")
    b = Message(id="b", title="丽发新城搅拌站噪音扰民", body="搅拌站噪音", at=START + timedelta(days=400), user="y")
    assert len(cluster([a, b])) == 2
    assert len(cluster([a, b], HotspotParams(max_span_days=None))) == 1


def test_the_heat_formula() -> None:
    heat = heat_index(orders=4, people=3, supports=20, growth=2.0, recency=1.0)
    expected = 10 * (math.log1p(4) + 1.5 * math.log1p(3) + 0.5 * math.log1p(20) + 0.5 * math.log(2.0))
    assert heat == pytest.approx(round(expected, 2))
    # shrinking does not lower the heat below the base; recency halves at most
    assert heat_index(orders=4, people=3, supports=20, growth=0.5, recency=0.0) == pytest.approx(
        round(0.5 * (expected - 10 * 0.5 * math.log(2.0)), 2))


def test_growth_compares_the_last_window_with_the_one_before() -> None:
    as_of = START + timedelta(days=14)
    times = [as_of - timedelta(days=d) for d in (1, 2, 3, 8)]
    assert growth_ratio(times, as_of, 7) == (3 + 1) / (1 + 1)


def test_places_people_and_administrative_prefix() -> None:
    text = "反映A市A2区桂花坪街道伊景园滨河苑小区的业主和学生家长的问题"
    assert extract_places(text) == ["桂花坪街道", "伊景园滨河苑"]
    assert admin_prefix(text) == "A市A2区"
    assert extract_groups(text) == ["业主", "学生", "家长"]
    assert extract_groups("退休职工") == ["退休职工"]  # no overlapping shorter names


def test_no_messages_no_issues() -> None:
    assert find_hotspots([]) == []


# Real messages (hotline/data/messages_labeled.csv) that open with a salutation; without a subject the
# order's title is that salutation (the first sentence), as in the demo centre's orders.
GREETED = {
    "jiahe": ('尊敬的各位上级领导:你们好',
             '尊敬的各位上级领导:你们好！我们是西地省加禾县调塘水电站的职工！关于我们单位拖欠职工养老保险近千万一事！11月22日派职工代到劳动局社保障去了解！一经查询！结果发现大吃一惊！单位职工养老保险！是1995年到2005年是交清的！而接下来是从2006年到2018年一直到现在都是欠费的！然而加禾县调塘电站'),
    "lvdi": ('尊敬的领导：你们好',
            '尊敬的领导：你们好！我们是绿地B市城际空间站全体业主代表。6月初，我们在业主群里偶然看到一张8号地块周边商业区的规划图，里面附带了部分8号地块的规划，从图中我们看出距离我们8-4和8-1楼栋大概20-30米的位置有一个地埋式大型垃圾中转站，而在这之前，我们所有业主均未有人知道这个规划。我们于2018'),
    "tongxing_a": ('你们好',
                  '你们好！A8县同兴小学老师钟为乔，身份证号：*****************，电话：*****************，利用职务之便向各大金融机构骗取巨额资金，并在外从事营利性活动，投资失败后向贵单位申请请假，长期不来学校教书。作为一名人民教师，本应以教书育人为己任，以身作责德形兼备，做学生的楷模'),
    "tongxing_b": ('你们好',
                  '你们好！A8县同兴小学老师钟为乔，身份证号：，电话：，利用职务之便向各大金融机构骗取巨额资金，并在外从事营利性活动，投资失败后向贵单位申请请假，长期不来学校教书。作为一名人民教师，本应以教书育人为己任，以身作责德形兼备，做学生的楷模，可钟为乔老师却利用公职骗取巨额财产摞为己用，为了一己之私影响社会公'),
    "maxipu": ('尊敬的各位领导：你们好',
              '尊敬的各位领导：你们好！我是L3县麻溪铺的合法公民，从四川嫁到贵地有七年的时间了，结婚到生孩子每个环节都是遵循规章制度，现在大女儿5岁，按照政策办理了二胎准生证，在去年年底生下老二，现在已经10个月大了，还没有上到户口，理由是我们没有去做结扎手术，既然都可以允许我们生老二了，又不给我们办理户口，这样'),
    "jinbutie": ('尊敬胡厅长：您好',
                '尊敬胡厅长：您好！在你百忙之中打扰你，请问今年年初西地省省委会议研究决定2014年全省津补贴发放的最低标准是多少'),
    "tielu": ('胡厅长：您好',
             '胡厅长：您好！我是L市铁路的一名退休工人，2013年11月退休，2014年元月起每人增加了一百多元的养老金，时至2014年八月增加的钱迟迟未到帐，我曾经多次找到铁路社保有关人员了解情况，回答会给你补发的。但直至八月底共计1536元还未到帐，这到底为什么？请厅长在百忙过问此事，给我一个说法。谢谢！L市'),
    "dushengzinv": ('书记：您好',
                   '书记：您好！今年政府发放5000元或每月80元的独生子女费的政策是爱民政策，赞！但是对于去世人员的独生子女费的政策我们不清楚，单位主管计生的说，60岁退休后去世的可享受此政策，而没赶上退休因故去世的却不能享受此政策，这我们就不理解了都是独生子女的父母，没退休因故去世本生损失更大更困难，却更不能享受到'),
    "shebao": ('领导您好，我想请问下，用人单位没给员工缴纳社保，也没签订劳动合同',
              '领导您好，我想请问下，用人单位没给员工缴纳社保，也没签订劳动合同。员工是否可以要求用人单位补缴，最多能够补缴多少年的？？我知道的一个员工是已经在单位工作十年了。不知道这是否受2年向劳动部门投诉的限制？？？谢谢领导！'),
    "yuanweijie_a": ('尊敬的书记您好：K2区楚江东路原味街从2015年开始施工建设，于2016年工程…',
                    '尊敬的书记您好：K2区楚江东路原味街从2015年开始施工建设，于2016年工程全面完工。原味街也在2016年10月1号开街营业。工程建设过程中几千名农民工日夜加班，保质量赶工程，为的是建设美好的K市洒血汗，才能保证原味街如期开街，成为K市一道靓丽的风景线。广大农民工也期盼着工程早点验收，拿回血汗钱回'),
    "yuanweijie_b": ('尊敬的李书记您好：K2区楚江东路原味街从2015年开始施工建设，于2016年工…',
                    '尊敬的李书记您好：K2区楚江东路原味街从2015年开始施工建设，于2016年工程全面完工。原味街也在2016年10月1号开街营业。工程建设过程中几千名农民工日夜加班，保质量赶工程，为的是建设美好的K市洒血汗，才能保证原味街如期开街，成为K市一道靓丽的风景线。广大农民工也期盼着工程早点验收，拿回血汗钱'),
    "lianzufang_a": ('尊敬的邓市长：你好',
                    '尊敬的邓市长：你好！我们是来自D市的伤残军人！我们现所居住的房屋已有八年之久，不知此房屋是廉租房（公租房），没有赶上装修补偿，天燃气，有线电视全部自己购买使用！前几年D市有二个小区购买共同产权房，我们小区没有纳入也没有得到解释！根据法律法规及军人优抚条例之规定，优抚対象优先购房建房。恳请厅长帮助解决'),
    "lianzufang_b": ('尊敬的鹿厅长：你好',
                    '尊敬的鹿厅长：你好！我们是来自D市的伤残军人！我们现所居住的房屋已有八年之久，不知此房屋是廉租房（公租房），没有赶上装修补偿，天燃气，有线电视全部自己购买使用！前几年D市有二个小区购买共同产权房，我们小区没有纳入也没有得到解释！根据法律法规及军人优抚条例之规定，优抚対象优先购房建房。恳请厅长帮助解决'),
}


def test_salutations_and_web_addresses_are_not_topics() -> None:
    assert topic_text("尊敬的胡厅长:您好") == ""
    assert topic_text("尊敬的各位上级领导：你们好！我们是加禾县调塘水电站的职工") == "我们是加禾县调塘水电站的职工"
    assert topic_text("领导您好，A3区某路灯坏了，谢谢！") == "A3区某路灯坏了"
    assert topic_text("尊敬的胡书记丶邓县长;随着河东新区的发展") == "随着河东新区的发展"
    assert topic_text("https://baidu.com/公里,公司肥料发酵产生的气味") == "公里,公司肥料发酵产生的气味"
    assert topic_text("市政府领导不作为") == "市政府领导不作为"
    assert topic_text("感谢政府修路") == "感谢政府修路"
    assert subject_of(Message("x", "书记：您好", "书记：您好！独生子女费怎么领", START)) == "独生子女费怎么领"


def test_unrelated_messages_opening_with_a_greeting_stay_apart_and_duplicates_still_group() -> None:
    messages = [Message(id=key, title=title, body=body, at=START + timedelta(days=n), user=key)
                for n, (key, (title, body)) in enumerate(GREETED.items())]
    groups = [{messages[i].id for i in group} for group in cluster(messages)]
    assert {"tongxing_a", "tongxing_b"} in groups
    assert {"yuanweijie_a", "yuanweijie_b"} in groups
    assert {"lianzufang_a", "lianzufang_b"} in groups
    for key in ("jiahe", "lvdi", "maxipu", "jinbutie", "tielu", "dushengzinv", "shebao"):
        assert {key} in groups
    hot = find_hotspots(messages)
    assert all("您好" not in issue.description and "你好" not in issue.description for issue in hot)
