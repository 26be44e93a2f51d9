"""A message carries only what its recipient may see: the rule alone, then each event's
messages (who gets one, and what it says), then `deliver` refusing a message that breaks it."""

from __future__ import annotations

import pytest

from planner import store
from planner.notifications import audience, events
from planner.notifications.audience import (
    AudienceError,
    Message,
    Placement,
    Recipient,
    Redeployment,
    may_see_details_of,
    message_respects_audience,
)
from planner.store import notifications as inbox_store
from tests.conftest import small_scenario
from web.security import ROLES_SEEING_EVERYONE

STAFF_P1 = Recipient(user_id=1, role="staff", person_id="P1")
STAFF_UNLINKED = Recipient(user_id=2, role="staff", person_id=None)
HR = Recipient(user_id=3, role="hr", person_id=None)
EMERGENCY = Recipient(user_id=4, role="emergency", person_id=None)
ADMIN = Recipient(user_id=5, role="admin", person_id=None)
NAMES = {p.person_id: p.name for p in small_scenario().people}


@pytest.fixture
def engine(database_url):
    engine = store.make_engine(database_url)
    yield engine
    engine.dispose()


def ids(engine, *usernames):
    return {store.get_user_by_name(engine, name).id for name in usernames}


def names_in(message: Message) -> set[str]:
    """Every scenario person whose name (or either part of it) the message's text carries."""
    text = f"{message.subject} {message.body}"
    return {pid for pid, name in NAMES.items() if any(part in text for part in name.split())}


# ---------------------------------------------------------------------------------------------
# The rule alone
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("recipient, person_id, allowed", [
    (STAFF_P1, "P1", True),
    (STAFF_P1, "P2", False),
    (STAFF_UNLINKED, "P1", False),
    (HR, "P2", True),
    (EMERGENCY, "P2", True),
    (ADMIN, "P2", True),
])
def test_staff_are_told_only_about_themselves_and_planners_about_anyone(recipient, person_id, allowed):
    assert may_see_details_of(recipient, person_id) is allowed


def test_a_message_respects_its_audience_only_if_every_person_it_mentions_is_visible_to_the_recipient():
    about = dict(kind="answer", subject="s", body="b", link="/inbox")
    assert message_respects_audience(Message(recipient=STAFF_P1, carries_details_of=frozenset({"P1"}), **about))
    assert message_respects_audience(Message(recipient=STAFF_P1, **about))  # totals only
    assert not message_respects_audience(Message(recipient=STAFF_P1, carries_details_of=frozenset({"P1", "P2"}), **about))
    assert message_respects_audience(Message(recipient=HR, carries_details_of=frozenset({"P1", "P2"}), **about))


def test_the_rule_agrees_with_the_web_apps_roles_that_see_everyone():
    assert audience.ROLES_SEEING_EVERYONE == ROLES_SEEING_EVERYONE


# ---------------------------------------------------------------------------------------------
# Each event's messages
# ---------------------------------------------------------------------------------------------


def test_an_approved_plan_tells_each_placed_person_their_own_placement_and_hr_the_totals(engine):
    messages = audience.plan_approved_messages(engine, plan_id=7, plan_kind="matching", version=3, placements=[
        Placement("P1", "Data analysis secondment", "Data Team"),
        Placement("P2", "GIS mapping project", "Mapping Unit")])
    alice, bilal, hana = (ids(engine, n).pop() for n in ("alice", "bilal", "hana"))
    by_recipient = {m.recipient.user_id: m for m in messages}
    assert set(by_recipient) == {alice, bilal, hana}  # not emre (emergency) nor ada (admin)
    assert "Data analysis secondment" in by_recipient[alice].body
    assert "GIS mapping" not in by_recipient[alice].body
    assert "GIS mapping project" in by_recipient[bilal].body
    assert "2 placements" in by_recipient[hana].body and by_recipient[hana].link == "/hr/plans/7"
    assert all(message_respects_audience(m) for m in messages)
    assert names_in(by_recipient[hana]) == set()  # totals carry no names


def test_a_redeployment_tells_the_person_where_and_emergency_planners_how_many(engine):
    messages = audience.redeployment_messages(engine, [Redeployment("P1", "Public Health", "Safeguarding"),
                                                       Redeployment("P2", "Mapping Unit")])
    alice, bilal, emre = (ids(engine, n).pop() for n in ("alice", "bilal", "emre"))
    by_recipient = {m.recipient.user_id: m for m in messages}
    assert set(by_recipient) == {alice, bilal, emre}
    assert "Public Health for Safeguarding" in by_recipient[alice].body
    assert "Mapping Unit" not in by_recipient[alice].body
    assert by_recipient[emre].subject == "2 redeployments recorded" and names_in(by_recipient[emre]) == set()


def test_a_proposal_goes_to_the_person_alone(engine):
    messages = audience.proposal_messages(engine, person_id="P2", opportunity_title="GIS mapping project")
    assert [m.recipient.user_id for m in messages] == list(ids(engine, "bilal"))
    assert messages[0].about_person_id == "P2"


def test_an_answer_goes_to_hr_with_the_persons_name(engine):
    messages = audience.answer_messages(engine, person_id="P1", person_name="Alice Ashby",
                                        opportunity_title="Data analysis secondment", accepted=False, link="/hr/")
    assert {m.recipient.user_id for m in messages} == ids(engine, "hana")
    assert messages[0].subject == "Alice Ashby declined a proposal"


