"""Names that name others: templates extending templates, people sets including sets.

Both are walked depth first from each declared name, in declaration order; `Nesting` is the
check of one step of that walk (a cycle, or a chain too deep) and `Hints` what to say about a
name that is not declared.
"""

from __future__ import annotations

from collections.abc import Iterable

from scaleform.errors import Location, Problem, did_you_mean

MAX_DEPTH = 64  # names naming names: deeper is a mistake (and would exhaust the stack)


class Nesting:
    """The cycle and depth checks of one walk. `cycle` and `deep` are the problems' messages:
    `{chain}` is the cycle as `a -> b -> a`, `{max}` is MAX_DEPTH and `{who}` the name taking
    the step."""

    def __init__(self, problems: list[Problem], cycle: str, deep: str) -> None:
        self.problems = problems
        self.cycle = cycle
        self.deep = deep
        self.depth: dict[str, int] = {}  # levels of names under a walked name, itself included

    def refused(self, entry: str, loc: Location, who: str, stack: list[str]) -> bool:
        """True (with the problem at `loc`) when stepping from the names on `stack` to `entry`
        would close a cycle or go deeper than MAX_DEPTH."""
        if entry in stack:
            chain = " -> ".join([*stack[stack.index(entry) :], entry])
            self.problems.append(Problem(self.cycle.format(chain=chain), loc))
            return True
        if stack and (len(stack) >= MAX_DEPTH or self.depth.get(entry, 1) >= MAX_DEPTH):
            self.problems.append(Problem(self.deep.format(max=MAX_DEPTH, who=who), loc))
            return True
        return False

    def names(self, name: str, entry: str) -> None:
        """`name` names `entry`, walked already: `name` is at least one level deeper."""
        self.depth[name] = max(self.depth.get(name, 1), self.depth.get(entry, 1) + 1)


def known_names(names: Iterable[str], wanted: str, what: str) -> str:
    names = sorted(names)
    if not names:
        return f"no {what} are declared"
    return did_you_mean(wanted, names) or _declared(names, what)


def _declared(names: list[str], what: str) -> str:
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"declared {what}: {shown}"


class Hints:
    """What to say about unknown names. Only the first few get a did-you-mean: thousands of
    unknown names against thousands declared would compare each with each."""

    FIRST = 10

    def __init__(self, names: Iterable[str], what: str) -> None:
        self.names = names
        self.what = what
        self.given = 0
        self.listed: str | None = None

    def __call__(self, wanted: str) -> str:
        self.given += 1
        if self.given <= self.FIRST:
            return known_names(self.names, wanted, self.what)
        if self.listed is None:
            names = sorted(self.names)
            self.listed = _declared(names, self.what) if names else f"no {self.what} are declared"
        return self.listed
