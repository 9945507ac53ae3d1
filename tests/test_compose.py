"""Composition as `validate` sees it: each malformed case is exit 1, the exact location, a message
fragment and no traceback; effective values feed the reference checks; plain documents pass through."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpers import write_files as write
from scaleform.cli import main
from scaleform.manifest import ManifestLoad, load_manifests

T = "version: 1\ntemplates:\n"

# (id, files {name: text}, expected "file:line:col" of the problem, message fragment)
CASES = [
    (
        "unknown-template",
        {"a.yaml": "projects:\n  p:\n    extends: nope\n    type: chat\n"},
        "a.yaml:3:14",
        "unknown template 'nope' in the `extends` of project 'p'",
    ),
    (
        "unknown-template-in-list",
        {"a.yaml": T + "  base: {type: chat}\nprojects:\n  p:\n    extends: [base, bsae]\n"},
        "a.yaml:6:21",
        "did you mean 'base'?",
    ),
    (
        "unknown-template-in-template",
        {"a.yaml": T + "  base:\n    extends: gone\n"},
        "a.yaml:4:14",
        "unknown template 'gone' in the `extends` of template 'base'",
    ),
    (
        "template-cycle-1",
        {"a.yaml": T + "  a:\n    extends: a\n    type: chat\n"},
        "a.yaml:4:14",
        "template cycle: a -> a",
    ),
    (
        "template-cycle-3",
        {"a.yaml": T + "  a: {extends: b}\n  b: {extends: c}\n  c: {extends: [a]}\n"},
        "a.yaml:5:17",
        "template cycle: a -> b -> c -> a",
    ),
    (
        "template-twice",
        {"a.yaml": T + "  a: {type: chat}\n", "b.yaml": T + "  a: {type: chatlite}\n"},
        "b.yaml:3:3",
        "template 'a' is declared twice",
    ),
    (
        "unknown-set-in-team",
        {"a.yaml": "people:\n  eu: [li@acme.ai]\nteam:\n  labelers: [ue]\n"},
        "a.yaml:4:14",
        "'ue' in team.labelers is not a valid email address (no '@') nor a known people set",
    ),
    ("unknown-set-in-set", {"a.yaml": "people:\n  eu: [li@acme.ai, night]\n"}, "a.yaml:2:20", "people set 'eu'"),
    (
        "unknown-set-in-group",
        {"a.yaml": "projects:\n  p:\n    type: chat\n    groups:\n      g: [crew]\n"},
        "a.yaml:5:11",
        "'crew' in group 'g' of project 'p' is not a valid email address",
    ),
    (
        "set-cycle",
        {"a.yaml": "people:\n  a: [x@acme.ai, b]\n  b: [a]\n"},
        "a.yaml:3:7",
        "people set cycle: a -> b -> a",
    ),
    ("set-cycle-self", {"a.yaml": "people:\n  a: [a]\n"}, "a.yaml:2:7", "people set cycle: a -> a"),
    (
        "set-twice",
        {"a.yaml": "people:\n  a: [x@acme.ai]\n", "b.yaml": "people:\n  a: [y@acme.ai]\n"},
        "b.yaml:2:3",
        "people set 'a' is declared twice",
    ),
    (
        "email-twice-in-list",
        {"a.yaml": "people:\n  eu: [li@acme.ai]\nteam:\n  labelers: [bo@acme.ai, eu, Bo@acme.ai]\n"},
        "a.yaml:4:30",
        "bo@acme.ai is listed twice in team.labelers",
    ),
    ("email-twice-in-set", {"a.yaml": "people:\n  eu: [li@acme.ai, li@acme.ai]\n"}, "a.yaml:2:20", "twice"),
    (
        "email-twice-in-set-any-case",
        {"a.yaml": "people:\n  eu: [li@acme.ai, LI@acme.ai]\n"},
        "a.yaml:2:20",
        "li@acme.ai is listed twice in people set 'eu'",
    ),
    ("set-name-like-email", {"a.yaml": "people:\n  eu@acme.ai: [li@acme.ai]\n"}, "a.yaml:2:3", "is not a valid name"),
    ("set-name-with-space", {"a.yaml": "people:\n  eu night: [li@acme.ai]\n"}, "a.yaml:2:3", "never '@'"),
    (
        "null-removes-type",
        {"a.yaml": T + "  base: {type: chat}\nprojects:\n  p:\n    extends: base\n    type: null\n"},
        "a.yaml:7:5",
        "`type: null` leaves project 'p' without a type",
    ),
    (
        "no-type-anywhere",
        {"a.yaml": T + "  base: {studio: true}\nprojects:\n  p:\n    extends: base\n"},
        "a.yaml:6:5",
        "projects.p is missing the required key 'type'",
    ),
    (
        "inherited-pipeline-non-studio",
        {
            "a.yaml": T + "  base:\n    type: chat\n    pipeline: {type: standard_task}\n"
            "projects:\n  p:\n    extends: base\n"
        },
        "a.yaml:8:14",
        "template 'base' gives project 'p' a `pipeline`, but `pipeline` needs `studio: true`",
    ),
    (
        "inherited-member-not-labeler",
        {
            "a.yaml": T + "  base:\n    type: chat\n    groups:\n      g: [bo@acme.ai]\n"
            "projects:\n  p:\n    extends: base\n    labelers: [li@acme.ai]\n"
        },
        "a.yaml:6:11",
        "not among the labelers of project 'p'; group members must be assigned to the project "
        "(inherited by project 'p' at ",
    ),
    (
        "inherited-consensus-standard",
        {
            "a.yaml": T + "  base:\n    type: chat\n    studio: true\n"
            "    pipeline: {type: consensus_task, consensus_attempts: 3}\n"
            "projects:\n  p:\n    extends: base\n    pipeline: {type: standard_task}\n"
        },
        "a.yaml:6:38",
        "needs `type: consensus_task` (inherited by project 'p' at ",
    ),
    (
        "set-email-not-in-team",
        {
            "a.yaml": "people:\n  eu: [li@acme.ai, kim@acme.ai]\nteam:\n  labelers: [li@acme.ai]\n"
            "projects:\n  p:\n    type: chat\n    labelers: [eu]\n"
        },
        "a.yaml:2:20",
        "kim@acme.ai is a labeler of 'p' but is not in `team`; add them to team (or remove them here) "
        "(through people set 'eu' at ",
    ),
    (
        "inherited-ontology-duplicate",
        {
            "a.yaml": T + "  base:\n    type: chat\n    ontology: {choices: [car, car]}\n"
            "projects:\n  p: {extends: base}\n"
        },
        "a.yaml:5:31",
        "'car' appears twice",
    ),
    (
        "extends-empty-list",
        {"a.yaml": "projects:\n  p: {type: chat, extends: []}\n"},
        "a.yaml:2:28",
        "must not be empty",
    ),
    ("template-unknown-key", {"a.yaml": T + "  base: {colour: red}\n"}, "a.yaml:3:10", "unknown key 'colour'"),
    (
        "batch-groups-take-no-sets",
        {
            "a.yaml": "people:\n  eu: [li@acme.ai]\nprojects:\n  p:\n    type: chat\n"
            "    groups: {g: [eu]}\nbatches:\n  b: {project: p, groups: [eu]}\n"
        },
        "",
        "group 'eu' is not declared in project 'p'",
    ),
]


@pytest.mark.parametrize("case_id,files,where,fragment", CASES, ids=[c[0] for c in CASES])
def test_malformed_composition_is_located(tmp_path, case_id, files, where, fragment):
    d = write(tmp_path, files)
    result = CliRunner().invoke(main, ["validate", str(d)])
    out = result.output
    assert "Traceback" not in out
    if not where:  # a note, not an error: batch groups hold group names, never people sets
        assert result.exit_code == 0 and fragment in out, out
        return
    assert result.exit_code == 1, out
    assert f"{tmp_path.as_posix()}/{where}: " in out, out
    line = next(line for line in out.splitlines() if f"/{where}: " in line)
    assert fragment in line, out


def test_an_inherited_problem_names_the_template_and_the_extends_entry(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": T + "  base:\n    type: chat\n    groups:\n      g: [bo@acme.ai]\n",
            "p.yaml": "projects:\n  p:\n    extends: base\n    labelers: [li@acme.ai]\n",
        },
    )
    out = CliRunner().invoke(main, ["validate", str(tmp_path)]).output
    base = tmp_path.as_posix()
    assert f"{base}/t.yaml:6:11: bo@acme.ai is in group 'g'" in out
    assert f"(inherited by project 'p' at {base}/p.yaml:3:14)" in out


def test_effective_values_replace_merge_and_remove(tmp_path):
    write(
        tmp_path,
        {
            "a.yaml": T
            + (
                "  base:\n    type: imageannotation\n    studio: true\n"
                "    params: {instruction: Box., geometries: {box: {min_height: 10, min_width: 4}}, tags: [a, b]}\n"
                "    pipeline: {type: consensus_task, consensus_attempts: 3}\n"
                "  eu:\n    extends: base\n    params: {geometries: {box: {min_width: null}}}\n"
                "projects:\n  p:\n    extends: [eu]\n    params: {geometries: {box: {min_height: 12}}, tags: [c]}\n"
                "    pipeline: null\n"
            )
        },
    )
    p = load_manifests(tmp_path).desired.projects["p"]
    assert p.type == "imageannotation" and p.studio is True and p.pipeline is None
    assert p.params == {"instruction": "Box.", "geometries": {"box": {"min_height": 12}}, "tags": ["c"]}


def test_a_project_keeps_the_location_of_each_effective_value(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": T + "  base: {type: chat, studio: true}\n",
            "p.yaml": "projects:\n  p:\n    extends: base\n    studio: false\n",
        },
    )
    p = load_manifests(tmp_path).desired.projects["p"]
    base = tmp_path.as_posix()
    assert str(p.locs["type="]) == f"{base}/t.yaml:3:16"  # the template's value, where it was written
    assert str(p.locs["studio="]) == f"{base}/p.yaml:4:13"


def test_people_sets_expand_in_place_and_collapse_only_what_expansion_repeats(tmp_path):
    write(
        tmp_path,
        {
            "a.yaml": (
                "people:\n  night: [li@acme.ai, bo@acme.ai]\n  all: [kim@acme.ai, night, LI@acme.ai]\n"
                "team:\n  managers: [ana@acme.ai]\n  labelers: [raj@acme.ai, all, bo@acme.ai]\n"
                "projects:\n  p:\n    type: chat\n    labelers: [all]\n    groups: {g: [night, kim@acme.ai]}\n"
            )
        },
    )
    d = load_manifests(tmp_path).desired
    assert list(d.team) == ["ana@acme.ai", "raj@acme.ai", "kim@acme.ai", "li@acme.ai", "bo@acme.ai"]
    assert d.projects["p"].labelers == ("kim@acme.ai", "li@acme.ai", "bo@acme.ai")
    assert d.projects["p"].groups["g"].members == ("li@acme.ai", "bo@acme.ai", "kim@acme.ai")


def test_variables_work_in_template_and_set_names_and_values(tmp_path):
    write(
        tmp_path,
        {
            "a.yaml": (
                "templates:\n  ${var.p}-base: {type: '${var.t}'}\n"
                "people:\n  ${var.p}-crew: ['li@${var.domain}']\n"
                "team:\n  labelers: ['${var.p}-crew']\n"
                "projects:\n  x:\n    extends: ${var.p}-base\n    labelers: [eu-crew]\n"
            )
        },
    )
    d = load_manifests(tmp_path, variables={"p": "eu", "t": "imageannotation", "domain": "acme.ai"}).desired
    assert d.projects["x"].type == "imageannotation" and d.projects["x"].labelers == ("li@acme.ai",)


def test_a_null_group_is_not_declared(tmp_path):
    write(
        tmp_path,
        {
            "a.yaml": T + "  base:\n    type: chat\n    groups: {g: [li@acme.ai], h: [li@acme.ai]}\n"
            "projects:\n  p: {extends: base, groups: {h: null}}\n  q: {type: chat, groups: {k: null}}\n"
        },
    )
    d = load_manifests(tmp_path).desired
    assert list(d.projects["p"].groups) == ["g"] and d.projects["q"].groups == {}


def test_documents_without_composition_pass_through_unchanged(tmp_path):
    write(
        tmp_path, {"a.yaml": "team:\n  labelers: [li@acme.ai]\nprojects:\n  p: {type: chat, labelers: [li@acme.ai]}\n"}
    )
    load = ManifestLoad(tmp_path)
    load.complete()
    assert load.effective[0] is load.docs[0]  # no copy: the fast path keeps documents as they were read


# ---- the fast validator and jsonschema agree on the composition sections ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_schema import same_verdict  # noqa: E402

from helpers import trees  # noqa: E402

names = st.sampled_from(["base", "eu-night", "a@b.co", "x y", "${var.p}", ""])
entries = st.lists(st.sampled_from(["li@acme.ai", "eu-night", "bad@", "a b", "", 3, None]), max_size=3)
specs = st.fixed_dictionaries(
    {},
    optional={
        "extends": st.one_of(names, st.lists(names, max_size=2), st.none()),
        "type": st.sampled_from(["t", None, 5]),
        "labelers": st.one_of(entries, st.none()),
        "groups": st.dictionaries(names, st.one_of(entries, st.none()), max_size=2),
        "pipeline": st.sampled_from(
            [None, {"type": "consensus_task", "consensus_attempts": None}, {"consensus_attempts": 2}]
        ),
        "studio": st.sampled_from([True, None, "yes"]),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    st.dictionaries(names, specs, max_size=3),
    st.dictionaries(names, specs, max_size=3),
    st.dictionaries(names, st.one_of(entries, trees), max_size=3),
)
def test_fast_validator_agrees_with_jsonschema_on_composition(templates, projects, people):
    # same_verdict asserts the two validators agree; None is a document the loader refuses (inf)
    same_verdict({"version": 1, "templates": templates, "projects": projects, "people": people})


def test_both_verdicts_occur_on_composition_sections():
    assert (
        same_verdict(
            {
                "templates": {"a": {"extends": "b"}},
                "people": {"s": ["x@y.co", "t"]},
                "projects": {"p": {"extends": ["a"], "type": None, "groups": {"g": None}}},
            }
        )
        is True
    )
    assert same_verdict({"people": {"a@b.co": ["x@y.co"]}}) is False
    assert same_verdict({"projects": {"p": {"studio": True}}}) is False  # no extends: `type` is required
