"""Rate-limit budgets spent by the same script as the operation they guard.

A request that is rate limited and then does one operation on Redis would make two round
trips: one to spend its budgets, one for the operation. Here the budgets' sliding windows
(``lua/budgets.lua``, the ``limits`` library's counter on its own keys) run at the start
of the operation's own script, so both take one round trip, and a refused request does
nothing else: the operation does not run and no rule is spent.

The keys are the library's, so its window statistics (for ``Retry-After``) read what the
scripts wrote. Scripts cannot span a Redis Cluster's slots, so there the budgets are spent
by the library's own calls instead (:class:`service.web.ratelimit.RateLimits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Budgets:
    """The rules a request spends: two keys and two arguments each, and what each rule
    is (for the refusal)."""

    keys: tuple[str, ...] = ()
    args: tuple[int, ...] = ()
    rules: tuple[Any, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def script_keys(self) -> list[str]:
        """The keys to put first in a script's ``KEYS``."""
        return list(self.keys)

    def script_args(self) -> list[Any]:
        """The arguments to put first in a script's ``ARGV``: the rule count, then each
        rule's limit and window."""
        return [len(self.rules), *self.args]


NO_BUDGETS = Budgets()


# A rule's sliding windows as a script saw them when it refused: the previous window's
# count and seconds left, the current window's count and seconds left.
Window = tuple[int, float, int, float]


class OverBudget(Exception):
    """A rule of the request's budgets had no room; nothing was spent or done.

    ``window`` is the rule's :data:`Window` when the script that refused it reported it.
    """

    def __init__(self, rule: Any, window: Window | None = None) -> None:
        super().__init__("over budget")
        self.rule = rule
        self.window = window


def _lua(name: str) -> str:
    return resources.files("service.store").joinpath("lua", name).read_text(encoding="utf-8")


def budgets_script() -> str:
    """The script that only spends budgets: ``{0}``, or the refusing rule's number and
    windows."""
    return _lua("budgets.lua") + "\nreturn spend_budgets(tonumber(ARGV[1])) or {0}\n"


def guarded_script(operation: str) -> str:
    """``operation``'s script run only when the budgets in front of its keys and
    arguments have room: it answers ``{0, what the operation returns}``, or the first
    rule without room's number and windows."""
    # The operation sees its own KEYS and ARGV, as if called alone: locals of the same
    # names, declared before it, shadow the budgets' part. (Copied in a loop: a comment's
    # thousands of link domains are more than Lua's unpack takes.)
    return (
        _lua("budgets.lua")
        + "\nlocal rules = tonumber(ARGV[1])\n"
        + "local refused = spend_budgets(rules)\n"
        + "if refused then return refused end\n"
        + "local function after(list, first)\n"
        + "  local rest = {}\n"
        + "  for i = first, #list do rest[#rest + 1] = list[i] end\n"
        + "  return rest\n"
        + "end\n"
        + "local KEYS = after(KEYS, 2 * rules + 1)\n"
        + "local ARGV = after(ARGV, 2 * rules + 2)\n"
        + "local function operation()\n"
        + operation
        + "\nend\n"
        + "return {0, operation()}\n"
    )


def refused_rule(reply: list[Any]) -> tuple[int, Window | None]:
    """The number (from 1; 0 for none) of the rule a script's ``reply`` refused, and
    that rule's windows when the reply has them."""
    refused = int(reply[0])
    if not refused or len(reply) != 5:
        return refused, None
    previous, previous_ms, current, current_ms = (int(value) for value in reply[1:5])
    return refused, (previous, max(previous_ms, 0) / 1000, current, max(current_ms, 0) / 1000)


def check_room(budgets: Budgets, reply: list[Any]) -> None:
    """Raise :class:`OverBudget` for the rule of ``budgets`` a script's ``reply`` says
    had no room; a reply of ``0`` first means every rule had room."""
    refused, window = refused_rule(reply)
    if refused:
        raise OverBudget(budgets.rules[refused - 1], window)


def outcome(reply: list[Any], budgets: Budgets) -> Any:
    """What the operation returned, from a guarded script's reply; raises
    :class:`OverBudget` when a rule had no room."""
    check_room(budgets, reply)
    return reply[1] if len(reply) > 1 else None
