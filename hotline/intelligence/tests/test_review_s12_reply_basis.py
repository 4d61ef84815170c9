"""A reply citing the same regulation the citizen cited is still a reply with a basis (docs/reply-quality.md):
the copied 按照《…办法》 is followed by the unit's own 第十二条; a request's 根据合同规定 copied back is still none."""

from __future__ import annotations

from hotline.intelligence.reply_quality import check_reply

REQUEST = ("按照《长沙市物业服务收费管理办法》物业应当公示收费项目，但我们小区物业从来不公示，"
           "乱收停车费，请相关部门督促物业整改。")
REPLY = ("您好，按照《长沙市物业服务收费管理办法》第十二条，物业须在小区显著位置公示收费项目。"
         "经核实，该物业确未公示，区住建局已责令其三日内整改，现已公示到位。联系电话0731-88888888。")


def test_citing_the_same_regulation_the_citizen_cited_counts_as_basis() -> None:
    found = check_reply(REQUEST, REPLY)
    assert found.elements["basis"], found.codes
    assert "missing_basis" not in found.codes


def test_the_same_regulation_copied_without_a_provision_of_its_own_is_no_basis() -> None:
    reply = REPLY.replace("第十二条，物业须在小区显著位置公示收费项目", "物业应当公示收费项目")
    assert "missing_basis" in check_reply(REQUEST, reply).codes


def test_the_requests_contract_rule_copied_back_is_still_no_basis() -> None:
    complaint = ("多福巷社区门口的路灯坏了一个星期，我已多次致电物业，物业说目前正在协调，根据物业合同规定应当及时维修，"
                 "但路灯至今不亮，晚上出行很不方便。")
    found = check_reply(complaint, f"您好，您反映的“{complaint}”问题已收悉。", title="多福巷社区门口路灯不亮")
    assert not found.elements["basis"] and "copied" in found.codes
