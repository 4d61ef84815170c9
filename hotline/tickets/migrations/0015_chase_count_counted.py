"""`Ticket.chase_count` counts only chases made while a unit held the order and should act (待签收, 办理中):
recompute it from the timeline's chase events (their `from_status`). Chases in other statuses stay on the
timeline; the reverse leaves the counts as they are."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

COUNTED = ("dispatched", "in_progress")


def recount(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TimelineEvent = apps.get_model("tickets", "TimelineEvent")
    counted = (TimelineEvent.objects.filter(ticket=OuterRef("pk"), action="chase", from_status__in=COUNTED)
               .order_by().values("ticket").annotate(n=Count("pk")).values("n"))
    chased = TimelineEvent.objects.filter(action="chase").values("ticket_id")
    Ticket.objects.filter(pk__in=chased).update(chase_count=Coalesce(Subquery(counted), 0))


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0014_chase_count"),
    ]

    operations = [
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
