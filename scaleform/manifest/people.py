"""People sets: named lists of emails (or other set names) that email lists can name.

An entry without '@' in `team.*`, a project's `labelers` or a group's members names a set and
stands for its emails, in place and in order. Duplicates that only arise from expansion collapse
(the first stays); an email written twice in one list is left for the list's own check, which
reports it. Batch `groups` hold group names, not people, and are never expanded.

A set is expanded once, when a list first names it, into an `Expansion` that every list naming
it shares: a list naming only that set gets the set's own tuple of emails, and each list a view
that notes an email's location when asked, so neither the emails nor their located notes are
copied per use. What the lists stand for in all is still read by whatever comes next (checks,
render, plan), so it is capped (MAX_EXPANDED).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import Any, NamedTuple

from scaleform.errors import InheritedLocation, Location, Problem
from scaleform.manifest.located import TEXT_UNIT, LocDict, LocList, as_written, inherited, named_entries
from scaleform.manifest.nesting import Hints, Nesting

MAX_EXPANDED = 250_000  # emails that set names stand for, counted at every list or set naming one


class Expansion(NamedTuple):
    """The emails a set stands for: lower-cased, each once, in order, and where each was written;
    `weight`: what each use costs (see TEXT_UNIT)."""

    keys: tuple[str, ...]
    where: dict[str, Location]
    weight: int


Part = tuple[Mapping[str, Location], str | None]  # where each email was written; the note of its use
Repeat = tuple[str, Location, Location]  # an email written twice in a list: where, and where first


class OverBudget(Exception):
    """Expanding one more set would cross MAX_EXPANDED."""


class Located(Mapping[str, Location]):
    """Where each email of an expanded list came from: parts in list order (the shared locations of
    a set, with the note of the entry naming it; or emails written in the list itself). The first
    part holding an email answers for it, as expansion keeps the first occurrence."""

    def __init__(self, parts: list[Part]):
        self.parts = parts
        self.index: dict[str, int] | None = None  # email -> its part, made on the first lookup

    def _part(self, key: str) -> int | None:
        if len(self.parts) == 1:
            return 0 if key in self.parts[0][0] else None
        if self.index is None:
            self.index = {}
            for i in range(len(self.parts) - 1, -1, -1):  # earlier parts overwrite later ones
                self.index.update(dict.fromkeys(self.parts[i][0], i))
        return self.index.get(key)

    def __getitem__(self, key: str) -> Location:
        i = self._part(key)
        if i is None:
            raise KeyError(key)
        where, note = self.parts[i]
        return where[key] if note is None else inherited(where[key], note)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(chain.from_iterable(where for where, _ in self.parts)))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Emails(Sequence[str]):
    """An email list with its sets expanded: lower-cased emails, each once, in order (`keys`, the
    set's own tuple when the list names one set and nothing else); `locs` says where each came
    from; `repeats` are emails written twice in the list (email, second place, first place)."""

    def __init__(self, loc: Location, keys: tuple[str, ...], locs: Located, repeats: list[Repeat]):
        self.loc = loc
        self.keys = keys
        self.locs = locs
        self.repeats = repeats

    def __getitem__(self, i: Any) -> Any:
        return self.keys[i]

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys)

    def __eq__(self, other: object) -> bool:
        return list(self.keys) == other if isinstance(other, list) else NotImplemented

    # Unhashable, like the list it equals; typeshed declares __hash__ a method, hence the ignore.
    __hash__ = None  # type: ignore[assignment]


def names_a_set(entry: Any) -> bool:
    return isinstance(entry, str) and "@" not in entry


def names_no_set(*lists: list[Any]) -> bool:
    """True when no entry of these lists names a set. Schema-valid entries are emails (one '@') or
    set names (none), so counting '@' in the joined text decides, without a loop in Python."""
    try:
        return "\0".join(map("\0".join, lists)).count("@") == sum(map(len, lists))
    except TypeError:  # a non-text entry (the schema reports it)
        return not any(names_a_set(e) for items in lists for e in items)


def _key(entry: Any) -> str:
    return str(entry).strip().lower()


class People:
    """The `people` of all documents: every set checked at once, each expanded when first named."""

    def __init__(self, docs: list[LocDict], problems: list[Problem]):
        self.problems = problems
        self.sets: dict[str, LocList]
        self.sets, self.locs = named_entries(docs, "people", "people set", LocList, problems)
        self.hints = Hints(self.sets, "people sets")
        self.done: dict[str, Expansion] = {}
        self.checked: set[str] = set()
        self.nesting = Nesting(
            problems,
            "people set cycle: {chain}; a set cannot include itself, directly or through other sets",
            "people sets include each other more than {max} levels deep",
        )
        self.broken: set[str] = set()  # sets that include a set in error: reported once, where it is
        self.expanded = 0  # emails that set names stood for so far (see MAX_EXPANDED)
        self.over = False  # the cap was reached (and reported)
        for name in self.sets:  # declaration order, so a cycle is reported at the same entry every run
            self._check(name, [])

    def _check(self, name: str, stack: list[str]) -> None:
        """Report what is wrong in set `name` and the sets it includes, without expanding any."""
        if name in self.checked:
            return
        stack.append(name)
        written: dict[str, Location] = {}  # emails written in this set (twice is an error)
        items = self.sets[name]
        for entry, loc in zip(items, items.item_locs):
            if not isinstance(entry, str):
                continue  # the schema reports it
            if names_a_set(entry):
                if not self._usable(entry, loc, f"people set '{name}'", stack):
                    self.broken.add(name)
                    continue
                self.nesting.names(name, entry)
            else:
                key = _key(entry)
                if key in written:
                    self.problems.append(Problem(f"{key} is listed twice in people set '{name}'", loc, written[key]))
                written.setdefault(key, loc)
        stack.pop()
        self.checked.add(name)

    def _usable(self, entry: str, loc: Location, what: str, stack: list[str]) -> bool:
        """True when the set an entry names can be expanded; False with problems reported."""
        if entry not in self.sets:
            self.problems.append(
                Problem(
                    f"'{entry}' in {what} is not a valid email address (no '@') nor a "
                    "known people set; " + self.hints(entry),
                    loc,
                )
            )
            return False
        if self.nesting.refused(entry, loc, what, stack):
            return False
        self._check(entry, stack)
        return entry not in self.broken

    def _spend(self, n: int, loc: Location) -> None:
        self.expanded += n
        if self.expanded <= MAX_EXPANDED:
            return
        if not self.over:  # said once, where the cap was crossed: every later expansion fails too
            self.over = True
            self.problems.append(
                Problem(
                    f"people sets expand to more than {MAX_EXPANDED:,} emails in all (the limit on people sets: "
                    f"each list or set that names a set counts its emails, a long one once more per {TEXT_UNIT} "
                    "characters); name the big sets in fewer lists, or split them",
                    loc,
                )
            )
        raise OverBudget

    def _expansion(self, name: str) -> Expansion:
        """The emails of a checked, usable set; made on first use and shared from then on."""
        done = self.done.get(name)
        if done is not None:
            return done
        where: dict[str, Location] = {}
        items = self.sets[name]
        for entry, loc in zip(items, items.item_locs):
            if not isinstance(entry, str):
                continue
            if names_a_set(entry):
                inner = self._expansion(entry)
                self._spend(inner.weight, loc)
                for key, at in inner.where.items():
                    where.setdefault(key, at)
            else:
                where.setdefault(_key(entry), loc)
        keys = tuple(where)
        weight = len(keys) + sum(len(key) // TEXT_UNIT for key in keys)
        self.done[name] = done = Expansion(keys, where, weight)
        return done

    def _named(self, entry: str, loc: Location, what: str) -> Expansion | None:
        """The expansion a list entry names; None when it has none to give (problems reported)."""
        if not self._usable(entry, loc, what, []):
            return None
        try:
            found = self._expansion(entry)
            self._spend(found.weight, loc)
        except OverBudget:
            return None
        return found

    def expand(self, items: Any, what: str) -> Any:
        """`items` with every set name replaced by its emails (an `Emails`); the list itself when it
        names none."""
        if not isinstance(items, LocList) or names_no_set(items):
            return items
        parts, sets, repeats = self._parts(items, what)
        if len(parts) == 1 and sets:
            keys = sets[0].keys  # the set's own tuple, shared
        else:
            keys = tuple(dict.fromkeys(chain.from_iterable(where for where, _ in parts)))
        return Emails(items.loc, keys, Located(parts), repeats)

    def _parts(self, items: LocList, what: str) -> tuple[list[Part], list[Expansion], list[Repeat]]:
        """A list in parts (each named set, each run of written emails), the sets it names, and the
        emails written twice in it."""
        parts: list[Part] = []
        sets: list[Expansion] = []
        repeats: list[Repeat] = []
        written: dict[str, Location] = {}
        run: dict[str, Location] | None = None
        for entry, loc in zip(items, items.item_locs):
            if names_a_set(entry):
                found = self._named(entry, loc, what)
                if found is not None:
                    parts.append((found.where, _note(entry, loc)))
                    sets.append(found)
                    run = None
                continue
            key = _key(entry)
            if key in written:
                repeats.append((key, loc, written[key]))
                continue
            written[key] = loc
            if run is None:
                run = {}
                parts.append((run, None))
            run[key] = loc
        return parts, sets, repeats


def _note(entry: str, loc: Location) -> str:
    note = f"through people set '{entry}' at {as_written(loc)}"
    return f"{note}, {loc.note}" if isinstance(loc, InheritedLocation) else note
