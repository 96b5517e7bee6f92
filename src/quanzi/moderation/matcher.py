"""The sensitive-word matcher (MOD-1): finds the list's words in a text, in Chinese and English.

- A word with no Chinese character is matched case-insensitively on word boundaries: ``gamble``
  matches "Gamble!" but not "gambler" or "ungamble".
- A word with a Chinese character is matched jieba-aware: an occurrence counts only where it begins
  and ends on a boundary between jieba tokens. The list's words are added to the matcher's own jieba
  dictionary, so a sensitive word standing in a sentence is cut as one token and found, while a
  harmless text that merely holds its characters across two other words is not: with 赌博 on the
  list, "禁止赌博" is matched and "我跟他打赌博士会来" (打赌 / 博士) is not.
- A word jieba cannot hold as one token (one with spaces or punctuation in it, a single character)
  follows the same rule: it counts where both its ends fall on token boundaries. So a one-character
  word matches only where jieba leaves that character on its own, never inside a longer word.

Both the text and the words are compared after a per-character NFKC fold and lower-casing that keep
every character's position (full-width ｇａｍｂｌｅ is "gamble"), so masking replaces exactly the
characters that matched.

jieba's dictionary takes about a second to load: it is loaded once per process, on the first text in
which a Chinese word of the list occurs as plain characters (the cheap test that comes first), and
never when the list holds no Chinese word. Each list gets its own copy of the dictionary with its
words added, so removing a word from the list removes it from the segmentation too, and feed search's
segmentation (the global jieba) is left alone.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

ACTIONS = ("refuse", "mask")
MASK = "*"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# What an English word is made of (after folding): a Chinese character next to it is a boundary,
# since Chinese is written without spaces ("大麻和gamble").
_WORD_CHARS = r"[a-z0-9\u00c0-\u024f]"

_base_lock = threading.Lock()
_base: jieba.Tokenizer | None = None


def fold(text: str) -> str:
    """NFKC and lower case, character by character, keeping the length (a character whose fold
    would change the length is kept as it is)."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def is_chinese(word: str) -> bool:
    return _HAN.search(word) is not None


def _base_tokenizer() -> jieba.Tokenizer:
    """jieba's main dictionary, loaded once per process."""
    global _base
    with _base_lock:
        if _base is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _base = tokenizer
        return _base


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    word: str
    action: str


@dataclass
class WordList:
    """One version of the operators' list, compiled. `words` maps a folded word to its action."""

    words: dict[str, str]
    version: int = 0
    _english: re.Pattern[str] | None = field(init=False, default=None)
    _chinese: list[str] = field(init=False, default_factory=list)
    _tokenizer: jieba.Tokenizer | None = field(init=False, default=None)
    _tokenizer_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        english = sorted((w for w in self.words if not is_chinese(w)), key=len, reverse=True)
        if english:
            alternatives = "|".join(re.escape(w) for w in english)
            self._english = re.compile(f"(?<!{_WORD_CHARS})(?:{alternatives})(?!{_WORD_CHARS})")
        self._chinese = sorted((w for w in self.words if is_chinese(w)), key=len, reverse=True)

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str]], version: int = 0) -> WordList:
        return cls({fold(word): action for word, action in entries}, version)

    def _segmenter(self) -> jieba.Tokenizer:
        with self._tokenizer_lock:
            if self._tokenizer is None:
                base = _base_tokenizer()
                tokenizer = jieba.Tokenizer()
                tokenizer.FREQ = dict(base.FREQ)
                tokenizer.total = base.total
                tokenizer.initialized = True
                for word in self._chinese:
                    if not any(ch.isspace() for ch in word):
                        tokenizer.add_word(word)
                self._tokenizer = tokenizer
            return self._tokenizer

    def find(self, text: str) -> list[Match]:
        """Every occurrence of a listed word in `text`, in order, without overlaps."""
        if not self.words or not text:
            return []
        folded = fold(text)
        found: list[Match] = []
        if self._english is not None:
            found += [
                Match(m.start(), m.end(), m.group(0), self.words[m.group(0)])
                for m in self._english.finditer(folded)
            ]
        candidates = [w for w in self._chinese if w in folded]
        if candidates:
            boundaries = {0}
            position = 0
            for token in self._segmenter().cut(folded, HMM=False):
                position += len(token)
                boundaries.add(position)
            for word in candidates:
                start = folded.find(word)
                while start != -1:
                    end = start + len(word)
                    if start in boundaries and end in boundaries:
                        found.append(Match(start, end, word, self.words[word]))
                    start = folded.find(word, start + 1)
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Match] = []
        for match in found:
            if not kept or match.start >= kept[-1].end:
                kept.append(match)
        return kept

    def screen(self, text: str) -> tuple[str, bool]:
        """`text` with every "mask" word replaced by asterisks, and whether a "refuse" word occurs."""
        matches = self.find(text)
        if not matches:
            return text, False
        if any(m.action == "refuse" for m in matches):
            return text, True
        chars = list(text)
        for m in matches:
            chars[m.start : m.end] = MASK * (m.end - m.start)
        return "".join(chars), False
