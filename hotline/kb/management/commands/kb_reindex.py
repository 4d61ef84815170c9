"""`hotline kb-reindex`: rebuild the knowledge base's full-text index from the stored articles and replies."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from hotline.kb.replies import reindex_replies
from hotline.kb.services import reindex_articles


class Command(BaseCommand):
    help = "重建知识库全文索引（已发布知识和往期答复），例如升级分词词典之后。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles-only", action="store_true", help="只重建知识索引")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            articles = reindex_articles()
            replies = None if options["articles_only"] else reindex_replies()
        line = f"已索引知识 {articles} 条"
        if replies is not None:
            line += f"，往期答复 {replies} 条"
        self.stdout.write(self.style.SUCCESS(line))
