"""address: built from names, rendered once, parsed back from saved plans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaleform.address import Address, Kind

names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(lambda s: "]" not in s)
emails = st.from_regex(r"[a-z0-9.]{1,8}@[a-z]{1,6}\.io", fullmatch=True)


@pytest.mark.parametrize(
    "address,text",
    [
        (Address.member("a@x.io"), "team.member[a@x.io]"),
        (Address.of_project("p"), "project[p]"),
        (Address.of_project("p", Kind.ONTOLOGY), "project[p].ontology"),
        (Address.labeler("p", "a@x.io"), "project[p].labeler[a@x.io]"),
        (Address.of_group("p", "night"), "project[p].group[night]"),
        (Address.group_member("p", "night", "a@x.io"), "project[p].group[night].member[a@x.io]"),
        (Address.of_batch("b"), "batch[b]"),
        (Address.of_batch("b", Kind.BATCH_STATUS), "batch[b].status"),
        (Address.of_batch("b", Kind.BATCH_GROUPS), "batch[b].groups"),
        (Address.priority(), "studio.batch_priority"),
    ],
)
def test_every_kind_renders_in_the_contract_form(address, text):
    assert address.text == str(address) == text
    assert Address.parse(text) == address


@settings(max_examples=200, derandomize=True)
@given(st.sampled_from(list(Kind)), names, names, emails)
def test_parse_inverts_render(kind, name, other, email):
    if kind is Kind.MEMBER:
        address = Address.member(email)
    elif kind in (Kind.PROJECT, Kind.PARAMS, Kind.ONTOLOGY, Kind.PIPELINE):
        address = Address.of_project(name, kind)
    elif kind is Kind.LABELER:
        address = Address.labeler(name, email)
    elif kind is Kind.GROUP:
        address = Address.of_group(name, other)
    elif kind is Kind.GROUP_MEMBER:
        address = Address.group_member(name, other, email)
    elif kind is Kind.BATCH_PRIORITY:
        address = Address.priority()
    else:
        address = Address.of_batch(name, kind)
    assert Address.parse(address.text) == address


def test_a_project_name_holding_brackets_keeps_its_facet():
    assert Address.parse("project[a.labeler[x]].params") == Address.of_project("a.labeler[x]", Kind.PARAMS)


@pytest.mark.parametrize("text", ["", "project", "team.member[a]x", "batch[b].finalize", "studio.other"])
def test_text_that_is_no_address_is_refused(text):
    with pytest.raises(ValueError):
        Address.parse(text)


@pytest.mark.parametrize(
    "kind,names",
    [(Kind.MEMBER, {}), (Kind.LABELER, {"project": "p"}), (Kind.BATCH, {"batch": "b", "project": "p"})],
)
def test_an_address_holds_exactly_the_names_of_its_kind(kind, names):
    with pytest.raises(ValueError, match="address is named by"):
        Address(kind, **names)
