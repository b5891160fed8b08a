"""Hashing n-grams to columns exactly as scikit-learn's ``HashingVectorizer`` does.

The hashers re-implement the vectorizers' analyzers (when their settings allow) and cache
the columns of n-grams and words already seen, so a comment of familiar words costs a few
dictionary lookups. What is not cached is hashed in one vectorised MurmurHash3 pass over
all new n-grams of the comment (or batch) instead of one call per n-gram. The caches are
held to a budget in bytes, so text made of words never seen before costs memory only up
to that budget. Tests check the n-grams against the analyzers' and the hashes against
scikit-learn's ``murmurhash3_32``.

One-off hashes come from :mod:`mmh3` rather than scikit-learn, so a process that only
scores never imports scikit-learn (about 60 MiB of a worker's memory).
"""

from __future__ import annotations

import itertools
import operator
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import mmh3
import numpy as np

# Per process, per loaded model: the word n-gram cache and the word → character n-gram
# columns cache each stay within this many bytes (approximately: keys, values and the
# dictionaries' slots are counted).
WORD_CACHE_BYTES = 16 * 1024 * 1024
CHAR_CACHE_BYTES = 16 * 1024 * 1024
# Longer words and n-grams are hashed every time rather than cached: they rarely recur,
# and one of them would otherwise push out hundreds of common words.
MAX_CACHED_CHARS = 64
# What a dictionary entry costs beyond its key and value: its slot, with growth slack.
ENTRY_OVERHEAD = 48
# The most word n-gram columns a batch keeps for its later comments (about 150 bytes each).
BATCH_KNOWN_MAX = 200_000
# Below this many new word n-grams, hashing them one by one beats setting up arrays.
_VECTOR_MIN = 24
# N-grams longer than this many UTF-8 bytes are hashed one call each: the vectorised
# hash steps through the longest key's 4-byte blocks, and long keys are few.
_VECTOR_MAX_BYTES = 32

# scikit-learn's default token pattern, with and without the flag that is the default anyway:
# a token is a run of two or more word characters.
_WORD_RUN_PATTERNS = frozenset({r"(?u)\b\w\w+\b", r"\b\w\w+\b"})
# Each ASCII word character ([0-9A-Za-z_], what ``\w`` matches below 128) as itself, every
# other byte as a space.
_ASCII_WORD_OR_SPACE = bytes(c if chr(c).isalnum() and c < 128 or c == 95 else 32
                             for c in range(256))

V = TypeVar("V")


def murmurhash3_32(key: str | bytes, seed: int = 0) -> int:
    """Signed MurmurHash3 (x86, 32-bit) of ``key``, a string as UTF-8: what
    ``sklearn.utils.murmurhash3_32(key, seed=seed)`` returns.

    A string is encoded here, not by :mod:`mmh3`: one holding a lone surrogate raises
    :class:`UnicodeEncodeError` (as scikit-learn's does), where mmh3 5.3 would crash.
    """
    if isinstance(key, str):
        key = key.encode("utf-8")
    return mmh3.hash(key, seed, True)


def hash_index(token: str, n_features: int) -> int:
    """The column HashingVectorizer gives ``token`` (signed MurmurHash3, seed 0)."""
    h = murmurhash3_32(token, seed=0)
    if h == -2147483648:  # abs(-2**31) overflows int32 in the compiled hasher
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


