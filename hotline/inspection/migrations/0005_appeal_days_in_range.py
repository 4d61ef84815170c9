"""At most 30 working days to appeal (申诉期限), also in the database.

A window saved before the limit existed is brought into range first: above 30 becomes 30 (a longer one
made every appeal deadline fail to compute), below 1 becomes 1.
"""

from django.db import migrations, models

MAX_APPEAL_DAYS = 30  # hotline.inspection.models.MAX_APPEAL_DAYS when this migration was written


def into_range(apps, schema_editor):  # noqa: ANN001, ANN201
    InspectionSettings = apps.get_model("inspection", "InspectionSettings")
    InspectionSettings.objects.filter(appeal_days__gt=MAX_APPEAL_DAYS).update(appeal_days=MAX_APPEAL_DAYS)
    InspectionSettings.objects.filter(appeal_days__lt=1).update(appeal_days=1)


class Migration(migrations.Migration):

    dependencies = [
        ("inspection", "0004_corrected_reason"),
    ]

    operations = [
        migrations.RunPython(into_range, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="inspectionsettings",
            constraint=models.CheckConstraint(
                condition=models.Q(("appeal_days__gte", 1), ("appeal_days__lte", 30)),
                name="inspection_appeal_days_in_range",
                violation_error_message="申诉期限须为 1 至 30 个工作日",
            ),
        ),
    ]
