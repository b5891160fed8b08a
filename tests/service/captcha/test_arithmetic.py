"""The arithmetic challenge: readable prompts, a flat answer space."""

from __future__ import annotations

import re
from collections import Counter

from service.captcha.arithmetic import (
    BLANK,
    MINUS,
    PLUS,
    TIMES,
    generate,
    parse_answer,
)
from tests.support.solvers import solve_prompt

PROMPT = re.compile(rf"^(\d+|{BLANK}) [{PLUS}{MINUS}{TIMES}] (\d+|{BLANK}) = (\d+|{BLANK})$")


def test_prompts_use_the_contract_symbols_and_one_blank() -> None:
    for _ in range(2000):
        question = generate()
        assert PROMPT.match(question.prompt), question.prompt
        assert question.prompt.count(BLANK) == 1
        assert "-" not in question.prompt  # the minus sign is U+2212, not a hyphen
        assert solve_prompt(question.prompt) == question.answer


def test_numbers_stay_easy_for_a_person() -> None:
    for _ in range(2000):
        question = generate()
        numbers = [int(n) for n in re.findall(r"\d+", question.prompt)]
        assert all(0 < n < 200 for n in numbers)
        if TIMES in question.prompt:
            a, b = numbers[:2]
            assert a <= 9 and b <= 12


def test_best_blind_guess_passes_at_most_1_5_percent() -> None:
    n = 60_000
    answers = Counter(generate().answer for _ in range(n))
    best_answer, best_count = answers.most_common(1)[0]
    # The attacker's best strategy without reading the prompt: always send the commonest.
    assert best_count / n <= 0.015, (best_answer, best_count / n)
    # Per operator too: knowing the operator must not narrow the guess much. An answer
    # with no times-table factors is asked as + or − only, so given the operator it is
    # the likeliest: 1.23% of the + questions. Four times the draws keep that many
    # standard deviations (eight) below the bound: with the 60,000 above, one answer
    # in a run past 1.5% was a chance of about 1 in 1,000.
    by_op: dict[str, Counter[int]] = {PLUS: Counter(), MINUS: Counter(), TIMES: Counter()}
    for _ in range(4 * n):
        question = generate()
        op = next(sym for sym in by_op if sym in question.prompt)
        by_op[op][question.answer] += 1
    for op in (PLUS, MINUS):
        total = sum(by_op[op].values())
        assert by_op[op].most_common(1)[0][1] / total <= 0.015, op


def test_parse_answer_accepts_whole_numbers_only() -> None:
    assert parse_answer("42") == 42
    assert parse_answer(" 7 ") == 7
    assert parse_answer(42) == 42
    bad: object
    for bad in ("", "4.2", "1e3", "forty", None, True, [], "9" * 50, "0x10"):
        assert parse_answer(bad) is None, bad
