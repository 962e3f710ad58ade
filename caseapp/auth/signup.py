"""Who may create their own account through single sign-on: people whose verified email is at a
domain an admin listed ("Allow sign-up from these email domains"). Empty, the default, means no
one: only staff an admin has added can sign in. See caseapp.auth.oidc for the role they get."""

from __future__ import annotations

import re

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import Organisation, utcnow

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Addresses anyone can get: allowing one of these would let the public in.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com",
    "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "icloud.com", "me.com", "aol.com",
    "proton.me", "protonmail.com", "gmx.com", "mail.com", "btinternet.com",
})


def parse_domains(text: str) -> list[str]:
    """The domains in a comma, space or line separated list, checked; raises ValidationFailed."""
    domains: list[str] = []
    for part in re.split(r"[\s,;]+", (text or "").strip().lower()):
        part = part.lstrip("@")
        if not part:
            continue
        if not _DOMAIN.match(part):
            raise ValidationFailed({"signup_domains": f"{part[:60]} is not an email domain "
                                                      "such as example.org"})
        if part in PUBLIC_MAIL_DOMAINS:
            raise ValidationFailed({"signup_domains": f"{part} is a public email service: "
                                                      "anyone could sign up"})
        if part not in domains:
            domains.append(part)
    if len(",".join(domains)) > 500:
        raise ValidationFailed({"signup_domains": "List fewer domains"})
    return domains


def get_signup_domains(actor: Actor) -> str:
    if not access.can_manage_organisation(actor):
        raise PermissionDenied("Only an admin can see organisation settings")
    with session_scope() as db:
        org = db.get(Organisation, 1)
        return ", ".join(d for d in (org.signup_domains if org else "").split(",") if d)


def set_signup_domains(actor: Actor, text: str) -> list[str]:
    if not access.can_manage_organisation(actor):
        raise PermissionDenied("Only an admin can change organisation settings")
    domains = parse_domains(text)
    with session_scope() as db:
        org = db.get(Organisation, 1)
        if org is None:
            from caseapp.organisation import _row

            org = _row(db)
        old = org.signup_domains
        org.signup_domains, org.updated_at = ",".join(domains), utcnow()
        db.add(org)
        audit.record(db, actor, "organisation.signup_domains", "organisation", 1,
                     old=old.split(",") if old else [], new=domains)
    return domains
