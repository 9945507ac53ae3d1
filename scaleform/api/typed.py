"""Typed methods over `ApiClient.call`: one per endpoint, each checking the shape of its answer."""

from __future__ import annotations

import asyncio
from typing import Any

from scaleform.api import endpoints as ep
from scaleform.api.errors import BadResponse


class TypedCalls:
    """Mixed into ApiClient, which provides `call` and `request`."""

    async def call(self, call: ep.Call, urgent: bool = False, parse: bool = True, params: dict | None = None) -> Any:
        raise NotImplementedError

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict | None = None,
        parse: bool = True,
        urgent: bool = False,
    ) -> Any:
        raise NotImplementedError

    async def _typed(self, call: ep.Call, kind: type, urgent: bool = False) -> Any:
        """Send `call` and check the body is the JSON object/array the endpoint returns."""
        return _expect(await self.call(call, urgent), kind, call.method, call.path)

    async def list_team(self) -> list[dict]:
        return await self._typed(ep.list_team(), list, urgent=True)

    async def invite(self, emails: list[str], role: str) -> list[dict]:
        return await self._typed(ep.invite(emails, role), list)

    async def set_role(self, emails: list[str], role: str) -> list[dict]:
        return await self._typed(ep.set_role(emails, role), list)

    async def assignments(self) -> dict[str, list[str]]:
        return await self._typed(ep.list_assignments(), dict, urgent=True)

    async def assign(self, emails: list[str], projects: list[str]) -> dict[str, list[str]]:
        return await self._typed(ep.add_assignments(emails, projects), dict)

    async def unassign(self, emails: list[str], projects: list[str]) -> dict[str, list[str]]:
        return await self._typed(ep.remove_assignments(emails, projects), dict)

    async def list_groups(self, project: str) -> list[dict]:
        return await self._typed(ep.list_groups(project), list)

    async def create_group(self, project: str, name: str, emails: list[str]) -> dict:
        return await self._typed(ep.create_group(project, name, emails), dict)

    async def update_group(self, project: str, name: str, add: list[str], remove: list[str]) -> dict:
        return await self._typed(ep.update_group(project, name, add, remove), dict)

    async def studio_batches(self) -> list[dict]:
        return await self._typed(ep.list_studio_batches(), list, urgent=True)

    async def assign_studio_batch(self, batch: str, groups: list[str]) -> dict:
        return await self._typed(ep.assign_studio_batch(batch, groups), dict)

    async def set_priorities(self, batches: list[str]) -> list[dict]:
        return await self._typed(ep.set_priorities(batches), list)

    async def reset_priorities(self) -> list[dict]:
        return await self._typed(ep.reset_priorities(), list)

    async def list_projects(self) -> list[dict]:
        return await self._typed(ep.list_projects(), list, urgent=True)

    async def get_project(self, name: str) -> dict:
        return await self._typed(ep.get_project(name), dict)

    async def create_project(self, name: str, ptype: str, **kw: Any) -> dict:
        return await self._typed(ep.create_project(name, ptype, **kw), dict)

    async def set_params(self, name: str, params: dict) -> dict:
        return await self._typed(ep.set_params(name, params), dict)

    async def set_ontology(self, name: str, choices: list, label: str | None = None) -> dict:
        return await self._typed(ep.set_ontology(name, choices, label), dict)

    async def update_pipeline(self, name: str, pipeline: dict) -> dict:
        return await self._typed(ep.update_pipeline(name, pipeline), dict)

    async def create_batch(self, project: str, name: str, **kw: Any) -> dict:
        return await self._typed(ep.create_batch(project, name, **kw), dict)

    async def get_batch(self, name: str) -> dict:
        return await self._typed(ep.get_batch(name), dict)

    async def finalize_batch(self, name: str) -> dict:
        return await self._typed(ep.finalize_batch(name), dict)

    async def batch_status(self, name: str) -> dict:
        return await self._typed(ep.batch_status(name), dict)

    async def list_batches(self, page_size: int = 100, **filters: Any) -> list[dict]:
        """All pages of GET /batches (limit/offset). When the first page says how many there are
        (`totalDocs`), the other pages are read together; otherwise `has_more` is followed. A batch
        created meanwhile shifts the pages, so each name is kept once."""
        wanted = {k: v for k, v in filters.items() if v is not None}

        async def page(offset: int) -> dict:
            got = await self.request("GET", "/batches", params={**wanted, "limit": page_size, "offset": offset})
            return _expect(got, dict, "GET", "/batches")

        pages = [await page(0)]
        total = pages[0].get("totalDocs", pages[0].get("total"))
        if isinstance(total, int):
            pages += await asyncio.gather(*(page(o) for o in range(page_size, total, page_size)))
        else:
            while pages[-1].get("has_more") and pages[-1].get("docs"):
                pages.append(await page(sum(len(p["docs"]) for p in pages)))
        seen: dict[Any, dict] = {}
        for p in pages:
            for doc in _expect(p.get("docs"), list, "GET", "/batches"):
                seen.setdefault(doc.get("name") if isinstance(doc, dict) else id(doc), doc)
        return list(seen.values())


def _expect(value: Any, kind: type, method: str, path: str) -> Any:
    if not isinstance(value, kind):
        raise BadResponse(
            method, path, 200, f"expected a JSON {'object' if kind is dict else 'array'}, got {type(value).__name__}"
        )
    return value
