"""Team: invitations, re-invitations of expired ones, and role changes."""

from __future__ import annotations

from datetime import datetime, timezone

from scaleform.address import MemberAddress
from scaleform.changes import Unmanaged
from scaleform.diff.context import DiffContext
from scaleform.errors import Problem


def _expired(expiry: str | None, now: datetime) -> bool:
    if not expiry:
        return False
    try:
        when = datetime.fromisoformat(expiry.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when <= now


def diff_team(context: DiffContext) -> None:
    declared_team = context.desired.team
    live_team = context.live.team or {}
    if declared_team is None:
        return
    for email, declared in sorted(declared_team.items()):
        live_member = live_team.get(email)
        address = MemberAddress(email)
        if live_member is None:
            context.add(address, "create", None, {"role": declared.role}, "declared in team: invite")
            context.pending[email] = "invitation pending"
        elif live_member.role == "invited":
            context.pending[email] = "invitation pending"
            if _expired(live_member.expiry, context.now):
                context.add(
                    address,
                    "create",
                    {"role": "invited", "expiry": live_member.expiry},
                    {"role": declared.role},
                    f"invitation expired at {live_member.expiry}: invite again",
                )
            elif live_member.is_studio_labeler is not None and live_member.is_studio_labeler != (
                declared.role == "labeler"
            ):
                invited_as = "a labeler" if live_member.is_studio_labeler else "a non-labeler"
                context.out.warnings.append(
                    f"{email} was invited as {invited_as} but is declared as {declared.role}; "
                    "the role is set once they accept the invitation"
                )
        elif live_member.role == "admin":
            context.problems.append(
                Problem(
                    f"{email} is the account admin; the admin's role never changes. Remove "
                    f"them from team.{declared.role}s",
                    declared.loc,
                )
            )
        elif live_member.role != declared.role:
            reason = "re-enable a disabled teammate" if live_member.role == "disabled" else "role differs"
            context.add(address, "update", {"role": live_member.role}, {"role": declared.role}, reason)
    for email, live_member in sorted(live_team.items()):
        if email not in declared_team:
            what = "pending invitation" if live_member.role == "invited" else f"role {live_member.role}"
            context.out.unmanaged.append(
                Unmanaged(MemberAddress(email), f"{what}; not declared in team (the API cannot remove teammates)")
            )
