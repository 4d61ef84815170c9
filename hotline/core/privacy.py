"""Caller privacy: masked phone numbers (号码脱敏) for everyone who does not need the full number."""

from __future__ import annotations

import re
import threading
from typing import Any

from django.utils.translation import gettext

from hotline.accounts.choices import CENTRE_ROLES
from hotline.core.numbers import FOLD_WIDTH, ID_CARD

#: A mobile number: 11 digits starting with 1 (the mainland numbering plan).
_MOBILE_LENGTH = 11


def mask_phone(phone: str) -> str:
    """Hide the middle of a phone number: 13812341234 → 138****1234; others keep 3 first and 2 last."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) == _MOBILE_LENGTH and phone.isdigit() and phone.startswith("1"):
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) <= 5:
        # Too short to keep 3 + 2 and still hide something: keep the first character only.
        return "*" if len(phone) == 1 else phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]


#: A phone number written into free text: a mobile (1xx xxxx xxxx) or a landline with its area code
#: (0xxx-xxxxxxxx), digits grouped by spaces, hyphens or dots (139.0000.1111, 0731 8899 0001), with or without
#: +86 / 0086 / 86 in front (after which a landline's trunk 0 may be left out).
_MOBILE = r"1\d{2}[ .-]?\d{4}[ .-]?\d{4}"
_NUMBER = r"(?:\d{7,8}|\d{3,4}[ .-]\d{4})"
_LOCAL = rf"\d{{2,3}}[ .-]?{_NUMBER}"
#: A landline with its area code in brackets: (0731)88990001, （0731）8899-0001.
_BRACKETED = rf"\(0\d{{2,3}}\)[ .-]?{_NUMBER}"
_PHONE_IN_TEXT = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)?86[ -]?(?:{_MOBILE}|0?{_LOCAL})|{_MOBILE}|0{_LOCAL}|{_BRACKETED})(?![\d])")
#: A resident identity card number (身份证号) and the full-width folding: `hotline.core.numbers` (no Django),
#: shared with the reply check.
_ID_CARD = ID_CARD
_COUNTRY_CODE = re.compile(r"^(?:\+|00)?86")
_FOLD_WIDTH = FOLD_WIDTH


def _found_digits(found: str) -> str:
    """The number a phone number found in text stands for: its digits, without +86 / 0086 / 86."""
    digits = re.sub(r"[ .()-]", "", found)
    if _COUNTRY_CODE.match(digits) and len(digits) > 11:
        digits = _COUNTRY_CODE.sub("", digits)
        if not digits.startswith(("0", "1")):
            digits = "0" + digits  # +86 731 87654321: the area code written without its trunk 0
    return digits


def _mask_found_phone(found: str) -> str:
    return mask_phone(_found_digits(found))


#: Common Chinese surnames (常见姓氏), two-character ones first (欧阳 before 欧). Surnames that are far more
#: often ordinary words (和, 连, 时, 全, 明 …) are left out.
_SURNAMES = ("(?:欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|夏侯|长孙|宇文|司徒|端木|"
             "[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
             "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
             "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
             "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项"
             "芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖"
             "巩佘池苑迟邝])")
#: Words after which a citizen's own full name follows: certainly (我叫张三丰, 姓名：王小明) or often
#: (业主李建国反映, 本人刘洋, but also 市民申请, 居民安静 …).
_NAME_CUE = re.compile(rf"(?:(?P<sure>我叫|我的名字叫|姓名|联系人)|本人|业主|居民|村民|市民|户主)[:：\s]*"
                       rf"(?={_SURNAMES})")
_SURNAME = re.compile(_SURNAMES)
#: Titles and forms of address after a surname or a name (张局长, 王书记, 李女士): no full name, kept.
_TITLE_AFTER = re.compile(r"(?:女士|先生|小姐|老师|师傅|阿姨|大爷|大妈|同志|局长|书记|主任|厅长|市长|县长|区长|"
                          r"镇长|乡长|村长|部长|处长|科长|所长|队长|站长|院长|校长|经理|总|律师|医生|警官)")
#: jieba's dictionary tags some everyday words as names (安静, 许可, 谢谢, 师生): a word this frequent is
#: taken for a name only after a sure cue (我叫张三丰).
_COMMON_WORD_FREQ = 200
_name_lock = threading.Lock()
_pos_tokenizer = None  # jieba's part-of-speech tokenizer, built on the first name to check


def _pos() -> Any:
    """jieba's part-of-speech tokenizer on the hotline's tokenizer (built once, about a second)."""
    global _pos_tokenizer
    if _pos_tokenizer is None:
        with _name_lock:
            if _pos_tokenizer is None:
                from jieba.posseg import POSTokenizer

                from hotline.intelligence.segment import tokenizer

                _pos_tokenizer = POSTokenizer(tokenizer())
    return _pos_tokenizer


def _ordinary_word(word: str) -> bool:
    """Whether jieba's dictionary knows `word` as a frequent word, or as a word that is not a name."""
    pos = _pos()
    freq, tag = pos.tokenizer.FREQ.get(word) or 0, pos.word_tag_tab.get(word, "")
    return freq >= _COMMON_WORD_FREQ or (freq >= 50 and not tag.startswith("nr"))


