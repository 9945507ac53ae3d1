"""The CLI: a thin face. Start-up imports only what a command uses; options parse as documented."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import ROOT, cli

HEAVY = ("starlette", "uvicorn", "deepdiff", "httpx")


def imported_by(*args: str, env: dict | None = None) -> set[str]:
    code = (
        "import sys, runpy; sys.argv = ['scaleform', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('scaleform', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return {line.split(".")[0] for line in result.stderr.splitlines()} | set(result.stderr.splitlines())


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("validate", "--help")])
def test_light_commands_do_not_import_heavy_modules(args):
    modules = imported_by(*args)
    assert "scaleform.cli" in modules  # the probe really ran the command
    assert not (modules & set(HEAVY))


def test_validate_does_not_import_the_server_or_client(root):
    modules = imported_by("validate", str(root / "examples" / "quickstart"))
    assert "scaleform" in modules and not (modules & set(HEAVY))


def test_applying_a_saved_plan_does_not_import_the_manifest_stack(tmp_path, root):
    saved = tmp_path / "p.json"
    assert cli("sandbox", "init", "--db", str(tmp_path / "s.db")).exit_code == 0
    made = cli("plan", str(root / "examples" / "quickstart"), "--sandbox", str(tmp_path / "s.db"), "--out", str(saved))
    assert made.exit_code == 0 and saved.exists()
    modules = imported_by(
        "apply", "--plan", str(saved), "--api-url", "http://127.0.0.1:9/v1", env={"SCALE_API_KEY": "k"}
    )
    assert any(line.startswith("Error: the plan was made for sandbox:") for line in modules)  # it reached the check
    assert "scaleform.apply" in modules and "yaml" not in modules and "scaleform.manifest" not in modules


def test_version_everywhere_names_the_commit():
    from helpers import source_commit
    from scaleform import __version__

    head = source_commit()
    expected = f"scaleform {__version__} (commit {head})" if head else f"scaleform {__version__} (commit unknown)"
    assert cli("--version").stdout.strip() == expected
    assert cli("plan", "--version").stdout.strip() == expected


def test_bad_flag_is_a_usage_error_without_traceback():
    result = cli("plan", "--parallelism", "0")
    assert result.exit_code == 1 and "Traceback" not in result.output and "--parallelism" in result.output


def test_a_mistyped_flag_under_detailed_exitcode_exits_1_not_2():
    # 2 means "changes" to a drift check; a usage error must never look like drift
    result = subprocess.run(
        [sys.executable, "-m", "scaleform", "plan", "--detailed-exitcode", "--formt", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "--formt" in result.stderr and "Traceback" not in result.stderr


def test_a_named_sandbox_must_exist_and_the_default_is_announced(tmp_path, root, monkeypatch):
    monkeypatch.chdir(tmp_path)
    typo = cli("plan", str(root / "examples" / "quickstart"), "--sandbox", "typo.db")
    assert typo.exit_code == 1 and "scaleform sandbox init --db typo.db" in typo.output
    assert not (tmp_path / "typo.db").exists()
    first = cli("plan", str(root / "examples" / "quickstart"), "--sandbox")
    assert first.exit_code == 0 and "Created the default sandbox .scaleform/sandbox.db" in first.stderr
    again = cli("plan", str(root / "examples" / "quickstart"), "--sandbox")
    assert "Created the default sandbox" not in again.stderr


def test_a_missing_base_means_every_change_is_introduced(tmp_path, root):
    db = tmp_path / "s.db"
    assert cli("sandbox", "init", "--db", str(db)).exit_code == 0
    out = tmp_path / "p.json"
    result = cli(
        "plan",
        str(root / "examples" / "quickstart"),
        "--sandbox",
        str(db),
        "--base-manifests",
        str(tmp_path / "absent"),
        "--out",
        str(out),
    )
    assert result.exit_code == 0 and "every change counts as introduced" in result.stderr
    assert f"scaleform apply --plan {out}" in result.stderr
    import json

    changes = json.loads(out.read_text())["changes"]
    assert changes and {c["classification"] for c in changes} == {"introduced"}


def test_sandbox_flag_takes_only_a_database(tmp_path, root, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default sandbox DB is created under the working directory
    db = tmp_path / "x.db"
    result = cli("plan", "--sandbox", str(root / "examples" / "quickstart"), "--format", "json")
    # the directory was taken as PATH and the default sandbox as the account
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".scaleform" / "sandbox.db").exists()
    assert cli("sandbox", "init", "--db", str(db)).exit_code == 0
    result = cli("plan", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--format", "json")
    assert result.exit_code == 0 and db.exists()


@pytest.mark.parametrize("manifest", ["projects:\n  p: {type: imageannotation}\n", "projects:\n  p: {type: 3}\n"])
def test_the_cyclic_collector_is_off_while_loading_and_back_on_after(tmp_path, manifest, monkeypatch):
    import gc

    from scaleform.manifest import ManifestLoad

    (tmp_path / "m.yaml").write_text(manifest)
    assert cli("sandbox", "init", "--db", str(tmp_path / "s.db")).exit_code == 0
    seen: list[bool] = []
    real = ManifestLoad.read

    def spy(self):
        seen.append(gc.isenabled())
        return real(self)

    monkeypatch.setattr(ManifestLoad, "read", spy)
    result = cli("plan", str(tmp_path), "--sandbox", str(tmp_path / "s.db"))
    assert result.exit_code in (0, 1, 2) and seen and not any(seen)  # off while loading (valid or not)
    assert gc.isenabled()


def test_deepdiff_is_imported_only_to_render_an_update(tmp_path, root):
    db = tmp_path / "s.db"
    assert cli("sandbox", "init", "--db", str(db)).exit_code == 0
    # The demo account differs from the quickstart's params: rendering that update needs deepdiff.
    shown = imported_by("plan", str(root / "examples" / "quickstart"), "--sandbox", str(db))
    assert "deepdiff" in shown
    # Validating the same manifests renders no diff.
    assert "deepdiff" not in imported_by("validate", str(root / "examples" / "quickstart"))


@pytest.mark.parametrize("group", [(), ("sandbox",)])
def test_help_never_cuts_a_command_summary_short(group):
    result = cli(*group, "--help")
    commands = result.output.split("Commands:", 1)[1]
    assert result.exit_code == 0 and "..." not in commands


@pytest.mark.parametrize(
    "command,own",
    [
        ("init", ["--fixture", "--from-account", "--api-url", "-e, --environment"]),
        ("serve", ["--port", "--fault-rate"]),
        ("accept-invites", ["--db"]),
    ],
)
def test_sandbox_commands_list_only_their_own_options(command, own):
    text = cli("sandbox", command, "--help").output
    assert all(option in text for option in own)
    assert "--no-prune" not in text and "--no-color" not in text and "--target" not in text
    if command != "init":  # only init reads another account (--from-account)
        assert "--api-url" not in text and "--var" not in text


def test_a_sandbox_is_one_file_after_a_command(tmp_path, root):
    # SQLite's write-ahead log is folded back in when the command closes the sandbox, so copying the
    # .db file copies the account as the command left it.
    db = tmp_path / "a.db"
    assert cli("sandbox", "init", "--db", str(db)).exit_code == 0
    assert cli("apply", str(root / "examples" / "quickstart"), "--sandbox", str(db), "--auto-approve").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]
    import shutil

    shutil.copy(db, tmp_path / "b.db")
    plan = cli("plan", str(root / "examples" / "quickstart"), "--sandbox", str(tmp_path / "b.db"))
    assert "Plan: 0 to add, 0 to change, 0 to remove." in plan.stdout


def test_a_missing_sandbox_is_named_before_the_manifests_are_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no manifests here at all
    result = cli("plan", "--sandbox", "typo.db")
    assert result.exit_code == 1 and "sandbox database 'typo.db' does not exist" in result.output


def _commands(group=None, prefix=()):
    from scaleform.cli import main

    group = group or main
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_examples_in_its_help():
    for path, _ in _commands():
        text = cli(*path, "--help").stdout
        assert "Examples:" in text and "  scaleform " in text.split("Examples:")[1], path


NETWORK = ("--api-url", "--provider", "--sandbox", "--parallelism", "--insecure-http")


@pytest.mark.parametrize(
    "path, absent",
    [
        (("validate",), (*NETWORK, "--no-prune")),
        (("render",), (*NETWORK, "--no-prune")),
        (("show",), (*NETWORK, "--no-prune", "--var", "-e,")),
        (("export",), ("--no-prune", "--var ", "--var-file")),
        (("sandbox", "serve"), (*NETWORK, "--no-prune", "-e,")),
        (("sandbox", "init"), ("--no-prune", "--var ")),
    ],
)
def test_no_command_lists_an_option_it_ignores(path, absent):
    text = cli(*path, "--help").stdout
    for option in absent:
        assert option not in text, (path, option)


def test_term_dumb_and_no_color_mean_no_colour(monkeypatch):
    import sys

    from scaleform.cli.options import CommandOptions as Ctx

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert Ctx.from_options().color is True
    monkeypatch.setenv("TERM", "dumb")
    assert Ctx.from_options().color is False


def test_completion_prints_each_shells_script_and_paths_complete(tmp_path):
    for shell in ("bash", "zsh", "fish"):
        result = cli("completion", shell)
        assert result.exit_code == 0 and "_SCALEFORM_COMPLETE" in result.stdout
    from click.shell_completion import ShellComplete

    from scaleform.cli import main

    completions = ShellComplete(main, {}, "scaleform", "_SCALEFORM_COMPLETE").get_completions(["plan"], "ex")
    assert [(c.type, c.value) for c in completions] == [("file", "ex")]


def test_a_sandbox_value_that_is_no_database_next_to_a_path_is_a_usage_error(tmp_path):
    result = cli("plan", str(ROOT / "examples" / "quickstart"), "--sandbox", "mydb")
    assert result.exit_code == 1 and "'mydb' does not look like a database" in result.output
    assert not (tmp_path / "mydb").exists()


def test_the_saved_plan_hint_is_a_command_that_works_for_its_target():
    from scaleform.cli.loading import saved_plan_command

    assert saved_plan_command("sandbox:s.db", "p.json") == "scaleform apply --plan p.json"
    assert saved_plan_command("https://api.scale.com/v1", "p.json") == "scaleform apply --plan p.json"
    assert (
        saved_plan_command("http://127.0.0.1:9/v1", "p.json")
        == "scaleform apply --plan p.json --api-url http://127.0.0.1:9/v1"
    )


@pytest.mark.parametrize(
    "words",
    [
        ("plan", "--sandbox", "exa"),
        ("apply", "--sandbox", ""),
        ("sandbox", "init", "--db", "exa"),
        ("sandbox", "serve", "--db", ""),
    ],
)
def test_sandbox_and_db_values_complete_as_paths(words):
    """`--sandbox exa<TAB>` and `--db exa<TAB>` complete files, as PATH arguments do (bash protocol)."""
    from click.testing import CliRunner

    from scaleform.cli import main

    env = {
        "_SCALEFORM_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(("scaleform", *words)),
        "COMP_CWORD": str(len(words)),
    }
    result = CliRunner().invoke(main, [], env=env, prog_name="scaleform", catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"file,{words[-1]}"]


def test_ctrl_d_at_the_apply_question_is_a_no_not_a_bug(tmp_path, monkeypatch):
    import click

    from helpers import make_db
    from scaleform.cli import apply_command

    def end_of_input() -> None:  # what click.prompt raises when the input ends (Ctrl-D)
        raise click.exceptions.Abort()

    monkeypatch.setattr(apply_command, "_confirm", end_of_input)
    db = make_db(tmp_path / "s.db")
    result = cli("apply", str(ROOT / "examples" / "quickstart"), "--sandbox", str(db))
    assert result.exit_code == 1 and "Aborted." in result.stderr and "bug" not in result.stderr


def test_json_on_a_terminal_cannot_carry_c1_or_bidi_characters(tmp_path):
    import json

    from helpers import make_db

    db = make_db(tmp_path / "s.db")
    saved = tmp_path / "p.json"
    assert cli("plan", str(ROOT / "examples" / "quickstart"), "--sandbox", str(db), "--out", str(saved)).exit_code == 0
    data = json.loads(saved.read_text())
    data["warnings"] = ["x\u009b2J\u202eevil\u0085"]  # a plan file is untrusted input
    saved.write_text(json.dumps(data, ensure_ascii=False))
    shown = cli("show", str(saved), "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert not any(ch in shown.stdout for ch in "\u009b\u202e\u0085")
    assert json.loads(shown.stdout)["warnings"] == ["x\u009b2J\u202eevil\u0085"]
