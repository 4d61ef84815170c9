"""Seed the default second-visit rule: resolved complaints of kinds that tend to come back, after 30 days."""

from django.db import migrations

DEFAULT_KEYWORDS = "噪音 噪声 扰民 占道经营 非法摊贩 流动摊贩 马路市场 停水 断水 渣土车 油烟"


def seed(apps, schema_editor):
    Rule = apps.get_model("revisits", "RevisitRule")
    if not Rule.objects.exists():
        Rule.objects.create(name="反复性投诉（噪音、占道经营、停水等）", request_type="complaint",
                            keywords=DEFAULT_KEYWORDS, delay_days=30, max_attempts=3, retry_days=1)


def unseed(apps, schema_editor):
    apps.get_model("revisits", "RevisitRule").objects.filter(name="反复性投诉（噪音、占道经营、停水等）").delete()


class Migration(migrations.Migration):
    dependencies = [("revisits", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
