"""What reading a create back can find (see `endpoints.Check`): it took, or it exists otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Done:
    """The create took: `result` stands in for the response that was lost."""

    result: Any


@dataclass(frozen=True)
class Differs:
    """The object exists, but not as the create would have made it: `fields` names what differs.
    Never done: someone else made it, and reporting success would lose the declared settings."""

    fields: tuple[str, ...]
