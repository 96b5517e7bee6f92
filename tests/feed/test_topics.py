"""Parsing topics, mentions and terms in Chinese and English text (PUB-3)."""

from __future__ import annotations

import pytest

from quanzi.feed.service.topics import clean_topic_name, parse_mentions, parse_topics, terms, topic_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天#双十一#买了好多", ["双十一"]),
        ("支持#国货之光#！", ["国货之光"]),
        ("#双十一# 和 #国货之光# 都来了", ["双十一", "国货之光"]),
        ("我爱#国货之光#", ["国货之光"]),  # right after a Chinese character
        ("#iPhone15发布会# so cool", ["iPhone15发布会"]),  # mixed Chinese and English
        ("new drop #OOTD today", ["OOTD"]),  # hashtag style, ended by a space
        ("#双十一 开抢了", ["双十一"]),  # hashtag style in Chinese
        ("#双十一🎉买买买", ["双十一"]),  # ended by an emoji
        ("#🔥热门# 来了", ["🔥热门"]),  # emoji inside a Weibo-style topic
        ("冲鸭 🎉#双十一#🎉", ["双十一"]),
        ("#a and #b#", ["a", "b"]),  # a Weibo pair never ends with a space
        ("#双十一# #双十一# #双十一#", ["双十一"]),  # each topic once
        ("#Apple# and #APPLE and #apple", ["Apple"]),  # one topic whatever the case
        ("ＣＨＩＮＡ#ＮＢＡ# 全角", ["NBA"]),  # full-width letters are normalized (NFKC)
    ],
)
def test_topics(text: str, expected: list[str]) -> None:
    assert [name for _, name in parse_topics(text)] == expected


@pytest.mark.parametrize(
    "text",
    ["C# and F# are languages", "see https://example.com/page#section", "##", "# 空格#", "#1 first", "a#b#"],
)
def test_not_topics(text: str) -> None:
    assert parse_topics(text) == []


def test_topic_keys_and_names() -> None:
    assert topic_key("iPhone") == topic_key("IPHONE") == "iphone"
    assert clean_topic_name("#双十一#") == clean_topic_name("双十一") == "双十一"
    assert clean_topic_name("#") is None
    assert clean_topic_name("x" * 33) is None
    assert len(parse_topics(" ".join(f"#t{i}#" for i in range(20)))) == 10


def test_mentions() -> None:
    assert parse_mentions("@alice 你好 @Bob_2你看 mail me at carol@example.com @al") == ["alice", "bob_2"]
    assert parse_mentions("https://x.com/@dave and @alice @ALICE") == ["alice"]
    assert parse_mentions("和@小明一起 @eve🎉") == ["eve"]  # usernames are a-z, 0-9 and _


def test_terms_segment_chinese_and_english() -> None:
    words = terms("今天双十一买了好多国货之光 iPhone 发布会 the best 🎉 #国货之光# @alice")
    assert {"双十一", "国货之光", "iphone", "发布会", "best"} <= set(words)
    assert {"the", "alice", "🎉", "#"}.isdisjoint(words)
    assert len(words) == len(set(words))
    whole = terms("今天双十一买了好多国货之光", for_search=False)
    assert "双十一" in whole and "国货" not in whole  # hot search counts whole words only
    assert "国货" in terms("国货之光")  # search finds a part
