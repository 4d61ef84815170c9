"""One unfinished (open or claimed) callback per number (the duplicates were merged by 0005).

A migration of its own: on PostgreSQL the index is built in a transaction apart from 0005's data changes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("calls", "0005_callback_merge_duplicates"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="callback",
            constraint=models.UniqueConstraint(condition=models.Q(("status__in", ["claimed", "open"])), fields=("phone",), name="calls_callback_one_unfinished"),
        ),
    ]
