"""The audit trail in words: the store keeps ids (`person:P00005`, `user:1`, actor `harriet`);
the audit page shows the names its reader may see beside them, translated when shown, so the
stored trail never changes and a name that changes later is shown as it is now."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# What each kind of target is called on the page.
TARGET_KINDS = {"person": "person", "user": "account", "team": "team", "opportunity": "opportunity",
                "plan": "plan", "job": "run", "token": "API token"}


@dataclass(frozen=True)
class AuditNames:
    """What the audit page needs to name targets and actors; `person_name` gives the name the
    reader may see (or the id back when they may not, or the person is gone)."""

    usernames: Mapping[int, str] = field(default_factory=dict)  # account id -> account name
    account_people: Mapping[str, str] = field(default_factory=dict)  # account name -> person id
    person_name: Callable[[str], str] = lambda person_id: person_id
    team_names: Mapping[str, str] = field(default_factory=dict)
    opportunity_titles: Mapping[str, str] = field(default_factory=dict)


def person_in_words(names: AuditNames, person_id: str) -> str:
    """A person as `Name (person P00005)`, or just the id when no name may be shown."""
    name = names.person_name(person_id)
    return f"{name} (person {person_id})" if name and name != person_id else f"person {person_id}"


def account_in_words(names: AuditNames, username: str, account_id: int | None = None) -> str:
    """An account by the name of the person it belongs to when there is one (`Harriet Jones
    (harriet)`), else by its account name; with its number when the trail stored that."""
    person_id = names.account_people.get(username)
    person = names.person_name(person_id) if person_id else None
    shown = person if person and person != person_id else username
    inside = [username] if shown != username else []
    if account_id is not None:
        inside.append(f"account {account_id}")
    return f"{shown} ({', '.join(inside)})" if inside else shown


def target_in_words(names: AuditNames, target: str | None) -> str:
    """An audit target (`kind:id`) in words, names first, the id kept beside it; an unknown kind
    is shown as stored."""
    if not target:
        return "—"
    kind, sep, ident = target.partition(":")
    if not sep or kind not in TARGET_KINDS:
        return target
    if kind == "person":
        return person_in_words(names, ident)
    if kind == "user" and ident.isdigit():
        username = names.usernames.get(int(ident))
        return account_in_words(names, username, int(ident)) if username else f"account {ident} (since removed)"
    if kind == "team" and ident in names.team_names:
        return f"{names.team_names[ident]} (team {ident})"
    if kind == "opportunity" and ident in names.opportunity_titles:
        return f"{names.opportunity_titles[ident]} (opportunity {ident})"
    return f"{TARGET_KINDS[kind]} {ident}"
