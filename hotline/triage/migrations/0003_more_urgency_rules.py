"""Add the urgency rules shipped after 0002 (third-person 跳楼/跳河, explosions, 燃气漏了, injuries, 晕倒,
落水, violence, English keywords) to existing installations.

Only rules whose name is not in the table yet are created: rules a centre edited, switched off or renamed
are left as they are. A new installation already has them from 0002, which reads the same file.
"""

from django.db import migrations

NEW_RULES = ("有人跳楼跳河", "爆炸", "燃气漏了", "重伤流血", "晕倒急病", "落水坠井", "持刀行凶",
             "英文火情", "英文燃气", "英文急救", "英文治安")


def add_rules(apps, schema_editor):  # noqa: ANN001, ANN201
    from hotline.intelligence.urgency import read_rules

    UrgencyRule = apps.get_model("triage", "UrgencyRule")
    for rule in read_rules().rules:
        if rule.name in NEW_RULES:
            UrgencyRule.objects.get_or_create(name=rule.name, defaults={
                "kind": rule.kind, "level": rule.level, "pattern": rule.pattern, "unless": rule.unless,
                "transfer_to": rule.transfer_to, "is_regex": rule.is_regex,
            })


class Migration(migrations.Migration):
    dependencies = [("triage", "0002_seed_urgency_rules")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
