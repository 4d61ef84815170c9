"""The demo centre's knowledge base: the seed articles, the real department replies, a few correction reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from hotline.accounts.models import User
from hotline.core import clock
from hotline.kb import feedback, services
from hotline.kb.choices import ArticleStatus, FeedbackKind
from hotline.kb.models import ArticleFeedback, ArticleVersion
from hotline.kb.replies import load_replies
from hotline.kb.seed import load_seed


@dataclass(frozen=True)
class DemoFeedback:
    """One demo correction report: on which seed article (by title), from whom, what, and how it ended."""

    title: str
    reporter: str
    kind: str
    note: str
    days_ago: int
    outcome: str = ""  # "" open, "revised", "dismissed"
    resolution: str = ""


DEMO_FEEDBACK = [
    DemoFeedback("城乡居民医保什么时候缴费", "agent1", FeedbackKind.OUTDATED,
                 "群众反映今年居民医保个人缴费标准已调整，答复口径里的金额还是去年的，请核实更新。", 3),
    DemoFeedback("住房公积金提取（购房、租房）怎么办理", "agent2", FeedbackKind.INCOMPLETE,
                 "答复口径没有说明租房提取每年可以提取几次，群众常追问。", 1),
    DemoFeedback("社保卡丢失了怎么补办", "agent2", FeedbackKind.OUTDATED,
                 "群众说补办社保卡已不收工本费，知识里的收费说法是否还有效？请核实。", 12, "revised",
                 "经与人社局核实：现行口径无误（补办免收工本费），复核后重新发布。"),
    DemoFeedback("噪音扰民怎么投诉", "agent1", FeedbackKind.UNCLEAR,
                 "建议把社会生活噪音和建筑施工噪音分开写。", 8, "dismissed",
                 "正文已分别列明两类噪音的处理部门，答复口径保持简短，不再拆分。"),
]


def load_demo_feedback() -> str:
    """A few correction reports on the seed articles (two open, one revised, one dismissed); idempotent."""
    people = {u.username: u for u in User.objects.filter(username__in=["agent1", "agent2", "supervisor"])}
    if len(people) < 3:
        return "纠错反馈 跳过（缺少演示账号）"
    made = 0
    for row in DEMO_FEEDBACK:
        version = (ArticleVersion.objects.filter(title=row.title, article__status=ArticleStatus.PUBLISHED)
                   .select_related("article").order_by("-number").first())
        if version is None or ArticleFeedback.objects.filter(article=version.article, note=row.note).exists():
            continue
        with transaction.atomic():
            _one(row, version, people)
        made += 1
    return f"纠错反馈 新增 {made} 条"


def _one(row: DemoFeedback, version: ArticleVersion, people: dict[str, User]) -> None:
    article, now = version.article, clock.now()
    with clock.frozen(now - timedelta(days=row.days_ago)):
        item = feedback.report_feedback(article, row.kind, row.note, people[row.reporter], version=version.number)
    if not row.outcome:
        return
    with clock.frozen(now - timedelta(days=row.days_ago - 1)):
        fixed = None
        if row.outcome == "revised":  # re-verified and republished: the same text, so the seed stays as it is
            text = services.ArticleText(title=version.title, body=version.body, answer=version.answer,
                                        keywords=version.keywords)
            fixed = services.new_version(article, text=text, actor=people["supervisor"],
                                         change_note="根据纠错反馈复核后重新发布")
        feedback.resolve_feedback(item, revised=fixed is not None, version=fixed, note=row.resolution,
                                  actor=people["supervisor"])


def load_demo_kb() -> str:
    """Load the seed articles (published, owned by the demo city's units), index the past replies and add a
    few correction reports; one line."""
    seeded = load_seed()
    replies = load_replies()
    return f"知识 {seeded.summary()}；往期答复 {replies.summary()}；{load_demo_feedback()}"
