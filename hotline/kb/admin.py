"""Admin of the knowledge base: write and revise articles through the services (every save is a version).

Only knowledge-base maintainers (`permissions.may_maintain`) see or write articles here, whatever Django
permissions a user holds. The change form carries the number of the version it was opened on: a save made
after someone else saved a newer version is refused, never a silent revert of their revision. A save the
service refuses at the last moment (`KbError`: a version saved between the form's check and its save) is
rolled back and shows the form again with the reason: no admin history entry, no "changed successfully".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from hotline.core.admin import ReadOnlyAdmin
from hotline.kb import services
from hotline.kb.choices import ArticleStatus
from hotline.kb.exceptions import KbError
from hotline.kb.models import Article, ArticleEvent, ArticleFeedback, ArticleVersion, KbUsage, ReplyExample
from hotline.kb.params import whole_number
from hotline.kb.permissions import may_maintain


class ArticleForm(forms.ModelForm):
    """The article's settings plus the text of the version this save creates."""

    title = forms.CharField(label=_("标题"), max_length=200)
    answer = forms.CharField(label=_("答复口径"), widget=forms.Textarea(attrs={"rows": 4}))
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 12}))
    keywords = forms.CharField(label=_("关键词"), max_length=300, required=False)
    change_note = forms.CharField(label=_("修订说明"), max_length=300, required=False)
    publish = forms.BooleanField(label=_("保存后立即发布"), required=False, initial=True)
    #: The latest version when the form was opened; a newer one saved meanwhile makes this save stale.
    based_on = forms.CharField(widget=forms.HiddenInput, required=False)
    #: Why the service refused this form's save (`ArticleAdmin.changeform_view`), shown as its error.
    refusal: str = ""

    class Meta:
        model = Article
        fields = ["kind", "owner_unit", "is_public", "valid_from", "valid_until"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = self.instance.latest_version if self.instance.pk else None
        if version is not None:
            for name in ("title", "answer", "body", "keywords"):
                self.fields[name].initial = getattr(version, name)
            self.fields["based_on"].initial = str(version.number)
            if version.valid_from is not None:  # a draft's own validity and public flag, not the published ones
                for name in ("valid_from", "valid_until", "is_public"):
                    self.initial[name] = getattr(version, name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("失效日期不能早于生效日期"))
        if self.instance.pk and self.instance.status == ArticleStatus.RETIRED:
            raise forms.ValidationError(_("已停用的知识不能修订"))
        if self.instance.pk:
            data["based_on"] = whole_number(data.get("based_on"))
            latest = self.instance.latest_version
            if data["based_on"] is None or latest is None or data["based_on"] != latest.number:
                raise forms.ValidationError(services.stale_message(
                    self.instance.code, latest.number if latest else 0, data["based_on"]))
        return data

    def full_clean(self) -> None:
        super().full_clean()
        if self.refusal and self.is_bound and not self.errors:
            self.add_error(None, self.refusal)


class _Refused(Exception):
    """The service refused an admin save: raised out of the admin's transaction so that it rolls back."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "title", "change_note", "created_by", "created_at", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = ArticleEvent
    fields = ["at", "action", "version_number", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["code", "__str__", "kind", "owner_unit", "status", "is_public", "valid_from", "valid_until"]
    list_select_related = ["owner_unit", "published_version"]
    list_filter = ["kind", "status", "is_public"]
    search_fields = ["code", "versions__title"]
    autocomplete_fields = ["owner_unit"]
    inlines = [VersionInline, EventInline]
    actions = ["publish", "retire"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["kind", "owner_unit"] if obj else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if refusal := getattr(request, "kb_refusal", ""):
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The add/change page; a save the service refuses leaves nothing (its transaction rolls back, so no
        history entry) and shows the form again, as typed, with the reason as its error."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refusal:
            request.kb_refusal = refusal.message  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Article, form: ArticleForm, change: bool) -> None:
        """A new article is created as version 1; a change becomes a new version (nothing is edited in place)."""
        d = form.cleaned_data
        text = services.ArticleText(title=d["title"], body=d["body"], answer=d["answer"], keywords=d["keywords"])
        try:
            if not change:
                article = services.create_article(
                    kind=d["kind"], owner_unit=d["owner_unit"], text=text, valid_from=d["valid_from"],
                    valid_until=d["valid_until"], is_public=d["is_public"], actor=request.user, publish=d["publish"])
            else:
                services.new_version(obj, text=text, actor=request.user, change_note=d["change_note"],
                                     valid_from=d["valid_from"], valid_until=d["valid_until"],
                                     clear_until=d["valid_until"] is None, is_public=d["is_public"],
                                     publish=d["publish"], based_on=d["based_on"])
                article = Article.objects.get(pk=obj.pk)
        except KbError as exc:
            raise _Refused(exc.message) from exc
        obj.pk, obj.code = article.pk, article.code
        obj.refresh_from_db()

    @admin.action(description=_("发布所选知识的最新版本"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            try:
                services.publish_article(article, actor=request.user)
            except KbError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("停用所选知识"))
    def retire(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            services.retire_article(article, actor=request.user, reason="管理后台停用")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_maintain(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_maintain(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_maintain(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KbUsage)
class KbUsageAdmin(admin.ModelAdmin):
    list_display = ["at", "article", "version", "ticket", "user"]
    list_select_related = ["article", "article__published_version", "version", "version__article", "ticket", "user"]
    readonly_fields = ["at", "article", "version", "ticket", "user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReplyExample)
class ReplyExampleAdmin(admin.ModelAdmin):
    list_display = ["source_no", "topic", "replied_on"]
    search_fields = ["source_no", "topic"]
    readonly_fields = ["source_no", "topic", "detail", "reply", "replied_on"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    """Correction reports (知识纠错), read only: maintainers resolve them on the review page (/kb/review/)."""

    list_display = ["reported_at", "article", "version_number", "kind", "status", "reported_by", "resolved_by",
                    "resolved_at", "fixed_version"]
    list_filter = ["status", "kind"]
    list_select_related = ["article", "article__published_version", "reported_by", "resolved_by", "fixed_version", "fixed_version__article"]
    search_fields = ["article__code", "note"]
    date_hierarchy = "reported_at"
