"""Seed the default SLA policies (editable afterwards in the admin)."""

from django.db import migrations


def seed(apps, schema_editor):
    from hotline.sla.constants import DEFAULT_POLICIES

    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    for row in DEFAULT_POLICIES:
        if SlaPolicy.objects.filter(name=row["name"]).exists():
            continue
        SlaPolicy.objects.create(
            name=row["name"], urgency=row.get("urgency", ""), utility_only=row.get("utility_only", False),
            difficult_only=row.get("difficult_only", False), priority=row["priority"],
            sign_amount=row["sign"][0], sign_unit=row["sign"][1],
            reply_amount=row["reply"][0], reply_unit=row["reply"][1],
            close_amount=row["close"][0], close_unit=row["close"][1],
            **({"return_amount": row["return_"][0], "return_unit": row["return_"][1]} if "return_" in row else {}),
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
