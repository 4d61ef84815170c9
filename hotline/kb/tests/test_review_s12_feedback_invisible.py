"""知识纠错: a note made only of invisible characters is an empty note (report refused, 不采纳 needs a reason)."""

from __future__ import annotations

import pytest

from hotline.kb import feedback
from hotline.kb.choices import FeedbackKind, FeedbackStatus
from hotline.kb.exceptions import KbError
from hotline.kb.models import ArticleFeedback
from hotline.kb.tests.conftest import make_article

pytestmark = pytest.mark.django_db

INVISIBLE = "\u200b\u200b\ufeff"


@pytest.fixture
def article(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "居民医保缴费时间", answer="每年9月至12月缴纳下一年度医保费。")


def test_a_report_with_an_invisible_note_is_refused(article, staff) -> None:  # noqa: ANN001
    with pytest.raises(KbError):
        feedback.report_feedback(article, FeedbackKind.WRONG, INVISIBLE, staff["intake"])
    assert not ArticleFeedback.objects.filter(article=article).exists()


def test_dismissing_with_an_invisible_reason_is_refused(article, staff) -> None:  # noqa: ANN001
    item = feedback.report_feedback(article, FeedbackKind.WRONG, "缴费时间不对", staff["intake"])
    with pytest.raises(KbError):
        feedback.resolve_feedback(item, revised=False, note=INVISIBLE, actor=staff["supervisor"])
    item.refresh_from_db()
    assert item.status == FeedbackStatus.OPEN
