"""Segmentation for the knowledge-base index: hotline terms stay whole, documents and queries agree."""

from hotline.intelligence import segment


def test_custom_dictionary_terms_stay_whole() -> None:
    text = "孩子刚出生想办新生儿入户，顺便问公积金提取和不动产登记，还有燃气报修电话"
    found = segment.tokens(text)
    for term in ("新生儿入户", "公积金提取", "不动产登记", "燃气报修"):
        assert term in found


def test_search_mode_also_keeps_the_shorter_words() -> None:
    found = segment.tokens("社保卡补办")
    assert {"社保卡补办", "社保卡", "补办"} <= set(found)


def test_stopwords_and_punctuation_are_dropped() -> None:
    found = segment.tokens("请问，怎么办理居住证？！")
    assert "请问" not in found and "怎么" not in found
    assert "，" not in found and "？" not in found
    assert "居住证" in found


def test_index_text_is_space_joined_tokens() -> None:
    assert segment.index_text("居住证办理") == " ".join(segment.tokens("居住证办理"))
    assert segment.index_text("") == ""
    assert segment.index_text(None) == ""


def test_query_terms_prefer_longer_words_and_are_distinct() -> None:
    terms = segment.query_terms("社保卡丢了社保卡怎么补办")
    assert terms[0] == "社保卡"
    assert len(terms) == len(set(terms))
    assert all(len(t) > 1 for t in terms)


def test_query_terms_fall_back_to_single_characters() -> None:
    assert segment.query_terms("水") == ["水"]


def test_query_terms_are_capped() -> None:
    long = "路灯不亮 井盖缺失 占道经营 油烟扰民 噪音扰民 违章建筑 停水 停电 燃气报修 居住证 社保卡 公积金 营业执照 老年卡"
    assert len(segment.query_terms(long, limit=5)) == 5


def test_query_syntax_is_safe() -> None:
    terms = segment.query_terms('社保卡" OR 1=1 -- 居住证*')
    fts = segment.fts5_query(terms)
    assert '"社保卡"' in fts and "*" not in fts and "--" not in fts
    assert segment.tsquery(["社保卡", "居住证"]) == "社保卡 | 居住证"
    assert segment.fts5_query([]) == ""


def test_latin_and_digits_are_lower_cased() -> None:
    assert "app" in segment.tokens("用App办理")
    assert "12345" in segment.tokens("拨打12345热线")
