"""直接答复率 as the KPI page counts it: two registration-day counters, and the marks' 未诉先办 flag.

Existing marks get `proactive` None: their counts hold neither new counter, so the next step of such an
order subtracts none and adds the order's own. Past days get them from `hotline rollups-rebuild`, once.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dashboards', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='dailyrollup',
            name='direct_answered',
            field=models.IntegerField(default=0, verbose_name='其中直接答复办结'),
        ),
        migrations.AddField(
            model_name='dailyrollup',
            name='direct_base',
            field=models.IntegerField(default=0, verbose_name='受理（不含并单和主动发现）'),
        ),
        migrations.AddField(
            model_name='rollupmark',
            name='proactive',
            field=models.BooleanField(default=None, null=True),
        ),
    ]
