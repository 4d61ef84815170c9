"""Seed a freshly migrated database for the live-server tests (run as a script with HOTLINE_DB set).

Prints one JSON line: the app's raw API key, the service codes and the order numbers it made.
"""

from __future__ import annotations

import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from hotline.api.keys import create_key
    from hotline.orgs.choices import UnitKind
    from hotline.tickets.choices import Status
    from hotline.tickets.tests.factories import CategoryFactory, HandlingUnitFactory, make_ticket

    top = CategoryFactory(name="城乡建设")
    lamp = CategoryFactory(name="路灯", parent=CategoryFactory(name="市政设施", parent=top))
    noise = CategoryFactory(name="噪音", parent=CategoryFactory(name="环境保护", parent=top))
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区", code="D-01")
    HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", code="S-01", parent=district)
    orders = {
        "open": make_ticket(Status.IN_PROGRESS, category=lamp, caller_name="王小明", caller_phone="13812345678",
                            address="东华门大街 1 号", description="路灯不亮，电话13812345678"),
        "closed": make_ticket(Status.CLOSED, category=noise, caller_name="李四", caller_phone="13900001111"),
        "secret": make_ticket(Status.REGISTERED, category=lamp, is_confidential=True),
    }
    raw = create_key("市民App", ["create", "read"])[1]
    print(json.dumps({"key": raw, "lamp": str(lamp.pk), "noise": str(noise.pk),
                      "orders": {k: t.number for k, t in orders.items()}}))


if __name__ == "__main__":
    main()
