"""Who is calling the API: a signed-in person (session) or an integration (API key), and what they may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.api.errors import ApiError
from hotline.api.models import ApiKey
from hotline.api.scopes import Scope
from hotline.governance.models import Theme
from hotline.tickets.choices import Action
from hotline.tickets.models import Ticket


@dataclass
class Principal:
    """The caller. `user` is the person, or the key's service account; `key` is set for integrations."""

    user: User
    key: ApiKey | None = None

    @property
    def ident(self) -> str:
        """A stable name for idempotency records and logs."""
        return f"key:{self.key.pk}" if self.key else f"user:{self.user.pk}"

    def require(self, scope: str) -> None:
        """Refuse (403) a key that lacks the scope; people are limited by their role in the services."""
        if self.key is not None and not self.key.allows(scope):
            raise ApiError(403, "insufficient_scope", _("该密钥没有「%(scope)s」权限范围") % {"scope": scope}, {"required_scope": scope})

    def require_any(self, *scopes: str) -> None:
        """Refuse (403) a key that carries none of the scopes."""
        if self.key is not None and not any(self.key.allows(s) for s in scopes):
            raise ApiError(403, "insufficient_scope", _("该密钥需要以下权限范围之一：%(scopes)s") % {"scopes": ", ".join(scopes)},
                           {"required_scope": list(scopes)})

    @property
    def sees_full_phones(self) -> bool:
        """Whether answers may show callers' full numbers, to an account whose role sees them (`phone_for`).

        People by their role alone, as on the pages; a key only with the `phone` scope (else masked).
        """
        return self.key is None or self.key.allows(Scope.PHONE)

    @property
    def reads_confidential(self) -> bool:
        """Whether confidential (保密) orders, and the files of those merged into an order, may be read: by a
        centre person's role, as on the pages; never by a key (`orders_for_key`), whatever its account's role."""
        return self.key is None and self.user.is_centre_staff

    def scope_for_action(self, action: str) -> str:
        """The scope a key needs to take a step: `transfer` for the transfer to 110/119/120/122, else `act`.

        Least privilege (docs/api.md): `act` alone never transfers, whatever the key's role could do.
        """
        return Scope.TRANSFER if action == Action.TRANSFER else Scope.ACT

    def may_take(self, action: str) -> bool:
        """Whether the scopes (not the role) let this caller take the step."""
        return self.key is None or self.key.allows(self.scope_for_action(action))

    def lends_intake_account(self, action: str) -> bool:
        """Whether a unit key takes this step as its intake account (a unit key's `transfer`).

        That account has the centre's rights, the key only a unit's: it may not reach the orders the key
        sees as the unit's (assigned, returned, consulted on), only the ones it registered itself.
        """
        return (self.key is not None and bool(self.key.intake_user_id) and self.key.user.is_unit_staff
                and self.scope_for_action(action) == Scope.TRANSFER)

    def may_take_on(self, action: str, ticket: Ticket) -> bool:
        """Whether the scopes and the key's unit let this caller take the step on this order (not the role).

        A unit key (a specialised hotline partner's: read, act and transfer) transfers only the orders its
        intake account registered, never one it sees as its unit's.
        """
        if not self.may_take(action):
            return False
        return not self.lends_intake_account(action) or ticket.registered_by_id == self.key.intake_user_id

    def actor_for_action(self, action: str) -> User:
        """The account that takes this step for the caller."""
        return self.key.actor_for(self.scope_for_action(action)) if self.key else self.user

    @property
    def creator(self) -> User:
        """The account that registers orders this caller creates."""
        return self.key.actor_for(Scope.CREATE) if self.key else self.user

    def orders(self, *, one: bool = False) -> QuerySet[Ticket]:
        """Every order this caller may see: a person's by their role, a key's by `orders_for_key`.

        `one=True` when the caller then picks one order (`Ticket.objects.visible_to`).
        """
        if self.key is None:
            return Ticket.objects.visible_to(self.user, one=one)
        return orders_for_key(self.key, one=one)

    def themes(self) -> QuerySet[Theme]:
        """The 每月一题 themes this caller sees (`GET /themes`), and may raise proactive orders for unless
        cancelled: every theme for the centre's accounts, a unit's own (led or assisted) for a unit's."""
        return Theme.objects.visible_to(self.user)


def partner_of(key: ApiKey) -> Any | None:
    """The partner platform (对接平台, `interop.Partner`) whose key this is, or None for any other key.

    Read through the reverse relation by name (the API does not import interop); cached on the key.
    """
    return getattr(key, "partner", None)  # the reverse one-to-one raises an AttributeError when there is none


def orders_for_key(key: ApiKey, *, one: bool = False) -> QuerySet[Ticket]:
    """Every order this key may read: through the API, and through the webhooks its accounts subscribe to.

    Never a confidential (保密) order: those stay in the centre. A partner platform's key whose account is
    the centre's (an emergency service such as 110: `transfer` and `read`, no unit) sees only the orders
    exchanged with that partner (a reference of the partner's on the order, transferred in or out and
    acknowledged) and those its own accounts registered, not every order its role could see. Any other key,
    a specialised hotline's (bound to its unit) included, sees what its account's role sees, plus, with an
    intake account, the orders that account registered. `one=True` when the caller then picks one order:
    the rule is then checked on that order alone (one indexed query, e.g. per webhook event). A switched-off
    partner's key (停用, `Partner.is_active` false) reads nothing, as `/interop/v1` refuses it.
    """
    partner = partner_of(key)
    if partner is not None and not partner.is_active:
        return Ticket.objects.none()
    own = [pk for pk in (key.user_id, key.intake_user_id) if pk]
    qs = Ticket.objects.visible_to(key.user, one=one)
    if partner is not None and not key.user.is_unit_staff:
        references = partner.references.all()
        if one:
            qs = qs.filter(Exists(references.filter(ticket=OuterRef("pk"))) | Q(registered_by__in=own))
        else:  # one IN over a UNION, as `visible_to` does: an OR of two INs would test every order
            exchanged = references.values("ticket_id").order_by()
            registered_by_own = Ticket.objects.filter(registered_by__in=own).values("pk").order_by()
            qs = qs.filter(pk__in=exchanged.union(registered_by_own))
    elif key.intake_user_id:
        registered = Q(registered_by=key.intake_user_id)
        if one:  # both conditions tested on the one order picked
            qs = qs | Ticket.objects.filter(registered)
        else:
            qs = Ticket.objects.filter(Q(pk__in=qs.values("pk")) | registered)
    return qs.filter(is_confidential=False)
