"""`hotline reply-check --data CSV`: check every reply of a file and summarise the findings.

When the file has the weak label 可解释性 (0/1), our judgement "relevant and complete" (1) is compared
with it: accuracy, Cohen's kappa and the confusion counts. The last line reads
`checked=N flagged=M agreement=0.xx`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.core.cli import bounded_float, check_range, non_negative_int, read_utf8_csv_error
from hotline.intelligence.reply_quality import GRADES
from hotline.replyqa import checks, files

#: The longest reply limit accepted (a working year).
MAX_WORKING_DAYS = 250.0


class Command(BaseCommand):
    help = "答复质检：检查留言答复文件中的每条答复（答非所问、完整性、时效、官方辞令、敏感词），并与弱标签比较。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--data", required=True, help="含 留言详情、答复意见（及 留言时间、答复时间、可解释性）的 CSV")
        parser.add_argument("--limit", type=non_negative_int, default=0, help="只检查前 N 行（默认 0：全部）")
        parser.add_argument("--limit-working-days", type=bounded_float(0, MAX_WORKING_DAYS, low_open=True),
                            default=checks.LIMIT_WORKING_DAYS,
                            help=f"答复时限（工作日，大于 0 且不大于 {MAX_WORKING_DAYS:g}，默认 %(default)s）")

    def handle(self, *args: Any, **options: Any) -> None:
        check_range("--limit", options["limit"], 0)
        check_range("--limit-working-days", options["limit_working_days"], 0, MAX_WORKING_DAYS, low_open=True)
        problem = read_utf8_csv_error(options["data"], what="答复文件")
        if problem:
            raise CommandError(f"--data：{problem}")
        try:
            loaded = files.read_replies(options["data"])
        except (files.ReplyFileError, OSError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        for line, reason in loaded.rejected[:20]:
            self.stderr.write(f"第 {line} 行已跳过：{reason}")
        rows = loaded.rows[: options["limit"]] if options["limit"] > 0 else loaded.rows
        if not rows:
            raise CommandError(f"{options['data']}: 没有可检查的答复")
        codes: Counter[str] = Counter()
        grades: Counter[str] = Counter()
        scores: list[int] = []
        flagged = 0
        pairs: list[tuple[int, int]] = []
        for row in rows:
            found = checks.check(row.request, row.reply, requested_at=row.requested_at, replied_at=row.replied_at,
                                 title=row.title, limit_working_days=options["limit_working_days"])
            codes.update(set(found.codes))
            grades[found.grade] += 1
            scores.append(found.score)
            flagged += found.flagged
            if row.label is not None:
                pairs.append((row.label, int(found.relevant and found.complete)))
        self._summary(len(rows), codes, grades, scores)
        if loaded.has_labels and pairs:
            result = files.agreement(pairs)
            c = result.confusion
            self.stdout.write(f"与弱标签（可解释性）比较：{result.n} 条，一致率 {result.accuracy:.3f}，kappa {result.kappa:.3f}")
            self.stdout.write(f"  标签1/判1 {c.get((1, 1), 0)}  标签1/判0 {c.get((1, 0), 0)}  "
                              f"标签0/判1 {c.get((0, 1), 0)}  标签0/判0 {c.get((0, 0), 0)}")
            self.stdout.write(f"  标签0 的查全率 {result.recall_unexplained:.3f}，查准率 {result.precision_unexplained:.3f}")
            tail = f" agreement={result.accuracy:.2f} kappa={result.kappa:.2f}"
        else:
            tail = ""
        self.stdout.write(f"checked={len(rows)} flagged={flagged}{tail}")

    def _summary(self, n: int, codes: Counter[str], grades: Counter[str], scores: list[int]) -> None:
        self.stdout.write(f"共检查 {n} 条答复")
        self.stdout.write("发现问题（条数，占比）：")
        for code, count in sorted(codes.items(), key=lambda item: (-item[1], item[0])):
            self.stdout.write(f"  {code:<16}{count:>6}  {count / n:6.1%}")
        ordered = sorted(scores)
        median = ordered[len(ordered) // 2]
        self.stdout.write(f"得分：平均 {sum(scores) / n:.1f}，中位数 {median}，最低 {ordered[0]}，最高 {ordered[-1]}")
        self.stdout.write("等级：" + "  ".join(f"{label} {grades.get(label, 0)}" for _, label in GRADES))