def hash_columns(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """Columns of signed 32-bit hashes, as :func:`hash_index` computes them one by one.

    In 64-bit arithmetic ``abs(-2**31) % n`` is exactly what scikit-learn's special case
    gives, so no value needs handling apart.
    """
    return np.abs(hashes.astype(np.int64)) % n_features


# MurmurHash3 (x86, 32-bit) constants.
_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_TAIL_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmur3_spans(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Signed MurmurHash3 (seed 0) of each byte span ``data[start:start + length]``.

    ``data`` is a uint8 array; the result equals ``murmurhash3_32(bytes(span), seed=0)``
    for each span. Every span is hashed in step with the others, one 4-byte block at a
    time, so the cost is about ten array operations per block of the longest span.
    """
    n = len(starts)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    lengths = lengths.astype(np.int64, copy=False)
    blocks = lengths >> 2
    most = int(blocks.max())
    # Little-endian 32-bit words starting at every byte; zero padding past the end lets
    # spans that have run out of blocks read harmlessly.
    padded = np.zeros(len(data) + 4 * most + 4, dtype=np.uint32)
    padded[:len(data)] = data
    words = padded[:-3] | (padded[1:-2] << 8) | (padded[2:-1] << 16) | (padded[3:] << 24)
    h = np.zeros(n, dtype=np.uint32)
    for k in range(most):
        k1 = _rotl(words[starts + 4 * k] * _C1, 15) * _C2
        mixed = _rotl(h ^ k1, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h = np.where(blocks > k, mixed, h)
    tail = lengths & 3
    k1 = _rotl((words[starts + 4 * blocks] & _TAIL_MASKS[tail]) * _C1, 15) * _C2
    h = np.where(tail > 0, h ^ k1, h)
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h.view(np.int32)


def _utf8(text: str, char_starts: np.ndarray, char_ends: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``text`` as UTF-8 bytes, and the byte starts and lengths of the given character spans."""
    if text.isascii():
        return (np.frombuffer(text.encode("ascii"), dtype=np.uint8), char_starts,
                char_ends - char_starts)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    sizes = (1 + (points >= 0x80).astype(np.int64) + (points >= 0x800)
             + (points >= 0x10000))
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    starts = offsets[char_starts]
    return (np.frombuffer(text.encode("utf-8"), dtype=np.uint8), starts,
            offsets[char_ends] - starts)


def _hash_text_spans(text: str, char_starts: np.ndarray, char_ends: np.ndarray) -> np.ndarray:
    """Signed MurmurHash3 of ``text[start:end]`` for each pair of character offsets."""
    data, starts, lengths = _utf8(text, char_starts, char_ends)
    long = lengths > _VECTOR_MAX_BYTES
    if not long.any():
        return murmur3_spans(data, starts, lengths)
    out = np.empty(len(starts), dtype=np.int32)
    short = ~long
    out[short] = murmur3_spans(data, starts[short], lengths[short])
    raw = data.tobytes()
    out[long] = [murmurhash3_32(raw[s:s + n], seed=0)
                 for s, n in zip(starts[long].tolist(), lengths[long].tolist(), strict=True)]
    return out


def hash_strings(strings: Sequence[str], n_features: int) -> np.ndarray:
    """The column of each string (as :func:`hash_index`), hashed together."""
    if len(strings) < _VECTOR_MIN:
        return np.array([hash_index(s, n_features) for s in strings], dtype=np.int64)
    ends = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)).cumsum()
    return hash_columns(_hash_text_spans("".join(strings), ends - np.diff(ends, prepend=0),
                                         ends), n_features)