#: jieba's dictionary lists some full names too (李建国 9, 王小明 3, 刘志坚 31); a three-character entry this
#: frequent is a word (向心力 49).
_WORD_NOT_NAME_FREQ = 40


def _known_word(word: str, freq: int = 1) -> bool:
    """Whether jieba's dictionary has `word` (a read it did not have to guess), at least `freq` often."""
    return (_pos().tokenizer.FREQ.get(word) or 0) >= freq


#: jieba's parts of speech of a character that follows a name rather than ends it: prepositions (在, 与),
#: conjunctions (和), particles (的, 了), adverbs (也), pronouns, interjections, directions (下), times (节),
#: numerals; and frequent verbs of their own (李华说, 王刚是, 吴丽需).
_NOT_IN_NAME_TAGS = ("p", "c", "u", "d", "r", "y", "e", "o", "f", "t", "m")
_NOT_IN_NAME = frozenset("说是有到来去要会让叫等将需")


def _follows_name(word: str, flag: str) -> bool:
    """Whether `word` is a single character that follows a name as a word of its own (和, 在, 说, 节)."""
    return len(word) == 1 and (flag.startswith(_NOT_IN_NAME_TAGS) or word in _NOT_IN_NAME)


def _ends_name(word: str, flag: str, after: str) -> bool:
    """Whether the single character jieba cut off after a two-character name inside a clause (李胜|道|发现)
    is the name's third character: no word of its own that follows names, and no dictionary word with
    what follows it."""
    return len(word) == 1 and not _follows_name(word, flag) and not _known_word(word + after)


def _name_at(text: str, start: int, *, sure: bool) -> str:
    """The full personal name starting at `start` (surname + one or two characters), or "" if none.

    jieba must read it as a name (词性 nr), or the surname alone followed by a name; after a cue that
    is not sure, an ordinary word is no name (市民申请, 村民房屋, 业主许可), nor is a dictionary word that
    is not the whole clause (市民杨梅节) or has three characters (市民向心力). A surname followed by a title
    or form of address (王书记, 李女士) is no full name. A given name jieba cut short (李胜|道|发现,
    唐武|宜,) is taken whole when the character cut off does not belong to what follows (`_ends_name`).
    """
    surname = _SURNAME.match(text, start)
    clause = re.split(r"[^\u4e00-\u9fa5]", text[start:], maxsplit=1)[0]
    if surname is None or _TITLE_AFTER.match(text, surname.end()) or len(clause) <= len(surname.group(0)):
        return ""
    words = [(pair.word, pair.flag) for pair in _pos().lcut(clause[:40])]
    first, flag = words[0]
    rest = 1
    if flag.startswith("nr") and first.startswith(surname.group(0)) and 0 < len(first) - len(surname.group(0)) <= 2:
        name = first
    elif first == surname.group(0) and len(words) > 1 and words[1][1].startswith("nr") and len(words[1][0]) <= 2:
        name, rest = first + words[1][0], 2
    else:
        return ""
    cut, (after, tag) = name, words[rest] if len(words) > rest else ("", "")
    if len(name) == len(surname.group(0)) + 1 and after:
        if len(after) == 1 and clause == name + after:  # 唐武|宜, / 冯生新: the clause ends there
            if not (_follows_name(after, tag) and text[start + len(clause):start + len(clause) + 1].isalnum()):
                name = clause  # but 本人李某|于|2012年
        elif len(words) > rest + 1 and _ends_name(after, tag, words[rest + 1][0]):
            name += after  # 李胜|道|发现
    if not sure and (_ordinary_word(name) or (len(name) > 2 and _ordinary_word(name[:2]))
                     or (len(name) - len(surname.group(0)) == 2 and _known_word(name, _WORD_NOT_NAME_FREQ))
                     or (tag.startswith("t") and _known_word(cut))):
        return ""  # 市民向心力, 市民杨梅|节
    return "" if _TITLE_AFTER.match(text, start + len(name)) else name


