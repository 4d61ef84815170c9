"""What the import remembers: every run, every source record it turned into an order, and every value of
an imported row that did not arrive as it was given (a warning)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """One `hotline import` of one file, with its counts and where its rejected rows were reported."""

    source = models.CharField(_("数据来源"), max_length=40)
    file_name = models.CharField(_("文件"), max_length=255)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    imported = models.PositiveIntegerField(_("导入"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)
    skipped = models.PositiveIntegerField(_("跳过"), default=0)
    warned = models.PositiveIntegerField(_("警告"), default=0, help_text=_("导入时有值被忽略、截断或按默认处理的行数"))
    report_path = models.CharField(_("拒收报告"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class ImportedRecord(models.Model):
    """A source record (source, external id) already imported: re-running a file imports nothing twice."""

    source = models.CharField(_("数据来源"), max_length=40)
    external_id = models.CharField(_("原始编号"), max_length=100)
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="imported_from")
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    line = models.PositiveIntegerField(_("行号"))

    class Meta:
        verbose_name = _("已导入记录")
        verbose_name_plural = _("已导入记录")
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="uniq_imported_record")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class ImportWarning(models.Model):
    """A value of an imported row that was left out, shortened or replaced by a default, and why.

    `reason` is the Chinese template with `%(name)s` placeholders and `params` its values, so that the page
    shows the reason in the reader's language (`text`); the report prints it in Chinese."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="warnings")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    line = models.PositiveIntegerField(_("行号"))
    external_id = models.CharField(_("原始编号"), max_length=100)
    column = models.CharField(_("列"), max_length=100)
    value = models.CharField(_("原值"), max_length=100, blank=True)
    reason = models.CharField(_("原因"), max_length=255)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("导入警告")
        verbose_name_plural = _("导入警告")
        ordering = ["run", "line", "id"]

    def __str__(self) -> str:
        return f"{self.line} {self.column}: {self.text(translate=False)}"

    def text(self, *, translate: bool = True) -> str:
        """The reason with its values, in the active language (`translate`) or in Chinese."""
        if not translate:
            return self.reason % self.params if self.params else self.reason
        # `what` names a field (纬度/经度) and is translated too; the other values copy the file.
        params = {k: gettext(v) if k == "what" else v for k, v in self.params.items()}
        return gettext(self.reason) % params if params else gettext(self.reason)
