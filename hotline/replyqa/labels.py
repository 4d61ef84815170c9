"""Translatable labels of the reply-check findings (the pure checker writes Chinese only)."""

import re

from django.utils.translation import gettext, gettext_noop, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hotline.intelligence.reply_quality import Finding
from hotline.replyqa import disputes
from hotline.replyqa.checks import LATE_AFTER_DUE, LATE_OVERDUE

FINDING_LABELS = {
    "empty": _("答复内容为空"),
    "too_short": _("答复过于简短，仅为签收或致谢"),
    "copied": _("答复仅复述诉求"),
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
    disputes.CODE: _("答复称已联系群众，回访时群众表示未被联系"),
}
#: Severities, with a context: the project catalogue translates a bare 一般 as "Normal" (urgency), which would win.
SEVERITY_LABELS = {"high": pgettext_lazy("finding severity", "严重"), "medium": pgettext_lazy("finding severity", "一般"),
                   "low": pgettext_lazy("finding severity", "轻微"), "info": pgettext_lazy("finding severity", "提示")}
#: The quality grades of the checker (单字, so with a context: 中 is not "middle" here).
GRADE_LABELS = {"优": pgettext_lazy("reply grade", "优"), "良": pgettext_lazy("reply grade", "良"),
                "中": pgettext_lazy("reply grade", "中"), "差": pgettext_lazy("reply grade", "差")}


#: The checker's evidence sentences by finding code: Chinese templates of what `hotline.intelligence.reply_quality`
#: and `checks` write (the record), read back into their parameters and shown in the UI language. Parameters
#: quoting the request or the reply (terms not mentioned) stay as they are; so do evidences with no sentence
#: of the system's own (phrases found, masked words, dates) and any text no template matches.
TOO_SHORT = gettext_noop("%(n)s 字")
COPIED = gettext_noop("复述诉求 %(copied)s 字，自述 %(own)s 字")
COVERAGE = gettext_noop("诉求要点覆盖 %(share)s，未提及：%(missing)s")
USED = gettext_noop("用时 %(days)s 个工作日，时限 %(limit)s 个工作日")
EVIDENCE: dict[str, tuple[str, ...]] = {
    "too_short": (TOO_SHORT,),
    "copied": (COPIED,),
    "off_topic": (COVERAGE,),
    "weak_topic": (COVERAGE,),
    "missing_process": (gettext_noop("未找到“处理过程”的表述"),),
    "missing_basis": (gettext_noop("未找到“依据”的表述"),),
    "missing_result": (gettext_noop("未找到“处理结果”的表述"),),
    "missing_contact": (gettext_noop("未找到“联系方式”的表述"),),
    "late": (LATE_OVERDUE, LATE_AFTER_DUE, USED),
    "very_late": (USED,),
    "privacy": (gettext_noop("身份证号"), gettext_noop("诉求人电话")),
    disputes.CODE: (disputes.EVIDENCE,),
}


def _reader(template: str) -> re.Pattern[str]:
    """A pattern matching the whole Chinese sentence a template makes, one named group per placeholder."""
    parts = re.split(r"%\((\w+)\)s", template)
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                              for i, part in enumerate(parts)) + r"\Z", re.S)


_READERS = {code: [(template, _reader(template)) for template in templates] for code, templates in EVIDENCE.items()}


def evidence(finding: Finding) -> str:
    """A finding's evidence in the UI language (as written when no template of its code matches it)."""
    for template, reader in _READERS.get(finding.code, ()):
        if (match := reader.match(finding.evidence)) is None:
            continue
        params = match.groupdict()
        if template == TOO_SHORT:
            return ngettext(TOO_SHORT, TOO_SHORT, int(params["n"])) % params
        return gettext(template) % params
    return finding.evidence


def grade_label(grade: str) -> str:
    """The grade 优/良/中/差 in the UI language."""
    return GRADE_LABELS.get(grade, grade)


def rows(findings: list) -> list[dict]:
    """Findings as the templates show them, most severe first (stable within a severity), so the list's
    «主要问题» never hides a high-severity finding: severity, translated message, evidence."""
    rank = {severity: i for i, severity in enumerate(SEVERITY_LABELS)}  # high, medium, low, info
    ordered = sorted(findings, key=lambda f: rank.get(f.severity, len(rank)))
    return [{"severity": f.severity, "severity_label": SEVERITY_LABELS.get(f.severity, f.severity),
             "message": FINDING_LABELS.get(f.code, f.message), "evidence": evidence(f)} for f in ordered]
