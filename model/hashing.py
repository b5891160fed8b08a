"""Hashing n-grams to columns exactly as scikit-learn's ``HashingVectorizer`` does.

The hashers re-implement the vectorizers' analyzers (when their settings allow) and cache
the columns of n-grams and words already seen, so a comment costs a few dictionary lookups
instead of hundreds of hash calls. Tests check the n-grams against the analyzers'.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from sklearn.utils import murmurhash3_32

# Entries per cache; past it a cache starts again empty.
_CACHE_LIMIT = 500_000


def hash_index(token: str, n_features: int) -> int:
    """The column HashingVectorizer gives ``token`` (signed MurmurHash3, seed 0)."""
    h = murmurhash3_32(token, seed=0)
    if h == -2147483648:  # abs(-2**31) overflows int32 in the compiled hasher
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


def _plain_settings(vectorizer: Any) -> bool:
    """Whether the vectorizer only lower-cases before splitting (what this module re-implements)."""
    return (vectorizer.input == "content" and vectorizer.lowercase
            and vectorizer.preprocessor is None and vectorizer.strip_accents is None
            and vectorizer.tokenizer is None and vectorizer.stop_words is None)


class WordHasher:
    """Word n-grams to column indices, with a bounded n-gram cache.

    Tokenises as the vectorizer's analyzer does (lower-case, ``token_pattern``, then n-grams
    joined by a space, shortest first) when its settings allow; otherwise it calls it.
    """

    def __init__(self, vectorizer: Any):
        self.analyzer = vectorizer.build_analyzer()
        self.n_features = int(vectorizer.n_features)
        self.min_n, self.max_n = (int(n) for n in vectorizer.ngram_range)
        pattern = re.compile(vectorizer.token_pattern)
        self.fast = _plain_settings(vectorizer) and pattern.groups == 0 and self.min_n >= 1
        self.findall = pattern.findall
        self.cache: dict[str, int] = {}

    def grams(self, text: str, lower: str) -> list[str]:
        """The analyzer's n-grams of ``text`` (``lower`` is ``text.lower()``)."""
        if not self.fast:
            return list(self.analyzer(text))
        tokens = self.findall(lower)
        min_n, max_n = self.min_n, self.max_n
        grams = tokens if min_n == 1 else []
        if max_n > 1:
            grams = list(grams)
            for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
                if n == 2:
                    grams += [a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)]
                else:
                    grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def columns(self, grams: list[str]) -> list[int]:
        """The column of each n-gram."""
        cache = self.cache
        try:
            return [cache[g] for g in grams]
        except KeyError:
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
            n = self.n_features
            out = []
            for g in grams:
                idx = cache.get(g)
                if idx is None:
                    idx = cache[g] = hash_index(g, n)
                out.append(idx)
            return out


class CharHasher:
    """Character n-grams within words to distinct column indices.

    ``char_wb`` n-grams never cross a space, so a text's n-grams are the union of its
    words' n-grams: caching per word turns hundreds of hash calls into a few lookups, and
    n-grams shared by many words ("ing ", " th") are hashed once.
    """

    def __init__(self, vectorizer: Any):
        self.analyzer = vectorizer.build_analyzer()
        self.n_features = int(vectorizer.n_features)
        self.min_n, self.max_n = (int(n) for n in vectorizer.ngram_range)
        self.fast = _plain_settings(vectorizer) and self.min_n >= 1
        self.cache: dict[str, np.ndarray] = {}
        self.gram_cache: dict[str, int] = {}

    def _grams(self, word: str) -> list[str]:
        """The analyzer's n-grams of one lower-case word (sklearn's ``_char_wb_ngrams``)."""
        if not self.fast:
            return list(self.analyzer(word))
        w = " " + word + " "
        w_len = len(w)
        grams: list[str] = []
        for n in range(self.min_n, self.max_n + 1):
            if n >= w_len:  # a word shorter than n counts once, whole
                grams.append(w)
                break
            grams += [w[i:i + n] for i in range(w_len - n + 1)]
        return grams

    def _add(self, word: str) -> np.ndarray:
        if len(self.cache) > _CACHE_LIMIT:
            self.cache.clear()
        gram_cache = self.gram_cache
        if len(gram_cache) > _CACHE_LIMIT:
            gram_cache.clear()
        n = self.n_features
        columns = set()
        for g in self._grams(word):
            idx = gram_cache.get(g)
            if idx is None:
                idx = gram_cache[g] = hash_index(g, n)
            columns.add(idx)
        idx_array = self.cache[word] = np.fromiter(columns, np.intp, len(columns))
        return idx_array

    def word_arrays(self, lower: str) -> list[np.ndarray]:
        """Column indices of each word's n-grams (may repeat across words)."""
        cache = self.cache
        words = lower.split()
        try:
            return [cache[w] for w in words]
        except KeyError:
            return [cache[w] if w in cache else self._add(w) for w in words]


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is far slower on large int arrays)."""
    if len(values) < 2:
        return values
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]
