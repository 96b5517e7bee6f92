"""Parsing post text (PUB-3): `#topics#`, `@mentions` and the jieba terms behind search and hot search.

Topic syntax, in the order the scanner tries it at each `#`:
- Weibo style ``#话题#``: everything up to the next ``#`` on the same line, 1–32 characters, neither
  starting nor ending with a space (so ``#a and #b#`` is the topics ``a`` and ``b``, not ``a and ``).
- hashtag style ``#topic``: a run of letters, digits, ``_`` (Chinese characters are letters), ended by
  a space, punctuation, an emoji or the end of the text. Digits alone (``#1``) are no topic.

A ``#`` or ``@`` right after an ASCII letter or digit (``C#``, ``a@b.com``) or inside a URL starts
nothing. Topic keys are NFKC-normalized and case-folded, so ``#iPhone#`` and ``#IPHONE`` are one topic;
the first spelling seen is the topic's display name.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass

import jieba

MAX_TOPIC_CHARS = 32
MAX_TOPICS = 10
MAX_MENTIONS = 20
MAX_TERMS = 200
MAX_TERM_CHARS = 32

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_MENTION = re.compile(r"@([A-Za-z0-9_]{3,32})(?![A-Za-z0-9_])")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
# Punctuation, symbols and whitespace are no search or trend terms; neither are these.
_STOPWORD_TEXT = """
的 了 和 是 在 我 有 也 就 不 人 都 一 一个 上 很 到 说 要 去 你 会 着 没有 看 好 自己
这 那 啊 吧 呢 吗 哦 嗯 我们 你们
他们 她们 它们 这个 那个 什么 怎么 因为 所以 但是 还是 就是 可以 今天 真的 还有 已经 一下 一起
a an and are as at be but by for from has have i in is it its of on or that the this to was were will with
you your we they he she my me our not so do did just
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Words of this platform jieba's dictionary does not know; added at start-up in every process alike,
# so that a post indexed by one process is found by a search served by another.
LEXICON = (
    "双十一",
    "双11",
    "双十二",
    "国货之光",
    "直播带货",
    "种草",
    "拔草",
    "拼单",
    "砍一刀",
    "朋友圈",
    "好物",
    "开箱",
    "团购",
    "红包",
    "秒杀",
    "拼团",
)

_jieba_ready = threading.Lock()
_jieba_loaded = False


@dataclass(frozen=True)
class ParsedText:
    topics: list[tuple[str, str]]  # (key, display name), first occurrence order, no duplicates
    mentions: list[str]  # lower-cased usernames, first occurrence order, no duplicates


def topic_key(name: str) -> str:
    """The normalized form under which spellings of one topic meet."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def clean_topic_name(raw: str) -> str | None:
    """A display name for a topic a user typed (``#x#`` or ``x``), or None when it cannot be one."""
    name = unicodedata.normalize("NFKC", raw).strip()
    if name.startswith("#"):
        name = name[1:]
    if name.endswith("#"):
        name = name[:-1]
    name = name.strip()
    if not name or len(name) > MAX_TOPIC_CHARS or "#" in name or _has_control(name):
        return None
    return name


def _starts_token(text: str, index: int) -> bool:
    """Whether the `#` or `@` at `index` may start a topic or mention (not `C#`, `a@b`, a URL)."""
    if index == 0:
        return True
    before = text[index - 1]
    return not (_ASCII_ALNUM.match(before) or before in "/&=?%.-")


def _url_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _URL.finditer(text)]


def _inside(spans: list[tuple[int, int]], index: int) -> bool:
    return any(start <= index < end for start, end in spans)


def parse_topics(text: str) -> list[tuple[str, str]]:
    """The topics of `text` as (key, display name), in order of first appearance, at most 10."""
    found: dict[str, str] = {}
    urls = _url_spans(text)
    i, n = 0, len(text)
    while i < n and len(found) < MAX_TOPICS:
        if text[i] != "#" or not _starts_token(text, i) or _inside(urls, i):
            i += 1
            continue
        close = text.find("#", i + 1)
        line_end = text.find("\n", i + 1)
        if close != -1 and (line_end == -1 or close < line_end):
            inner = text[i + 1 : close]
            if inner and inner == inner.strip() and len(inner) <= MAX_TOPIC_CHARS:
                name = unicodedata.normalize("NFKC", inner)
                found.setdefault(topic_key(name), name)
                i = close + 1
                continue
        word = _WORD.match(text, i + 1)
        if word and not word.group().isdigit() and len(word.group()) <= MAX_TOPIC_CHARS:
            end = word.end()
            if end == n or text[end] != "#":
                name = unicodedata.normalize("NFKC", word.group())
                found.setdefault(topic_key(name), name)
                i = end
                continue
        i += 1
    return list(found.items())


def parse_mentions(text: str) -> list[str]:
    """The usernames @mentioned in `text`, lower-cased, in order, at most 20."""
    urls = _url_spans(text)
    names: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        if _starts_token(text, match.start()) and not _inside(urls, match.start()):
            names.setdefault(match.group(1).lower(), None)
        if len(names) >= MAX_MENTIONS:
            break
    return list(names)


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def printable(text: str) -> str:
    """`text` with control characters turned into spaces (for search queries)."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text)


def parse(text: str) -> ParsedText:
    return ParsedText(topics=parse_topics(text), mentions=parse_mentions(text))


def _ensure_jieba() -> None:
    global _jieba_loaded
    if _jieba_loaded:
        return
    with _jieba_ready:
        if not _jieba_loaded:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            for word in LEXICON:
                jieba.add_word(word)
            _jieba_loaded = True


def _plain_text(text: str) -> str:
    """The text without URLs, mentions and topic markers (a topic's words still count as words)."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return text.replace("#", " ")


def _is_term(token: str) -> bool:
    if len(token) > MAX_TERM_CHARS or token in _STOPWORDS or token.isdigit():
        return False
    if not any(ch.isalnum() for ch in token):
        return False
    if token.isascii():
        return len(token) >= 2
    # One Chinese character is rarely a meaningful search or trend term.
    return len(token) >= 2 or unicodedata.category(token[0])[0] != "L"


def terms(text: str, *, for_search: bool = True) -> list[str]:
    """jieba terms of `text`, normalized (NFKC, case-folded), without stopwords, in order, unique.

    `for_search` also yields the shorter words inside long ones (``国货之光`` → 国货, 之光, 国货之光), so
    that a search for a part finds the whole; the hot-search board counts whole words only."""
    _ensure_jieba()
    plain = unicodedata.normalize("NFKC", _plain_text(text)).casefold()
    tokens = jieba.cut_for_search(plain) if for_search else jieba.cut(plain)
    seen: dict[str, None] = {}
    for token in tokens:
        token = token.strip()
        if token and _is_term(token):
            seen.setdefault(token, None)
            if len(seen) >= MAX_TERMS:
                break
    return list(seen)


async def ready() -> None:
    """Load jieba's dictionary (about a second, once per process) off the event loop."""
    if not _jieba_loaded:
        await asyncio.to_thread(_ensure_jieba)
