"""The reply-quality check (答复质检) on hand-written requests and replies, one finding at a time."""

from __future__ import annotations

from datetime import datetime

from hotline.intelligence.reply_quality import (
    check_reply,
    mask,
    relevance,
    topic_terms,
    weekdays_between,
)

REQUEST_TITLE = "A2区桂花苑小区门口路灯不亮"
REQUEST = "A市A2区桂花苑小区门口的路灯已经坏了一个月，晚上出行很不方便，请尽快维修。"
GOOD_REPLY = (
    "网友您好！关于您反映的A2区桂花苑小区门口路灯不亮的问题，经现场核实，该处两盏路灯因线路老化损坏。"
    "根据《A市城市照明管理办法》的规定，我局已安排维修人员于3月5日更换线路，现已恢复照明。"
    "如有疑问，请致电区城管局照明科，联系电话0731-85000000。"
)
MONDAY = datetime(2025, 3, 3, 9, 0)


def test_a_complete_relevant_timely_reply_has_no_finding() -> None:
    found = check_reply(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, requested_at=MONDAY,
                        replied_at=datetime(2025, 3, 6, 9, 0))
    assert found.findings == []
    assert found.score == 100 and found.grade == "优"
    assert found.relevant and found.complete and not found.flagged
    assert all(found.elements.values())
    assert found.working_days == 3.0


def test_an_off_topic_reply_is_flagged_with_the_missing_terms() -> None:
    reply = ("网友您好！您反映的社保卡补办问题，按照规定需本人携带身份证到社保服务大厅办理，"
             "已为您登记，联系电话0731-85000001。")
    found = check_reply(REQUEST, reply, title=REQUEST_TITLE)
    off = next(f for f in found.findings if f.code == "off_topic")
    assert off.severity == "high"
    assert "路灯" in off.evidence and "桂花苑" in off.evidence
    assert not found.relevant
    assert found.relevance < 0.15


def test_topic_terms_are_the_places_and_content_bigrams_of_the_subject() -> None:
    terms = topic_terms(REQUEST, REQUEST_TITLE)
    assert "桂花苑" in terms and "路灯" in terms
    assert "A2" not in terms  # administrative names are left out
    assert relevance(REQUEST, GOOD_REPLY, REQUEST_TITLE)[0] == 1.0


def test_each_missing_element_is_its_own_finding() -> None:
    reply = "关于您反映的A2区桂花苑小区门口路灯不亮的问题，我们会高度重视，积极协调相关部门尽快研究解决。"
    found = check_reply(REQUEST, reply, title=REQUEST_TITLE)
    codes = set(found.codes)
    assert {"missing_process", "missing_basis", "missing_result", "missing_contact"} <= codes
    assert not found.complete
    assert found.relevant
    result = next(f for f in found.findings if f.code == "missing_result")
    assert result.severity == "high" and result.message == "未说明处理结果"


def test_boilerplate_and_evasive_phrases_are_named_in_the_evidence() -> None:
    reply = ("关于您反映的A2区桂花苑小区门口路灯不亮的问题，我局高度重视，积极协调，经现场查看，"
             "将由相关部门择机研究解决。联系电话0731-85000000。")
    found = check_reply(REQUEST, reply, title=REQUEST_TITLE)
    boiler = next(f for f in found.findings if f.code == "boilerplate")
    evasive = next(f for f in found.findings if f.code == "evasive")
    assert "高度重视" in boiler.evidence and "积极协调" in boiler.evidence
    assert evasive.severity == "medium"
    assert "择机" in evasive.evidence and "相关部门" in evasive.evidence


def test_a_bare_acknowledgement_is_too_short_and_incomplete() -> None:
    found = check_reply(REQUEST, "网友：您好！留言已收悉", title=REQUEST_TITLE)
    assert "too_short" in found.codes
    assert not found.complete
    assert found.grade == "差"


def test_an_empty_reply_scores_low() -> None:
    found = check_reply(REQUEST, "   ")
    assert found.codes == ["empty"]
    assert found.score == 70 and not found.relevant


def test_late_and_very_late_replies_count_working_days() -> None:
    late = check_reply(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, requested_at=MONDAY,
                       replied_at=datetime(2025, 3, 11, 9, 0))  # 6 weekdays later
    assert late.codes == ["late"] and late.working_days == 6.0
    very = check_reply(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, requested_at=MONDAY,
                       replied_at=datetime(2025, 3, 20, 9, 0))
    assert very.codes == ["very_late"]
    assert "13 个工作日" in very.findings[0].evidence


def test_the_working_day_function_passed_in_is_used() -> None:
    calls: list[tuple[datetime, datetime]] = []

    def every_day_is_a_holiday(a: datetime, b: datetime) -> float:
        calls.append((a, b))
        return 0.0

    found = check_reply(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, requested_at=MONDAY,
                        replied_at=datetime(2025, 4, 30), working_days_between=every_day_is_a_holiday)
    assert calls and found.working_days == 0.0 and "late" not in found.codes


def test_a_reply_dated_before_the_request_is_reported_not_counted() -> None:
    found = check_reply(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, requested_at=MONDAY,
                        replied_at=datetime(2025, 3, 1))
    assert found.codes == ["bad_dates"] and found.working_days is None


def test_weekdays_between_skips_weekends() -> None:
    friday = datetime(2025, 3, 7, 12, 0)
    assert weekdays_between(friday, datetime(2025, 3, 10, 12, 0)) == 1.0
    assert weekdays_between(friday, friday) == 0.0


def test_sensitive_words_are_reported_masked() -> None:
    reply = GOOD_REPLY + "请不要无理取闹。"
    found = check_reply(REQUEST, reply, title=REQUEST_TITLE)
    sensitive = next(f for f in found.findings if f.code == "sensitive")
    assert sensitive.severity == "high"
    assert "无理取闹" not in sensitive.evidence
    assert sensitive.evidence == mask("无理取闹") == "无***"


def test_an_id_number_or_the_citizens_phone_in_the_reply_is_a_privacy_finding() -> None:
    with_id = GOOD_REPLY + "申请人身份证号430102199001011234。"
    assert "privacy" in check_reply(REQUEST, with_id, title=REQUEST_TITLE).codes
    with_phone = GOOD_REPLY + "已电话联系您（13812345678）。"
    assert "privacy" in check_reply(REQUEST, with_phone, title=REQUEST_TITLE, citizen_phone="138-1234-5678").codes
    assert "privacy" not in check_reply(REQUEST, with_phone, title=REQUEST_TITLE).codes
