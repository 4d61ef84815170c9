"""The seeded 疑难复杂 policy lets a unit return a complex order within 2 working days (domain.md: "1 working
day (complex: 2)"); the first seed left the model's default of 1. Only the untouched seed row changes: a
centre that edited the window keeps its own value."""

from django.db import migrations


def widen(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaPolicy.objects.filter(name="疑难复杂", difficult_only=True, return_amount=1,
                             return_unit="working_days").update(return_amount=2)


def narrow(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaPolicy.objects.filter(name="疑难复杂", difficult_only=True, return_amount=2,
                             return_unit="working_days").update(return_amount=1)


class Migration(migrations.Migration):
    dependencies = [("sla", "0005_online_acceptance_limit")]
    operations = [migrations.RunPython(widen, narrow)]
