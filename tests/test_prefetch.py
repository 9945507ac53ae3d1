"""prefetch + planner.load_and_plan: reads start while files parse, and never change a plan."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import replace

import httpx
import pytest

from helpers import KEY, make_db
from scaleform.errors import ScaleformError
from scaleform.manifest import ManifestLoad, load_manifests
from scaleform.planner import load_and_plan, make_plan
from scaleform.sandbox.app import SandboxApp
from scaleform.sandbox.store import Store
from scaleform.target import Target

FILES = {
    # plain: its projects' group reads may start early (street-signs exists; brand-new does not)
    "a-projects.yaml": "projects:\n"
    "  street-signs:\n    type: imageannotation\n    groups: {night-shift: [li@acme.ai]}\n"
    "  brand-new:\n    type: imageannotation\n    labelers: [zoe@acme.ai]\n    groups: {g: [zoe@acme.ai]}\n",
    # interpolated: read only once the load is done, by refresh itself
    "b-vars.yaml": "projects:\n  ${var.p}:\n    type: transcription\n    labelers: [zoe@acme.ai, li@acme.ai]\n"
    "    groups: {ocr-team: [zoe@acme.ai, li@acme.ai]}\n",
    "c-team.yaml": "team:\n  labelers: [li@acme.ai, zoe@acme.ai]\n",
    "d-batches.yaml": "batch_priority: default\n",
}


def write(tmp_path, files):
    d = tmp_path / "m"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text)
    return d


def sandbox_target(store: Store, url: str = "http://sandbox.test/v1") -> Target:
    return Target(url, None, KEY, transport=httpx.ASGITransport(app=SandboxApp(store)))


def calls(store: Store) -> Counter:
    return Counter(f"{r['method']} {r['path']}" for r in store.requests())


def test_same_plan_and_same_reads_as_loading_first(tmp_path):
    d = write(tmp_path, FILES)
    store = Store(make_db(tmp_path / "s.db"))
    target = sandbox_target(store)
    expected = make_plan(load_manifests(d, variables={"p": "legacy-ocr"}), target)
    reads = calls(store)
    store.clear_requests()

    seen_at_load: list[Counter] = []
    manifests, got_target, plan = load_and_plan(
        ManifestLoad(d, variables={"p": "legacy-ocr"}), lambda m: seen_at_load.append(calls(store)) or target, target
    )

    assert got_target == target and manifests.desired.projects.keys() == {"street-signs", "brand-new", "legacy-ocr"}
    assert plan.to_json() == expected.to_json()
    assert calls(store) == reads  # nothing read twice, nothing extra
    assert reads["GET /v1/studio/projects/street-signs/groups"] == 1
    assert reads["GET /v1/studio/projects/legacy-ocr/groups"] == 1
    assert "GET /v1/studio/projects/brand-new/groups" not in reads  # it does not exist live
    # The plain file's reads went out before the load finished; the interpolated one's did not.
    early = seen_at_load[0]
    assert early["GET /v1/projects"] == 1 and early["GET /v1/studio/projects/street-signs/groups"] == 1
    assert early["GET /v1/teams"] == early["GET /v1/studio/assignments"] == early["GET /v1/studio/batches"] == 1
    assert early["GET /v1/studio/projects/legacy-ocr/groups"] == 0


def test_load_errors_win_and_early_reads_are_cancelled(tmp_path):
    d = write(tmp_path, {**FILES, "z-bad.yaml": "projects:\n  x: {type: 3}\n"})
    store = Store(make_db(tmp_path / "s.db"))
    target = replace(sandbox_target(store), api_key="wrong-key")  # every read would fail with 401
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unretrieved task exception would warn
        with pytest.raises(ScaleformError) as exc:
            load_and_plan(ManifestLoad(d, variables={"p": "legacy-ocr"}), lambda m: target, target)
    assert "z-bad.yaml:2" in str(exc.value)
    assert calls(store)["GET /v1/projects"] <= 1  # it may have gone out; the error is still the load's


def test_a_different_final_target_discards_early_reads(tmp_path):
    d = write(tmp_path, FILES)
    early_store = Store(make_db(tmp_path / "early.db"))
    final_store = Store(make_db(tmp_path / "final.db"))
    early, final = sandbox_target(early_store), sandbox_target(final_store, "http://other.test/v1")
    _, got, plan = load_and_plan(ManifestLoad(d, variables={"p": "legacy-ocr"}), lambda m: final, early)
    assert got is final and plan.target["api_url"] == "http://other.test/v1"
    # The plan's every read came from the final account.
    final_reads = calls(final_store)
    assert final_reads["GET /v1/projects"] == 1 and final_reads["GET /v1/studio/projects/street-signs/groups"] == 1


def test_without_an_early_target_nothing_is_read_before_the_load(tmp_path):
    d = write(tmp_path, FILES)
    store = Store(make_db(tmp_path / "s.db"))
    target = sandbox_target(store)
    seen: list[int] = []
    load_and_plan(
        ManifestLoad(d, variables={"p": "legacy-ocr"}), lambda m: seen.append(len(store.requests())) or target, None
    )
    assert seen == [0] and len(store.requests()) > 0