def mask_personal_names(text: str) -> str:
    """Citizens' full names introduced as such (我叫张三丰, 业主李建国, 姓名：王小明) masked, surname kept: 张**.

    Only names after such a cue are looked for, so officials (张局长), forms of address (李女士) and
    ordinary words starting with a surname (市民申请) stay; a name once found is masked wherever else it
    appears in the text (我叫邓益国，…邓益国的工资). jieba is loaded only when a cue is found.
    """
    text = text or ""
    names = set()
    for cue in _NAME_CUE.finditer(text):
        if name := _name_at(text, cue.end(), sure=cue.group("sure") is not None):
            names.add(name)
    if not names:
        return text
    found = re.compile("|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)))
    return found.sub(lambda match: _SURNAME.match(match.group(0)).group(0) + "**", text)


def _number_spans(text: str, order: Any = None) -> list[tuple[int, int, str]]:
    """Where `text` holds a phone or identity card number (身份证号), and what each becomes masked: (start, end,
    masked). Given the `order`, its caller's recorded number is found in any digit run of its own too."""
    folded = text.translate(_FOLD_WIDTH)  # one character for one, so positions agree with `text`
    spans: list[tuple[int, int, str]] = []

    def add(start: int, end: int, masked: str) -> None:
        if not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, masked))

    for match in _ID_CARD.finditer(folded):
        found = re.sub(r"[ -]", "", match.group(0))
        add(match.start(), match.end(), found[:6] + "*" * 8 + found[-4:])
    for match in _PHONE_IN_TEXT.finditer(folded):
        add(match.start(), match.end(), _mask_found_phone(match.group(0)))
    if order is not None and (number := _known_number(getattr(order, "caller_phone", ""))):
        for match in re.finditer(rf"(?<!\d){re.escape(number)}(?!\d)", folded):
            add(match.start(), match.end(), mask_phone(number))
    return spans


def numbers_masked(text: str, order: Any = None) -> str:
    """`text` with its phone and identity card numbers masked (`_number_spans`), everything else as written."""
    for start, end, masked in sorted(_number_spans(text, order), reverse=True):
        text = text[:start] + masked + text[end:]
    return text


def scrub_public_text(text: str, *, order: Any = None) -> str:
    """Free text made fit to publish: phone numbers, identity card numbers (身份证号) and citizens' full
    names (`mask_personal_names`: 我叫张三丰 → 我叫张**) masked.

    Numbers typed in full width (１３８…), with dashes (138—1234—5678) or with the area code in brackets
    ((0731)88990001) are found too. Given the `order` the text belongs to, its caller's recorded name and
    number are masked wherever they appear, with or without a cue (王建华家楼下 → 王**家楼下), and so is the
    firm the caller called for (`caller_company`, a caller's identity as much as the name: A市鑫达建材有限公司 →
    A**, and its distinctive part written alone, 鑫达建材 → 鑫**).
    Everything else is kept exactly as written; a run of digits shaped like neither (an order number, an
    amount, a date) is left alone.
    """
    text = mask_personal_names(numbers_masked(text or "", order=order))
    if order is not None and (name := _known_name(getattr(order, "caller_name", ""))):
        text = text.replace(name, _masked_name(name))
    if order is not None:
        for firm in _known_company(getattr(order, "caller_company", "")):
            text = text.replace(firm, firm[:1] + "**")
    return text


