"""Typed methods over `ApiClient.call`: one per endpoint, each checking the shape of its answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from scaleform.api import endpoints as ep
from scaleform.api.errors import BadResponse, InvalidRequest
from scaleform.api.protocol import JsonArray, JsonObject, Sender

T = TypeVar("T")

# Pages of one paged listing: a million batches at the default page size. An answer claiming
# more is refused after its first page, so a count cannot make scaleform queue any more.
MAX_PAGES = 10_000
PAGE_WORKERS = 32  # pages read at once at most; more than any sensible --parallelism


class TypedCalls:
    """Mixed into ApiClient, which provides `call` and `request` (`self: Sender` says so)."""

    async def list_team(self: Sender) -> JsonArray:
        return await _array(self, ep.list_team(), urgent=True)

    async def invite(self: Sender, emails: list[str], role: str) -> JsonArray:
        return await _array(self, ep.invite(emails, role))

    async def set_role(self: Sender, emails: list[str], role: str) -> JsonArray:
        return await _array(self, ep.set_role(emails, role))

    async def assignments(self: Sender) -> JsonObject:
        return await _object(self, ep.list_assignments(), urgent=True)

    async def assign(self: Sender, emails: list[str], projects: list[str]) -> JsonObject:
        return await _object(self, ep.add_assignments(emails, projects))

    async def unassign(self: Sender, emails: list[str], projects: list[str]) -> JsonObject:
        return await _object(self, ep.remove_assignments(emails, projects))

    async def list_groups(self: Sender, project: str) -> JsonArray:
        return await _array(self, ep.list_groups(project))

    async def create_group(self: Sender, project: str, name: str, emails: list[str]) -> JsonObject:
        return await _object(self, ep.create_group(project, name, emails))

    async def update_group(self: Sender, project: str, name: str, add: list[str], remove: list[str]) -> JsonObject:
        return await _object(self, ep.update_group(project, name, add, remove))

    async def studio_batches(self: Sender) -> JsonArray:
        return await _array(self, ep.list_studio_batches(), urgent=True)

    async def assign_studio_batch(self: Sender, batch: str, groups: list[str]) -> JsonObject:
        return await _object(self, ep.assign_studio_batch(batch, groups))

    async def set_priorities(self: Sender, batches: list[str]) -> JsonArray:
        return await _array(self, ep.set_priorities(batches))

    async def reset_priorities(self: Sender) -> JsonArray:
        return await _array(self, ep.reset_priorities())

    async def list_projects(self: Sender) -> JsonArray:
        return await _array(self, ep.list_projects(), urgent=True)

    async def get_project(self: Sender, name: str) -> JsonObject:
        return await _object(self, ep.get_project(name))

    async def create_project(self: Sender, name: str, ptype: str, **kw: Any) -> JsonObject:
        return await _object(self, ep.create_project(name, ptype, **kw))

    async def set_params(self: Sender, name: str, params: JsonObject) -> JsonObject:
        return await _object(self, ep.set_params(name, params))

    async def set_ontology(self: Sender, name: str, choices: JsonArray, label: str | None = None) -> JsonObject:
        return await _object(self, ep.set_ontology(name, choices, label))

    async def update_pipeline(self: Sender, name: str, pipeline: JsonObject) -> JsonObject:
        return await _object(self, ep.update_pipeline(name, pipeline))

    async def create_batch(self: Sender, project: str, name: str, **kw: Any) -> JsonObject:
        return await _object(self, ep.create_batch(project, name, **kw))

    async def get_batch(self: Sender, name: str) -> JsonObject:
        return await _object(self, ep.get_batch(name))

    async def finalize_batch(self: Sender, name: str) -> JsonObject:
        return await _object(self, ep.finalize_batch(name))

    async def batch_status(self: Sender, name: str) -> JsonObject:
        return await _object(self, ep.batch_status(name))

    async def list_batches(self: Sender, page_size: int = 100, **filters: Any) -> JsonArray:
        """All pages of GET /batches (limit/offset). When the first page says how many there are
        (`totalDocs`), the other pages are read together; otherwise `has_more` is followed. A batch
        created meanwhile shifts the pages, so each name is kept once. A listing of more than
        MAX_PAGES pages is refused, whatever the API claims or keeps sending."""
        wanted = {k: v for k, v in filters.items() if v is not None}

        async def page(offset: int) -> JsonObject:
            got = await self.request("GET", "/batches", params={**wanted, "limit": page_size, "offset": offset})
            return _expect(got, dict, "GET", "/batches")

        pages = [await page(0)]
        total = pages[0].get("totalDocs", pages[0].get("total"))
        if isinstance(total, int):
            _within_pages(-(-total // page_size), f"it counts {total:,} batches")
            pages += await _gather(page, range(page_size, total, page_size))
        else:
            while pages[-1].get("has_more") and _expect(pages[-1].get("docs"), list, "GET", "/batches"):
                _within_pages(len(pages) + 1, "it kept saying there were more")
                pages.append(await page(sum(len(p["docs"]) for p in pages)))
        seen: dict[Any, Any] = {}  # a batch's name (or, for a malformed entry, its id) -> the batch
        for p in pages:
            for doc in _expect(p.get("docs"), list, "GET", "/batches"):
                name = doc.get("name") if isinstance(doc, dict) else None
                seen.setdefault(name if isinstance(name, str) else id(doc), doc)
        return list(seen.values())


async def project_groups(read: Awaitable[JsonArray], studio: Callable[[], Awaitable[bool | None]]) -> JsonArray:
    """The groups a project's `list_groups` read answers. Groups exist only in Studio projects, and
    the API answers a 400 for another project's: that project has none ([]), unless `studio()`
    (asked only then, as it may wait for the project list) says it is a Studio project."""
    try:
        return await read
    except InvalidRequest:
        if await studio() is True:
            raise
        return []


async def _gather(read: Callable[[int], Awaitable[T]], offsets: range) -> list[T]:
    """`read` of each offset, in order. A few workers share them: each page's coroutine is made
    only when a worker gets to it, however many pages there are (the client's slots bound how
    many are sent at once)."""
    results: list[T | None] = [None] * len(offsets)
    queue = iter(enumerate(offsets))

    async def work() -> None:
        for i, offset in queue:
            results[i] = await read(offset)

    await asyncio.gather(*(work() for _ in range(min(PAGE_WORKERS, len(offsets)))))
    return cast(list[T], results)


def _within_pages(pages: int, why: str) -> None:
    if pages > MAX_PAGES:
        raise BadResponse(
            "GET",
            "/batches",
            200,
            f"the listing would take {pages:,} pages ({why}), more than the {MAX_PAGES:,} scaleform reads",
        )


async def _array(sender: Sender, call: ep.Request, *, urgent: bool = False) -> JsonArray:
    """Send `call` and check the body is the JSON array the endpoint returns."""
    return _expect(await sender.call(call, urgent=urgent), list, call.method, call.path)


async def _object(sender: Sender, call: ep.Request, *, urgent: bool = False) -> JsonObject:
    """Send `call` and check the body is the JSON object the endpoint returns."""
    return _expect(await sender.call(call, urgent=urgent), dict, call.method, call.path)


def _expect(value: object, kind: type[T], method: str, path: str) -> T:
    if not isinstance(value, kind):
        raise BadResponse(
            method, path, 200, f"expected a JSON {'object' if kind is dict else 'array'}, got {type(value).__name__}"
        )
    return value