class BoundedCache(Generic[V]):
    """A cache of string keys held to about ``budget`` bytes, in two generations.

    New entries go into the young generation. When it would pass half the budget, the
    old generation is dropped and the young one becomes the old one; a hit in the old
    generation moves the entry back to the young one. Entries in use survive a flood of
    new keys, and the flood costs at most the budget. An entry is counted as its key's
    size, ``value_bytes`` of its value, and :data:`ENTRY_OVERHEAD`.

    Reading the young generation directly is safe from any thread; changes take a lock,
    so threads of one worker keep the counts right.
    """

    def __init__(self, budget: int, value_bytes: Callable[[V], int]) -> None:
        self.budget = budget
        self.value_bytes = value_bytes
        self.young: dict[str, V] = {}
        self.old: dict[str, V] = {}
        self.young_bytes = 0
        self.old_bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """The bytes counted for the entries held now."""
        return self.young_bytes + self.old_bytes

    def __len__(self) -> int:
        return len(self.young) + len(self.old)

    def __contains__(self, key: str) -> bool:
        return key in self.young or key in self.old

    def _size(self, keys: Sequence[str], values: Sequence[V]) -> int:
        return (sum(map(sys.getsizeof, keys)) + sum(map(self.value_bytes, values))
                + ENTRY_OVERHEAD * len(keys))

    def get(self, key: str) -> V | None:
        """The value cached for ``key``, or None."""
        return self.get_many([key])[key]

    def get_many(self, keys: Iterable[str]) -> dict[str, V | None]:
        """Each distinct key with its cached value, or None."""
        young = self.young
        found = {k: young.get(k) for k in keys}
        if self.old:
            with self._lock:
                old = self.old
                hits = [k for k, v in found.items() if v is None and k in old]
                if hits:
                    values = [old.pop(k) for k in hits]
                    size = self._size(hits, values)
                    self.old_bytes -= size
                    self._add(hits, values, size)
                    found.update(zip(hits, values, strict=True))
        return found

    def values_of(self, key_lists: list[list[str]],
                  compute: Callable[[list[str]], Sequence[V]]) -> list[list[V]]:
        """The value of each key of each list (see :meth:`values_flat`)."""
        flat = self.values_flat(list(itertools.chain.from_iterable(key_lists)), compute)
        bounds = list(itertools.accumulate(map(len, key_lists), initial=0))
        return [flat[a:b] for a, b in itertools.pairwise(bounds)]

    def values_flat(self, keys: list[str],
                    compute: Callable[[list[str]], Sequence[V]]) -> list[V]:
        """The value of each key (keys may repeat).

        Keys not cached get their values from one call of ``compute`` with all of them,
        and are cached unless longer than :data:`MAX_CACHED_CHARS`.
        """
        # One lookup per key, then only the distinct keys the young generation lacks are
        # completed, from the old generation or ``compute``; a batch repeats its common
        # n-grams many times over, so completing each once saves most of the work.
        values: list[Any] = list(map(self.young.get, keys))
        if None not in values:
            return values
        cached = self.get_many(itertools.compress(
            keys, map(operator.is_, values, itertools.repeat(None))))
        new = [k for k, v in cached.items() if v is None]
        computed = compute(new) if new else []
        found = {k: v for k, v in cached.items() if v is not None}
        found.update(zip(new, computed, strict=True))
        keep = [i for i, k in enumerate(new) if len(k) <= MAX_CACHED_CHARS]
        self.put_many([new[i] for i in keep], [computed[i] for i in keep])
        # A key found in the young generation is not in ``found`` and keeps its value.
        return list(map(found.get, keys, values))

    def put_many(self, keys: Sequence[str], values: Sequence[V]) -> None:
        """Cache ``values[i]`` under ``keys[i]`` (distinct keys, none cached yet).

        Nothing is cached when the entries alone pass half the budget.
        """
        if keys:
            with self._lock:
                self._add(keys, values, self._size(keys, values))

    def _add(self, keys: Sequence[str], values: Sequence[V], size: int) -> None:
        """Add entries to the young generation (the lock held)."""
        half = self.budget // 2
        if size > half:
            return
        if self.young_bytes + size > half:
            self.old, self.old_bytes = self.young, self.young_bytes
            self.young, self.young_bytes = {}, 0
        young, old = self.young, self.old
        for key, value in zip(keys, values, strict=True):
            if key in young:  # another thread cached it meanwhile
                size -= self._size([key], [value])
                continue
            if key in old:  # a key lives in one generation only
                self.old_bytes -= self._size([key], [old.pop(key)])
            young[key] = value
        self.young_bytes += size

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self.young, self.old = {}, {}
            self.young_bytes = self.old_bytes = 0