#: A recorded firm shorter than this (after its place and legal form are taken off) is not looked for in text.
_KNOWN_COMPANY_MIN = 4
#: What agents write as the caller's firm when there is none, or when they write what kind of caller it is
#: (个体工商户, 事业单位, 退休人员 …). A firm made only of these words (退休人员, 事业单位职工, 长沙市个体户) names
#: nobody and is not looked for: masking it would garble ordinary words of a reply.
_NOT_A_COMPANY = (
    "个体工商户", "个体户", "工商户", "个体", "事业单位", "机关单位", "政府机关", "人民政府", "机关", "政府", "单位",
    "退休人员", "离退休", "退休", "在校学生", "在校", "学生", "自由职业者", "自由职业", "灵活就业", "务农", "农民",
    "无业", "待业", "失业", "下岗", "人员", "职工", "员工", "私营企业", "企业", "个人", "家庭主妇", "居民", "村民",
    "暂无", "无单位", "无", "不详", "未知", "其他", "其它",
)
_GENERIC_FIRM = re.compile("(?:" + "|".join(sorted(map(re.escape, _NOT_A_COMPANY), key=len, reverse=True)) + ")+")
#: A firm's legal form: the name is cut where a 有限公司 starts (鑫达建材有限公司长沙分公司 → 鑫达建材), and the
#: other forms are taken off its end (鑫达建材集团公司 → 鑫达建材).
_COMPANY_LIMITED = re.compile(r"(?:股份有限公司|有限责任公司|有限公司).*$")
_COMPANY_FORM = re.compile(r"(?:分公司|公司|集团|厂|店|合作社)$")
#: A bracketed part of a name, nearly always a place or branch (鑫达建材（长沙）, （长沙）鑫达建材).
_COMPANY_BRACKETS = re.compile(r"[（(][^（）()]{1,10}[）)]")
#: The levels of administrative places (行政区划), longest first, as `hotline.intelligence.places` reads them.
_PLACE_LEVELS = ("特别行政区", "自治区", "省", "自治州", "自治县", "自治旗", "市", "州", "盟", "区", "县", "旗")
#: A place with its level in front of a firm's name (湖南省, 长沙市, 天心区, 湘西土家族苗族自治州; A市 of the
#: anonymised data), one level at a time: its stem holds none of 省市区县.
_COMPANY_PLACE = re.compile(r"[A-Z][0-9]{0,2}[省市区县]|(?:(?![省市区县])[\u4e00-\u9fff]){2,8}?(?:"
                            + "|".join(_PLACE_LEVELS) + ")")
#: Words ending like a level that name no place (华润万家超市, 新城市花园, 鑫达联盟): not stripped. A zone in front
#: of a firm's name is its place (长沙经济开发区鑫达建材 → 鑫达建材).
_NOT_A_PLACE = ("超市", "城市", "菜市", "夜市", "早市", "集市", "门市", "花市", "股市", "小区", "社区", "园区", "景区",
                "校区", "城区", "辖区", "片区", "厂区", "矿区", "街区", "山区", "郊区", "商业区", "住宅区", "生活区",
                "服务区", "联盟", "加盟", "同盟")
#: Places written without their level in front of a firm's name (长沙鑫达建材, 湖南长沙鑫达建材): the provinces and a
#: short list of cities. A place missing here only leaves its firm's distinctive part unmasked when written alone.
_BARE_PLACES = tuple(sorted((
    "北京", "天津", "上海", "重庆", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "四川", "贵州", "云南", "西藏", "陕西", "甘肃",
    "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
    "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化", "娄底", "湘西",
    "石家庄", "太原", "呼和浩特", "沈阳", "大连", "长春", "哈尔滨", "南京", "苏州", "无锡", "杭州", "宁波", "温州",
    "合肥", "福州", "厦门", "南昌", "济南", "青岛", "郑州", "武汉", "广州", "深圳", "东莞", "佛山", "南宁", "海口",
    "成都", "贵阳", "昆明", "拉萨", "西安", "兰州", "西宁", "银川", "乌鲁木齐",
), key=len, reverse=True))


def _place_ahead(name: str) -> int:
    """How many characters of `name` a place in front takes (长沙市, 天心区, 长沙), 0 when none does."""
    if (place := _COMPANY_PLACE.match(name)) and not (
            place.group(0).endswith(_NOT_A_PLACE) or name.startswith("市场", place.end() - 1)):
        return place.end()
    return next((len(bare) for bare in _BARE_PLACES if name.startswith(bare)), 0)


