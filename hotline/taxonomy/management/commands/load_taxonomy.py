"""`hotline load-taxonomy`: load the three-level category taxonomy (诉求分类), idempotently.

A re-run only adds missing categories (switched off below a switched-off parent, and counted in the summary);
`--overwrite` restores the file's values over admin edits."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.taxonomy.models import Category
from hotline.taxonomy.services import TaxonomyFileError, load_taxonomy


class Command(BaseCommand):
    help = "加载三级诉求分类（hotline/data/taxonomy.csv），可重复执行：只新增缺少的分类，不覆盖后台的修改（--overwrite 除外）。"

    def add_arguments(self, parser: CommandParser) -> None:
        """The optional path of another taxonomy file."""
        parser.add_argument("--path", default=None, help="分类 CSV 文件（列：一级分类,二级分类,三级分类）")
        parser.add_argument("--overwrite", action="store_true",
                            help="按文件恢复已有分类的名称、层级、上级分类和水电气热标记（覆盖后台的修改）")

    def handle(self, *args: Any, **options: Any) -> None:
        """Load the taxonomy and print how many categories it has."""
        if options["path"] is not None and not options["path"].strip():
            raise CommandError("--path 为空：应为分类 CSV 文件的路径（省略 --path 则加载自带的分类文件）")
        before = Category.objects.count()
        inactive_before = Category.objects.filter(is_active=False).count()
        try:
            count = load_taxonomy(options["path"], overwrite=options["overwrite"])
        except OSError as exc:  # missing file, a folder, no permission
            raise CommandError(f"无法读取分类文件 {options['path']}：{exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"分类文件不是 UTF-8 编码：{options['path']}") from exc
        except TaxonomyFileError as exc:
            raise CommandError(f"分类文件有 {len(exc.problems)} 行不能加载，整个文件未加载：{exc}") from exc
        except KeyError as exc:
            raise CommandError(f"分类文件缺少列 {exc}（应有：一级分类,二级分类,三级分类）") from exc
        if count == 0:  # nothing was loaded: an empty file or a header only
            raise CommandError(f"分类文件没有可加载的分类：{options['path']}（文件为空或只有表头；"
                               f"应有列：一级分类,二级分类,三级分类）")
        added = Category.objects.count() - before
        # the load never switches an existing category on or off: every new switched-off row is a new node
        added_off = Category.objects.filter(is_active=False).count() - inactive_before
        kept = "已按文件覆盖已有分类" if options["overwrite"] else "已有分类保持后台的修改不变"
        self.stdout.write(f"已加载诉求分类 {count} 个（新增 {added} 个，{kept}）")
        if added_off:
            self.stdout.write(f"{added_off} 个新分类的上级已停用，已按停用新增")
