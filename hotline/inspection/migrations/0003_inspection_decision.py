"""Each inspection notes the agent's first decision (直接答复 / 转派单 / 转应急或不予受理), so that the monthly
report divides an item's deductions by the orders it applies to. Existing rows are filled from the timeline:
the first decision event after registration (seq > 1), as `hotline.inspection.selectors.first_decision` reads it.
"""

from django.db import migrations, models

#: Timeline action → the decision it records (as `hotline.inspection.selectors.DECISIONS`, frozen here).
DECISIONS = {
    "answer_directly": "direct_answer",
    "send_to_dispatch": "dispatch",
    "dispatch": "dispatch",
    "designate": "dispatch",
    "consult": "dispatch",
    "transfer": "transfer_refusal",
    "not_accept": "transfer_refusal",
}


def backfill(apps, schema_editor):
    Inspection = apps.get_model("inspection", "Inspection")
    TimelineEvent = apps.get_model("tickets", "TimelineEvent")
    for inspection in Inspection.objects.filter(decision="").only("pk", "ticket_id").iterator():
        action = (TimelineEvent.objects.filter(ticket_id=inspection.ticket_id, action__in=list(DECISIONS), seq__gt=1)
                  .order_by("seq").values_list("action", flat=True).first())
        if action is not None:
            Inspection.objects.filter(pk=inspection.pk).update(decision=DECISIONS[action])


class Migration(migrations.Migration):

    dependencies = [
        ("inspection", "0002_seed_criteria"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="decision",
            field=models.CharField(blank=True, choices=[("", "尚未处理"), ("direct_answer", "直接答复"),
                                                        ("dispatch", "转派单"),
                                                        ("transfer_refusal", "转应急或不予受理")],
                                   default="", help_text="登记后的第一个处理（抽样时记下，评分时更新）；决定适用的质检项",
                                   max_length=20, verbose_name="受理员的处理"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
