"""The team: members and their roles, invitations, and accepting them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from scaleform.model import ROLES
from scaleform.sandbox.base import SandboxError, StoreBase, iso
from scaleform.sandbox.fields import choice, strings

SETTABLE = tuple(reversed(ROLES))  # least privileged first, as the sandbox has always listed them
INVITE_DAYS = 7


class TeamOps(StoreBase):
    def _member_json(self, row: sqlite3.Row) -> dict[str, Any]:
        out: dict[str, Any] = {"email": row["email"], "role": row["role"]}
        if row["role"] == "invited":
            out["expiry"] = row["expiry"]
            out["isStudioLabeler"] = row["invited_role"] == "labeler"
        else:
            out["isStudioLabeler"] = row["role"] == "labeler"
            for src, dst in (("company", "company"), ("first_name", "firstName"), ("last_name", "lastName")):
                if row[src]:
                    out[dst] = row[src]
            out["disableRapidEmails"] = False
        return out

    def list_team(self) -> list[dict[str, Any]]:
        return [self._member_json(r) for r in self.db.execute("SELECT * FROM team ORDER BY seq")]

    def add_member(
        self,
        email: str,
        role: str,
        *,
        first: str | None = None,
        last: str | None = None,
        company: str | None = None,
        invited_role: str | None = None,
        expiry: str | None = None,
    ) -> None:
        if role == "admin" and self.db.execute("SELECT 1 FROM team WHERE role='admin'").fetchone():
            raise SandboxError(400, "A team can only have one admin")
        self.db.execute(
            "INSERT INTO team VALUES (?,?,?,?,?,?,?,?)",
            (email.lower(), role, invited_role, expiry, first, last, company, self.next_seq()),
        )
        self._team_changed()

    def invite(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        emails = [e.lower() for e in strings(body, "emails")]
        role = choice(body, "team_role", SETTABLE)
        if not emails:
            raise SandboxError(400, 'Parameter is invalid, reason: "emails" must not be empty')
        for email in emails:
            row = self._member(email)
            if row is not None and row["role"] != "invited":
                raise SandboxError(409, f"{email} is already a member of this team")
        expiry = iso(self.now() + timedelta(days=INVITE_DAYS))
        for email in emails:
            if self._member(email) is not None:  # re-invite: a fresh expiry and role
                self.db.execute("UPDATE team SET expiry=?, invited_role=? WHERE email=?", (expiry, role, email))
            else:
                self.add_member(email, "invited", invited_role=role, expiry=expiry)
        return self.list_team()

    def set_role(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        emails = [e.lower() for e in strings(body, "emails")]
        role = choice(body, "team_role", SETTABLE)
        for email in emails:
            row = self._member(email)
            if row is None:
                raise SandboxError(400, f"{email} is not a member of this team")
            if row["role"] == "admin":
                raise SandboxError(400, "The admin's role cannot be changed; contact support to change the admin")
            if row["role"] == "invited":
                raise SandboxError(400, f"{email} has not accepted the invitation yet")
        for email in emails:
            self.db.execute("UPDATE team SET role=? WHERE email=?", (role, email))
        self._team_changed()
        return self.list_team()

    def accept_invites(self, emails: Iterable[str] = ()) -> list[str]:
        wanted = {e.lower() for e in emails}
        accepted: list[str] = []
        for row in self.db.execute("SELECT * FROM team WHERE role='invited' ORDER BY seq").fetchall():
            if wanted and row["email"] not in wanted:
                continue
            self.db.execute("UPDATE team SET role=?, expiry=NULL WHERE email=?", (row["invited_role"], row["email"]))
            accepted.append(row["email"])
        self._team_changed()
        return accepted
