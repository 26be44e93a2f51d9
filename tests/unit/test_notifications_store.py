"""The inbox in the store: messages stored per account, read newest first, marked read only by
their recipient, exported with the person and gone with their account."""

from __future__ import annotations

import pytest
from alembic import command
from click.testing import CliRunner
from helpers import ACCOUNTS
from scenarios import small_scenario
from sqlalchemy import inspect, select

from planner import store
from planner.cli import main
from planner.store import notifications as inbox_store
from planner.store.engine import alembic_config, write_transaction
from planner.store.tables import notifications
from planner.store.testing import postgres_test_url, temporary_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, database_url):
    """The test store (small scenario, one account per role) on SQLite and, under
    scripts/with-postgres.sh, on PostgreSQL in a throw-away schema."""
    if request.param == "sqlite":
        engine = store.make_engine(database_url)
        yield engine
        engine.dispose()
        return
    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    with temporary_engine(url) as engine:
        store.upgrade(engine)
        store.save_scenario(engine, small_scenario(), actor="tests")
        for account in ACCOUNTS.values():
            store.create_user(engine, account.username, "not-a-real-hash", account.role,
                              person_id=account.person_id, actor="tests")
        yield engine


def account_id(engine, username: str) -> int:
    return store.get_user_by_name(engine, username).id


def test_the_migration_creates_the_table_with_a_cascading_foreign_key_to_users(engine):
    assert store.current_revision(engine) == store.head_revision()
    keys = inspect(engine).get_foreign_keys("notifications")
    assert [(k["referred_table"], k["constrained_columns"], k["options"].get("ondelete")) for k in keys] == [
        ("users", ["recipient_user_id"], "CASCADE")]
    assert "email" in {c["name"] for c in inspect(engine).get_columns("users")}


def test_the_migration_downgrades_and_upgrades_again_keeping_accounts(engine):
    config = alembic_config()
    with write_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_web2")
    assert "notifications" not in inspect(engine).get_table_names()
    assert "email" not in {c["name"] for c in inspect(engine).get_columns("users")}
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM users").scalar() == 5
    assert store.upgrade(engine) == store.head_revision()
    assert store.get_user_by_name(engine, "alice").email is None


def test_notify_stores_one_message_per_recipient_and_inbox_lists_newest_first(engine):
    alice, hana = account_id(engine, "alice"), account_id(engine, "hana")
    first = inbox_store.notify(engine, [alice, hana, alice], "proposal", "First", "one", "/me/record")
    second = inbox_store.notify(engine, [alice], "release", "Second", "two", "/me/record")
    assert len(first) == 2 and len(second) == 1
    messages, has_next = inbox_store.inbox(engine, alice)
    assert [m.subject for m in messages] == ["Second", "First"] and not has_next
    assert [m.subject for m in inbox_store.inbox(engine, hana)[0]] == ["First"]
    assert inbox_store.unread_count(engine, alice) == 2


def test_the_inbox_is_paged(engine):
    alice = account_id(engine, "alice")
    for number in range(25):
        inbox_store.notify(engine, [alice], "proposal", f"Message {number}", "", "/inbox")
    page_one, more = inbox_store.inbox(engine, alice, page=1, page_size=20)
    page_two, more_after = inbox_store.inbox(engine, alice, page=2, page_size=20)
    assert (len(page_one), more, len(page_two), more_after) == (20, True, 5, False)
    assert page_one[0].subject == "Message 24" and page_two[-1].subject == "Message 0"


@pytest.mark.parametrize("kind, subject, body, link, problem", [
    ("gossip", "Hi", "", "/inbox", "unknown notification kind"),
    ("proposal", "", "", "/inbox", "subject"),
    ("proposal", "two\nlines", "", "/inbox", "subject"),
    ("proposal", "x" * 201, "", "/inbox", "subject"),
    ("proposal", "Hi", "x" * 4001, "/inbox", "body"),
    ("proposal", "Hi", "", "https://evil.example/", "link"),
    ("proposal", "Hi", "", "//evil.example/", "link"),
    ("proposal", "Hi", "", "/\\evil.example", "link"),
    ("proposal", "Hi", "", "javascript:alert(1)", "link"),
    ("proposal", "Hi", "", "inbox", "link"),
])
def test_a_malformed_message_is_refused_and_nothing_is_stored(engine, kind, subject, body, link, problem):
    alice = account_id(engine, "alice")
    with pytest.raises(ValueError, match=problem):
        inbox_store.notify(engine, [alice], kind, subject, body, link)
    assert inbox_store.inbox(engine, alice)[0] == []


