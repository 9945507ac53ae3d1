"""Manifest loading: the malformed-input table, merging, variables and environments."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_files as write
from scaleform.cli import main
from scaleform.errors import ScaleformError
from scaleform.manifest import load_manifests

OK_TEAM = "version: 1\nteam:\n  labelers: [li@acme.ai]\n"

# (id, files {name: text}, expected "file:line:col" suffix, message fragment)
CASES = [
    ("yaml-syntax", {"a.yaml": "version: 1\nteam: [\n"}, "a.yaml:3:1", "YAML syntax error"),
    ("tab-indent", {"a.yaml": "version: 1\nteam:\n\tmanagers: []\n"}, "a.yaml:3:1", "tab"),
    ("dup-top-key", {"a.yaml": "version: 1\nversion: 1\n"}, "a.yaml:2:1", "duplicate key 'version'"),
    (
        "dup-project-key",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    type: chatlite\n"},
        "a.yaml:4:5",
        "duplicate key 'type'",
    ),
    (
        "dup-deep-key",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    params:\n      x:\n        y: 1\n        y: 2\n"},
        "a.yaml:7:9",
        "duplicate key 'y'",
    ),
    (
        "dup-project-name-same-file",
        {"a.yaml": "projects:\n  p: {type: chat}\n  p: {type: chatlite}\n"},
        "a.yaml:3:3",
        "duplicate key 'p'",
    ),
    ("unknown-top", {"a.yaml": "version: 1\nteams: {}\n"}, "a.yaml:2:1", "unknown key 'teams'"),
    (
        "unknown-project-key",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    color: red\n"},
        "a.yaml:4:5",
        "unknown key 'color'",
    ),
    (
        "unknown-batch-key",
        {"a.yaml": "batches:\n  b:\n    project: p\n    priority: 3\n"},
        "a.yaml:4:5",
        "unknown key 'priority'",
    ),
    ("unknown-team-role", {"a.yaml": "team:\n  admins: [a@b.co]\n"}, "a.yaml:2:3", "unknown key 'admins'"),
    ("unknown-settings", {"a.yaml": "settings:\n  purge: true\n"}, "a.yaml:2:3", "unknown key 'purge'"),
    (
        "unknown-ontology-key",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    ontology:\n      choices: [x]\n      labels: [y]\n"},
        "a.yaml:6:7",
        "unknown key 'labels'",
    ),
    (
        "unknown-choice-key",
        {
            "a.yaml": "projects:\n  p:\n    type: chat\n    ontology:\n      choices:\n        - choice: x\n"
            "          colour: red\n"
        },
        "a.yaml:7:11",
        "unknown key 'colour'",
    ),
    ("bad-version", {"a.yaml": "version: 2\n"}, "a.yaml:1:10", "must be one of 1"),
    ("type-missing", {"a.yaml": "projects:\n  p:\n    studio: true\n"}, "a.yaml:3:5", "required key 'type'"),
    ("type-wrong", {"a.yaml": "projects:\n  p:\n    type: 5\n"}, "a.yaml:3:11", "must be text"),
    (
        "studio-not-bool",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    studio: yes please\n"},
        "a.yaml:4:13",
        "true or false",
    ),
    (
        "labelers-not-list",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    labelers: li@acme.ai\n"},
        "a.yaml:4:15",
        "must be a list",
    ),
    ("projects-list", {"a.yaml": "projects:\n  - p\n"}, "a.yaml:2:3", "must be a mapping"),
    (
        "params-list",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    params: [1]\n"},
        "a.yaml:4:13",
        "must be a mapping",
    ),
    ("bad-email-team", {"a.yaml": "team:\n  labelers: [not-an-email]\n"}, "a.yaml:2:14", "not a valid email"),
    (
        "bad-email-labelers",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    labelers:\n      - li@acme\n"},
        "a.yaml:5:9",
        "not a valid email",
    ),
    (
        "bad-email-group",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    groups:\n      g: [x y@a.co]\n"},
        "a.yaml:5:11",
        "not a valid email",
    ),
    (
        "two-roles",
        {"a.yaml": "team:\n  managers: [ana@acme.ai]\n  labelers: [Ana@acme.ai]\n"},
        "a.yaml:3:14",
        "two roles",
    ),
    ("dup-email-same-list", {"a.yaml": "team:\n  labelers: [li@acme.ai, LI@acme.ai]\n"}, "a.yaml:2:26", "listed twice"),
    (
        "project-two-files",
        {"a.yaml": "projects:\n  p: {type: chat}\n", "b.yaml": "projects:\n  p: {type: chat}\n"},
        "b.yaml:2:3",
        "project 'p' is declared twice",
    ),
    (
        "batch-two-files",
        {"a.yaml": "batches:\n  b: {project: p}\n", "b.yaml": "batches:\n  b: {project: p}\n"},
        "b.yaml:2:3",
        "batch 'b' is declared twice",
    ),
    ("email-two-files", {"a.yaml": OK_TEAM, "b.yaml": "team:\n  managers: [li@acme.ai]\n"}, "b.yaml:2:14", "two roles"),
    (
        "settings-two-files",
        {"a.yaml": "settings: {prune: true}\n", "b.yaml": "settings: {prune: false}\n"},
        "b.yaml:1:1",
        "one file only",
    ),
    (
        "undefined-var",
        {"a.yaml": "projects:\n  ${var.prefix}-x: {type: chat}\n"},
        "a.yaml:2:3",
        "undefined variable 'prefix'",
    ),
    (
        "undefined-var-value",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    params: {instruction: '${var.nope}'}\n"},
        "a.yaml:4:27",
        "undefined variable 'nope'",
    ),
    ("env-interp", {"a.yaml": "projects:\n  p:\n    type: '${env.HOME}'\n"}, "a.yaml:3:11", "only ${var.NAME}"),
    (
        "env-unknown",
        {"a.yaml": "environments:\n  staging: {provider: scale}\nteam: {}\n"},
        "a.yaml:2:3",
        "unknown environment 'qa'",
    ),
    (
        "group-member-not-labeler",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    labelers: [li@acme.ai]\n    groups:\n      g: [bo@acme.ai]\n"},
        "a.yaml:6:11",
        "not among the labelers",
    ),
    (
        "labeler-not-in-team",
        {"a.yaml": OK_TEAM + "projects:\n  p:\n    type: chat\n    labelers: [li@acme.ai, bo@acme.ai]\n"},
        "a.yaml:7:28",
        "not in `team`",
    ),
    (
        "pipeline-non-studio",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    pipeline: {type: standard_task}\n"},
        "a.yaml:4:5",
        "needs `studio: true`",
    ),
    (
        "pipeline-studio-false",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    studio: false\n    pipeline: {type: standard_task}\n"},
        "a.yaml:5:5",
        "needs `studio: true`",
    ),
    (
        "consensus-standard",
        {
            "a.yaml": "projects:\n  p:\n    type: chat\n    studio: true\n"
            "    pipeline: {type: standard_task, consensus_attempts: 2}\n"
        },
        "a.yaml:5:37",
        "needs `type: consensus_task`",
    ),
    (
        "pipeline-bad-type",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    studio: true\n    pipeline: {type: fancy}\n"},
        "a.yaml:5:22",
        "must be one of",
    ),
    (
        "ontology-dup-depth",
        {
            "a.yaml": "projects:\n  p:\n    type: chat\n    ontology:\n      choices:\n        - car\n"
            "        - choice: vehicle\n          subchoices: [bus, car]\n"
        },
        "a.yaml:8:29",
        "'car' appears twice",
    ),
    (
        "ontology-dup-deep",
        {
            "a.yaml": "projects:\n  p:\n    type: chat\n    ontology:\n      choices:\n        - choice: a\n"
            "          subchoices:\n            - choice: b\n              subchoices: [a]\n"
        },
        "a.yaml:9:28",
        "'a' appears twice",
    ),
    (
        "ontology-empty",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    ontology: {choices: []}\n"},
        "a.yaml:4:25",
        "must not be empty",
    ),
    ("priority-bad", {"a.yaml": "batch_priority: newest\n"}, "a.yaml:1:17", "batch_priority"),
    ("batch-project-missing", {"a.yaml": "batches:\n  b: {create: true}\n"}, "a.yaml:2:6", "required key 'project'"),
    ("batch-group-dup", {"a.yaml": "batches:\n  b: {project: p, groups: [g, g]}\n"}, "a.yaml:2:31", "'g' twice"),
    ("top-level-list", {"a.yaml": "- version: 1\n"}, "a.yaml:1:1", "must be a mapping"),
    ("empty-file", {"a.yaml": ""}, "a.yaml:1:1", "file is empty"),
    ("comment-only-file", {"a.yaml": "# nothing\n"}, "a.yaml:1:1", "file is empty"),
    (
        "alias-bomb",
        {
            "a.yaml": "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
            "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        },
        "a.yaml:",
        "alias bomb",
    ),
    ("nan", {"a.yaml": "projects:\n  p:\n    type: chat\n    params: {x: .nan}\n"}, "a.yaml:4:17", "finite number"),
    ("not-utf8", {"a.yaml": b"version: 1\nteam: \xff\n"}, "a.yaml", "not UTF-8"),
]


@pytest.mark.parametrize("case_id,files,where,fragment", CASES, ids=[c[0] for c in CASES])
def test_malformed_inputs_are_located(tmp_path, case_id, files, where, fragment):
    d = write(tmp_path, files)
    result = CliRunner().invoke(main, ["validate", str(d), *(["-e", "qa"] if case_id == "env-unknown" else [])])
    out = result.output
    assert result.exit_code == 1, out
    assert "Traceback" not in out
    assert fragment in out, out
    assert f"{tmp_path.as_posix()}/{where}" in out, out


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


def test_unreadable_file(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("version: 1\n")
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):  # root reads anything: use a directory named like a manifest
            p.chmod(0o644)
            p.unlink()
            (tmp_path / "a.yaml").mkdir()
            (tmp_path / "a.yaml" / "x.txt").write_text("")
            target = tmp_path / "a.yaml"
            result = CliRunner().invoke(main, ["validate", str(target)])
            assert result.exit_code == 1 and "no *.yaml" in result.output
            return
        result = CliRunner().invoke(main, ["validate", str(tmp_path)])
        assert result.exit_code == 1
        assert "cannot read the file" in result.output and "a.yaml" in result.output
    finally:
        if p.exists() and p.is_file():
            p.chmod(0o644)


def test_unreadable_file_reported_via_oserror(tmp_path, monkeypatch):
    """Whatever user we run as, an OSError from reading a manifest is a located error, not a crash."""
    (tmp_path / "a.yaml").write_text("version: 1\n")
    real = Path.read_bytes

    def deny(self):
        if self.name == "a.yaml":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path.as_posix()}/a.yaml: cannot read the file: Permission denied" in result.output


def test_missing_path():
    result = CliRunner().invoke(main, ["validate", "/nonexistent/manifests"])
    assert result.exit_code == 1
    assert "/nonexistent/manifests" in result.output and "does not exist" in result.output


def test_all_problems_reported_not_just_first(tmp_path):
    write(tmp_path, {"a.yaml": "teams: {}\n", "b.yaml": "projects:\n  p: {type: 5}\n"})
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert "unknown key 'teams'" in result.output and "must be text" in result.output
    assert "2 problems found." in result.output


def test_github_format(tmp_path):
    write(tmp_path, {"a.yaml": "version: 1\nteams: {}\n"})
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--format", "github"])
    assert result.exit_code == 1
    assert (
        f"::error file={tmp_path.as_posix()}/a.yaml,line=2,col=1,title=scaleform::unknown key 'teams'" in result.output
    )


def test_variables_precedence(tmp_path):
    write(
        tmp_path,
        {
            "m.yaml": textwrap.dedent("""\
        environments:
          staging: {provider: scale, vars: {prefix: stg, suffix: env}}
        projects:
          ${var.prefix}-a${var.suffix}:
            type: imageannotation
        """),
            "vars.yaml": "suffix: file\n",
        },
    )
    m = load_manifests(
        tmp_path / "m.yaml", environment="staging", var_files=[str(tmp_path / "vars.yaml")], variables={"prefix": "cli"}
    )
    assert list(m.desired.projects) == ["cli-afile"]
    m = load_manifests(tmp_path / "m.yaml", environment="staging")
    assert list(m.desired.projects) == ["stg-aenv"]


def test_unknown_environment(tmp_path):
    write(tmp_path, {"m.yaml": "environments:\n  staging: {provider: scale}\n"})
    with pytest.raises(ScaleformError) as exc:
        load_manifests(tmp_path, environment="prod")
    assert "unknown environment 'prod'" in str(exc.value) and "staging" in str(exc.value)


def test_plain_files_are_those_interpolation_cannot_change(tmp_path):
    from scaleform.manifest import ManifestLoad

    write(
        tmp_path,
        {
            "a.yaml": "# yaml-language-server: $schema=../schemas/manifest.schema.json\nprojects:\n  p: {type: chat}\n",
            "b.yaml": "projects:\n  ${var.n}: {type: chat}\n",
            # a double-quoted escape spells `${` without those bytes in the file
            "c.yaml": 'projects:\n  q:\n    type: chat\n    params: {instruction: "\\x24{var.n}"}\n',
        },
    )
    load = ManifestLoad(tmp_path, variables={"n": "r"})
    assert [plain for _, plain in load.read()] == [True, False, False]
    desired = load.finish().desired
    assert set(desired.projects) == {"p", "r", "q"}
    assert desired.projects["q"].params["instruction"] == "r"


def test_schema_problems_keep_file_order_when_plain_files_are_checked_as_they_are_read(tmp_path):
    from scaleform.manifest import ManifestLoad

    write(
        tmp_path,
        {
            "a.yaml": "projects:\n  p: {typo: 1, type: chat}\n",
            "b.yaml": "projects:\n  ${var.n}: {type: chat, typo2: 1}\n",  # checked in finish()
            "c.yaml": "projects:\n  q: {type: chat, typo3: 1}\n",
        },
    )

    def unknown_keys(load):
        with pytest.raises(ScaleformError) as exc:
            load.finish()
        return [p.message.split("'")[1] for p in exc.value.problems]

    load = ManifestLoad(tmp_path, variables={"n": "r"})
    list(load.read())
    assert set(load.checked) == {id(load.docs[0]), id(load.docs[2])}  # the plain ones, as they were read
    assert unknown_keys(load) == ["typo", "typo2", "typo3"]

    # A reader that stops right after a file was handed out: finish() checks it itself.
    load = ManifestLoad(tmp_path, variables={"n": "r"})
    reader = load.read()
    next(reader)
    reader.close()
    assert load.checked == {}
    assert unknown_keys(load) == ["typo"]


def test_literal_dollar_brace(tmp_path):
    write(tmp_path, {"m.yaml": "projects:\n  p:\n    type: chat\n    params: {instruction: 'cost $${var.x}'}\n"})
    assert load_manifests(tmp_path).desired.projects["p"].params["instruction"] == "cost ${var.x}"


def test_emails_lowercased_and_merged(tmp_path):
    write(tmp_path, {"a.yaml": "team:\n  labelers: [Li@Acme.AI]\n", "b.yaml": "team:\n  managers: [ana@acme.ai]\n"})
    team = load_manifests(tmp_path).desired.team
    assert team["li@acme.ai"].role == "labeler" and team["ana@acme.ai"].role == "manager"


def test_merge_keys_supported(tmp_path):
    write(tmp_path, {"m.yaml": "x: &base {type: imageannotation, studio: true}\n"})
    # `x` is not a section: anchors live inside sections in practice
    write(
        tmp_path,
        {
            "m.yaml": "projects:\n  a: &base {type: imageannotation, studio: true}\n  b:\n    <<: *base\n"
            "    studio: false\n"
        },
    )
    projects = load_manifests(tmp_path).desired.projects
    assert projects["b"].type == "imageannotation" and projects["b"].studio is False


def test_batch_project_undeclared_is_a_note(tmp_path):
    write(tmp_path, {"m.yaml": "batches:\n  b: {project: elsewhere}\n"})
    m = load_manifests(tmp_path)
    assert any("elsewhere" in n for n in m.notes)


def test_examples_validate(root):
    for example in sorted((root / "examples").iterdir()):
        if not any(example.rglob("*.yaml")) or example.name == "ci":
            continue
        args = ["validate", str(example)]
        if (example / "environments.yaml").exists():
            args += ["-e", "staging"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (example, result.output)


def test_discovery_skips_hidden_files_and_folders_and_never_walks_git(tmp_path, monkeypatch):
    from scaleform.manifest import discover

    (tmp_path / "team.yaml").write_text("version: 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yml").write_text("version: 1\n")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (tmp_path / "sub" / ".hidden.yaml").write_text("repos: []\n")
    for hidden in (".git/refs", ".github/workflows"):
        (tmp_path / hidden).mkdir(parents=True)
        (tmp_path / hidden / "x.yaml").write_text("on: push\n")
    walked = []
    real_scandir = os.scandir

    def scandir(path="."):
        walked.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    assert [f.as_posix() for f in discover(".")] == ["sub/p.yml", "team.yaml"]
    assert not any(".git" in w for w in walked)


def test_missing_environment_is_one_error_not_also_the_variables_it_leaves_undefined(root):
    from scaleform.manifest import load_manifests

    with pytest.raises(ScaleformError) as exc:
        load_manifests(root / "examples" / "multi-env")
    assert [p.message for p in exc.value.problems] == [
        "the manifests declare environments (production, refonte, staging); choose one with -e/--environment NAME"
    ]


def test_a_link_that_leaves_the_manifest_folder_is_refused_before_anything_is_read(tmp_path):
    from scaleform.errors import ScaleformError as _Error
    from scaleform.manifest import load_manifests as _load

    outside = tmp_path / "outside.yaml"
    outside.write_text("projects: {leaked-secret-value: {type: imageannotation}}\n")
    m = tmp_path / "m"
    m.mkdir()
    (m / "ok.yaml").write_text("version: 1\n")
    (m / "inner.yaml").symlink_to("ok.yaml")  # inside PATH: fine
    (m / "evil.yaml").symlink_to(outside)
    try:
        _load(m)
    except _Error as exc:
        text = str(exc)
    else:
        raise AssertionError("a link out of PATH was followed")
    assert "evil.yaml' is a symbolic link to a file outside" in text and "leaked-secret-value" not in text
    (m / "evil.yaml").unlink()
    assert len(_load(m).files) == 2


def test_alias_expansion_is_counted_over_all_files_of_a_load(tmp_path, monkeypatch):
    from scaleform.manifest import located

    monkeypatch.setattr(located, "MAX_ALIAS_NODES", 100)
    bomb = (
        "projects:\n  p{i}:\n    type: chat\n    params:\n      a: &a [x, x, x, x, x, x, x, x, x]\n      b: [*a, *a]\n"
    )
    for i in range(5):  # 20 values copied through aliases in each file: 100 in all is the limit
        (tmp_path / f"m{i}.yaml").write_text(bomb.replace("{i}", str(i)))
    assert len(load_manifests(tmp_path).desired.projects) == 5
    (tmp_path / "m5.yaml").write_text(bomb.replace("{i}", "5"))
    with pytest.raises(ScaleformError) as exc:
        load_manifests(tmp_path)
    (problem,) = exc.value.problems
    assert "aliases expand to more than 100 values" in problem.message and "limit on alias expansion" in problem.message
    assert str(problem.location) == f"{tmp_path.as_posix()}/m5.yaml:5:10"  # the anchor whose copy crossed it


def test_a_rule_broken_by_every_email_of_a_big_set_lists_the_first_hundred(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "team:\n  labelers: [ana@acme.ai]\npeople:\n  crew:\n"
        + "".join(f"  - u{i}@acme.ai\n" for i in range(150))
        + "projects:\n  p: {type: chat, labelers: [crew]}\n"
    )
    with pytest.raises(ScaleformError) as exc:
        load_manifests(tmp_path)
    problems = exc.value.problems
    assert len(problems) == 101
    assert sum("is a labeler of 'p' but is not in `team`" in p.message for p in problems) == 100
    (last,) = [p for p in problems if p.message.startswith("… and 50 more emails not in `team`")]
    assert str(last.location) == f"{tmp_path.as_posix()}/m.yaml:105:5"  # u100, the first left out


def test_a_long_variable_named_in_many_places_is_stopped_at_the_limit(tmp_path, monkeypatch):
    import scaleform.manifest as manifest

    monkeypatch.setattr(manifest, "MAX_VARIABLE_TEXT", 1_000)
    (tmp_path / "m.yaml").write_text(
        "projects:\n  p:\n    type: chat\n    params:\n      l:\n" + "      - ${var.long}\n" * 11
    )
    assert load_manifests(tmp_path, variables={"long": "x" * 90}).desired.projects["p"].params["l"][0] == "x" * 90
    with pytest.raises(ScaleformError) as exc:
        load_manifests(tmp_path, variables={"long": "x" * 91})
    (problem,) = exc.value.problems
    assert "more than 1,000 characters" in problem.message and "${var.long} (91 characters)" in problem.message
    assert str(problem.location) == f"{tmp_path.as_posix()}/m.yaml:1:1"