#: Words for a trade or kind of institution that end many firms' names (物业管理, 城市发展, 人民医院 …): a firm's
#: name left with little more once its place is taken off (长沙物业管理 → 物业管理, 湖南省人民医院 → 人民医院) is
#: an ordinary phrase of any reply (《物业管理条例》, 城市发展规划, 第三人民医院), not the firm.
_TRADE_WORDS = (
    "物业管理", "物业服务", "物业", "建筑工程", "建筑", "工程", "建设", "城市发展", "城市建设", "城建", "建材",
    "人民医院", "中心医院", "中医院", "医院", "卫生院", "诊所", "学校", "中学", "小学", "大学", "学院", "幼儿园",
    "科技", "技术", "信息", "电子", "网络", "贸易", "商贸", "实业", "发展", "投资", "控股", "置业", "房地产开发",
    "房地产", "开发", "管理", "服务", "咨询", "文化", "传媒", "教育", "培训", "餐饮", "酒店", "物流", "运输",
    "交通", "旅游", "银行", "保险", "医药", "药房", "超市", "商场", "环保", "能源", "电力", "水务", "燃气", "供水",
    "农业", "食品", "汽车", "装饰", "装修", "家政", "保安", "中心", "人民",
)
_TRADE_TAIL = re.compile("(?:" + "|".join(sorted(map(re.escape, _TRADE_WORDS), key=len, reverse=True)) + ")+$")
#: Characters a firm's name must keep once its trade words are taken off its end to be told apart (鑫达建材 → 鑫达).
_DISTINCTIVE_MIN = 2


def _distinctive(name: str) -> bool:
    """Whether `name` says more than a trade or kind of institution: at least `_DISTINCTIVE_MIN` characters are
    left once the trade words at its end are taken off (鑫达建材 → 鑫达; not 物业管理, 城市发展, 人民医院)."""
    tail = _TRADE_TAIL.search(name)
    return (tail.start() if tail else len(name)) >= _DISTINCTIVE_MIN


def _known_company(company: str) -> list[str]:
    """The forms of a caller's recorded firm to mask in text, longest first: the name as recorded and each of its
    cores without the legal form, as the places in front are taken off one by one (湖南省长沙市鑫达建材有限公司 →
    长沙市鑫达建材, 鑫达建材), each at least `_KNOWN_COMPANY_MIN` characters. When what is left without the places
    is only a trade or kind of institution (长沙物业管理 → 物业管理, 湖南省人民医院 → 人民医院: `_distinctive`), only
    the name as recorded and without its legal form are masked. None for a firm that is only a placeholder or a
    kind of caller (无, 个体工商户, 长沙市事业单位)."""
    company = " ".join((company or "").split())
    if len(company) < _KNOWN_COMPANY_MIN:
        return []
    core = _COMPANY_LIMITED.sub("", company, count=1)
    while (shorter := _COMPANY_FORM.sub("", core, count=1)) != core:
        core = shorter
    cores = [core, _COMPANY_BRACKETS.sub("", core)]  # （长沙）鑫达建材, 鑫达建材（长沙） → 鑫达建材
    name = cores[-1]
    while (taken := _place_ahead(name)) and taken < len(name):
        name = name[taken:]
        cores.append(name)
    if not name or _GENERIC_FIRM.fullmatch(name) or _GENERIC_FIRM.fullmatch(company):
        return []
    if not _distinctive(name):  # 长沙物业管理, 湖南省人民医院: only the name as recorded, never 物业管理 alone
        cores = [core] if _distinctive(core) else []
    forms = {company} | {core for core in cores if len(core) >= _KNOWN_COMPANY_MIN}
    return sorted(forms, key=lambda form: (-len(form), form))


#: A recorded caller number shorter than this is no number to look for in text (110, an extension).
_KNOWN_NUMBER_MIN = 7


def _known_number(phone: str) -> str:
    """The digits of a caller's recorded number, if long enough to be told apart from other digits."""
    digits = re.sub(r"\D", "", (phone or "").translate(_FOLD_WIDTH))
    return digits if len(digits) >= _KNOWN_NUMBER_MIN else ""