def _plain_settings(vectorizer: Any) -> bool:
    """Whether the vectorizer only lower-cases before splitting (what this module re-implements)."""
    return (vectorizer.input == "content" and vectorizer.lowercase
            and vectorizer.preprocessor is None and vectorizer.strip_accents is None
            and vectorizer.tokenizer is None and vectorizer.stop_words is None)


class WordHasher:
    """Word n-grams to column indices, with an n-gram cache bounded in bytes.

    Tokenises as the vectorizer's analyzer does (lower-case, ``token_pattern``, then n-grams
    joined by a space, shortest first) when its settings allow; otherwise it calls it.
    """

    def __init__(self, vectorizer: Any, cache_bytes: int = WORD_CACHE_BYTES):
        self.analyzer = vectorizer.build_analyzer()
        self.n_features = int(vectorizer.n_features)
        self.min_n, self.max_n = (int(n) for n in vectorizer.ngram_range)
        pattern = re.compile(vectorizer.token_pattern)
        self.fast = _plain_settings(vectorizer) and pattern.groups == 0 and self.min_n >= 1
        self.findall = pattern.findall
        # The usual pattern's tokens are the runs of two or more word characters, which
        # ASCII text yields to a byte translation and a split several times faster.
        self.split_ascii = self.fast and vectorizer.token_pattern in _WORD_RUN_PATTERNS
        self.cache: BoundedCache[int] = BoundedCache(cache_bytes, sys.getsizeof)

    def grams(self, text: str, lower: str) -> list[str]:
        """The analyzer's n-grams of ``text`` (``lower`` is ``text.lower()``)."""
        if not self.fast:
            return list(self.analyzer(text))
        tokens = self.tokens(lower)
        min_n, max_n = self.min_n, self.max_n
        grams = tokens if min_n == 1 else []
        if max_n > 1:
            grams = list(grams)
            for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
                if n == 2:
                    grams += map(" ".join, zip(tokens, tokens[1:], strict=False))
                else:
                    grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def tokens(self, lower: str) -> list[str]:
        """The tokens ``token_pattern`` finds in ``lower`` (a lower-case text)."""
        if self.split_ascii and lower.isascii():
            return [t for t in lower.encode("ascii").translate(_ASCII_WORD_OR_SPACE)
                    .decode("ascii").split() if len(t) > 1]
        return self.findall(lower)

    def columns(self, grams: list[str]) -> list[int]:
        """The column of each n-gram."""
        return self.columns_flat(grams)

    def columns_many(self, gram_lists: list[list[str]]) -> list[list[int]]:
        """The column of each n-gram of each list; new n-grams are hashed together."""
        return self.cache.values_of(gram_lists, self._hash)

    def columns_flat(self, grams: list[str]) -> list[int]:
        """The column of each n-gram (of any number of texts, back to back)."""
        return self.cache.values_flat(grams, self._hash)

    @property
    def pairs_only(self) -> bool:
        """Whether the n-grams are the tokens and the pairs of neighbouring tokens (what
        :meth:`token_columns` computes)."""
        return self.fast and self.min_n == 1 and self.max_n == 2

    def token_columns(self, token_lists: list[list[str]], known: BatchGrams
                      ) -> tuple[np.ndarray, np.ndarray]:
        """The columns of each text's tokens and of its pairs of neighbouring tokens.

        Returns the token columns of every text back to back, then the pair columns of
        every text back to back (a text of ``t`` tokens has ``t - 1`` pairs); the n-grams
        of a text, in the analyzer's order, are its tokens then its pairs. Only tokens and
        pairs new to ``known`` are hashed (together), and they are added to it.
        """
        known.reset_when_full()
        numbers, tokens = known.numbers, known.tokens
        flat = list(itertools.chain.from_iterable(token_lists))
        new = [t for t in dict.fromkeys(flat) if t not in numbers]
        if new:
            numbers.update(zip(new, range(len(tokens), len(tokens) + len(new)), strict=True))
            tokens += new
            known.columns = np.concatenate([known.columns, hash_strings(new, self.n_features)])
        ids = np.fromiter(map(numbers.__getitem__, flat), dtype=np.int64, count=len(flat))
        # A pair is two neighbouring tokens of one text: not a text's last and the next
        # text's first.
        counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        inner = np.ones(max(len(flat) - 1, 0), dtype=bool)
        inner[(np.cumsum(counts) - 1)[(counts > 0)][:-1]] = False
        keys, where = np.unique((ids[:-1][inner] << 32) | ids[1:][inner], return_inverse=True)
        # The known pairs are kept sorted: each distinct pair is found by a binary search.
        at: np.ndarray = np.asarray(np.searchsorted(known.pair_keys, keys))
        found: np.ndarray = at < len(known.pair_keys)
        found[found] = known.pair_keys[at[found]] == keys[found]
        columns = np.empty(len(keys), dtype=np.int64)
        columns[found] = known.pair_columns[at[found]]
        new = keys[~found]
        if len(new):
            strings = [tokens[k >> 32] + " " + tokens[k & 0xFFFFFFFF] for k in new.tolist()]
            columns[~found] = hash_strings(strings, self.n_features)
            known.pair_keys = np.insert(known.pair_keys, at[~found], new)
            known.pair_columns = np.insert(known.pair_columns, at[~found], columns[~found])
        return known.columns[ids], columns[where]

    def columns_batch(self, grams: list[str], known: dict[str, int] | None = None
                      ) -> np.ndarray:
        """The column of each n-gram of a batch of texts, back to back (int64).

        Each distinct n-gram not in ``known`` (the columns of n-grams met earlier in the
        same batch) is hashed once, all of them together, and added to it. The cache is
        left alone: a batch of new comments holds more distinct n-grams than it keeps, so
        caching them would only cycle entries through it, which costs more than hashing.
        ``known`` is emptied whenever it passes :data:`BATCH_KNOWN_MAX` entries.
        """
        if known is None:
            known = {}
        elif len(known) > BATCH_KNOWN_MAX:
            known.clear()
        new = [g for g in dict.fromkeys(grams) if g not in known]
        known.update(zip(new, self._hash(new), strict=True))
        return np.fromiter(map(known.__getitem__, grams), dtype=np.int64, count=len(grams))

    def _hash(self, new: list[str]) -> list[int]:
        return hash_strings(new, self.n_features).tolist()


