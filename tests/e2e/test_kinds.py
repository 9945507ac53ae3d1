"""Each managed kind against the demo sandbox: create, update, remove and no-op.

Demo account: admin@acme.ai (admin); ana, raj (member); li, zoe (labeler); old (disabled);
bo (invited labeler), max (invited member). street-signs: labelers li, zoe; group night-shift
[li, zoe]. legacy-ocr: labeler zoe; group ocr-team [zoe]. Pending batches, in priority order:
legacy-ocr-batch1 (staging), street-signs-2026-10 (in progress, groups [night-shift]).
"""

from __future__ import annotations

import sqlite3

import pytest

from helpers import cli, make_db, plan_json, write_manifest

STREET = """
  street-signs:
    type: imageannotation
    studio: true
"""


@pytest.fixture
def db(tmp_path):
    return make_db(tmp_path / "demo.db", "demo")


def converge(db, manifests) -> dict:
    """Plan, apply, and check the next plan is empty. Returns the first plan."""
    first = plan_json(db, manifests)
    result = cli("apply", str(manifests), "--sandbox", str(db), "--auto-approve")
    assert result.exit_code == 0, result.output
    again = plan_json(db, manifests)
    assert again["changes"] == [] and again["deferred"] == [], again["changes"] + again["deferred"]
    return first


def changes(plan: dict) -> list[tuple[str, str]]:
    return [(c["action"], c["address"]) for c in plan["changes"]]


def ops(plan: dict) -> list[tuple[str, str]]:
    return [(o["method"], o["path"]) for o in plan["operations"]]


# ---- team ---------------------------------------------------------------------------------------


def test_team_invite_role_change_reenable_and_noop(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        """\
        team:
          managers: [ana@acme.ai]
          members: [raj@acme.ai, new@acme.ai]
          labelers: [li@acme.ai, zoe@acme.ai, old@acme.ai]
        """,
    )
    plan = converge(db, m)
    assert changes(plan) == [
        ("update", "team.member[ana@acme.ai]"),
        ("create", "team.member[new@acme.ai]"),
        ("update", "team.member[old@acme.ai]"),
    ]
    assert ops(plan) == [("POST", "/teams/invite"), ("POST", "/teams/set_role"), ("POST", "/teams/set_role")]
    bodies = {o["body"]["team_role"]: o["body"]["emails"] for o in plan["operations"] if o["path"].endswith("set_role")}
    assert bodies == {"manager": ["ana@acme.ai"], "labeler": ["old@acme.ai"]}
    text = cli("plan", str(m), "--sandbox", str(db)).stdout
    assert "No changes." in text
    assert "team.member[max@acme.ai]" in text  # undeclared: unmanaged, never removed


def test_role_downgrade_is_shown(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "team:\n  labelers: [raj@acme.ai]\n")
    text = cli("plan", str(m), "--sandbox", str(db)).stdout
    assert 'role: "member" -> "labeler" (downgrade)' in text


def test_expired_invitation_is_sent_again(db, tmp_path):
    con = sqlite3.connect(str(db))
    con.execute("UPDATE team SET expiry='2020-01-01T00:00:00.000Z' WHERE email='bo@acme.ai'")
    con.commit()
    con.close()
    m = write_manifest(tmp_path / "m.yaml", "team:\n  labelers: [bo@acme.ai]\n")
    plan = converge(db, m)
    assert changes(plan) == [("create", "team.member[bo@acme.ai]")]
    assert "expired" in plan["changes"][0]["reason"]


def test_invited_role_mismatch_warns(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "team:\n  labelers: [max@acme.ai]\n")
    plan = plan_json(db, m)
    assert plan["changes"] == []
    assert any("max@acme.ai was invited as a non-labeler" in w for w in plan["warnings"])


def test_admin_under_another_role_is_an_error(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "team:\n  managers: [admin@acme.ai]\n")
    result = cli("plan", str(m), "--sandbox", str(db))
    assert result.exit_code == 1
    assert f"{m.as_posix()}:2:14: admin@acme.ai is the account admin" in result.stderr
    assert "Traceback" not in result.output


# ---- projects -----------------------------------------------------------------------------------


def test_new_project_is_four_adds_in_two_calls(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        """\
        projects:
          "cats / EU":
            type: imageannotation
            studio: true
            params: {instruction: Box the cats}
            ontology: {name: v1, choices: [cat, {choice: kitten, subchoices: [tabby]}]}
            pipeline: {type: consensus_task, consensus_attempts: 2}
        """,
    )
    plan = converge(db, m)
    assert sorted(changes(plan)) == [
        ("create", "project[cats / EU]"),
        ("create", "project[cats / EU].ontology"),
        ("create", "project[cats / EU].params"),
        ("create", "project[cats / EU].pipeline"),
    ]
    assert ops(plan) == [("POST", "/projects"), ("POST", "/projects/cats%20%2F%20EU/setOntology")]
    create = plan["operations"][0]["body"]
    assert create == {
        "type": "imageannotation",
        "name": "cats / EU",
        "params": {"instruction": "Box the cats"},
        "rapid": False,
        "studio": True,
        "pipeline": "consensus_task",
        "consensus_attempts": 2,
    }