def _known_name(name: str) -> str:
    """A caller's recorded name worth masking in text: two to six Chinese characters that are not a
    surname with a form of address (王女士, 李师傅) and not a placeholder (匿名, 市民)."""
    name = (name or "").strip()
    if not re.fullmatch(r"[\u4e00-\u9fa5·]{2,6}", name) or name in _NOT_A_NAME:
        return ""
    surname = _SURNAME.match(name)
    if surname and _TITLE_AFTER.match(name, surname.end()):
        return ""
    return name


#: What agents write as the caller's name when there is none.
_NOT_A_NAME = frozenset({"匿名", "匿名者", "市民", "群众", "来电人", "不详", "未知", "无", "网友", "居民", "业主"})


def _masked_name(name: str) -> str:
    """张三丰 → 张**, 欧阳娜娜 → 欧阳**; a name starting with no known surname keeps its first character."""
    surname = _SURNAME.match(name)
    return (surname.group(0) if surname and surname.end() < len(name) else name[:1]) + "**"


#: What a public interface says instead of the words of a 举报 (report of wrongdoing).
REPORT_WITHHELD = "（举报内容不公开）"


def public_description(ticket: Any) -> str:
    """An order's description as published (Open311, the open-data export): scrubbed (`scrub_public_text`), and
    withheld for a 举报 — it names the people or firm reported and often tells who reported them."""
    from hotline.taxonomy.choices import RequestType

    if getattr(ticket, "request_type", "") == RequestType.REPORT:
        return REPORT_WITHHELD
    return scrub_public_text(ticket.description, order=ticket)


def masked_json(value: Any, *, number_keys: frozenset[str], order: Any = None, key: str = "",
                parent: str = "") -> Any:
    """Stored JSON (a webhook's payload, a PBX event) made fit to show: the values of `number_keys` masked as
    phone numbers, a caller's `name` (under `caller`) masked, every other text through `scrub_public_text` (given
    the `order`, its caller's recorded name and number wherever they appear)."""
    if isinstance(value, dict):
        return {k: masked_json(v, number_keys=number_keys, order=order, key=str(k), parent=key)
                for k, v in value.items()}
    if isinstance(value, list):
        return [masked_json(v, number_keys=number_keys, order=order, key=key, parent=parent) for v in value]
    if isinstance(value, str | int) and not isinstance(value, bool) and key in number_keys:
        return mask_phone(str(value))
    if isinstance(value, str) and key == "name" and parent == "caller":
        return _masked_name(name) if (name := _known_name(value)) else scrub_public_text(value, order=order)
    if isinstance(value, str):
        return scrub_public_text(value, order=order)
    return value


def caller_private(order: Any) -> bool:
    """Whether the order's caller must not leave the centre: withheld (`identity_withheld`: 匿名, 举报) or a
    confidential (保密) order. Such an order goes to a partner platform without its caller
    (`hotline.interop.outbound`), and a partner's key reads it as a unit does (`partner_account`)."""
    return identity_withheld(order) or bool(getattr(order, "is_confidential", False))


def partner_account(user: Any) -> bool:
    """Whether `user` is an account a partner platform's API key acts through (对接平台: the 110 command centre,
    a specialised hotline; `interop.Partner.api_key`, its account or its intake account).

    Such an account may have a centre role (the 110 key's is a 受理员), yet the partner is outside the centre: on a
    private order (`caller_private`) it is shown what a unit is shown. Every key's account is made without a
    usable password (`api.keys.create_key`), so a person's account is never looked up; the answer is kept on the
    instance (one request).
    """
    if user is None or getattr(user, "pk", None) is None:
        return False
    known = getattr(user, "_hotline_partner_account", None)
    if known is not None:
        return known
    found = False
    usable = getattr(user, "has_usable_password", None)
    if usable is not None and not usable():
        # The reverse one-to-ones by name (core imports neither api nor interop); the key's own account first,
        # which the key's lookup has already attached (no query).
        key = getattr(user, "api_key", None) or getattr(user, "api_intake_key", None)
        found = getattr(key, "partner", None) is not None
    user._hotline_partner_account = found
    return found


def _sees_full_numbers(user: Any, order: Any = None) -> bool:
    """Whether this person sees callers' numbers in full: a signed-in account of a centre role — on a private
    order (`caller_private`), not a partner platform's account (`partner_account`)."""
    role = getattr(user, "role", None)
    if not (user is not None and getattr(user, "is_authenticated", False) and role in CENTRE_ROLES):
        return False
    return not (order is not None and caller_private(order) and partner_account(user))


