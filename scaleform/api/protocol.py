"""What the rest of scaleform calls on an API client, as a Protocol.

`Client` holds what refresh, prefetch, apply, export and the sandbox twin call; `ApiClient`
(client.py) is the implementation, and a stand-in (a test's fake, a wrapper that counts calls)
needs only these methods. The reads return the JSON the endpoint answered, checked only to be an
object or an array: the parse functions (parse.py) check what is inside.
"""

from __future__ import annotations

from typing import Any, Protocol

from scaleform.api import endpoints as ep

JsonObject = dict[str, Any]  # a JSON object off the wire, its values not yet checked
JsonArray = list[Any]  # a JSON array off the wire, its items not yet checked


class Sender(Protocol):
    """Sending one call: what the typed methods (typed.py) are built on."""

    async def call(
        self, request: ep.Request, *, urgent: bool = False, parse: bool = True, params: JsonObject | None = None
    ) -> Any: ...

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: JsonObject | None = None,
        *,
        parse: bool = True,
        urgent: bool = False,
    ) -> Any: ...


class Client(Protocol):
    """The calls refresh, prefetch, apply (`call`, `verify`), export and the twin make."""

    base_url: str  # the API it talks to (the twin names its source by it)

    async def call(
        self, request: ep.Request, *, urgent: bool = False, parse: bool = True, params: JsonObject | None = None
    ) -> Any: ...

    async def verify(self, request: ep.Request) -> bool | ep.Differs: ...

    async def list_team(self) -> JsonArray: ...

    async def assignments(self) -> JsonObject: ...

    async def list_projects(self) -> JsonArray: ...

    async def list_groups(self, project: str) -> JsonArray: ...

    async def studio_batches(self) -> JsonArray: ...

    async def list_batches(self, page_size: int = 100, **filters: Any) -> JsonArray: ...

    async def get_batch(self, name: str) -> JsonObject: ...