def test_a_message_to_an_unknown_account_stores_nothing(engine):
    alice = account_id(engine, "alice")
    with pytest.raises(store.NotFound):
        inbox_store.notify(engine, [alice, 99999], "proposal", "Hi", "", "/inbox")
    assert inbox_store.unread_count(engine, alice) == 0


def test_an_account_marks_only_its_own_messages_read(engine):
    alice, bilal = account_id(engine, "alice"), account_id(engine, "bilal")
    [mine] = inbox_store.notify(engine, [alice], "proposal", "Mine", "", "/inbox")
    [theirs] = inbox_store.notify(engine, [bilal], "proposal", "Theirs", "", "/inbox")
    with pytest.raises(store.NotFound):
        inbox_store.mark_read(engine, alice, [mine, theirs])
    with pytest.raises(store.NotFound):
        inbox_store.mark_read(engine, alice, [12345])
    assert inbox_store.unread_count(engine, alice) == 1 and inbox_store.unread_count(engine, bilal) == 1
    assert inbox_store.mark_read(engine, alice, [mine]) == 1
    assert inbox_store.mark_read(engine, alice, [mine]) == 0  # already read: no change, no error
    assert inbox_store.unread_count(engine, alice) == 0 and inbox_store.unread_count(engine, bilal) == 1


def test_mark_all_read_touches_only_the_accounts_own_messages(engine):
    alice, bilal = account_id(engine, "alice"), account_id(engine, "bilal")
    inbox_store.notify(engine, [alice, bilal], "proposal", "Both", "", "/inbox")
    inbox_store.notify(engine, [alice], "proposal", "Alice only", "", "/inbox")
    assert inbox_store.mark_all_read(engine, alice) == 2
    assert inbox_store.unread_count(engine, alice) == 0 and inbox_store.unread_count(engine, bilal) == 1


def test_messages_go_with_their_account(engine):
    alice, hana = account_id(engine, "alice"), account_id(engine, "hana")
    inbox_store.notify(engine, [alice, hana], "proposal", "Hi", "", "/inbox")
    assert store.delete_user(engine, alice, actor="tests")
    with engine.connect() as connection:
        left = connection.execute(select(notifications.c.recipient_user_id)).scalars().all()
    assert left == [hana]


def test_a_persons_export_holds_their_inbox_and_messages_about_them_and_nothing_of_others(engine):
    alice, bilal, hana = (account_id(engine, name) for name in ("alice", "bilal", "hana"))
    inbox_store.notify(engine, [alice], "proposal", "Proposed to Alice", "only hers", "/me/record",
                       about_person_id="P1")
    inbox_store.notify(engine, [hana], "answer", "Alice Ashby accepted", "HR's copy", "/hr/",
                       about_person_id="P1")
    inbox_store.notify(engine, [bilal], "proposal", "Proposed to Bilal", "his", "/me/record",
                       about_person_id="P2")
    exported = store.export_person(engine, "P1")
    assert [m["subject"] for m in exported["notifications"]] == ["Proposed to Alice"]
    about = {row["subject"] for row in exported["other_records"]["notifications"]}
    assert about == {"Proposed to Alice", "Alice Ashby accepted"}
    text = str(exported)
    assert "Bilal" not in text and "password_hash" not in text


