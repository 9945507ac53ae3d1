"""Trust boundaries (DESIGN §9) end to end: nothing a pull request writes (manifests, a saved plan)
or the network supplies (live names, API answers) steers the key or the writes."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from helpers import ROOT, Listener, cli, make_db, served, write_manifest, writes
from scaleform.manifest.environments import Environment
from scaleform.target import resolve_target

QUICKSTART = ROOT / "examples" / "quickstart"
KEY = "Live_Distinctive_Key_4242"


def _saved(tmp_path: Path, db: Path, *flags: str) -> Path:
    out = tmp_path / "p.json"
    made = cli("plan", str(QUICKSTART), "--out", str(out), *flags, env={"SCALE_API_KEY": "test_sandbox"})
    assert made.exit_code == 0, made.output
    return out


def _edit(plan: Path, edit) -> None:
    data = json.loads(plan.read_text())
    edit(data)
    plan.write_text(json.dumps(data))


def _op(data: dict, path: str) -> dict:
    return next(o for o in data["operations"] if o["path"] == path)


@pytest.mark.parametrize(
    "path",
    ["{listener}/v1/teams/invite", "//{host}/v1/teams/invite", "/teams/../../teams/invite", "/teams/%2e%2e/invite"],
)
def test_a_plan_whose_path_leaves_the_target_is_refused_and_nothing_reaches_the_listener(tmp_path, path):
    db = make_db(tmp_path / "s.db", "demo")
    with served(db) as url, Listener() as listener:
        plan = _saved(tmp_path, db, "--api-url", url)
        host = listener.url.removeprefix("http://")
        _edit(plan, lambda d: _op(d, "/teams/invite").update(path=path.format(listener=listener.url, host=host)))
        result = cli("apply", "--plan", str(plan), "--api-url", url, env={"SCALE_API_KEY": "test_sandbox"})
        assert result.exit_code == 1
        assert "Nothing was sent" in result.stderr
        assert listener.requests == []
        assert writes(db) == []


@pytest.mark.parametrize(
    "edit, says",
    [
        (lambda d: _op(d, "/teams/set_role")["body"].update(emails=["raj@acme.ai"]), "its body differs"),
        (lambda d: _op(d, "/teams/set_role").update(method="PUT"), "its method differs"),
        (
            lambda d: d["operations"].append(
                {**_op(d, "/teams/set_role"), "body": {"emails": ["raj@acme.ai"], "team_role": "manager"}}
            ),
            "adds an operation",
        ),
        (lambda d: d["operations"].pop(0), "differs"),
        (lambda d: d["operations"].pop(), "lacks an operation"),
    ],
)
def test_an_edited_plan_is_refused_before_any_request(tmp_path, edit, says):
    db = make_db(tmp_path / "s.db", "demo")
    plan = _saved(tmp_path, db, "--sandbox", str(db))
    con = sqlite3.connect(str(db))
    con.execute("DELETE FROM requests")
    con.commit()
    con.close()
    _edit(plan, edit)
    result = cli("apply", "--plan", str(plan))
    assert result.exit_code == 1 and says in result.stderr and "Traceback" not in result.output
    from helpers import request_log

    assert request_log(db) == []  # not even the staleness read


def test_a_malformed_plan_is_a_schema_error_before_any_request(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    plan = _saved(tmp_path, db, "--sandbox", str(db))
    _edit(plan, lambda d: _op(d, "/teams/set_role").update(body="not an object", extra=1))
    result = cli("apply", "--plan", str(plan))
    assert result.exit_code == 1 and "does not match schemas/plan.schema.json at operations[1]" in result.stderr
    assert writes(db) == []


def test_show_renders_every_call_apply_will_send(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    plan = _saved(tmp_path, db, "--sandbox", str(db))
    data = json.loads(plan.read_text())
    shown = cli("show", str(plan))
    assert shown.exit_code == 0
    for i, op in enumerate(data["operations"], 1):
        body = "" if op["body"] is None else " " + json.dumps(op["body"], sort_keys=True, ensure_ascii=False)
        assert f"  {i}. [phase {op['phase']}] {op['method']} {op['path']}{body}\n" in shown.stdout


def _env_manifest(tmp_path: Path, api_url: str, key_env: str = "SCALE_PROD_KEY") -> Path:
    return write_manifest(
        tmp_path / "m" / "m.yaml",
        f"""\
        environments:
          production: {{api_url: "{api_url}", api_key_env: {key_env}}}
        projects:
          signs: {{type: imageannotation}}
        """,
    ).parent


def test_a_manifest_url_off_the_providers_is_refused_and_the_key_goes_nowhere(tmp_path):
    # The listener is reached only through the proxy that httpx honours, so any request for
    # evil.test, the manifest's host, would land there.
    with Listener() as listener:
        proxy = {"HTTP_PROXY": listener.url, "HTTPS_PROXY": listener.url, "NO_PROXY": "", "SCALE_PROD_KEY": KEY}
        m = _env_manifest(tmp_path, "http://evil.test/v1")
        refused = cli("plan", str(m), "-e", "production", "--insecure-http", env=proxy)
        assert refused.exit_code == 1
        assert "--api-url" in refused.stderr and "SCALE_API_URL" in refused.stderr and "m.yaml:2:" in refused.stderr
        assert listener.requests == []
        chosen = cli(
            "plan", str(m), "-e", "production", "--api-url", "http://evil.test/v1", "--insecure-http", env=proxy
        )
        assert chosen.exit_code in (0, 1)  # the operator's choice is used, whatever answers there
        assert listener.requests and listener.requests[0][1].startswith("http://evil.test/v1/")


def test_a_loopback_or_official_manifest_url_is_accepted():
    for url in ("http://127.0.0.1:9/v1", "http://localhost:9/v1", "https://api.refonte.com/v1"):
        env = Environment("e", api_url=url, api_key_env="SCALE_K")
        assert resolve_target(env, env={"SCALE_K": "k"}).api_url == url


def test_flags_and_the_process_environment_win_over_the_manifest():
    env = Environment("e", api_url="https://evil.test/v1", api_key_env="SCALE_K")
    assert resolve_target(env, provider="scale", env={"SCALE_K": "k"}).api_url == "https://api.scale.com/v1"
    assert (
        resolve_target(env, env={"SCALE_K": "k", "SCALE_API_URL": "https://api.refonte.com/v1"}).api_url
        == "https://api.refonte.com/v1"
    )


def test_api_key_env_must_name_a_scale_or_refonte_variable(tmp_path):
    m = _env_manifest(tmp_path, "https://api.scale.com/v1", key_env="GITHUB_TOKEN")
    result = cli("validate", str(m), "-e", "production")
    assert result.exit_code == 1 and "m.yaml:2:" in result.stderr and "SCALE_ or REFONTE_" in result.stderr
    planned = cli("plan", str(m), "-e", "production", env={"GITHUB_TOKEN": KEY})
    assert planned.exit_code == 1 and KEY not in planned.output


@pytest.mark.parametrize("where", ["flag", "manifest"])
def test_a_confusable_host_is_refused(tmp_path, where):
    confusable = "https://api.sc\u0430le.com/v1"  # a Cyrillic а
    with Listener() as listener:
        proxy = {
            "HTTP_PROXY": listener.url,
            "HTTPS_PROXY": listener.url,
            "NO_PROXY": "",
            "SCALE_API_KEY": KEY,
            "SCALE_PROD_KEY": KEY,
        }
        if where == "flag":
            result = cli("plan", str(QUICKSTART), "--api-url", confusable, env=proxy)
        else:
            result = cli("plan", str(_env_manifest(tmp_path, confusable)), "-e", "production", env=proxy)
        assert result.exit_code == 1 and "\\u0430" in result.stderr and "non-ASCII" in result.stderr
        assert listener.requests == []


@pytest.mark.parametrize(
    "section, text",
    [
        ("project", "projects:\n  '..': {type: imageannotation}\n"),
        ("group", "projects:\n  p: {type: imageannotation, groups: {'.': []}}\n"),
        ("batch", "batches:\n  '..': {project: p}\n"),
        ("template", "templates:\n  '.': {type: imageannotation}\n"),
        ("people set", "people:\n  '..': [a@b.co]\n"),
        ("interpolated project", "projects:\n  '${var.x}': {type: imageannotation}\n"),
    ],
)
def test_dot_names_are_located_validate_errors(tmp_path, section, text):
    m = write_manifest(tmp_path / "n.yaml", text)
    result = cli("validate", str(m), "--var", "x=..")
    assert result.exit_code == 1
    assert "n.yaml:" in result.stderr and "is not a valid name" in result.stderr


def test_long_and_control_character_names_are_refused(tmp_path):
    m = write_manifest(
        tmp_path / "n.yaml",
        f'projects:\n  "{"p" * 201}": {{type: imageannotation}}\n  "a\\x1bb": {{type: imageannotation}}\n',
    )
    result = cli("validate", str(m))
    assert result.exit_code == 1 and result.stderr.count("is not a valid name") == 2
    assert "\x1b" not in result.output and "a\\x1bb" in result.stderr


def _with_dot_project(db: Path) -> None:
    import httpx

    with served(db) as url:
        for name in (".", "ok"):
            made = httpx.post(
                f"{url}/projects",
                auth=("test_sandbox", ""),
                json={"type": "imageannotation", "name": name, "studio": True, "params": {"instruction": "x"}},
            )
            assert made.status_code == 200, made.text


def test_a_live_project_named_dot_is_skipped_by_export_twin_and_rehearsal(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    _with_dot_project(db)
    exported = cli("export", "--sandbox", str(db), "--out", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    assert "live project '.' cannot be addressed safely" in exported.stderr
    assert (tmp_path / "out" / "projects" / "ok.yaml").exists()
    assert cli("plan", str(tmp_path / "out"), "--sandbox", str(db)).stdout.endswith(
        "No changes. The account matches the manifests.\n"
    )
    with served(db) as url:
        twin = cli(
            "sandbox",
            "init",
            "--from-account",
            "--api-url",
            url,
            "--db",
            str(tmp_path / "twin.db"),
            env={"SCALE_API_KEY": "test_sandbox"},
        )
        assert twin.exit_code == 0, twin.output
        assert "live project '.' cannot be addressed safely" in twin.output
    rehearsed = cli("plan", str(QUICKSTART), "--sandbox", str(db), "--rehearse")
    assert rehearsed.exit_code == 0, rehearsed.output
    assert "Warning: live project '.' cannot be addressed safely" in rehearsed.stdout
    assert "rehearsal: 12 calls applied cleanly" in rehearsed.stdout


def _forms(key: str) -> list[str]:
    return [
        key,
        base64.b64encode(f"{key}:".encode()).decode(),
        quote(key + "/+", safe="")[:-6],
        key.lower(),
        key.upper(),
    ]


def test_every_form_of_the_key_echoed_by_an_api_error_is_redacted(tmp_path):
    key = "Live/Key+With=Odd+Chars_77"
    echoed = " | ".join(
        [key, base64.b64encode(f"{key}:".encode()).decode(), quote(key, safe=""), key.lower(), key.swapcase()]
    )
    body = json.dumps({"error": f"bad request from {echoed}"})
    with Listener(status=400, body=body) as listener:
        result = cli("plan", str(QUICKSTART), "--api-url", listener.url + "/v1", "-v", env={"SCALE_API_KEY": key})
        out = tmp_path / "p.md"
        markdown = cli(
            "plan",
            str(QUICKSTART),
            "--api-url",
            listener.url + "/v1",
            "--format",
            "markdown",
            env={"SCALE_API_KEY": key},
        )
    assert result.exit_code == 1 and markdown.exit_code == 1
    assert "bad request from *** | *** | *** | *** | ***" in result.stderr
    for text in (result.output, markdown.output):
        for form in (
            key,
            base64.b64encode(f"{key}:".encode()).decode(),
            quote(key, safe=""),
            key.lower(),
            key.swapcase(),
            quote(key, safe="").lower(),
        ):
            assert form not in text
    assert not out.exists()


def test_a_plan_targeting_a_foreign_sqlite_file_is_refused_and_the_file_untouched(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    plan = _saved(tmp_path, db, "--sandbox", str(db))
    foreign = tmp_path / "app.sqlite"
    con = sqlite3.connect(str(foreign))
    con.execute("CREATE TABLE users (name TEXT)")
    con.execute("INSERT INTO users VALUES ('ana')")
    con.commit()
    con.close()
    before = hashlib.sha256(foreign.read_bytes()).hexdigest()
    _edit(plan, lambda d: d["target"].update(api_url=f"sandbox:{foreign}"))
    result = cli("apply", "--plan", str(plan))
    assert result.exit_code == 1 and "not an existing scaleform sandbox database" in result.stderr
    assert hashlib.sha256(foreign.read_bytes()).hexdigest() == before
    missing = tmp_path / "nothing.db"
    _edit(plan, lambda d: d["target"].update(api_url=f"sandbox:{missing}"))
    assert cli("apply", "--plan", str(plan)).exit_code == 1 and not missing.exists()
    flagged = cli("plan", str(QUICKSTART), "--sandbox", str(foreign))
    assert flagged.exit_code == 1 and "is not a scaleform sandbox database" in flagged.stderr
    assert hashlib.sha256(foreign.read_bytes()).hexdigest() == before


def test_control_sequences_in_a_plan_file_never_reach_the_terminal(tmp_path):
    from dataclasses import replace as _replace

    from scaleform.plan_file import read_plan
    from scaleform.render.text import render_text

    db = make_db(tmp_path / "s.db", "demo")
    plan = _saved(tmp_path, db, "--sandbox", str(db))
    hide = "\x1b[2J\x1b[HNo changes. The account matches the manifests.\x1b[8m\u202e\x9b"
    _edit(plan, lambda d: d.update(warnings=[hide]))
    shown = cli("show", str(plan))
    assert shown.exit_code == 0 and "\x1b" not in shown.output and "\u202e" not in shown.output
    assert "\\x1b[2J" in shown.stdout and "API calls apply will send" in shown.stdout
    colored = render_text(_replace(read_plan(str(plan))), color=True)
    assert set(part.split("m", 1)[0] for part in colored.split("\x1b")[1:]) <= {"[32", "[33", "[31", "[0"}


def test_a_change_with_an_action_its_kind_never_has_is_refused(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    plan = _saved(tmp_path, db, "--sandbox", str(db))

    def delete_the_project(d: dict) -> None:
        next(c for c in d["changes"] if c["address"] == "project[receipts]")["action"] = "delete"

    _edit(plan, delete_the_project)
    for command in (("show", str(plan)), ("apply", "--plan", str(plan))):
        result = cli(*command)
        assert result.exit_code == 1 and "'delete' is not an action project changes have" in result.stderr
    assert writes(db) == []


def test_a_change_naming_an_unaddressable_project_is_refused(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    plan = _saved(tmp_path, db, "--sandbox", str(db))
    _edit(
        plan,
        lambda d: d.update(
            changes=[{**c, "address": c["address"].replace("[receipts]", "[..]")} for c in d["changes"]]
        ),
    )
    result = cli("show", str(plan))
    assert result.exit_code == 1 and "change project[..]" in result.stderr


def test_an_edited_safety_record_does_not_switch_the_threshold_off(tmp_path):
    import sqlite3 as _sqlite3

    db = make_db(tmp_path / "big.db", "large", projects=3, members=60, batches=0)
    con = _sqlite3.connect(str(db))
    live = [r[0] for r in con.execute("SELECT email FROM assignments WHERE project='proj-0000' ORDER BY email")]
    con.close()
    keep = live[: int(len(live) * 0.6)]
    m = write_manifest(
        tmp_path / "m.yaml",
        "projects:\n  proj-0000:\n    type: imageannotation\n    labelers: [" + ", ".join(keep) + "]\n",
    )
    plan = tmp_path / "p.json"
    assert cli("plan", str(m), "--sandbox", str(db), "--out", str(plan)).exit_code == 0
    for safety in ({}, {"labeler": {"remove": 0, "live": 10**9}}):
        _edit(plan, lambda d, safety=safety: d.update(safety=safety))
        refused = cli("apply", "--plan", str(plan))
        assert refused.exit_code == 1 and "refusing to apply" in refused.stderr and "--force" in refused.stderr
    assert writes(db) == []


def test_a_name_that_resolves_through_dns_is_not_loopback():
    env = Environment("e", api_url="http://evil.localhost/v1", api_key_env="SCALE_K")
    from scaleform.errors import ScaleformError

    with pytest.raises(ScaleformError, match="neither a provider's official URL nor a loopback address"):
        resolve_target(env, env={"SCALE_K": "k"})


def test_a_live_email_that_is_not_plain_is_skipped_and_never_written(tmp_path):
    import httpx

    db = make_db(tmp_path / "s.db", "demo")
    hostile = 'z\nenvironments:\n  prod: {api_url: "http://127.0.0.1:9/v1"}\n#@x.io'
    with served(db) as url:
        for email in (hostile, "a]b@x.io"):
            made = httpx.post(
                f"{url}/teams/invite", auth=("test_sandbox", ""), json={"emails": [email], "team_role": "labeler"}
            )
            assert made.status_code == 200, made.text
    exported = cli("export", "--sandbox", str(db), "--out", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    assert "environments" not in (tmp_path / "out" / "team.yaml").read_text()
    assert "live teammate 'a]b@x.io' cannot be managed safely" in exported.stderr
    assert cli("validate", str(tmp_path / "out")).exit_code == 0
    planned = cli("plan", str(QUICKSTART), "--sandbox", str(db), "--out", str(tmp_path / "p.json"))
    assert planned.exit_code == 0 and "\\n" not in planned.stdout.split("Warning:")[0]
    assert cli("show", str(tmp_path / "p.json")).exit_code == 0


def test_a_sandbox_target_path_with_a_hash_is_checked_as_written(tmp_path):
    real = make_db(tmp_path / "real", "demo")
    plan = _saved(tmp_path, real, "--sandbox", str(real))
    foreign = tmp_path / "real#.sqlite"
    con = sqlite3.connect(str(foreign))
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    before = hashlib.sha256(foreign.read_bytes()).hexdigest()
    _edit(plan, lambda d: d["target"].update(api_url=f"sandbox:{foreign}"))
    assert cli("apply", "--plan", str(plan)).exit_code == 1
    assert hashlib.sha256(foreign.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("name", ["a\u202eb", "c\x85d", "e\u2066f"])
def test_bidirectional_and_c1_controls_are_not_names(tmp_path, name):
    m = tmp_path / "n.yaml"
    m.write_text(json.dumps({"projects": {name: {"type": "imageannotation"}}}))
    result = cli("validate", str(m))
    assert result.exit_code == 1 and "is not a valid name" in result.stderr


def test_a_name_with_brackets_cannot_pose_as_another_address(tmp_path):
    m = write_manifest(
        tmp_path / "n.yaml",
        'projects:\n  "street-signs].labeler[bo@acme.ai": {type: imageannotation}\nteam:\n  labelers: ["a]b@x.io"]\n',
    )
    result = cli("validate", str(m))
    assert result.exit_code == 1 and "is not a valid name" in result.stderr and "a]b@x.io" in result.stderr


def test_a_group_someone_else_created_is_reported_never_changed(tmp_path):
    """A group create answered 409 finds the group with other members: the create fails, naming
    them, and nobody is added or removed (the plan showed a create, not those removals). The read
    record is edited so the staleness check lets the plan through, as an edited plan file may."""
    from scaleform.sandbox.store import Store

    db = make_db(tmp_path / "s.db", "empty")
    people = ["u0@acme.ai", "u1@acme.ai", "u2@acme.ai"]
    base = "team:\n  labelers: [{0}]\nprojects:\n  pa: {{type: imageannotation, studio: true, labelers: [{0}]{1}}}\n"
    first = write_manifest(tmp_path / "a" / "m.yaml", base.format(", ".join(people), ""))
    for _ in range(2):  # invite, then assign once the invitations are accepted
        assert cli("apply", str(first), "--sandbox", str(db), "--auto-approve").exit_code == 0
        assert cli("sandbox", "accept-invites", "--db", str(db)).exit_code == 0
    grouped = write_manifest(tmp_path / "b" / "m.yaml", base.format(", ".join(people), ", groups: {g: [u0@acme.ai]}"))
    saved = tmp_path / "p.json"
    assert cli("plan", str(grouped), "--sandbox", str(db), "--out", str(saved)).exit_code == 0
    Store(str(db)).create_group("pa", {"name": "g", "emails": people})

    def weaken(data: dict) -> None:
        data["refresh_scope"]["group_projects"] = []
        data["fingerprints"].pop("project[pa].groups")

    _edit(saved, weaken)
    applied = cli("apply", "--plan", str(saved), "--sandbox", str(db))
    assert applied.exit_code == 1 and "already exists with other members" in applied.stderr, applied.output
    assert not [w for w in writes(db) if w["method"] == "PUT"]
    groups = Store(str(db)).list_groups("pa")
    assert sorted(w["email"] for w in groups[0]["workers"]) == people


def test_export_skips_a_live_name_too_long_to_declare(tmp_path):
    """A live project name of 300 characters can be addressed, but no manifest may declare it:
    export says so and skips it, so what it writes validates."""
    import httpx

    db = make_db(tmp_path / "s.db", "demo")
    long_name = "p" * 300
    with served(db) as url:
        made = httpx.post(
            f"{url}/projects",
            auth=("test_sandbox", ""),
            json={"type": "imageannotation", "name": long_name, "studio": True, "params": {"instruction": "x"}},
        )
        assert made.status_code == 200, made.text
    exported = cli("export", "--sandbox", str(db), "--out", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    assert "has a name of 300 characters, more than the 200 a manifest allows" in exported.stderr
    assert long_name not in "".join(p.read_text() for p in (tmp_path / "out").rglob("*.yaml"))
    checked = cli("validate", str(tmp_path / "out"))
    assert checked.exit_code == 0, checked.output
