"""Messages the centre sends are keyed by their id (`PartnerMessage.message_id`), one per partner.

Messages already logged with a delivery take its `event_id`; a second line for the same delivery (a step
followed up again while two workers raced) is dropped. A line for the same message with another delivery
stays, unkeyed, as do the 「未配置接收地址」 lines already logged (nothing records which step they were for).
"""

from django.db import migrations, models

#: Rows written per UPDATE batch.
BATCH = 500


def key_sent_messages(apps, schema_editor) -> None:  # noqa: ANN001
    PartnerMessage = apps.get_model("interop", "PartnerMessage")
    kept: dict[tuple[int, str], int] = {}  # (partner, message id) -> the delivery of the line keyed
    keyed: list = []
    twins: list[int] = []
    rows = (PartnerMessage.objects.filter(direction="out", delivery__isnull=False).order_by("created_at", "id")
            .values_list("pk", "partner_id", "delivery_id", "delivery__event_id"))
    for pk, partner, delivery, event_id in rows.iterator():
        if (partner, event_id) not in kept:
            kept[(partner, event_id)] = delivery
            keyed.append(PartnerMessage(pk=pk, message_id=event_id))
        elif kept[(partner, event_id)] == delivery:
            twins.append(pk)
    PartnerMessage.objects.bulk_update(keyed, ["message_id"], batch_size=BATCH)
    for start in range(0, len(twins), BATCH):
        PartnerMessage.objects.filter(pk__in=twins[start:start + BATCH]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('interop', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='partnermessage',
            name='message_id',
            field=models.CharField(blank=True, default='', max_length=80, verbose_name='消息编号'),
        ),
        migrations.RunPython(key_sent_messages, migrations.RunPython.noop),
    ]
