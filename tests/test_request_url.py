"""request_url: the one place a request URL is made; nothing leaves the API URL."""

from __future__ import annotations

import pytest

from scaleform.api import endpoints as ep
from scaleform.api.request_url import UnsafePath, request_url

BASE = "https://api.scale.com/v1"


def test_paths_of_every_endpoint_join_under_the_base():
    for call in (
        ep.get_project("Street signs/EU"),
        ep.update_group("a+b", "x:y", [], []),
        ep.finalize_batch("b 1"),
        ep.list_team(),
        ep.set_params("p%2E", {}),
    ):
        url = request_url(BASE, call.method, call.path)
        assert str(url) == BASE + call.path


@pytest.mark.parametrize(
    "path",
    [
        "http://evil.test/v1/teams",
        "//evil.test/v1/teams",
        "teams",
        "/teams/../x",
        "/batches/../finalize",
        "/batches/./finalize",
        "/batches/%2e%2E/finalize",
        "/batches/%2E/finalize",
        "/teams?x=1",
        "/teams#f",
        "/teams\\..",
        "/a//b",
        "/",
        "/a/\x00",
        "/a b",
        ep.finalize_batch("..").path,
        ep.get_project(".").path,
    ],
)
def test_anything_that_could_leave_the_base_is_refused(path):
    with pytest.raises(UnsafePath, match="refused before sending"):
        request_url(BASE, "POST", path)


def test_a_name_that_looks_like_a_dot_segment_once_encoded_is_fine():
    assert str(request_url(BASE, "GET", ep.get_batch("%2E%2E").path)) == BASE + "/batches/%252E%252E"