def test_params_ontology_pipeline_updates(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "projects:"
        + STREET
        + """\
    params:
      instruction: Draw a box around every traffic sign.
      geometries: {box: {objects_to_annotate: [stop_sign], min_height: 10, min_width: 10}}
    ontology: {name: v2, choices: [stop_sign, {choice: yield_sign, subchoices: [faded, occluded]}]}
    pipeline: {type: consensus_task, consensus_attempts: 5}
""",
    )
    plan = converge(db, m)
    assert changes(plan) == [
        ("update", "project[street-signs].ontology"),
        ("update", "project[street-signs].params"),
        ("update", "project[street-signs].pipeline"),
    ]
    assert ops(plan) == [
        ("POST", "/projects/street-signs/setOntology"),
        ("POST", "/projects/street-signs/setParams"),
        ("POST", "/projects/street-signs/updatePipelineConfig"),
    ]
    params = next(o for o in plan["operations"] if o["path"].endswith("setParams"))["body"]
    assert params["patch"] is False and params["geometries"]["box"]["objects_to_annotate"] == ["stop_sign"]
    text = cli("plan", str(m), "--sandbox", str(db)).stdout
    assert "No changes." in text


def test_params_diff_is_field_level(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "projects:"
        + STREET
        + """\
    params:
      instruction: Draw a box around every traffic sign.
      geometries: {box: {objects_to_annotate: [stop_sign, yield_sign], min_height: 12, min_width: 10}}
""",
    )
    text = cli("plan", str(m), "--sandbox", str(db)).stdout
    assert "~ params.geometries.box.min_height: 10 -> 12" in text
    assert "instruction" not in text.split("project[street-signs].params")[1].split("\n\n")[0]


def test_ontology_bare_string_equals_choice_object(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "projects:"
        + STREET
        + """\
    ontology: {name: renamed, choices: [{choice: stop_sign}, {choice: yield_sign, subchoices: [{choice: faded}]}]}
""",
    )
    assert plan_json(db, m)["changes"] == []  # the name only labels a version a change creates


def test_immutable_type_change_is_a_located_error(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "projects:\n  street-signs:\n    type: transcription\n")
    result = cli("plan", str(m), "--sandbox", str(db))
    assert result.exit_code == 1
    assert f"{m.as_posix()}:3:11: project 'street-signs' is live as type 'imageannotation'" in result.stderr


def test_project_noop_and_undeclared_untouched(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "projects:" + STREET)
    plan = plan_json(db, m)
    assert (
        plan["changes"] == []
        and {"address": "project[legacy-ocr]", "reason": "not declared in the manifests"} in plan["unmanaged"]
    )


# ---- labelers and groups ------------------------------------------------------------------------


def test_labeler_add_and_remove_with_group_collateral(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "projects:" + STREET + "    labelers: [li@acme.ai, raj@acme.ai]\n")
    plan = converge(db, m)
    assert changes(plan) == [
        ("create", "project[street-signs].labeler[raj@acme.ai]"),
        ("delete", "project[street-signs].group[night-shift].member[zoe@acme.ai]"),
        ("delete", "project[street-signs].labeler[zoe@acme.ai]"),
    ]
    # group removal (phase 6) runs before the unassignment (phase 9)
    assert [o["phase"] for o in plan["operations"]] == [5, 6, 9]
    assert plan["operations"][1]["body"] == {"add_emails": [], "remove_emails": ["zoe@acme.ai"]}


def test_labeler_who_is_nobody_is_an_error(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "projects:" + STREET + "    labelers: [li@acme.ai, ghost@acme.ai]\n")
    result = cli("plan", str(m), "--sandbox", str(db))
    assert result.exit_code == 1 and "ghost@acme.ai is not a teammate" in result.stderr
    assert f"{m.as_posix()}:5:28" in result.stderr


def test_groups_create_update_noop(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "projects:"
        + STREET
        + """\
    labelers: [li@acme.ai, zoe@acme.ai, raj@acme.ai]
    groups:
      night-shift: [li@acme.ai, raj@acme.ai]
      day-shift: [zoe@acme.ai, raj@acme.ai]
""",
    )
    plan = converge(db, m)
    assert changes(plan) == [
        ("create", "project[street-signs].labeler[raj@acme.ai]"),
        ("create", "project[street-signs].group[day-shift]"),
        ("create", "project[street-signs].group[day-shift].member[raj@acme.ai]"),
        ("create", "project[street-signs].group[day-shift].member[zoe@acme.ai]"),
        ("create", "project[street-signs].group[night-shift].member[raj@acme.ai]"),
        ("delete", "project[street-signs].group[night-shift].member[zoe@acme.ai]"),
    ]
    assert ops(plan) == [
        ("POST", "/studio/assignments/add"),
        ("POST", "/studio/projects/street-signs/groups"),
        ("PUT", "/studio/projects/street-signs/groups/night-shift"),
    ]


def test_group_member_not_assigned_live_is_an_error(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "projects:" + STREET + "    groups:\n      g: [raj@acme.ai]\n")
    result = cli("plan", str(m), "--sandbox", str(db))
    assert result.exit_code == 1 and "raj@acme.ai is in group 'g' but is not assigned" in result.stderr


