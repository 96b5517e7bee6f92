"""The matcher (MOD-1) on its own: English on word boundaries, Chinese on jieba token boundaries,
masking, and the refuse/mask decision."""

from __future__ import annotations

from quanzi.moderation.matcher import WordList

WORDS = WordList.of(
    [("赌博", "refuse"), ("大麻", "mask"), ("Gamble", "mask"), ("spam", "refuse"), ("代开发票", "mask")]
)


def test_a_chinese_word_is_found_as_a_token() -> None:
    assert WORDS.screen("这里禁止赌博") == ("这里禁止赌博", True)
    assert WORDS.screen("他在卖大麻") == ("他在卖**", False)
    assert WORDS.screen("可以代开发票吗") == ("可以****吗", False)


def test_characters_that_straddle_a_token_boundary_are_not_a_match() -> None:
    # 打赌 / 博士 and 大 / 麻烦: the characters of 赌博 and 大麻 are there, the words are not.
    assert WORDS.find("我跟他打赌博士今天会来") == []
    assert WORDS.screen("这是个大麻烦") == ("这是个大麻烦", False)


def test_english_is_case_insensitive_on_word_boundaries() -> None:
    assert WORDS.screen("Let us GAMBLE now") == ("Let us ****** now", False)
    assert WORDS.screen("a gambler and ungamble") == ("a gambler and ungamble", False)
    assert WORDS.screen("Spam!") == ("Spam!", True)
    assert WORDS.screen("spammer") == ("spammer", False)


def test_full_width_letters_and_mixed_scripts() -> None:
    assert WORDS.screen("ｇａｍｂｌｅ") == ("******", False)
    # A Chinese character next to an English word is a boundary (Chinese has no spaces).
    assert WORDS.screen("大麻和gamble") == ("**和******", False)


def test_refuse_wins_over_mask() -> None:
    assert WORDS.screen("gamble 赌博") == ("gamble 赌博", True)


def test_a_list_without_chinese_words_never_segments() -> None:
    english = WordList.of([("gamble", "mask")])
    assert english.screen("中文 gamble 文本") == ("中文 ****** 文本", False)
    assert english._tokenizer is None  # jieba was not needed


def test_chinese_text_without_a_listed_word_is_not_segmented() -> None:
    chinese = WordList.of([("赌博", "refuse")])
    assert chinese.screen("今天天气很好") == ("今天天气很好", False)
    assert chinese._tokenizer is None  # the plain-characters test came first


def test_a_single_character_word_matches_only_standing_alone() -> None:
    single = WordList.of([("操", "mask")])
    assert single.screen("操场上") == ("操场上", False)  # 操场 is one word
    assert single.screen("我操") == ("我*", False)


def test_an_empty_list_finds_nothing() -> None:
    assert WordList.of([]).screen("赌博 gamble") == ("赌博 gamble", False)
