"""`hotline classify "text"`: the three most probable categories of a message, with calibrated confidences."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.intelligence.modelfile import ModelFileError
from hotline.intelligence.workflow import DEFAULT_MODEL_DIR, load_model


class Command(BaseCommand):
    help = 'Print the top categories of a message ("留言主题 留言详情") with calibrated confidences.'

    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        """The message text(s), how many categories, the model directory."""
        parser.add_argument("text", nargs="+", help="message text; several arguments are classified one by one")
        parser.add_argument("--top", type=int, default=3, help="how many categories to print (default 3)")
        parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR), help="model directory")

    def handle(self, *args: Any, **options: Any) -> None:
        """One line per category: rank, category, confidence."""
        if options["top"] < 1:
            raise CommandError("--top must be at least 1")
        texts = options["text"]
        if empty := [t for t in texts if not any(ch.isalnum() for ch in t)]:
            raise CommandError(f"nothing to classify in {empty[0]!r}: give the message's words")
        try:
            model = load_model(options["model"])
        except ModelFileError as exc:
            raise CommandError(str(exc)) from exc
        for number, text in enumerate(texts):
            if len(texts) > 1:
                self.stdout.write(("\n" if number else "") + f"{text[:40]}")
            for rank, (label, confidence) in enumerate(model.top_k(text, options["top"]), start=1):
                self.stdout.write(f"{rank}. {label}\t{confidence:.3f}")
