"""N-gram hashing: vectorised MurmurHash3 against scikit-learn's, and byte-bounded caches."""

from __future__ import annotations

import gc
import random
import string
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from model import hashing
from model.features import prepare_comment
from model.hashing import (
    ENTRY_OVERHEAD,
    MAX_CACHED_CHARS,
    BoundedCache,
    CharHasher,
    WordHasher,
    hash_columns,
    hash_index,
    hash_strings,
    murmur3_spans,
)

N_FEATURES = 2**18
# One, two, three and four UTF-8 bytes per character, and characters lower() lengthens.
ALPHABET = string.ascii_lowercase + "éüßøабв中文日本한국\U00020000\U0001f600İ"


def _random_words(rng: random.Random, n: int, low: int = 1, high: int = 12,
                  alphabet: str = ALPHABET) -> list[str]:
    return ["".join(rng.choices(alphabet, k=rng.randint(low, high))) for _ in range(n)]


def _vectorizer(analyzer: str = "char_wb", ngram_range: tuple[int, int] = (2, 5),
                **settings: object) -> HashingVectorizer:
    return HashingVectorizer(analyzer=analyzer, ngram_range=ngram_range, n_features=N_FEATURES,
                             alternate_sign=False, binary=True, **settings)


def _any_text(rng: random.Random, n: int) -> str:
    """``n`` code points from every plane, surrogates left out (they cannot be UTF-8)."""
    points: list[int] = []
    while len(points) < n:
        point = rng.choice([rng.randrange(0x80), rng.randrange(0x800), rng.randrange(0x10000),
                            rng.randrange(0x110000)])
        if not 0xD800 <= point <= 0xDFFF:
            points.append(point)
    return "".join(map(chr, points))


def test_murmurhash_equals_scikit_learn_s_on_any_text_and_bytes() -> None:
    rng = random.Random(11)
    texts = [_any_text(rng, rng.randint(0, 40)) for _ in range(20000)]
    texts += _random_words(rng, 3000, 0, 80) + ["", " ", "\0", "\U0010ffff", "\ufeff"]
    # What the hashers are actually given: n-grams of normalised comments, and the UTF-8
    # bytes of long ones.
    for text in texts[:300]:
        normalised = prepare_comment({"comment_content": text}).text.lower()
        texts += normalised.split() + [normalised]
    for text in texts:
        assert hashing.murmurhash3_32(text) == murmurhash3_32(text, seed=0), repr(text)
        data = text.encode("utf-8")
        assert hashing.murmurhash3_32(data) == murmurhash3_32(data, seed=0), repr(text)
        # positive=True is the same 32 bits read unsigned.
        assert hashing.murmurhash3_32(text) & 0xFFFFFFFF == murmurhash3_32(text, positive=True)
    for _ in range(5000):
        raw = rng.randbytes(rng.randint(0, 70))
        assert hashing.murmurhash3_32(raw) == murmurhash3_32(raw, seed=0), raw
        seed = rng.randrange(2**32)
        assert hashing.murmurhash3_32(raw, seed) == murmurhash3_32(raw, seed=seed), (raw, seed)


LONE_SURROGATE = """
import sys
from {module} import murmurhash3_32
try:
    murmurhash3_32("a\\ud800b", seed=0)
except UnicodeEncodeError:
    sys.exit(3)
"""


