"""CPU cost of hostile comment text, as a ratio to a benign comment measured in the same run.

Each shape is built at the largest size the service accepts for a comment field (32 KiB
characters) and run through :func:`model.normalize.normalize_text` and through the full
scorer with the shipped default model. CPU time (``time.process_time``) is the best of
``--repeat`` runs; the random shapes are new text on every run, so the scorer's caches of
words it has seen never help. The baseline, a benign comment of about 500 characters, is
timed the way a site's ordinary comments are scored: over and over.
Run: ``.venv/bin/python bench/hostile_bench.py [--repeat 3] [--only NAME]``.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's packages

from model.normalize import normalize_text  # noqa: E402
from model.registry import default_artifact_dir  # noqa: E402
from model.scorer import Scorer  # noqa: E402

# The largest comment field the service accepts (characters).
FIELD_CHARS = 32 * 1024

BENIGN = (
    "Great post! I tried the second recipe last night and my kids loved it. The sauce was a "
    "little thin, so I let it reduce for ten more minutes and added a spoon of butter at the "
    "end. Do you have a version without nuts? My nephew is allergic and I would love to make "
    "it for his birthday next month. Also, which brand of tinned tomatoes do you use? Mine "
    "came out a bit sour. Thanks for writing these up, they are the only recipes my whole "
    "family agrees on. See my notes at https://example.org/notes for what I changed. Cheers!"
)


def _fill(unit: str, prefix: str = "", size: int = FIELD_CHARS) -> str:
    """``prefix`` followed by ``unit`` repeated up to ``size`` characters."""
    body = unit * ((size - len(prefix)) // len(unit) + 1)
    return (prefix + body)[:size]


def _random_text(run: int, word: Callable[[random.Random], str]) -> str:
    """Words from ``word`` separated by spaces, different for each run, at the field size."""
    rng = random.Random(run)
    return " ".join(word(rng) for _ in range(FIELD_CHARS // 2))[:FIELD_CHARS]


def _letters(rng: random.Random, low: int, high: int,
             alphabet: str = string.ascii_lowercase) -> str:
    return "".join(rng.choices(alphabet, k=rng.randint(low, high)))


# Letters that NFKC and lower-casing keep as they are, two to four bytes each in UTF-8.
_NON_ASCII = "éüßçñøåæœабвгдежзик中文日本語字母词한국어\U00020000\U00020001\U0002070e"


def random_shapes() -> dict[str, Callable[[int], str]]:
    """Shapes whose text is new on every run (given the run's number)."""
    return {
        "random words (new each run)": lambda run: _random_text(
            run, lambda rng: _letters(rng, 2, 9)),
        "random 40-letter words (new each run)": lambda run: _random_text(
            run, lambda rng: _letters(rng, 40, 40)),
        "random non-ASCII words (new each run)": lambda run: _random_text(
            run, lambda rng: _letters(rng, 2, 9, _NON_ASCII)),
        "one random 32 KiB word (new each run)": lambda run: _letters(
            random.Random(run), FIELD_CHARS, FIELD_CHARS),
        "random bare domains (new each run)": lambda run: _random_text(
            run, lambda rng: _letters(rng, 3, 3) + ".io"),
        "random links (new each run)": lambda run: _random_text(
            run, lambda rng: "http://" + _letters(rng, 3, 3)),
    }


def shapes() -> dict[str, str]:
    """Each hostile shape at the maximum field size."""
    return {
        "link + U+249B (NFKC to '20.')": _fill("\u249b", "see http://spam.example/x "),
        "x.com + ab.ab.ab…": _fill("ab.", "x.com "),
        "a@a@a@…": _fill("a@"),
        "ab.ab.…@! (long local parts)": _fill("ab." * 700 + "@! "),
        "x@ + a1.a1.a1… (no TLD)": _fill("a1.", "x@"),
        "http:// + a.a.a…": _fill("a.", "http://"),
        "www. + a-a-…": _fill("a-", "www."),
        "one letter run": "a" * FIELD_CHARS,
        "one 32 KiB word": _fill("abcdefghij"),
        "<a  unterminated ×N": _fill("<a "),
        "<a>x (no </a>) ×N": _fill("<a>x"),
        "<br  unterminated ×N": _fill("<br "),
        "<a href=\" ×N": _fill("<a href=\""),
        "</a  unterminated ×N": _fill("</a "),
        "&# entity runs": _fill("&#"),
        "&#99999999; entities": _fill("&#99999999;"),
        "thousands of links": _fill("http://a.com/x "),
        "thousands of bare domains": _fill("a.io "),
        "thousands of e-mails": _fill("a@b.cc "),
        "U+249B ×N": _fill("\u249b"),
        "U+FDFA ×N": _fill("\ufdfa"),
        "U+3250 ×N": _fill("\u3250"),
        "lone surrogates": _fill("\ud800"),
        "control characters": _fill("".join(map(chr, range(32)))),
        "RTL marks": _fill("\u202eab\u200f"),
        "'a dot' then spaces": _fill(" ", "a dot"),
        "'dot a' then spaces": _fill(" ", "dot a"),
        "'/ http' then spaces": _fill(" ", "/ http"),
        "'w w w' spaced": _fill("w "),
        "'w' then spaces": _fill(" ", "w w w"),
        "spaced letters a_a_a…": _fill("a_"),
        "leet 1a1a…": _fill("1a"),
        "newline, then U+001C ×N": _fill("\x1c", "x\ny"),
        "newline, then U+2028 ×N": _fill("\u2028", "x\ny"),
        "'check' then spaces": _fill(" ", "check"),
        "'text a' then a long word": _fill("a", "text "),
        "digits and spaces": _fill("1 "),
    }


def _same_text(text: str) -> Callable[[int], str]:
    return lambda _: text


def best_cpu(fn: Callable[[int], object], repeat: int) -> float:
    """The least CPU time (seconds) of ``fn(0)``, ``fn(1)``, … ``fn(repeat - 1)``."""
    best = float("inf")
    for run in range(repeat):
        start = time.process_time()
        fn(run)
        best = min(best, time.process_time() - start)
    return best


def best_cpu_each(texts: list[str], fn: Callable[[str], object]) -> float:
    """The least CPU time (seconds) of ``fn`` over ``texts``, one call each."""
    return best_cpu(lambda run: fn(texts[run]), len(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="run only shapes whose name contains this")
    args = parser.parse_args()

    scorer = Scorer.load(default_artifact_dir())

    # The baseline is timed over many calls, since one benign call is near the clock's grain.
    calls = 200
    base_norm = best_cpu(lambda _: [normalize_text(BENIGN) for _ in range(calls)],
                         args.repeat) / calls
    base_score = best_cpu(lambda _: [scorer.score({"comment_content": BENIGN})
                                     for _ in range(calls)], args.repeat) / calls
    print(f"baseline: benign {len(BENIGN)}-character comment: normalize_text "
          f"{base_norm * 1e3:.3f} ms, scorer {base_score * 1e3:.3f} ms (CPU)\n")
    print(f"| shape ({FIELD_CHARS} chars) | normalize ms | × benign | scorer ms | × benign |")
    print("|---|---:|---:|---:|---:|")
    worst = ("", 0.0)
    worst_norm = ("", 0.0)
    makers = {name: _same_text(text) for name, text in shapes().items()}
    makers.update(random_shapes())
    for name, make in makers.items():
        if args.only and args.only not in name:
            continue
        texts = [make(run) for run in range(args.repeat)]
        norm = best_cpu_each(texts, normalize_text)
        try:
            score = best_cpu_each(texts, lambda text: scorer.score({"comment_content": text}))
        except Exception as exc:  # a crash on hostile input is a finding, not the end of the run
            print(f"| {name} | {norm * 1e3:.1f} | {norm / base_norm:.0f} | "
                  f"raises {type(exc).__name__} | |", flush=True)
            continue
        print(f"| {name} | {norm * 1e3:.1f} | {norm / base_norm:.0f} | "
              f"{score * 1e3:.1f} | {score / base_score:.0f} |", flush=True)
        worst = max(worst, (name, score), key=lambda item: item[1])
        worst_norm = max(worst_norm, (name, norm), key=lambda item: item[1])
    print(f"\nworst through the scorer: {worst[0]}: {worst[1] * 1e3:.1f} ms CPU "
          f"({worst[1] / base_score:.0f} × the benign comment)")
    print(f"worst in normalize_text: {worst_norm[0]}: {worst_norm[1] * 1e3:.1f} ms CPU "
          f"({worst_norm[1] / base_norm:.0f} × the benign comment)")


if __name__ == "__main__":
    main()
