"""The real citizen messages and unit replies the demo orders are made of (hotline/data/*.csv)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MESSAGES_PATH = DATA_DIR / "messages_labeled.csv"
REPLIES_PATH = DATA_DIR / "messages_replies.csv"

TITLE_MAX = 40
#: Messages shorter or longer than this (characters) do not make good demo orders.
MIN_LENGTH, MAX_LENGTH = 20, 3000

_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_NETIZEN = re.compile(r"(?:网友)?(?:[“\"][A-Z]{1,3}\d{4,}[”\"]|[A-Z]{1,3}\d{4,}(?=[:：\s您你]|$))")
_POLICY_WORDS = ("根据", "规定", "政策", "办法", "条例", "可以", "应当", "须")


@dataclass(frozen=True)
class Message:
    """One citizen message: its subject (may be empty), text and first-level label."""

    index: int
    subject: str
    text: str
    label: str

    @property
    def title(self) -> str:
        """The order's title: the subject, else the first sentence of the text, at most 40 characters."""
        return derive_title(self.subject, self.text)


@dataclass(frozen=True)
class ReplyText:
    """One real reply of a unit (答复意见), with the subject of the message it answered."""

    subject: str
    content: str

    @property
    def public(self) -> str:
        """The reply as published on the portal: at most 500 characters."""
        text = self.content
        return text if len(text) <= 500 else text[:499] + "…"

    @property
    def policy_sentence(self) -> str:
        """The first sentence that states a rule or policy, for a direct answer (即时答复)."""
        for sentence in re.split(r"(?<=[。！？])", self.content):
            if 15 <= len(sentence) <= 200 and any(w in sentence for w in _POLICY_WORDS):
                return sentence.strip()
        return ""


def clean(text: str) -> str:
    """Strip whitespace padding and fold runs of spaces, tabs and newlines into one space."""
    return _SPACES.sub(" ", text).strip()


def derive_title(subject: str, text: str) -> str:
    """A title for an order: its subject, or the first sentence of its text, cut to 40 characters."""
    title = clean(subject)
    if not title:
        first = next((s for s in _SENTENCE_END.split(text) if s.strip()), text)
        title = clean(first)
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def load_messages(path: Path = MESSAGES_PATH) -> list[Message]:
    """Every usable message of the labelled file, in file order (cells may hold newlines: csv module)."""
    found = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            text = clean(row["留言详情"])
            if MIN_LENGTH <= len(text) <= MAX_LENGTH and row["一级标签"].strip():
                found.append(Message(i, clean(row["留言主题"]), text, row["一级标签"].strip()))
    return found


def pick_messages(messages: list[Message], count: int) -> list[Message]:
    """`count` messages spread evenly over the file (the first one always included), repeating if few."""
    if not messages:
        return []
    step = len(messages) / count
    return [messages[int(i * step) % len(messages)] for i in range(count)]


def load_replies(path: Path = REPLIES_PATH) -> list[ReplyText]:
    """Every usable unit reply (答复意见): whitespace padding stripped, the netizen ids it greets made 市民."""
    found = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            content = _NETIZEN.sub("市民", clean(row["答复意见"])).lstrip("、，。；：,.;: ")
            if len(content) >= 30:
                found.append(ReplyText(clean(row["留言主题"]), content))
    return found


def bigrams(text: str) -> set[str]:
    """The pairs of adjacent Chinese characters in a text."""
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}
