"""YAML loading that keeps each node's file:line:column (octoDNS's ContextDict idea).

Mappings become `LocDict` and sequences `LocList`: plain dict/list subclasses that also remember
where each key and value came from, so any later check can point at the exact node without
threading locations through every call. Duplicate keys are errors (PyYAML keeps the last one
silently); alias expansion is bounded, per file and per load, so alias bombs (one, or many small
ones in many files) cannot exhaust memory.
"""

from __future__ import annotations

from typing import Any

import yaml

from scaleform.errors import InheritedLocation, Location, Problem, ScaleformError

# libyaml's parser, when PyYAML was built with it: much faster, and it keeps the same marks.
_Composer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT, _FLOAT, MAX_NUMBER_TEXT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", 100

MAX_NODES = 200_000  # values built from one file, aliases expanded: stops billion-laughs
MAX_ALIAS_NODES = 50_000  # values built again through aliases, all files of one load together
TEXT_UNIT = 64  # a long text counts one value per this many characters: about what writing one value costs
MAX_DEPTH = 200


class AliasBudget:
    """Values built through aliases so far, shared by the files of one load: each file alone may be
    small, but what they expand to adds up in the one process that checks them all."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_ALIAS_NODES if limit is None else limit
        self.used = 0


class LocDict(dict[str, Any]):
    """A mapping that remembers where it, its keys and its values were written. Keys are text:
    the builder turns every scalar key into a string."""

    loc: Location
    key_locs: dict[str, Location]
    value_locs: dict[str, Location]

    def __init__(self, loc: Location):
        super().__init__()
        self.loc = loc
        self.key_locs = {}
        self.value_locs = {}

    def put(self, key: str, value: Any, key_loc: Location, value_loc: Location) -> None:
        self[key] = value
        self.key_locs[key] = key_loc
        self.value_locs[key] = value_loc


class LocList(list[Any]):
    """A sequence that remembers where it and each item were written."""

    loc: Location
    item_locs: list[Location]

    def __init__(self, loc: Location):
        super().__init__()
        self.loc = loc
        self.item_locs = []

    def put(self, value: Any, loc: Location) -> None:
        self.append(value)
        self.item_locs.append(loc)


def inherited(loc: Location, note: str) -> InheritedLocation:
    out = tuple.__new__(InheritedLocation, loc)
    out.note = f"{note}, {loc.note}" if isinstance(loc, InheritedLocation) else note
    return out


def as_written(loc: Location | None) -> Location | None:
    return Location(*loc) if isinstance(loc, InheritedLocation) else loc


def key_loc(container: Any, key: Any) -> Location | None:
    if isinstance(container, LocDict):
        return container.key_locs.get(key, container.loc)
    return getattr(container, "loc", None)


def value_loc(container: Any, key: Any) -> Location | None:
    """Where `container[key]` was written (falls back to the container itself)."""
    if isinstance(container, LocDict):
        return container.value_locs.get(key, container.loc)
    if isinstance(container, LocList) and isinstance(key, int) and 0 <= key < len(container.item_locs):
        return container.item_locs[key]
    return getattr(container, "loc", None)


def _mark(path: str, mark: yaml.Mark) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


_STR = "tag:yaml.org,2002:str"


class _Builder:
    def __init__(self, path: str, aliases: AliasBudget):
        self.path = path
        self.count = 0
        self.aliases = aliases
        self.built: set[int] = set()  # ids of nodes built once (collections, long texts): again is an alias
        self.sizes: dict[int, int] = {}  # id of a node -> the values it builds into (see _size)
        self.scalars = yaml.SafeLoader("")  # used only for its scalar constructors

    def build(self, node: yaml.Node, depth: int = 0, loc: Location | None = None, *, copy: bool = False) -> Any:
        """`loc` is where `node` starts, when the caller already made it (each node's mark is
        turned into a Location once: a 300-file load makes about 70,000 of them). `copy`: the node
        is inside a copy made through an alias (the composer hands back the anchored node), which
        was charged to the alias budget as a whole."""
        self.count += 1
        if self.count > MAX_NODES:
            raise ScaleformError(
                f"the document expands to more than {MAX_NODES} values (an alias bomb?); "
                "write the values out instead of nesting aliases",
                loc or _mark(self.path, node.start_mark),
            )
        if depth > MAX_DEPTH:
            raise ScaleformError(f"nesting deeper than {MAX_DEPTH} levels", loc or _mark(self.path, node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            if not copy and len(node.value) > TEXT_UNIT and self._again(node):
                self._charge(node, loc, depth)
            return self._scalar(node)
        if not copy and self._again(node):
            copy = True
            self._charge(node, loc, depth)
        loc = loc or _mark(self.path, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc, depth, copy=copy)
        out = LocList(loc)
        for item in node.value:
            iloc = _mark(self.path, item.start_mark)
            out.put(self.build(item, depth + 1, iloc, copy=copy), iloc)
        return out

    def _again(self, node: yaml.Node) -> bool:
        """True when `node` was built before: this build is a copy, through an alias. Callers skip
        short texts: an alias to one costs about as much to write as it yields."""
        if id(node) in self.built:
            return True
        self.built.add(id(node))
        return False

    def _charge(self, node: yaml.Node, loc: Location | None, depth: int) -> None:
        """Count a copy made through an alias, whole, before building it."""
        budget = self.aliases
        budget.used += self._size(node, depth)
        if budget.used > budget.limit:
            raise ScaleformError(
                f"YAML aliases expand to more than {budget.limit:,} values (an alias bomb?): the limit on "
                f"alias expansion, counted over all files read together, a text once per {TEXT_UNIT} "
                "characters; write the values out, or share them through a template (`extends`) instead of "
                "nesting aliases",
                loc or _mark(self.path, node.start_mark),
            )

    def _size(self, node: yaml.Node, depth: int) -> int:
        """The values `node` builds into, keys included (a text counts once per TEXT_UNIT characters)."""
        if isinstance(node, yaml.ScalarNode):
            return 1 + len(node.value) // TEXT_UNIT
        found = self.sizes.get(id(node))
        if found is None:
            if depth > MAX_DEPTH:  # a recursive alias (`&a [*a]`) or deep nesting
                raise ScaleformError(
                    f"nesting deeper than {MAX_DEPTH} levels (a recursive alias?)", _mark(self.path, node.start_mark)
                )
            parts = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
            found = self.sizes[id(node)] = 1 + sum(self._size(part, depth + 1) for part in parts)
        return found

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STR:  # most values; the constructor would return node.value too
            return node.value
        # Timestamps and binary stay text: manifests are JSON-shaped, and the API wants strings.
        if node.tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
            return node.value
        if node.tag in (_INT, _FLOAT) and len(node.value) > MAX_NUMBER_TEXT:
            # Python refuses ints over 4,300 digits; YAML's base-60 (1:2:3) converts in quadratic time.
            raise ScaleformError(
                f"a number written with more than {MAX_NUMBER_TEXT} characters; quote it if it is text",
                _mark(self.path, node.start_mark),
            )
        if node.tag == _FLOAT:
            value = self.scalars.construct_object(node)
            if value != value or value in (float("inf"), float("-inf")):
                raise ScaleformError(
                    f"{node.value!r} is not a finite number; quote it if it is text", _mark(self.path, node.start_mark)
                )
            return value
        return self.scalars.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, loc: Location, depth: int, *, copy: bool) -> LocDict:
        out = LocDict(loc)
        merged: list[LocDict] = []
        for key_node, value_node in node.value:
            kloc = _mark(self.path, key_node.start_mark)
            vloc = _mark(self.path, value_node.start_mark)
            if key_node.tag == "tag:yaml.org,2002:merge":
                value = self.build(value_node, depth + 1, vloc, copy=copy)
                sources = value if isinstance(value, list) else [value]
                for src in sources:
                    if not isinstance(src, LocDict):
                        raise ScaleformError("'<<' merges only mappings", kloc)
                    merged.append(src)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ScaleformError("mapping keys must be plain text, not lists or mappings", kloc)
            if not copy and len(key_node.value) > TEXT_UNIT and self._again(key_node):
                self._charge(key_node, kloc, depth)
            key = self._scalar(key_node)
            if not isinstance(key, str):
                key = str(key) if not isinstance(key, bool) else str(key).lower()
            if key in out:
                raise ScaleformError(
                    [
                        Problem(
                            f"duplicate key '{key}' (YAML would silently keep only the last one); "
                            "remove or rename one of them",
                            kloc,
                            out.key_locs[key],
                        )
                    ]
                )
            out.put(key, self.build(value_node, depth + 1, vloc, copy=copy), kloc, vloc)
        for src in merged:  # explicit keys win over merged ones, as YAML specifies
            for key, value in src.items():
                if key not in out:
                    out.put(key, value, src.key_locs[key], src.value_locs[key])
        return out


def _tab_near(text: str, line: int) -> bool:
    lines = text.splitlines()
    return any(
        "\t" in lines[i][: len(lines[i]) - len(lines[i].lstrip())] for i in (line - 1, line) if 0 <= i < len(lines)
    )


def load_yaml(text: str, path: str, aliases: AliasBudget | None = None) -> Any:
    """Parse one YAML document into located values. Raises ScaleformError with a location.
    `aliases` is shared by the files of one load (a fresh one when None)."""
    try:
        loader = _Composer(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _mark(path, mark) if mark else Location(path)
        reason = exc.problem or "invalid YAML"
        if mark is not None and _tab_near(text, mark.line):
            reason += " (YAML does not allow tabs for indentation; use spaces)"
        raise ScaleformError(f"YAML syntax error: {reason}", where) from None
    except yaml.YAMLError as exc:
        raise ScaleformError(f"YAML error: {exc}", Location(path)) from None
    except RecursionError:
        raise ScaleformError("the document nests too deeply to read", Location(path)) from None
    if node is None:
        return None
    try:
        return _Builder(path, aliases or AliasBudget()).build(node)
    except RecursionError:
        raise ScaleformError("the document nests too deeply (recursive alias?)", Location(path)) from None
    except yaml.MarkedYAMLError as exc:  # a scalar YAML cannot construct, such as a bare `=`
        mark = exc.problem_mark or exc.context_mark
        raise ScaleformError(
            f"YAML error: {exc.problem or 'cannot read this value'}", _mark(path, mark) if mark else Location(path)
        ) from None


def named_entries(
    docs: list[LocDict], section: str, what: str, kind: type, problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, Location]]:
    """The entries of one top-level `section` merged across documents, by name, with the location
    of each name. A name declared twice is a problem naming both places; an entry that is not a
    `kind` is left out (the schema reports it)."""
    entries: dict[str, Any] = {}
    locs: dict[str, Location] = {}
    for doc in docs:
        items = doc.get(section)
        if not isinstance(items, LocDict):
            continue
        for name, value in items.items():
            loc = items.key_locs[name]
            if name in locs:
                problems.append(Problem(f"{what} '{name}' is declared twice", loc, locs[name]))
            else:
                locs[name] = loc
                if isinstance(value, kind):
                    entries[name] = value
    return entries, locs
