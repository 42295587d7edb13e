"""Thai word segmentation (pythainlp newmm) with the service's own vocabulary."""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pythainlp.corpus.common import thai_words
from pythainlp.tokenize import Tokenizer

_SKIP = re.compile(r"^[\s\W_]+$")


class WordTokeniser:
    """newmm over pythainlp's dictionary plus domain words (ค่าน้ำ, ใบแจ้งหนี้, เลขมาตร ...)."""

    def __init__(self, extra_words: Iterable[str]) -> None:
        words = set(thai_words())
        words.update(w for w in extra_words if w)
        self._tokenizer = Tokenizer(custom_dict=words, engine="newmm", keep_whitespace=False)

    def tokens(self, text: str) -> list[str]:
        """Word tokens, lower-cased, without whitespace and punctuation."""
        if not text:
            return []
        tokens = (tok.strip().lower() for tok in self._tokenizer.word_tokenize(text))
        return [t for t in tokens if t and not _SKIP.match(t)]


@lru_cache(maxsize=4)
def tokeniser_for(extra_words: tuple[str, ...]) -> WordTokeniser:
    return WordTokeniser(extra_words)