class BatchGrams:
    """The word n-gram columns met so far in one batch, for its later texts.

    Tokens are numbered as they come (``numbers``, ``tokens``, ``columns`` the column of
    each token as a unigram); a bigram is known by its two tokens' numbers
    (``first << 32 | second``, kept sorted in ``pair_keys`` with their ``pair_columns``),
    so a text's bigrams are looked up without being written out. A hasher making other
    n-grams keeps them whole in ``grams``. Everything is forgotten once
    :data:`BATCH_KNOWN_MAX` entries are held.
    """

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.tokens: list[str] = []
        self.columns = np.zeros(0, dtype=np.int64)
        self.pair_keys = np.zeros(0, dtype=np.int64)
        self.pair_columns = np.zeros(0, dtype=np.int64)
        self.grams: dict[str, int] = {}

    def reset_when_full(self) -> None:
        """Forget everything once more than :data:`BATCH_KNOWN_MAX` entries are held."""
        if len(self.tokens) + len(self.pair_keys) + len(self.grams) > BATCH_KNOWN_MAX:
            self.numbers, self.tokens, self.grams = {}, [], {}
            self.columns = np.zeros(0, dtype=np.int64)
            self.pair_keys = np.zeros(0, dtype=np.int64)
            self.pair_columns = np.zeros(0, dtype=np.int64)


