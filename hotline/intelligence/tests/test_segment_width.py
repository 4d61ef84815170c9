"""Width folding (review rv2): Chinese input methods often type full-width letters and digits (ＥＴＣ, １２３４５);
documents and queries are folded (NFKC) before they are segmented, as incident matching does."""

import pytest

from hotline.intelligence import segment


@pytest.mark.parametrize("full, half", [("ＥＴＣ", "etc"), ("ｅｔｃ", "etc"), ("５Ｇ", "5g"), ("１２３４５", "12345")])
def test_full_width_letters_and_digits_are_folded(full: str, half: str) -> None:
    assert segment.tokens(full) == [half]


def test_a_full_width_word_inside_chinese_text() -> None:
    assert segment.tokens("ＥＴＣ卡注销") == segment.tokens("ETC卡注销")
    assert "12345" in segment.tokens("拨打１２３４５热线")


def test_queries_and_index_text_fold_the_same_way() -> None:
    assert segment.query_terms("５Ｇ基站辐射") == segment.query_terms("5G基站辐射")
    assert segment.index_text("办理ＥＴＣ") == segment.index_text("办理ETC") == "办理 etc"


def test_chinese_text_and_its_punctuation_as_before() -> None:
    # full-width punctuation folds to ASCII punctuation, which is dropped all the same
    assert segment.tokens("社保卡补办，请问怎么办理居住证？") == ["社保", "补办", "社保卡", "社保卡补办", "办理", "居住",
                                                         "居住证"]