def reads_as_centre(order: Any, user: Any) -> bool:
    """Whether this person reads the order as the centre does (caller, numbers and texts in full): centre staff,
    except a partner platform's account on a private order (`caller_private`), which reads it as a unit does."""
    if not getattr(user, "is_centre_staff", False):
        return False
    return not (caller_private(order) and partner_account(user))


def phone_for(ticket: Any, user: Any) -> str:
    """The caller's phone as this person may see it: full for centre staff, masked for everyone else (a partner
    platform's account too on a private order: `_sees_full_numbers`)."""
    phone = getattr(ticket, "caller_phone", "") or ""
    if _sees_full_numbers(user, ticket):
        from hotline.ops.access import phone_shown  # every full number shown is recorded (docs/security.md)

        phone_shown(ticket, user, phone)
        return phone
    return mask_phone(phone)


def identity_withheld(order: Any) -> bool:
    """Whether the order's caller stays unknown outside the centre (`Ticket.identity_withheld`: an anonymous (匿名)
    caller, or the reporter of a 举报); False without an order."""
    if order is None:
        return False
    withheld = getattr(order, "identity_withheld", None)
    return bool(getattr(order, "is_anonymous", False) if withheld is None else withheld)


def shows_caller(order: Any, user: Any) -> bool:
    """Whether this person is shown who the caller is (name, sex, company, number): centre staff always, anyone
    else only when the caller's identity is not withheld (`identity_withheld`). A partner platform's account
    (`partner_account`, a centre role) is shown no caller of a private order (`caller_private`: withheld, or
    confidential), as `hotline.interop.outbound` sends it none."""
    if reads_as_centre(order, user):
        return True
    return not getattr(user, "is_centre_staff", False) and not identity_withheld(order)


def caller_name_for(order: Any, user: Any) -> str:
    """The caller's name as this person may see it (`shows_caller`), else what stands in for it: 「（匿名）」 for an
    anonymous caller, 「（举报人信息保密）」 for the reporter of a 举报 who gave their name to the centre, nothing for
    the caller of a confidential order read by a partner platform's account."""
    if shows_caller(order, user):
        return getattr(order, "caller_name", "") or ""
    if getattr(order, "is_anonymous", False):
        return gettext("（匿名）")
    return gettext("（举报人信息保密）") if identity_withheld(order) else ""


def text_for(text: str, order: Any, user: Any, *, full_phone: bool = True, revealed: bool = False) -> str:
    """Free text of an order that citizens or the centre wrote (the description, a 补充诉求, a chase's or a
    return visit's note) as this person may see it, by the rule of the caller's number (`phone_for`).

    Whoever `phone_for` shows the full number (centre staff) reads the text as written, and a number in it
    is recorded as a full-number view of the order, as the phone field is. Everyone else (unit staff, a unit's
    API key, a partner platform's account on a private order: `partner_account`), and anyone when `full_phone`
    is false (an API key without the `phone` scope), reads phone and
    identity card numbers masked, the caller's recorded number wherever it stands; on an order whose caller's
    identity is withheld (`identity_withheld`: 匿名, or a 举报), citizens' names as well (`scrub_public_text`).
    The public's texts keep `scrub_public_text` alone.

    `revealed`: the unit handling the order was just shown the caller's number to contact them (联系群众,
    `hotline.tickets.permissions.may_reveal_caller`), and its view recorded that reveal: the citizen's text is
    shown as written for that response. A withheld caller's (匿名, 举报) never is.
    """
    text = text or ""
    if full_phone and _sees_full_numbers(user, order):
        if spans := _number_spans(text, order):  # a full number shown: recorded (docs/security.md)
            from hotline.ops.access import phone_shown

            start, end, _masked = min(spans)
            phone_shown(order, user, text[start:end])
        return text
    withheld = identity_withheld(order)
    if revealed and not withheld:
        return text
    if withheld:
        return scrub_public_text(text, order=order)
    return numbers_masked(text, order=order)


