"""Team accounts, run INSIDE the Label Studio server's environment (its venv's python,
its settings, its database) by `newsclaims.studio.team`; never imported by newsclaims.

Why here and not over HTTP: the open-source server's `POST /api/users/` takes no
password, and a user's API token is readable only by that user. Django's own models
can do both, the way Label Studio's sign-up does (users/functions/common.py
`save_user`: username from the e-mail, added to the organisation, made active in it).

The request comes as JSON on stdin (it may hold a password: never on a command line,
which `ps` shows); the reply is one JSON document on stdout (it may hold tokens: the
caller writes them to 0600 files and prints none). Whatever the server prints while
it starts goes to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main() -> int:
    request = json.loads(sys.stdin.read())
    reply_to = sys.stdout
    sys.stdout = sys.stderr  # the server's start-up chatter must not mix with the reply
    try:
        _setup_django()
        reply = ACTIONS[request["action"]](request)
    except Exception as exc:  # one line back to the caller, never the request itself
        reply_to.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    reply_to.write(json.dumps(reply))
    return 0


def _setup_django() -> None:
    """What `label-studio` does before a command: its package dir on the path, its settings."""
    import label_studio

    sys.path.insert(0, os.path.dirname(label_studio.__file__))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "label_studio.core.settings.label_studio")
    import django

    django.setup()


def _organisation(lead_email: str) -> Any:
    """The lead's (admin's) organisation; the open-source server has just one."""
    from users.models import User

    lead = User.objects.filter(email=lead_email).first()
    if lead is None or lead.active_organization is None:
        raise LookupError(f"the lead account {lead_email} has no organisation; "
                          "start the server once")
    return lead.active_organization


def _describe(user: Any, organisation: Any, **extra: Any) -> dict[str, Any]:
    from organizations.models import OrganizationMember
    from tasks.models import Annotation

    membership = OrganizationMember.objects.filter(user=user, organization=organisation).first()
    return {
        "id": user.id,
        "email": user.email,
        "name": " ".join(part for part in (user.first_name, user.last_name) if part),
        "active": bool(user.is_active and membership is not None and not membership.deleted_at),
        "lead": bool(user.is_superuser),
        "annotations": Annotation.objects.filter(completed_by=user).count(),
        **extra,
    }


def add(request: dict[str, Any]) -> dict[str, Any]:
    """Create (or bring back) each member: password set, in the organisation, active.
    A member who is already active keeps the password and token they have."""
    from django.db import transaction
    from organizations.models import OrganizationMember
    from users.models import User

    organisation = _organisation(request["lead"])
    done = []
    for wanted in request["members"]:
        with transaction.atomic():
            user = User.objects.filter(email__iexact=wanted["email"]).first()
            membership = (OrganizationMember.objects.filter(user=user, organization=organisation)
                          .first() if user else None)
            if user is not None and user.is_active and membership and not membership.deleted_at:
                done.append(_describe(user, organisation, change="already a member"))
                continue
            if user is None:
                change = "added"
            elif not user.is_active or (membership and membership.deleted_at):
                change = "reactivated"
            else:
                change = "joined"  # an account the organisation did not hold yet
            if user is None:
                user = User.objects.create_user(email=wanted["email"], password=wanted["password"])
            else:
                user.set_password(wanted["password"])
            first, _, last = (wanted.get("name") or "").partition(" ")
            user.first_name, user.last_name = first or user.first_name, last or user.last_name
            user.username = user.email.split("@")[0]
            user.is_active = True
            user.active_organization = organisation
            user.save()
            if membership is None:
                organisation.add_user(user)
            elif membership.deleted_at:
                membership.deleted_at = None
                membership.save(update_fields=["deleted_at"])
            token = user.auth_token if change == "added" else user.reset_token()
            done.append(_describe(user, organisation, change=change, token=token.key))
    return {"members": done}


def remove(request: dict[str, Any]) -> dict[str, Any]:
    """Deactivate: no login, no API token, out of the organisation; annotations stay."""
    from django.db import transaction
    from organizations.models import OrganizationMember
    from users.models import User

    organisation = _organisation(request["lead"])
    done = []
    for email in request["emails"]:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            done.append({"email": email, "change": "not a member"})
            continue
        if user.is_superuser:
            done.append(_describe(user, organisation, change="the lead is not removed"))
            continue
        with transaction.atomic():
            user.is_active = False
            user.save(update_fields=["is_active"])
            membership = OrganizationMember.objects.filter(user=user, organization=organisation)
            for member in membership.filter(deleted_at__isnull=True):
                member.soft_delete()  # also releases the task locks they held
            user.reset_token()  # the old token stops working even if reactivated later
        done.append(_describe(user, organisation, change="removed"))
    return {"members": done}


def members(request: dict[str, Any]) -> dict[str, Any]:
    """Everyone who is or was in the lead's organisation."""
    from organizations.models import OrganizationMember

    organisation = _organisation(request["lead"])
    rows = OrganizationMember.objects.filter(organization=organisation).select_related("user")
    return {"members": [_describe(row.user, organisation) for row in rows.order_by("user_id")]}


ACTIONS = {"add": add, "remove": remove, "list": members}

if __name__ == "__main__":
    sys.exit(main())
