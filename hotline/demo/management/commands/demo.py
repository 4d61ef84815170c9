"""`hotline demo`: load the demo centre of A市 (units, users, taxonomy, orders with 90 days of history)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core import clock
from hotline.demo.consult import open_consultations
from hotline.demo.extras import load_extras
from hotline.demo.loader import DEFAULT_ORDERS, DEFAULT_SEED, load_demo
from hotline.demo.proactive import open_proactive
from hotline.demo.themes import open_themes
from hotline.demo.users import account_rows
from hotline.notifications.services import muted
from hotline.tickets.choices import Status


class Command(BaseCommand):
    help = "加载演示数据：A市热线中心、承办单位、各角色账号、三级分类，以及按真实留言生成并走完真实流程的工单（可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        """--orders and --seed."""
        parser.add_argument("--orders", type=int, default=DEFAULT_ORDERS, help="工单数量（默认 2000）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（结果可复现）")
        parser.add_argument("--call-days", type=int, default=14, help="模拟话务历史的天数（0 表示不生成）")

    def handle(self, *args: Any, **options: Any) -> None:
        """Load the demo and print the accounts, the orders per status and the time taken."""
        with muted():  # 90 days of history would otherwise send thousands of milestone SMS
            result = load_demo(orders=max(1, options["orders"]), seed=options["seed"])
            extras = load_extras(now=clock.now(), call_days=options["call_days"])
        out = self.stdout
        out.write(f"诉求分类 {result.categories} 个；承办单位 {result.units} 个。")
        if result.skipped:
            out.write(self.style.WARNING("演示工单已存在，未重复加载（单位、账号与分类已核对）。"))
        else:
            out.write(self.style.SUCCESS(f"已生成演示工单 {result.orders} 件（流转步骤 {result.steps} 步）。"))
        out.write("\n工单状态分布：")
        for status in Status:
            out.write(f"  {status.label:<8}{result.statuses.get(status.value, 0):>6}")
        out.write(f"  {'合计':<8}{sum(result.statuses.values()):>6}")
        out.write("\n演示账号（密码均为 demo12345）：")
        rows = [("用户名", "角色", "单位"), *[(u, r, n) for u, _, r, n in account_rows()]]
        width = max(len(u) for u, _, _ in rows) + 2
        for username, role, unit in rows:
            out.write(f"  {username:<{width}}{role:<24}{unit}")
        consulting = open_consultations()
        if consulting:
            out.write("\n进行中的会商（以对应账号登录，在工单页处理）：")
            for line in consulting:
                out.write(f"  {line}")
        themes = open_themes()
        if themes:
            out.write("\n进行中的每月一题（以对应账号登录，在「每月一题」处理）：")
            for line in themes:
                out.write(f"  {line}")
        proactive = open_proactive()
        if proactive:
            out.write("\n进行中的未诉先办工单（中心主动发现，办结前现场核查）：")
            for line in proactive:
                out.write(f"  {line}")
        out.write("\n其他演示数据：")
        for extra in extras:
            out.write(f"  {extra.name}：{extra.summary}（{extra.seconds:.1f} 秒）")
        out.write(f"\n用时 {result.seconds + sum(e.seconds for e in extras):.1f} 秒。")