def test_a_release_is_told_to_the_person_without_others_and_to_hr_with_the_name(engine):
    messages = audience.release_messages(engine, person_id="P1", person_name="Alice Ashby",
                                         opportunity_title="Data analysis secondment", released=False,
                                         reason="winter pressures", link="/hr/")
    alice, hana = ids(engine, "alice").pop(), ids(engine, "hana").pop()
    by_recipient = {m.recipient.user_id: m for m in messages}
    assert set(by_recipient) == {alice, hana}
    assert "Alice" not in by_recipient[alice].body and "winter pressures" in by_recipient[alice].body
    assert "Alice Ashby" in by_recipient[hana].subject


def test_no_staff_message_of_any_event_carries_another_persons_name(engine):
    messages = (
        audience.plan_approved_messages(engine, plan_id=1, plan_kind="matching", version=1, placements=[
            Placement(p, "Some move", "Some team") for p in NAMES])
        + audience.redeployment_messages(engine, [Redeployment(p, "Public Health") for p in NAMES])
        + [m for p in NAMES for m in audience.proposal_messages(engine, person_id=p, opportunity_title="X")]
        + [m for p in NAMES for m in audience.release_messages(engine, person_id=p, person_name=NAMES[p],
                                                                opportunity_title="X", released=True, link="/hr/")])
    staff_messages = [m for m in messages if m.recipient.role == "staff"]
    assert staff_messages
    for message in staff_messages:
        assert names_in(message) <= {message.recipient.person_id}, message


# ---------------------------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------------------------


def test_deliver_stores_each_message_in_its_recipients_inbox(engine):
    delivered = audience.deliver(engine, audience.proposal_messages(engine, person_id="P1", opportunity_title="X"))
    alice = ids(engine, "alice").pop()
    [stored] = inbox_store.inbox(engine, alice)[0]
    assert stored.id in delivered and stored.person_id == "P1" and stored.kind == "proposal"


def test_deliver_refuses_a_message_telling_staff_about_someone_else_and_stores_nothing(engine):
    alice = ids(engine, "alice").pop()
    good = audience.proposal_messages(engine, person_id="P1", opportunity_title="X")
    leaking = Message(recipient=Recipient(alice, "staff", "P1"), kind="answer", subject="Bilal Brook accepted",
                      body="", link="/inbox", carries_details_of=frozenset({"P2"}))
    with pytest.raises(AudienceError):
        audience.deliver(engine, [*good, leaking])
    assert inbox_store.unread_count(engine, alice) == 0


# ---------------------------------------------------------------------------------------------
# The events that exist today, from a stored plan
# ---------------------------------------------------------------------------------------------


def test_approving_a_stored_matching_plan_tells_each_placed_person_and_hr(engine):
    plan = store.save_plan(engine, "matching", {"placements": [
        {"person_id": "P1", "opportunity_id": "O1", "period": 1},
        {"person_id": "P2", "opportunity_id": "O2", "period": 1}]}, created_by="hana")
    approved = store.approve_plan(engine, plan.id, "hana")
    events.notify_plan_approved(engine, approved)
    alice, bilal, hana = (ids(engine, n).pop() for n in ("alice", "bilal", "hana"))
    [to_alice] = inbox_store.inbox(engine, alice)[0]
    assert to_alice.body.startswith('Your placement on "Data analysis secondment" with Data Team')
    assert "GIS" not in to_alice.body
    [to_hana] = inbox_store.inbox(engine, hana)[0]
    assert to_hana.subject == "Matching plan version 1 approved" and to_hana.link == f"/hr/plans/{plan.id}"
    assert inbox_store.unread_count(engine, bilal) == 1


def test_a_redeployment_tells_those_moved_and_on_a_replan_only_those_whose_move_changed(engine):
    first = store.save_plan(engine, "redeploy", {"assignments": [
        {"person_id": "P1", "from_team_id": "T-ASC", "to_team_id": "T-PH", "skill": "safeguarding", "priority": 1},
        {"person_id": "P2", "from_team_id": "T-DATA", "to_team_id": "T-GIS", "skill": "gis", "priority": 2}]},
        created_by="emre")
    events.notify_redeployment(engine, first)
    alice, bilal, emre = (ids(engine, n).pop() for n in ("alice", "bilal", "emre"))
    [to_alice] = inbox_store.inbox(engine, alice)[0]
    assert "Public Health for Safeguarding" in to_alice.body
    replan = store.save_plan(engine, "redeploy", {
        "assignments": [{"person_id": "P1", "from_team_id": "T-ASC", "to_team_id": "T-PH", "skill": "safeguarding", "priority": 1},
                        {"person_id": "P2", "from_team_id": "T-DATA", "to_team_id": "T-PH", "skill": "python", "priority": 2}],
        "changes": {"stayed": ["P1"], "moved": [], "reassigned": ["P2"], "returned": [], "kept_share": 0.5}},
        created_by="emre")
    events.notify_redeployment(engine, replan)
    assert inbox_store.unread_count(engine, alice) == 1  # kept where she was: not told again
    assert inbox_store.unread_count(engine, bilal) == 2
    assert [m.subject for m in inbox_store.inbox(engine, emre)[0]] == ["1 redeployment recorded", "2 redeployments recorded"]
