"""People sets: named lists of emails (or other set names) that email lists can name.

An entry without '@' in `team.*`, a project's `labelers` or a group's members names a set and
stands for its emails, in place and in order. Duplicates that only arise from expansion collapse
(the first stays); an email written twice in one list is left for the list's own check, which
reports it. Batch `groups` hold group names, not people, and are never expanded.
"""
from __future__ import annotations

from typing import Any

from scaleform.errors import Location, Problem
from scaleform.manifest.located import LocDict, LocList, Via, named_entries, plain, via
from scaleform.manifest.templates import MAX_DEPTH, known_names

Expansion = list[tuple[str, Location, str]]  # (email, where it was written, its lower-cased key)


def names_a_set(entry: Any) -> bool:
    return isinstance(entry, str) and "@" not in entry


def names_no_set(*lists: list) -> bool:
    """True when no entry of these lists names a set. Schema-valid entries are emails (one '@') or
    set names (none), so counting '@' in the joined text decides, without a loop in Python."""
    try:
        return "\0".join(map("\0".join, lists)).count("@") == sum(map(len, lists))
    except TypeError:  # a non-text entry (the schema reports it)
        return not any(names_a_set(e) for items in lists for e in items)


class People:
    """The `people` of all documents, each set resolved once to its emails."""

    def __init__(self, docs: list[LocDict], problems: list[Problem]):
        self.problems = problems
        self.sets: dict[str, LocList]
        self.sets, self.locs = named_entries(docs, "people", "people set", LocList, problems)
        self.done: dict[str, Expansion] = {}
        self.depth: dict[str, int] = {}  # levels of sets under a resolved set, itself included
        self.broken: set[str] = set()  # sets that include a set in error: reported once, where it is
        for name in self.sets:  # declaration order, so a cycle is reported at the same entry every run
            self._resolve(name, [])

    def _resolve(self, name: str, stack: list[str]) -> Expansion:
        if name in self.done:
            return self.done[name]
        stack.append(name)
        out: Expansion = []
        seen: set[str] = set()
        written: dict[str, Location] = {}  # emails written in this set (twice is an error)
        items = self.sets[name]
        for entry, loc in zip(items, items.item_locs):
            if not isinstance(entry, str):
                continue  # the schema reports it
            if names_a_set(entry):
                found = self._named(entry, loc, f"people set '{name}'", stack)
                if found is None:
                    self.broken.add(name)
                    continue
                self.depth[name] = max(self.depth.get(name, 1), self.depth.get(entry, 1) + 1)
            else:
                key = entry.strip().lower()
                if key in written:
                    self.problems.append(Problem(f"{key} is listed twice in people set '{name}'", loc, written[key]))
                written.setdefault(key, loc)
                found = [(entry, loc, key)]
            for email, where, key in found:
                if key not in seen:
                    seen.add(key)
                    out.append((email, where, key))
        stack.pop()
        self.done[name] = out
        return out

    def _named(self, entry: str, loc: Location, what: str, stack: list[str]) -> Expansion | None:
        """The emails of the set an entry names; None when it has none to give (problems reported)."""
        if entry not in self.sets:
            self.problems.append(Problem(f"'{entry}' in {what} is not a valid email address (no '@') nor a "
                                         "known people set; " + known_names(self.sets, entry, "people sets"),
                                         loc))
            return None
        if entry in stack:
            chain = " -> ".join([*stack[stack.index(entry):], entry])
            self.problems.append(Problem(f"people set cycle: {chain}; a set cannot include itself, directly or "
                                         "through other sets", loc))
            return None
        if stack and (len(stack) >= MAX_DEPTH or self.depth.get(entry, 1) >= MAX_DEPTH):
            self.problems.append(Problem(f"people sets include each other more than {MAX_DEPTH} levels deep", loc))
            return None
        found = self._resolve(entry, stack)
        return None if entry in self.broken else found

    def expand(self, items: Any, what: str) -> Any:
        """`items` with every set name replaced by its emails; the list itself when it names none."""
        if not isinstance(items, LocList) or names_no_set(items):
            return items
        out = LocList(items.loc)
        from_sets: set[str] = set()
        written: set[str] = set()
        for entry, loc in zip(items, items.item_locs):
            if not names_a_set(entry):
                key = str(entry).strip().lower()
                if key in from_sets and key not in written:
                    written.add(key)
                    continue  # already there through a set: collapses
                written.add(key)
                out.put(entry, loc)  # written twice: kept, for the list's own duplicate check
                continue
            note = f"through people set '{entry}' at {plain(loc)}"
            if isinstance(loc, Via):
                note += f", {loc.note}"
            for email, where, key in self._named(entry, loc, what, []) or ():
                if key not in from_sets and key not in written:
                    from_sets.add(key)
                    out.put(email, via(where, note))
        return out
