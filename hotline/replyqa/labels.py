"""Translatable labels of the reply-check findings (the pure checker writes Chinese only)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

FINDING_LABELS = {
    "empty": _("答复内容为空"),
    "too_short": _("答复过于简短，仅为签收或致谢"),
    "off_topic": _("答非所问：答复未涉及诉求的主要内容"),
    "weak_topic": _("答复与诉求关联较弱，请核对是否答非所问"),
    "missing_process": _("未说明处理过程（如何调查、核实、处理）"),
    "missing_basis": _("未说明处理依据（法规、政策或规定）"),
    "missing_result": _("未说明处理结果"),
    "missing_contact": _("未留联系方式（联系人或电话）"),
    "late": _("答复超时"),
    "very_late": _("答复严重超时"),
    "bad_dates": _("答复时间早于诉求时间，无法判断时效"),
    "boilerplate": _("套话较多（官方辞令）"),
    "evasive": _("含推诿或模糊承诺的表述（未给出具体时间或责任单位）"),
    "sensitive": _("含不当或敏感用语"),
    "privacy": _("答复中出现身份证号或诉求人的电话号码，公开前须脱敏"),
}
SEVERITY_LABELS = {"high": _("严重"), "medium": _("一般"), "low": _("轻微"), "info": _("提示")}
#: The quality grades of the checker (单字, so with a context: 中 is not "middle" here).
GRADE_LABELS = {"优": pgettext_lazy("reply grade", "优"), "良": pgettext_lazy("reply grade", "良"),
                "中": pgettext_lazy("reply grade", "中"), "差": pgettext_lazy("reply grade", "差")}


def grade_label(grade: str) -> str:
    """The grade 优/良/中/差 in the UI language."""
    return GRADE_LABELS.get(grade, grade)


def rows(findings: list) -> list[dict]:
    """Findings as the templates show them, most severe first (stable within a severity), so the list's
    «主要问题» never hides a high-severity finding: severity, translated message, evidence."""
    rank = {severity: i for i, severity in enumerate(SEVERITY_LABELS)}  # high, medium, low, info
    ordered = sorted(findings, key=lambda f: rank.get(f.severity, len(rank)))
    return [{"severity": f.severity, "severity_label": SEVERITY_LABELS.get(f.severity, f.severity),
             "message": FINDING_LABELS.get(f.code, f.message), "evidence": f.evidence} for f in ordered]
