"""One attempt per number in a delivery's log (投递日志), after renumbering the duplicates an earlier release wrote.

Before `deliverer.attempt` recorded its attempt with a conditional UPDATE, a deliverer held up past its lease
(a receiver trickling its answer) and the deliverer that took the delivery over both wrote `attempts = n` from
their own copies: two log rows carry the same number, and the delivery counts one attempt too few.

A delivery whose log has a number twice is renumbered 1, 2, 3 … in the order the attempts were made (time,
then id), and its `attempts` is raised to the number of rows when it counted fewer (so its next attempt gets a
number not yet used). Logs without duplicates are left alone. Then the unique constraint is added.

The function reads the historical models only, so it keeps working as the models change.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def renumber_duplicate_attempts(apps: Any, schema_editor: Any) -> None:
    Attempt = apps.get_model("webhooks", "DeliveryAttempt")  # noqa: N806 - a model class
    Delivery = apps.get_model("webhooks", "Delivery")  # noqa: N806 - a model class
    doubled = set(Attempt.objects.values("delivery_id", "number").annotate(rows=models.Count("id"))
                  .filter(rows__gt=1).values_list("delivery_id", flat=True))
    for delivery_id in sorted(doubled):
        rows = list(Attempt.objects.filter(delivery_id=delivery_id).order_by("at", "id"))
        for number, row in enumerate(rows, start=1):
            if row.number != number:
                Attempt.objects.filter(pk=row.pk).update(number=number)
        Delivery.objects.filter(pk=delivery_id, attempts__lt=len(rows)).update(attempts=len(rows))


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(renumber_duplicate_attempts, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='deliveryattempt',
            constraint=models.UniqueConstraint(fields=('delivery', 'number'), name='uniq_delivery_attempt_number'),
        ),
    ]
