"""A number gets at most one unfinished (open or claimed) callback: first merge the duplicates there are.

Before this, a caller's new missed calls opened a second callback while an agent was working on the first
(claimed, or open again after no answer), and two CTI batches at once could open two. For each number with
more than one unfinished callback, one is kept — the one being called (claimed), else one already called
(attempts), else the earliest — and the others are closed as merged (已合并) with a record naming the kept
one; their missed calls move to the kept callback, which keeps the earliest deadline. 0006 adds the constraint.
"""

from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

UNFINISHED = ("open", "claimed")


def _keeper_first(cb: models.Model) -> tuple:
    return (cb.status != "claimed", cb.attempts == 0, cb.first_missed_at, cb.pk)


def merge_duplicates(apps, schema_editor) -> None:
    Callback = apps.get_model("calls", "Callback")
    CallbackCall = apps.get_model("calls", "CallbackCall")
    CallbackEvent = apps.get_model("calls", "CallbackEvent")
    now = timezone.now()
    phones = (Callback.objects.filter(status__in=UNFINISHED).values("phone").annotate(n=Count("id"))
              .filter(n__gt=1).values_list("phone", flat=True))
    for phone in list(phones):
        keeper, *others = sorted(Callback.objects.filter(phone=phone, status__in=UNFINISHED), key=_keeper_first)
        total = keeper.missed_count + sum(dup.missed_count for dup in others)
        for dup in others:
            moved = CallbackCall.objects.filter(callback=dup).update(callback=keeper)
            before = dup.status
            dup.status, dup.closed_at, dup.claimed_by, dup.claimed_at = "merged", now, None, None
            dup.version += 1
            dup.save(update_fields=["status", "closed_at", "claimed_by", "claimed_at", "version"])
            CallbackEvent.objects.create(callback=dup, at=now, action="merge", from_status=before, to_status="merged",
                                         note=f"同一号码已有未结束的回拨，已并入回拨 #{keeper.pk}（{moved} 个未接来电随之转入）")
            CallbackEvent.objects.create(callback=keeper, at=now, action="merge", from_status=keeper.status,
                                         to_status=keeper.status, note=f"并入同一号码的重复回拨 #{dup.pk}（{moved} 个未接来电）")
            keeper.first_missed_at = min(keeper.first_missed_at, dup.first_missed_at)
            keeper.last_missed_at = max(keeper.last_missed_at, dup.last_missed_at)
            keeper.due_at = min(keeper.due_at, dup.due_at)
            if keeper.ticket_id is None and dup.ticket_id is not None:
                keeper.ticket_id = dup.ticket_id
        keeper.missed_count = CallbackCall.objects.filter(callback=keeper).count() or total
        keeper.version += 1
        keeper.save(update_fields=["first_missed_at", "last_missed_at", "due_at", "ticket", "missed_count", "version"])


class Migration(migrations.Migration):

    dependencies = [
        ("calls", "0004_span_agent_day"),
    ]

    operations = [
        migrations.AlterField(
            model_name="callback",
            name="status",
            field=models.CharField(choices=[("open", "待回拨"), ("claimed", "回拨中"), ("reached", "已联系"), ("resolved", "电话中已解决"), ("wrong_number", "号码错误"), ("unreachable", "多次未接通"), ("superseded", "来电人已再次接通"), ("merged", "已合并")], db_index=True, default="open", max_length=16, verbose_name="状态"),
        ),
        migrations.AlterField(
            model_name="callbackevent",
            name="action",
            field=models.CharField(choices=[("create", "生成回拨"), ("claim", "领取"), ("release", "放回队列"), ("outcome", "登记结果"), ("supersede", "来电人已再次接通"), ("link_order", "关联工单"), ("merge", "合并重复回拨")], max_length=16),
        ),
        migrations.RunPython(merge_duplicates, migrations.RunPython.noop),
    ]