@pytest.mark.parametrize("module", ["model.hashing", "sklearn.utils"])
def test_a_lone_surrogate_raises_unicode_encode_error_as_scikit_learn_s_does(
        module: str) -> None:
    # In a process of its own: mmh3 itself, given such a string, crashes the interpreter.
    done = subprocess.run([sys.executable, "-c", LONE_SURROGATE.format(module=module)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, (done.returncode, done.stderr)


def test_vectorised_hash_equals_murmurhash3_32_on_every_length_and_alphabet() -> None:
    rng = random.Random(7)
    strings = _random_words(rng, 3000, 0, 45) + [""] + ["a" * n for n in range(70)]
    strings += _random_words(rng, 500, 1, 200, string.ascii_lowercase)
    expected = [murmurhash3_32(s, seed=0) for s in strings]
    data = "".join(strings).encode("utf-8")
    lengths = np.array([len(s.encode("utf-8")) for s in strings], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    assert murmur3_spans(np.frombuffer(data, np.uint8), starts, lengths).tolist() == expected
    assert hash_strings(strings, N_FEATURES).tolist() == [hash_index(s, N_FEATURES)
                                                           for s in strings]
    assert hash_strings(strings[:3], N_FEATURES).tolist() == [hash_index(s, N_FEATURES)
                                                               for s in strings[:3]]
    assert hash_strings([], N_FEATURES).tolist() == []


@pytest.mark.parametrize("n_features", [1, 7, 2**18, 2**20 + 3])
def test_columns_of_hashes_match_scikit_learn_at_the_int32_edges(n_features: int) -> None:
    hashes = np.array([-2**31, -2**31 + 1, -1, 0, 1, 2**31 - 1], dtype=np.int32)
    expected = [(2147483647 - (n_features - 1)) % n_features]
    expected += [abs(int(h)) % n_features for h in hashes[1:]]
    assert hash_columns(hashes, n_features).tolist() == expected


@pytest.mark.parametrize("settings", [
    {}, {"ngram_range": (1, 1)}, {"ngram_range": (3, 6)}, {"ngram_range": (4, 4)},
    {"strip_accents": "unicode"},  # not re-implemented: the analyzer's own n-grams
])
def test_char_columns_are_the_analyzer_s_n_grams_hashed(settings: dict[str, object]) -> None:
    vectorizer = _vectorizer(**settings)  # type: ignore[arg-type]
    hasher = CharHasher(vectorizer)
    analyzer = vectorizer.build_analyzer()
    rng = random.Random(3)
    texts = [" ".join(_random_words(rng, 40)) for _ in range(4)]
    texts += ["", "a", "ab abc a", "x" * 300 + " y", "İstanbul ÀÉÎ  日本語 \U0001f600"]
    for _ in range(2):  # first hashed, then from the cache
        for text in texts:
            lower = text.lower()
            expected = sorted({hash_index(g, N_FEATURES) for g in analyzer(lower)})
            assert sorted(set(hasher.columns(lower).tolist())) == expected
    assert [sorted(set(c.tolist())) for c in hasher.columns_many([t.lower() for t in texts])] \
        == [sorted({hash_index(g, N_FEATURES) for g in analyzer(t.lower())}) for t in texts]


def test_word_columns_are_the_n_grams_hashed_cached_or_not() -> None:
    hasher = WordHasher(_vectorizer("word", (1, 3)))
    rng = random.Random(5)
    for size in (3, 400):  # one by one, and vectorised
        text = " ".join(_random_words(rng, size, 2, 20) + ["z" * 500])
        grams = hasher.grams(text, text.lower())
        expected = [hash_index(g, N_FEATURES) for g in grams]
        assert hasher.columns(grams) == expected
        assert hasher.columns(grams) == expected  # now cached
        assert "z" * 500 not in hasher.cache  # too long to be worth keeping


def _entry(key: str, value: object) -> int:
    return sys.getsizeof(key) + sys.getsizeof(value) + ENTRY_OVERHEAD


def test_a_cache_counts_each_entry_and_rotates_at_half_its_budget() -> None:
    cache: BoundedCache[int] = BoundedCache(10_000, sys.getsizeof)
    keys = [f"key{i:04d}" for i in range(200)]
    per_entry = _entry(keys[0], 1000)
    cache.put_many(keys[:10], [1000] * 10)
    assert cache.nbytes == 10 * per_entry and len(cache) == 10 and not cache.old
    for i in range(10, 200, 10):
        cache.put_many(keys[i:i + 10], [1000] * 10)
        assert cache.young_bytes <= cache.budget // 2 and cache.old_bytes <= cache.budget // 2
        assert cache.nbytes == len(cache) * per_entry <= cache.budget
    # The newest entries are there; the first ones went with a dropped generation.
    assert keys[-1] in cache and keys[0] not in cache
    assert cache.get(keys[0]) is None


def test_an_entry_in_use_survives_a_flood_of_new_keys() -> None:
    cache: BoundedCache[int] = BoundedCache(20_000, sys.getsizeof)
    cache.put_many(["common"], [1000])
    for i in range(2000):
        cache.put_many([f"flood{i}"], [1000])
        assert cache.get("common") == 1000  # moved back to the young generation when old
        assert cache.nbytes <= cache.budget
    assert "flood0" not in cache
    assert cache.nbytes == sum(_entry(k, v) for gen in (cache.young, cache.old)
                               for k, v in gen.items())


def test_a_batch_over_half_the_budget_is_not_cached_and_clear_empties() -> None:
    cache: BoundedCache[bytes] = BoundedCache(4_000, sys.getsizeof)
    cache.put_many(["small"], [b"x"])
    cache.put_many(["big"], [b"x" * 2_000])
    assert "big" not in cache and "small" in cache
    assert cache.get_many(["small", "big", "small"]) == {"small": b"x", "big": None}
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0


def _flood(hasher: CharHasher | WordHasher, texts: list[str]) -> int:
    """Hash every text; the most bytes traced (beyond the start) after any of them."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        most = 0
        for text in texts:
            if isinstance(hasher, CharHasher):
                hasher.columns(text)
            else:
                hasher.columns(hasher.grams(text, text))
            assert hasher.cache.nbytes <= hasher.cache.budget
            most = max(most, tracemalloc.get_traced_memory()[0] - start)
    finally:
        tracemalloc.stop()
    return most


@pytest.mark.parametrize("hasher_type", [CharHasher, WordHasher])
@pytest.mark.parametrize("alphabet", [string.ascii_lowercase, ALPHABET], ids=["ascii", "mixed"])
def test_words_never_seen_before_cost_at_most_the_budget(
        hasher_type: type[CharHasher] | type[WordHasher], alphabet: str) -> None:
    budget = 1024 * 1024
    vectorizer = _vectorizer() if hasher_type is CharHasher else _vectorizer("word", (1, 2))
    hasher = hasher_type(vectorizer, budget)
    rng = random.Random(11)
    texts = [" ".join(_random_words(rng, 300, 2, MAX_CACHED_CHARS, alphabet))
             for _ in range(24)]
    texts += [_random_words(rng, 1, 5000, 5000, alphabet)[0] for _ in range(4)]
    most = _flood(hasher, texts)
    assert hasher.cache.old and hasher.cache.young  # the budget was reached
    # What the cache really holds, as Python's allocator sees it, is near what it counts.
    assert most <= 1.25 * budget