def test_pending_labelers_are_deferred_then_completed(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        "team:\n  labelers: [bo@acme.ai, li@acme.ai, zoe@acme.ai, kim@acme.ai]\n"
        "projects:" + STREET + "    labelers: [li@acme.ai, zoe@acme.ai, bo@acme.ai, kim@acme.ai]\n"
        "    groups:\n      night-shift: [li@acme.ai, zoe@acme.ai]\n      newbies: [bo@acme.ai, kim@acme.ai]\n",
    )
    plan = plan_json(db, m)
    assert changes(plan) == [("create", "team.member[kim@acme.ai]")]
    deferred = sorted(d["address"] for d in plan["deferred"])
    assert deferred == [
        "project[street-signs].group[newbies]",
        "project[street-signs].group[newbies].member[bo@acme.ai]",
        "project[street-signs].group[newbies].member[kim@acme.ai]",
        "project[street-signs].labeler[bo@acme.ai]",
        "project[street-signs].labeler[kim@acme.ai]",
    ]
    assert cli("apply", str(m), "--sandbox", str(db), "--auto-approve").exit_code == 0
    assert cli("plan", str(m), "--sandbox", str(db), "--detailed-exitcode").exit_code == 2
    assert cli("sandbox", "accept-invites", "--db", str(db), "bo@acme.ai").exit_code == 0
    plan = plan_json(db, m)
    assert ("create", "project[street-signs].group[newbies]") in changes(plan)
    assert sorted(d["address"] for d in plan["deferred"]) == [
        "project[street-signs].group[newbies].member[kim@acme.ai]",
        "project[street-signs].labeler[kim@acme.ai]",
    ]
    assert cli("apply", str(m), "--sandbox", str(db), "--auto-approve").exit_code == 0
    cli("sandbox", "accept-invites", "--db", str(db))
    assert cli("apply", str(m), "--sandbox", str(db), "--auto-approve").exit_code == 0
    assert cli("plan", str(m), "--sandbox", str(db), "--detailed-exitcode").exit_code == 0


# ---- batches ------------------------------------------------------------------------------------


def test_new_batch_is_three_adds(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        """\
        batches:
          signs-nov:
            project: street-signs
            create: true
            finalize: true
            groups: [night-shift, li@acme.ai]
        """,
    )
    plan = converge(db, m)
    assert changes(plan) == [
        ("create", "batch[signs-nov]"),
        ("create", "batch[signs-nov].status"),
        ("create", "batch[signs-nov].groups"),
    ]
    assert ops(plan) == [
        ("POST", "/batches"),
        ("POST", "/batches/signs-nov/finalize"),
        ("PUT", "/studio/batches/signs-nov"),
    ]


def test_finalize_groups_update_and_warnings(db, tmp_path):
    m = write_manifest(
        tmp_path / "m.yaml",
        """\
        batches:
          legacy-ocr-batch1: {project: legacy-ocr, finalize: true, groups: [ocr-team]}
          street-signs-2026-10: {project: street-signs, groups: [li@acme.ai]}
          gone-batch: {project: street-signs, groups: [night-shift]}
        """,
    )
    plan = converge(db, m)
    assert changes(plan) == [
        ("update", "batch[legacy-ocr-batch1].status"),
        ("update", "batch[legacy-ocr-batch1].groups"),
        ("update", "batch[street-signs-2026-10].groups"),
    ]
    # A batch that does not exist gets one warning, and it says how to create it.
    gone = [w for w in plan["warnings"] if "gone-batch" in w]
    assert gone == [
        "batch 'gone-batch' does not exist; add `create: true` to create it (nothing is planned for it now)"
    ]


def test_batch_of_unknown_project_is_an_error(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", "batches:\n  b: {project: nowhere, create: true}\n")
    result = cli("plan", str(m), "--sandbox", str(db))
    assert result.exit_code == 1 and "neither declared nor live" in result.stderr
    assert f"{m.as_posix()}:2:16: batch 'b' belongs to project 'nowhere'" in result.stderr


# ---- priority -----------------------------------------------------------------------------------


def test_priority_patterns_one_call(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", 'batch_priority: ["street-*"]\n')
    plan = converge(db, m)
    assert changes(plan) == [("update", "studio.batch_priority")]
    assert plan["operations"][0]["body"] == {
        "batches": [{"name": "street-signs-2026-10"}, {"name": "legacy-ocr-batch1"}]
    }


def test_priority_default_resets(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", 'batch_priority: ["street-*"]\n')
    converge(db, m)
    m2 = write_manifest(tmp_path / "d.yaml", "batch_priority: default\n")
    plan = converge(db, m2)
    assert ops(plan) == [("POST", "/studio/batches/reset_priorities")]
    assert plan_json(db, m2)["changes"] == []


def test_priority_already_in_order_is_noop(db, tmp_path):
    m = write_manifest(tmp_path / "m.yaml", 'batch_priority: ["legacy-*", "street-*"]\n')
    assert plan_json(db, m)["changes"] == []
