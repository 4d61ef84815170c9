"""Partner platforms (110, 119, 120, specialised hotlines …), the references that tie orders to theirs,
and the log of everything exchanged with each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from hotline.api.scopes import Scope
from hotline.interop import backlog
from hotline.interop.choices import Direction, MessageKind, PartnerKind
from hotline.tickets.choices import EmergencyService
from hotline.webhooks.models import Subscription


def _switch_endpoints_off(endpoint_ids: list[int]) -> None:
    """Switch these partner endpoints off, each row saved on its own (an admin change trail records each)."""
    for endpoint in Subscription.objects.filter(pk__in=endpoint_ids, is_active=True):
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])


class PartnerQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        """A bulk switch-off switches the endpoints off too, as `Partner.save` does: a switched-off partner never
        has an endpoint on. Any `is_active` but a literal True counts — `False` (a list action), an expression
        (`Case`/`When`, `F`, `Value`) or a value stored as false — and the endpoints switched off are those of
        the rows that are off afterwards, each saved on its own (the admin's change trail records each). Rows
        switched on again (off before, on after) give up their held deliveries older than `HELD_LIMIT`."""
        if "is_active" not in kwargs:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            were_off = list(self.filter(is_active=False).values_list("pk", flat=True))
            count = super().update(**kwargs)
            _expire_held_of_switched_on(self.model._base_manager.using(self.db).filter(pk__in=were_off))
            if kwargs["is_active"] is not True:
                _switch_off_endpoints_of(self.model._base_manager.using(self.db).filter(pk__in=pks))
        return count

    def bulk_update(self, objs: Iterable[Partner], fields: Sequence[str], batch_size: int | None = None) -> int:
        """`bulk_update(partners, ["is_active", …])` switches off the endpoints of the partners it leaves off,
        in the same transaction and with the same trail as `update` (which Django's own `bulk_update` calls;
        this does not rely on it); the callers' copies of those endpoints say so too."""
        if "is_active" not in fields:
            return super().bulk_update(objs, fields, batch_size=batch_size)
        objs = list(objs)
        with transaction.atomic(using=self.db):
            base = self.model._base_manager.using(self.db)
            were_off = list(base.filter(pk__in=[obj.pk for obj in objs], is_active=False).values_list("pk", flat=True))
            count = super().bulk_update(objs, fields, batch_size=batch_size)
            _expire_held_of_switched_on(base.filter(pk__in=were_off))
            _switch_off_endpoints_of(self.model._base_manager.using(self.db).filter(pk__in=[obj.pk for obj in objs]))
        for obj in objs:
            if not obj.is_active and obj.endpoint_id and Partner.endpoint.is_cached(obj):
                obj.endpoint.is_active = False
        return count


def _switch_off_endpoints_of(partners: models.QuerySet[Partner]) -> None:
    """Switch off the endpoints of those of these partners that are off (now, in the database)."""
    _switch_endpoints_off(list(partners.filter(is_active=False, endpoint__isnull=False)
                               .values_list("endpoint_id", flat=True)))


def _expire_held_of_switched_on(partners: models.QuerySet[Partner]) -> None:
    """Of these partners (off before), those now on give up their held deliveries older than `HELD_LIMIT`."""
    backlog.expire_for_partners(partners.filter(is_active=True).values_list("pk", flat=True))


class Partner(models.Model):
    """A system the centre exchanges orders with (对接平台).

    Inbound: the partner calls `/interop/v1/…` with `api_key` (scope `transfer`). Outbound: messages go to
    `endpoint` (a webhooks subscription of kind `partner`), signed like every webhook. An emergency
    partner receives orders transferred (转应急) to its `emergency_service`; a specialised hotline is
    bound to a handling `unit`: orders dispatched to that unit are sent to it, and it answers through
    the API as that unit.
    """

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=PartnerKind.choices)
    emergency_service = models.CharField(_("应急号码"), max_length=3, choices=EmergencyService.choices, blank=True)
    unit = models.OneToOneField("orgs.HandlingUnit", verbose_name=_("对应承办单位"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="partner")
    api_key = models.OneToOneField("api.ApiKey", verbose_name=_("接口密钥"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="partner")
    endpoint = models.OneToOneField("webhooks.Subscription", verbose_name=_("接收地址"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="partner")
    is_active = models.BooleanField(_("启用"), default=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("对接平台")
        verbose_name_plural = _("对接平台")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["emergency_service"], condition=~models.Q(emergency_service=""),
                                    name="uniq_partner_emergency_service"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a switched-off partner (停用) has its endpoint switched off in the same transaction, however it
        was switched off (`services.switch_off`, the admin's form, a plain save), so that nothing queued for it
        is delivered any more (the deliverer sends only to active endpoints). A partner switched on again here
        (from off) gives up what was held for it longer than `HELD_LIMIT` (`backlog.expire_stale`)."""
        fields = kwargs.get("update_fields")
        with transaction.atomic(using=kwargs.get("using")):
            switched_on = (self.is_active and self.pk is not None and (fields is None or "is_active" in fields)
                           and Partner._base_manager.db_manager(kwargs.get("using"))
                           .filter(pk=self.pk, is_active=False).exists())
            super().save(*args, **kwargs)
            if switched_on:
                backlog.expire_for_partners([self.pk])
            if not self.is_active and self.endpoint_id:
                _switch_endpoints_off([self.endpoint_id])
                if Partner.endpoint.is_cached(self):  # the caller's copy says so too
                    self.endpoint.is_active = False

    def clean(self) -> None:
        """The rules of a working partner, the same for the admin's form and `services.add_partner`: a
        specialised hotline stands for a handling unit; the key of a partner that is or stays 启用 (when it has
        one) is live and has scope `transfer` (or every `/interop/v1` call is refused), and a specialised
        hotline's key acts for its unit (the unit it answers as through the REST API). A partner whose key was
        revoked can still be switched off on its form."""
        errors: dict[str, Any] = {}
        if self.kind == PartnerKind.SPECIALISED and self.unit_id is None:
            errors["unit"] = _("专业热线须对应一个承办单位")
        if self.is_active and self.api_key_id is not None:
            key = self.api_key
            if not key.allows(Scope.TRANSFER):
                errors["api_key"] = _("接口密钥须未吊销且具有权限范围 transfer，否则对方调用 /interop/v1 一律被拒绝")
            elif self.kind == PartnerKind.SPECIALISED and self.unit_id is not None and key.unit_id != self.unit_id:
                errors["api_key"] = _("专业热线的接口密钥须代表其对应的承办单位（hotline apikey create … --unit）")
        if errors:
            raise ValidationError(errors)


class ExternalReference(models.Model):
    """The partner's own id of an order (对方编号): unique per partner and direction, so transfers are idempotent."""

    partner = models.ForeignKey(Partner, verbose_name=_("对接平台"), on_delete=models.PROTECT,
                                related_name="references")
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    external_id = models.CharField(_("对方编号"), max_length=64)
    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), on_delete=models.PROTECT,
                               related_name="external_references")
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("对方编号")
        verbose_name_plural = _("对方编号")
        constraints = [models.UniqueConstraint(fields=["partner", "direction", "external_id"],
                                               name="uniq_external_reference")]

    def __str__(self) -> str:
        return f"{self.partner.code}:{self.external_id} ↔ {self.ticket_id}"


class PartnerMessage(models.Model):
    """One exchange with a partner (对接日志): a transfer in or out, an update, an acknowledgement.

    A message the centre sends carries its `message_id` (the `id` it goes with, e.g. `transfer.created:1240`,
    its delivery's `event_id`), unique per partner: one transfer or update is logged once, sent or logged as
    「未配置接收地址」, however often its step is followed up again and by however many workers at once.
    """

    partner = models.ForeignKey(Partner, verbose_name=_("对接平台"), on_delete=models.PROTECT,
                                related_name="messages")
    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="partner_messages")
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=MessageKind.choices)
    external_id = models.CharField(_("对方编号"), max_length=64, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    delivery = models.ForeignKey("webhooks.Delivery", verbose_name=_("推送记录"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(_("消息编号"), max_length=80, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("对接日志")
        verbose_name_plural = _("对接日志")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["partner", "message_id"], condition=~models.Q(message_id=""),
                                               name="uniq_partner_message_sent")]

    def __str__(self) -> str:
        return f"{self.partner.code} {self.kind} {self.ticket_id}"
