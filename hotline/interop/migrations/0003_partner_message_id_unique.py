"""One message per partner and message id (after 0002 keyed the messages already logged, in its own transaction)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('interop', '0002_partner_message_id'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='partnermessage',
            constraint=models.UniqueConstraint(condition=models.Q(('message_id', ''), _negated=True), fields=('partner', 'message_id'), name='uniq_partner_message_sent'),
        ),
    ]
