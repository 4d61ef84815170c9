"""`hotline qa-sample --month YYYY-MM`: draw the month's sample of the intake agents' orders (坐席工单质检抽样)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.accounts.models import User
from hotline.inspection.sampling import draw_sample
from hotline.kpis.periods import PeriodError, last_full_month, parse_month
from hotline.tickets.exceptions import DomainError


class Command(BaseCommand):
    help = ("抽取坐席工单质检样本：每名受理员按比例随机抽检（不少于最少件数），另加定向抽检；未结束的月份仅抽取定向样本；"
            "重复运行不会重复抽取。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM（默认上个月）")
        parser.add_argument("--actor", help="记为抽样人的用户名（质检员或系统管理员；默认记为命令行）")

    def handle(self, *args: Any, **options: Any) -> None:
        """Check the month (and the actor), draw, and print what was added per agent."""
        month = options["month"]
        if month is not None and not str(month).strip():
            raise CommandError("--month 为空：应为 YYYY-MM（例如 2026-10），不填则为上个月")
        try:
            period = parse_month(month) if month else last_full_month()
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"没有这个启用的用户：{options['actor']}")
        try:
            result = draw_sample(period, actor=actor)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if result.partial:
            self.stdout.write(self.style.WARNING(f"{period.label}：本月未结束，仅抽取定向样本；随机样本在月末后抽取。"))
        if not result.agents:
            self.stdout.write(f"{period.label} 没有受理员登记的群众工单，未抽取样本。")
            return
        for draw in result.agents:
            self.stdout.write(f"{draw.agent.display_name or draw.agent.username}（{draw.agent.username}）："
                              f"受理 {draw.orders} 件，随机抽检应抽 {draw.quota} 件；本次新增随机 {draw.random_added} 件、"
                              f"定向 {draw.targeted_added} 件，累计抽检 {draw.sampled} 件")
        self.stdout.write(self.style.SUCCESS(f"{period.label} 抽样完成：新增 {result.added} 件。"))
