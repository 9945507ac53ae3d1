"""address: built from names, rendered once, parsed back from saved plans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaleform.address import (
    Address,
    BatchAddress,
    GroupAddress,
    GroupMemberAddress,
    Kind,
    LabelerAddress,
    MemberAddress,
    PriorityAddress,
    ProjectAddress,
)

names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda s: "[" not in s and "]" not in s
)
emails = st.from_regex(r"[a-z0-9.]{1,8}@[a-z]{1,6}\.io", fullmatch=True)


@pytest.mark.parametrize(
    "address,text",
    [
        (MemberAddress("a@x.io"), "team.member[a@x.io]"),
        (ProjectAddress("p"), "project[p]"),
        (ProjectAddress("p", kind=Kind.ONTOLOGY), "project[p].ontology"),
        (LabelerAddress("p", "a@x.io"), "project[p].labeler[a@x.io]"),
        (GroupAddress("p", "night"), "project[p].group[night]"),
        (GroupMemberAddress("p", "night", "a@x.io"), "project[p].group[night].member[a@x.io]"),
        (BatchAddress("b"), "batch[b]"),
        (BatchAddress("b", kind=Kind.BATCH_STATUS), "batch[b].status"),
        (BatchAddress("b", kind=Kind.BATCH_GROUPS), "batch[b].groups"),
        (PriorityAddress(), "studio.batch_priority"),
    ],
)
def test_every_kind_renders_in_the_contract_form(address, text):
    assert address.text == str(address) == text
    assert Address.parse(text) == address


@settings(max_examples=200, derandomize=True)
@given(st.sampled_from(list(Kind)), names, names, emails)
def test_parse_inverts_render(kind, name, other, email):
    if kind is Kind.MEMBER:
        address = MemberAddress(email)
    elif kind in (Kind.PROJECT, Kind.PARAMS, Kind.ONTOLOGY, Kind.PIPELINE):
        address = ProjectAddress(name, kind=kind)
    elif kind is Kind.LABELER:
        address = LabelerAddress(name, email)
    elif kind is Kind.GROUP:
        address = GroupAddress(name, other)
    elif kind is Kind.GROUP_MEMBER:
        address = GroupMemberAddress(name, other, email)
    elif kind is Kind.BATCH_PRIORITY:
        address = PriorityAddress()
    else:
        address = BatchAddress(name, kind=kind)
    assert Address.parse(address.text) == address


def test_a_name_holding_a_bracket_is_no_address():
    # scaleform addresses no such name (schema and live parse refuse them), so exactly one form can fit
    with pytest.raises(ValueError, match="not a scaleform address"):
        Address.parse("project[a.labeler[x]].params")


def test_a_huge_altered_address_is_refused_with_its_text_cut():
    text = "project[" + "].group[" * 100_000 + "x"
    with pytest.raises(ValueError) as refused:
        Address.parse(text)
    assert len(str(refused.value)) < 300


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
        Address.of(kind, names)


def test_every_kind_has_one_address_class_holding_the_names_of_its_form_in_order():
    import re

    from scaleform.address import ADDRESSES
    from scaleform.kinds import KINDS

    owners = {kind: [cls for cls in ADDRESSES if kind in cls.FOR] for kind in Kind}
    assert all(len(classes) == 1 for classes in owners.values()), owners
    for kind, (cls,) in owners.items():
        assert cls.name_fields() == tuple(re.findall(r"\{(\w+)\}", KINDS[kind].address)), kind


def test_an_address_class_refuses_a_kind_it_does_not_address():
    with pytest.raises(ValueError, match="not a ProjectAddress"):
        ProjectAddress("p", kind=Kind.BATCH_GROUPS)
    with pytest.raises(ValueError):
        Address(kind=Kind.PROJECT)  # the base names nothing


def test_parse_gives_the_class_of_the_kind_with_each_name_a_field():
    a = Address.parse("project[p].group[night].member[li@acme.ai]")
    assert isinstance(a, GroupMemberAddress)
    assert (a.project, a.group, a.email) == ("p", "night", "li@acme.ai")
    assert a.named() == (("project", "p"), ("group", "night"), ("email", "li@acme.ai"))
    assert isinstance(Address.parse("batch[b].groups"), BatchAddress)
