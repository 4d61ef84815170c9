"""A call belongs to its PBX source: call ids are the PBX's own, so two PBXs may both send "c-88".

Before, `Call.call_id` was unique across sources and the events of two PBXs' calls with the same id
were merged into one record. Each existing call now gets the source of its events; a call whose events
came from several sources is split: the record (with its order and callback links) stays with the
source that sent the earliest event, and each other source gets a record of its own, derived from its
own events only. The derivation is the product's own (`hotline.calls.derive`: plain functions over
rows, no models).
"""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models

BATCH = 500


def _derive(rows):
    from hotline.calls.constants import setting
    from hotline.calls.derive import Row, derive_call

    return derive_call([Row(e, t, at, agent, payload) for e, t, at, agent, payload in rows],
                       short_abandon=setting("SHORT_ABANDON_SECONDS"))


def give_calls_their_source(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    CallEvent = apps.get_model("calls", "CallEvent")
    PbxSource = apps.get_model("calls", "PbxSource")
    pending = list(Call.objects.filter(source__isnull=True).values_list("pk", "call_id"))
    for start in range(0, len(pending), BATCH):
        chunk = dict(pending[start:start + BATCH])
        events = defaultdict(lambda: defaultdict(list))  # call id -> source id -> rows
        for call_id, source_id, event_id, kind, at, agent_id, payload in (
                CallEvent.objects.filter(call_id__in=list(chunk.values()))
                .values_list("call_id", "source_id", "event_id", "type", "at", "agent_id", "payload")):
            events[call_id][source_id].append((event_id, kind, at, agent_id, payload))
        for pk, call_id in chunk.items():
            by_source = events.get(call_id)
            if not by_source:  # a record without events (not made by the product): keep it, on the oldest source
                oldest = PbxSource.objects.order_by("pk").first()
                if oldest is None:
                    oldest = PbxSource.objects.create(key="legacy", name="legacy", secret="", is_active=False)
                Call.objects.filter(pk=pk).update(source_id=oldest.pk)
                continue
            ordered = sorted(by_source, key=lambda s: (min(r[2] for r in by_source[s]), s))
            first, others = ordered[0], ordered[1:]
            if not others:
                Call.objects.filter(pk=pk).update(source_id=first)
                continue
            Call.objects.filter(pk=pk).update(source_id=first, **_derive(by_source[first]))
            for source_id in others:
                Call.objects.create(source_id=source_id, call_id=call_id, **_derive(by_source[source_id]))
    if schema_editor.connection.vendor == "postgresql":
        # Check the deferred foreign keys of the rows written above now: PostgreSQL refuses the ALTER
        # TABLE that follows in this transaction while their trigger events are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0002_call_answered_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='call',
            name='source',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calls',
                                    to='calls.pbxsource', verbose_name='话务平台接入'),
        ),
        migrations.AlterField(
            model_name='call',
            name='call_id',
            field=models.CharField(max_length=64, verbose_name='呼叫标识'),
        ),
        migrations.RunPython(give_calls_their_source, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='call',
            name='source',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='calls',
                                    to='calls.pbxsource', verbose_name='话务平台接入'),
        ),
        migrations.AddConstraint(
            model_name='call',
            constraint=models.UniqueConstraint(fields=('source', 'call_id'), name='calls_call_once'),
        ),
    ]