class CharHasher:
    """Character n-grams within words to column indices, cached per word.

    ``char_wb`` n-grams never cross a space, so a text's n-grams are the union of its
    words' n-grams: caching each word's distinct columns turns hundreds of hash calls into
    a few lookups. The columns of a word are kept as the bytes of an int32 array, so a
    text's columns are one ``bytes.join`` of its words' entries.
    """

    def __init__(self, vectorizer: Any, cache_bytes: int = CHAR_CACHE_BYTES):
        self.analyzer = vectorizer.build_analyzer()
        self.n_features = int(vectorizer.n_features)
        self.min_n, self.max_n = (int(n) for n in vectorizer.ngram_range)
        self.fast = _plain_settings(vectorizer) and self.min_n >= 1
        self.cache: BoundedCache[bytes] = BoundedCache(cache_bytes, sys.getsizeof)

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

    def _spans(self, words: list[str]) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """Each word's n-grams as spans of one text: the text, starts, ends and word numbers.

        The text is the words, each between two spaces, back to back; a padded word of
        ``p`` characters has ``p - n + 1`` n-grams of each length ``n`` up to ``p``, and
        one n-gram, itself, if ``p`` is below the shortest length.
        """
        text = " " + "  ".join(words) + " "
        padded = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        first = np.cumsum(padded) - padded
        numbers = np.arange(len(words))
        starts, ends, owners = [], [], []
        for n in range(self.min_n, self.max_n + 1):
            counts = np.maximum(padded - n + 1, 0)
            total = int(counts.sum())
            if not total:
                break
            offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            begin = np.repeat(first, counts) + offsets
            starts.append(begin)
            ends.append(begin + n)
            owners.append(np.repeat(numbers, counts))
        short = padded < self.min_n
        if short.any():
            starts.append(first[short])
            ends.append(first[short] + padded[short])
            owners.append(numbers[short])
        return text, np.concatenate(starts), np.concatenate(ends), np.concatenate(owners)

    def _hash_words(self, words: list[str]) -> list[bytes]:
        """Each word's distinct columns, sorted, as int32 bytes."""
        if self.fast:
            text, starts, ends, owners = self._spans(words)
            columns = hash_columns(_hash_text_spans(text, starts, ends), self.n_features)
        else:
            gram_lists = [self._grams(w) for w in words]
            columns = hash_strings([g for grams in gram_lists for g in grams], self.n_features)
            owners = np.repeat(np.arange(len(words)), [len(g) for g in gram_lists])
        keys = distinct(owners * self.n_features + columns)
        owners = keys // self.n_features
        raw = (keys - owners * self.n_features).astype(np.int32).tobytes()
        bounds = (4 * np.searchsorted(owners, np.arange(len(words) + 1))).tolist()
        return [raw[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]

    def columns(self, lower: str) -> np.ndarray:
        """The columns of the character n-grams of ``lower`` (int32, may repeat)."""
        return np.frombuffer(b"".join(self.cache.values_flat(lower.split(), self._hash_words)),
                             dtype=np.int32)

    def columns_many(self, lowers: list[str]) -> list[np.ndarray]:
        """:meth:`columns` of each text; words not cached are hashed together."""
        columns, counts = self.columns_flat(lowers)
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        return [columns[a:b] for a, b in itertools.pairwise(bounds)]

    def columns_flat(self, lowers: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The columns of every text's character n-grams back to back (int32, repeats
        kept), and how many belong to each text."""
        word_lists = [low.split() for low in lowers]
        parts = self.cache.values_flat(list(itertools.chain.from_iterable(word_lists)),
                                       self._hash_words)
        # Each word's entry holds 4 bytes per column; a text's count is its words' sum.
        ends = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, parts), np.int64, len(parts)), out=ends[1:])
        word_ends = np.fromiter(itertools.accumulate(map(len, word_lists), initial=0),
                                np.int64, len(word_lists) + 1)
        counts = np.diff(ends[word_ends]) // 4
        return np.frombuffer(b"".join(parts), dtype=np.int32), counts


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is far slower on large int arrays)."""
    if len(values) < 2:
        return values
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]