def _citizens_numbers(order: Any) -> set[str]:
    """The numbers the citizen gave on this order: the caller's recorded number and the phone numbers written in
    the title and description (请联系我13900001111), as digits."""
    numbers = {number} if (number := _known_number(getattr(order, "caller_phone", ""))) else set()
    for text in (getattr(order, "title", ""), getattr(order, "description", "")):
        folded = (text or "").translate(_FOLD_WIDTH)
        numbers.update(_found_digits(match.group(0)) for match in _PHONE_IN_TEXT.finditer(folded))
    return numbers


def _citizen_spans(text: str, order: Any) -> list[tuple[int, int, str]]:
    """Where a unit's text holds a number of the citizen's (`_citizens_numbers`) or an identity card number, and
    what each becomes masked; any other number (a unit's own contact number) is none of them."""
    folded = text.translate(_FOLD_WIDTH)
    if not any(c.isdigit() for c in folded):
        return []
    citizens = _citizens_numbers(order) if order is not None else set()
    spans: list[tuple[int, int, str]] = []

    def add(start: int, end: int, masked: str) -> None:
        if not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, masked))

    for match in _ID_CARD.finditer(folded):
        found = re.sub(r"[ -]", "", match.group(0))
        add(match.start(), match.end(), found[:6] + "*" * 8 + found[-4:])
    for match in _PHONE_IN_TEXT.finditer(folded):
        if (digits := _found_digits(match.group(0))) in citizens:
            add(match.start(), match.end(), mask_phone(digits))
    for number in citizens:
        for match in re.finditer(rf"(?<!\d){re.escape(number)}(?!\d)", folded):
            add(match.start(), match.end(), mask_phone(number))
    return spans


def _own_units(user: Any) -> set[int]:
    """The ids of the units this person (or a unit key's account) belongs to; kept on the instance."""
    known = getattr(user, "_hotline_own_units", None)
    if known is None:
        known = set(user.units.values_list("pk", flat=True)) if getattr(user, "pk", None) is not None else set()
        user._hotline_own_units = known
    return known


def unit_text_for(text: str, order: Any, user: Any, *, unit_id: int | None = None, full_phone: bool = True) -> str:
    """A text a handling unit wrote on an order (its reply, a note of its step, its 会商 opinion) as this person may
    read it.

    A unit that revealed the caller's number (联系群众) may write it down (已电话联系群众13812345678). Whoever
    reads callers' numbers in full (`_sees_full_numbers`: centre staff, with `full_phone`) reads the text as
    written, a number of the citizen's in it recorded as a full-number view; so does the unit that wrote it
    (`unit_id`, its own words) with `full_phone`. Everyone else — other units, the unit above included, keys
    without `phone`, a partner platform's account on a private order — reads the citizen's numbers in it
    (`_citizens_numbers`: the caller's recorded one, those in the description) and identity card numbers masked;
    on an order whose caller is withheld (匿名, 举报) the caller's recorded name as well. The unit's own contact
    numbers stay readable (for the units below it).
    """
    text = text or ""
    spans = _citizen_spans(text, order)
    withheld_name = _known_name(getattr(order, "caller_name", "")) if identity_withheld(order) else ""
    if not spans and not (withheld_name and withheld_name in text):
        return text
    if full_phone and _sees_full_numbers(user, order):
        if spans:  # the citizen's full number shown: recorded (docs/security.md)
            from hotline.ops.access import phone_shown

            start, end, _masked = min(spans)
            phone_shown(order, user, text[start:end])
        return text
    if full_phone and unit_id is not None and getattr(user, "is_unit_staff", False) and unit_id in _own_units(user):
        return text
    for start, end, masked in sorted(spans, reverse=True):
        text = text[:start] + masked + text[end:]
    return text.replace(withheld_name, _masked_name(withheld_name)) if withheld_name else text


def data_for(data: Any, order: Any, user: Any, *, full_phone: bool = True) -> Any:
    """A timeline event's stored `data` as this person may see it: every text in it, at any depth (an imported
    order's whole title in `original`, a correction's `from` and `to`), read through `text_for` like the event's
    note; numbers, booleans and keys as stored. Centre staff read it as written, a number in it recorded."""
    if isinstance(data, dict):
        return {key: data_for(value, order, user, full_phone=full_phone) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [data_for(value, order, user, full_phone=full_phone) for value in data]
    if isinstance(data, str):
        return text_for(data, order, user, full_phone=full_phone)
    return data
