"""Urgency rules (紧急研判规则): a regular expression that backtracks catastrophically is refused.

With `(\\w+)+着火` in force, assessing one ordinary 40-character complaint did not finish (every registration,
the intake assist page and auto-dispatch run the assessor). Adapted from the reviewer's
/tmp/rv6/test_urgency_regex.py (its 5-second hang demonstration is left out: the refusal is tested instead,
and a rule stored before the check is shown skipped by the assessor).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hotline.intelligence.urgency import SLOW_REGEX, Rule, backtracks, check_rule, read_rules
from hotline.triage.models import UrgencyRule

NESTED = r"(\w+)+着火"  # an administrator's 「任意文字……着火」, with a nested quantifier
TEXT = "小区楼下的垃圾桶一直没有人清理夏天味道非常大影响居民正常生活请尽快处理一下谢谢"


@pytest.mark.parametrize("pattern", [
    NESTED, r"(.*)*火灾", r"(?:\s*着火)+", r"(.{1,9})+起火", r"((火|灾)+)+",  # nested
    r".*.*着火", r"\w+\d*起火", r"(着.+)(.+火)", r"着火.+(?:了)?.*",  # adjacent
])
def test_nested_or_adjacent_unbounded_repeats_are_refused(pattern: str) -> None:
    assert backtracks(pattern)
    problems = check_rule(Rule(name="火", kind="fire", level="urgent", pattern=pattern, is_regex=True))
    assert SLOW_REGEX in problems


@pytest.mark.parametrize("pattern", [
    r"闻到.{0,6}(煤气|燃气)味", r"(煤气|燃气)味(很|特别|非常)?(大|浓|重)", r".*着火.*", r"(?:着火|起火)+",
    r"\d{3,4}号楼.{0,10}着火", r"(\w+)++着火",  # a possessive repeat never backtracks
])
def test_bounded_gaps_and_plain_repeats_are_accepted(pattern: str) -> None:
    assert not backtracks(pattern)


def test_a_slow_exclusion_pattern_is_refused_too() -> None:
    rule = Rule(name="火", kind="fire", level="urgent", pattern="着火", unless=r"(\w+)*演习", is_regex=True)
    assert check_rule(rule) == [f"排除词：{SLOW_REGEX}"]
    assert check_rule(Rule(name="火", kind="fire", level="urgent", pattern="着火", unless=r"(\w+)*演习")) == []


def test_keywords_are_never_judged_as_a_regular_expression() -> None:
    assert check_rule(Rule(name="火", kind="fire", level="urgent", pattern="(\\w+)+着火|着火")) == []


def test_the_shipped_rules_pass_the_check() -> None:
    result = read_rules()
    assert result.errors == []
    assert not [rule.name for rule in result.rules if rule.is_regex and backtracks(rule.pattern)]


@pytest.mark.django_db
def test_a_catastrophically_backtracking_regex_is_refused_by_the_admin_model() -> None:
    rule = UrgencyRule(name="任意文字着火", kind="fire", level="urgent", pattern=NESTED, is_regex=True)
    with pytest.raises(ValidationError, match=SLOW_REGEX):
        rule.full_clean()


@pytest.mark.django_db
def test_such_a_rule_stored_before_the_check_is_skipped_by_the_assessor() -> None:
    from hotline.triage.services import assess_text

    UrgencyRule.objects.create(name="任意文字着火", kind="fire", level="urgent", pattern=NESTED, is_regex=True)
    UrgencyRule.objects.create(name="着火", kind="fire", level="urgent", pattern="着火")
    assert assess_text(TEXT).level == "normal"  # returns at once
    assert assess_text("楼下着火了").level == "urgent"
