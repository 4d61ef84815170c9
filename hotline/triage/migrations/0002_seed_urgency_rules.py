"""Seed the urgency rules (紧急研判规则) from the shipped file hotline/intelligence/data/urgency_rules.csv."""

from django.db import migrations


def seed(apps, schema_editor):  # noqa: ANN001, ANN201
    from hotline.intelligence.urgency import read_rules

    UrgencyRule = apps.get_model("triage", "UrgencyRule")
    for rule in read_rules().rules:
        UrgencyRule.objects.get_or_create(name=rule.name, defaults={
            "kind": rule.kind, "level": rule.level, "pattern": rule.pattern, "unless": rule.unless,
            "transfer_to": rule.transfer_to, "is_regex": rule.is_regex,
        })


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