def test_erasing_a_person_removes_their_inbox_and_every_message_about_them(engine):
    alice, bilal, hana = (account_id(engine, name) for name in ("alice", "bilal", "hana"))
    inbox_store.notify(engine, [alice], "plan_approved", "Plan totals", "no names", "/inbox")
    inbox_store.notify(engine, [hana], "answer", "Alice Ashby accepted", "", "/hr/", about_person_id="P1")
    inbox_store.notify(engine, [hana], "answer", "Bilal Brook declined", "", "/hr/", about_person_id="P2")
    inbox_store.notify(engine, [bilal], "proposal", "Proposed to Bilal", "", "/me/record", about_person_id="P2")
    store.delete_person(engine, "P1", actor="ada")
    with engine.connect() as connection:
        left = connection.execute(select(notifications.c.subject).order_by(notifications.c.id)).scalars().all()
    assert left == ["Bilal Brook declined", "Proposed to Bilal"]
    assert store.get_user(engine, alice) is None


def test_an_account_email_is_optional_checked_exported_and_audited_without_the_address(engine):
    alice = account_id(engine, "alice")
    assert store.get_user(engine, alice).email is None
    for bad in ("alice", "a@b", "two@x.org, three@y.org", "a@x.org\nBcc: all@x.org", "a b@x.org", "<a@x.org>"):
        with pytest.raises(ValueError, match="email address"):
            store.users.set_email(engine, alice, bad, actor="tests")
    store.users.set_email(engine, alice, "alice@example.org", actor="tests")
    assert store.get_user(engine, alice).email == "alice@example.org"
    assert store.export_person(engine, "P1")["user_accounts"][0]["email"] == "alice@example.org"
    rows = [a for a in store.list_audit(engine) if a.action == "user.email"]
    assert rows and "example.org" not in f"{rows[0].detail} {rows[0].target}"
    store.users.set_email(engine, alice, None, actor="tests")
    assert store.get_user(engine, alice).email is None


# ---------------------------------------------------------------------------------------------
# Command line: an account's email address
# ---------------------------------------------------------------------------------------------


def test_users_add_email_and_users_email_set_and_remove_the_address(engine):
    runner = CliRunner()
    db = ["--database-url", engine.url.render_as_string(hide_password=False)]
    added = runner.invoke(main, ["users", "add", "casey", "--role", "staff", "--person", "P3",
                                 "--email", "casey@example.org", *db], input="a-good-password\n")
    assert added.exit_code == 0, added.output
    assert store.get_user_by_name(engine, "casey").email == "casey@example.org"
    changed = runner.invoke(main, ["users", "email", "alice", "alice@example.org", *db])
    assert changed.exit_code == 0 and store.get_user_by_name(engine, "alice").email == "alice@example.org"
    removed = runner.invoke(main, ["users", "email", "alice", *db])
    assert removed.exit_code == 0 and store.get_user_by_name(engine, "alice").email is None


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "add", "dee", "--role", "hr", "--email", "dee@example"], "a-good-password\n", "is not an email address"),
    (["users", "add", "dee", "--role", "hr", "--email", "a@x.org,b@y.org"], "a-good-password\n", "is not an email address"),
    (["users", "email", "alice", "not-an-address"], "", "is not an email address"),
    (["users", "email", "nobody", "n@example.org"], "", "no account named 'nobody'"),
])
def test_a_bad_email_address_on_the_command_line_is_one_line_exit_2_and_changes_nothing(engine,
                                                                                        args, stdin, message):
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, [*args, "--database-url", url], input=stdin)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert store.get_user_by_name(engine, "dee") is None and store.get_user_by_name(engine, "alice").email is None


def test_messages_stored_inside_a_change_are_kept_or_dropped_with_it(engine):
    alice = account_id(engine, "alice")
    announced = []
    inbox_store.on_notified(announced.append)
    try:
        with pytest.raises(RuntimeError), write_transaction(engine) as connection:
            inbox_store.notify(connection, [alice], "proposal", "Rolled back", "", "/inbox")
            raise RuntimeError("the change itself failed")
        assert inbox_store.unread_count(engine, alice) == 0 and announced == []
        with write_transaction(engine) as connection:
            [kept] = inbox_store.notify(connection, [alice], "proposal", "Kept", "", "/inbox")
            assert announced == []  # not before the commit
        assert announced == [[kept]] and inbox_store.unread_count(engine, alice) == 1
    finally:
        inbox_store.stop_notifying(announced.append)
