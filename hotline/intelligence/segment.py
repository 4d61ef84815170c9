"""Chinese word segmentation (分词) for the knowledge base's full-text index, on jieba, with no Django.

Documents and queries are segmented the same way (jieba's search mode: the whole word and its
shorter dictionary words, e.g. 公积金提取 → 公积 积金 公积金 提取 公积金提取), width-folded (NFKC:
ＥＴＣ → ETC) and lower-cased, so that what a citizen types finds what an article says. A custom
dictionary of hotline terms (`HOTLINE_TERMS`) keeps phrases like 新生儿入户 or 不动产登记 whole.

Only the knowledge base's index uses `tokens()` (the classifier has its own features;
`governance.sources` and `core.privacy` use the tokenizer itself); a change to the tokens needs
`hotline kb-reindex` once.

jieba ships its dictionary; nothing is downloaded. On first use it builds a prefix dictionary and
caches it in a file (`jieba.cache`) in `HOTLINE_JIEBA_CACHE_DIR` when that is set (the Django app sets
it to `var/`), else in the system's temporary directory. The tokenizer is built lazily, once per
process, under a lock.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterable

#: Hotline terms jieba's general dictionary would split (业务词典); each stays one token in the index.
HOTLINE_TERMS: tuple[str, ...] = (
    "12345", "接诉即办", "直接答复", "社保卡", "社保卡办理", "社保卡补办", "社会保障卡", "医保卡",
    "医保报销", "异地就医", "门诊慢特病", "城乡居民医保", "职工医保", "灵活就业", "养老保险", "失业保险",
    "失业金", "工伤认定", "公积金", "公积金提取", "公积金贷款", "住房公积金", "居住证", "暂住证", "户口迁移",
    "户口迁入", "户口迁出", "新生儿入户", "落户", "身份证", "临时身份证", "不动产登记", "不动产权证",
    "房产证", "二手房过户", "燃气报修", "燃气泄漏", "燃气费", "停水", "停电", "停气", "停水通知",
    "停电通知", "计划停电", "水费", "电费", "物业纠纷", "物业费", "业委会", "业主委员会", "维修基金",
    "专项维修资金", "噪音扰民", "噪音投诉", "广场舞", "装修噪音", "施工噪音", "夜间施工", "营业执照",
    "个体工商户", "个税", "个人所得税", "专项附加扣除", "老年卡", "老年人优待证", "高龄津贴", "廉租房",
    "公租房", "保障性住房", "经济适用房", "人才公寓", "租房补贴", "低保", "最低生活保障", "残疾人证",
    "出生医学证明", "准生证", "生育登记", "生育津贴", "网约车", "出租车", "公交卡", "违章停车",
    "占道经营", "油烟扰民", "垃圾分类", "路灯不亮", "井盖", "拖欠工资", "劳动仲裁", "劳动合同",
    "学区", "入学", "义务教育", "校外培训", "消费投诉", "预付卡", "食品安全", "健康码", "核酸",
    "电动车", "充电桩", "供暖", "暖气不热", "违章建筑", "违建", "政务服务中心", "一网通办", "掌上办",
)

#: Words too common in questions to help ranking (请问 如何 怎么 …); dropped from queries and documents.
STOPWORDS: frozenset[str] = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 还 又 而 但 把 被 让 给 对 向 从 到 于 为 以 之 其 这 那 这个 那个 这些 那些 "
    "我 我们 你 你们 您 他 她 它 他们 自己 什么 怎么 怎么办 怎样 如何 为什么 哪里 哪儿 哪个 多少 几 吗 呢 吧 啊 呀 哦 "
    "嗯 请问 请 谢谢 您好 你好 一下 一个 一些 可以 能 能否 是否 需要 要 想 有 没有 没 不 无 已 已经 现在 目前 "
    "问题 情况 相关 进行 有关 关于 以及 如果 因为 所以 还是 然后 并且 并 等 等等 个 上 下 中 里 后 前 时 时候".split()
)

_WORD = re.compile(r"\w+")
_lock = threading.Lock()
_tokenizer = None  # jieba.Tokenizer, built on first use


def _build():  # noqa: ANN202 - jieba has no type hints
    """A private jieba tokenizer with the hotline terms; the global jieba instance is left alone."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    cache_dir = os.environ.get("HOTLINE_JIEBA_CACHE_DIR", "").strip()
    if cache_dir and os.path.isdir(cache_dir) and os.access(cache_dir, os.W_OK):
        tokenizer.tmp_dir = cache_dir
    tokenizer.initialize()
    for term in HOTLINE_TERMS:
        tokenizer.add_word(term, freq=max(tokenizer.suggest_freq(term, tune=False), 1000))
    return tokenizer


def tokenizer():  # noqa: ANN201
    """The process's tokenizer, built once (about a second the first time, then from jieba's cache file)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build()
    return _tokenizer


def tokens(text: str | None, *, keep_stopwords: bool = False) -> list[str]:
    """The search-mode tokens of a text, width-folded and lower-cased, punctuation and (unless kept)
    stopwords dropped.

    Width is folded first (NFKC, as incident matching does): Chinese input methods often type
    full-width letters and digits, and ＥＴＣ, ５Ｇ or １２３４５ must find ETC, 5G and 12345.
    """
    if not text or not text.strip():
        return []
    found = []
    for token in tokenizer().cut_for_search(unicodedata.normalize("NFKC", text)):
        token = token.strip().lower()
        if not token or not _WORD.fullmatch(token) or "_" in token:
            continue
        if not keep_stopwords and token in STOPWORDS:
            continue
        found.append(token)
    return found


def index_text(text: str | None) -> str:
    """What the full-text index stores for a text: its tokens joined by spaces."""
    return " ".join(tokens(text))


def query_terms(text: str | None, *, limit: int = 12) -> list[str]:
    """The distinct tokens of a query worth searching for, longest first, at most `limit`.

    Single characters count only when the query has nothing longer (e.g. a one-character search).
    """
    seen: dict[str, int] = {}
    for position, token in enumerate(tokens(text)):
        seen.setdefault(token, position)
    longer = [t for t in seen if len(t) > 1]
    chosen = longer or list(seen)
    chosen.sort(key=lambda t: (-len(t), seen[t]))
    return chosen[:limit]


def fts5_query(terms: Iterable[str]) -> str:
    """An SQLite FTS5 MATCH expression finding any of the terms (each quoted; bm25 ranks by how many and how rare)."""
    return " OR ".join(f'"{t}"' for t in terms if _WORD.fullmatch(t))


def tsquery(terms: Iterable[str]) -> str:
    """A PostgreSQL to_tsquery('simple', …) expression finding any of the terms."""
    return " | ".join(t for t in terms if _WORD.fullmatch(t) and "_" not in t)
