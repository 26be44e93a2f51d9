"""Signing in and out, password rules, throttling, and the account commands of the CLI
(`trellis users add|list|remove`, `trellis demo --no-serve`)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from planner import store
from planner.cli import main
from planner.store.managers import teams_managed_by
from web.auth import LOGIN_FAILED_MESSAGE, LOGIN_THROTTLED_MESSAGE, AccountError, create_account
from web.security import same_site_path as safe_next

# ---------------------------------------------------------------------------------------------
# Signing in and out
# ---------------------------------------------------------------------------------------------


def test_staff_land_on_my_pathways(auth):
    assert auth.login("alice").headers["Location"] == "/me/pathways"


@pytest.mark.parametrize("username", ["hana", "emre", "ada"])
def test_other_roles_land_on_their_console_when_registered(app, auth, accounts, username):
    """Each role lands on the first of its home pages that is registered (web part 2 adds the
    consoles); the marketplace is the fallback."""
    from flask import url_for

    from web.auth import ROLE_HOME_ENDPOINTS

    endpoint = next(e for e in ROLE_HOME_ENDPOINTS[accounts[username].role] if e in app.view_functions)
    with app.test_request_context():
        expected = url_for(endpoint)
    assert auth.login(username).headers["Location"] == expected


def test_sign_in_follows_a_next_path_on_this_site_only(auth):
    assert auth.login("alice", next="/marketplace").headers["Location"] == "/marketplace"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(auth, target):
    assert safe_next(target) is None
    assert auth.login("alice", next=target).headers["Location"] == "/me/pathways"


def test_unknown_account_and_wrong_password_get_the_same_answer(auth):
    unknown = auth.login("nobody-here", password="whatever-password")
    wrong = auth.login("alice", password="not-her-password")
    assert unknown.status_code == wrong.status_code == 401
    body_unknown, body_wrong = unknown.get_data(as_text=True), wrong.get_data(as_text=True)
    assert LOGIN_FAILED_MESSAGE in body_unknown and LOGIN_FAILED_MESSAGE in body_wrong
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - the echoed name and token differ
    assert strip(body_unknown) == strip(body_wrong)


@pytest.mark.parametrize("username", ["alice", "nobody-here"])
def test_repeated_failures_are_throttled_even_with_the_right_password(app, auth, accounts, username):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login(username, password="wrong-password").status_code == 401
    response = auth.login(username, password=accounts["alice"].password)
    assert response.status_code == 429
    assert LOGIN_THROTTLED_MESSAGE in response.get_data(as_text=True)


def test_many_names_from_one_address_are_throttled_too(app, auth):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for i in range(3):
        assert auth.login(f"guess-{i}", password="wrong-password").status_code == 401
    assert auth.login("alice").status_code == 429


def test_a_success_does_not_reset_the_address_count(app, auth):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for i in range(2):
        auth.login(f"guess-{i}", password="wrong-password")
    assert auth.login("alice").status_code == 302
    auth.logout()
    auth.login("guess-2", password="wrong-password")
    assert auth.login("alice").status_code == 429


def test_the_account_is_locked_in_the_store_after_repeated_failures(app, auth):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("alice", password="wrong-password")
    assert store.get_user_by_name(app.extensions["trellis_engine"], "alice").is_locked()


def test_a_success_clears_the_failures(app, auth):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        auth.login("alice", password="wrong-password")
    assert auth.login("alice").status_code == 302
    auth.logout()
    assert auth.login("alice", password="wrong-password").status_code == 401
    assert auth.login("alice").status_code == 302


def test_sign_out_ends_the_session(client, auth):
    auth.login("alice")
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/people/P1/pathways").status_code == 302
    assert "You have signed out." in client.get("/login").get_data(as_text=True)


def test_sign_out_is_a_post_only(client, auth):
    auth.login("alice")
    assert client.get("/logout").status_code == 405
    assert client.get("/people/P1/pathways").status_code == 200


# ---------------------------------------------------------------------------------------------
# Account rules
# ---------------------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(app, accounts):
    user = store.get_user_by_name(app.extensions["trellis_engine"], "alice")
    assert user.password_hash.startswith("$argon2id$")
    assert accounts["alice"].password not in user.password_hash


def test_outside_the_tests_passwords_cost_argon2id_at_64_mib_3_passes_4_lanes(production_password_hasher, app):
    """The tests hash with tiny costs; the app itself keeps RFC 9106's second recommended
    setting, and counts a hash with lower costs as one to make again (at the next sign-in)."""
    production = production_password_hasher
    stored = production.hash("a password of twenty characters")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert production.verify(stored, "a password of twenty characters")
    user = store.get_user_by_name(app.extensions["trellis_engine"], "alice")
    assert production.check_needs_rehash(user.password_hash)  # the tests' cheap hashes


@pytest.mark.parametrize("username, password, role, person, problem", [
    ("newbie", "short", "hr", None, "at least 12 characters"),
    ("newbie", "x" * 1025, "hr", None, "at most 1024"),
    ("new user", "long-enough-password", "hr", None, "account name"),
    ("newbie", "long-enough-password", "superuser", None, "unknown role"),
    ("newbie", "long-enough-password", "staff", None, "linked to a person"),
    ("alice", "long-enough-password", "hr", None, "already exists"),
])
def test_account_rules(app, username, password, role, person, problem):
    with pytest.raises(AccountError, match=problem):
        create_account(app.extensions["trellis_engine"], username, password, role, person_id=person)


def test_a_long_passphrase_is_welcome(app, auth):
    passphrase = "correct horse battery staple " * 20
    create_account(app.extensions["trellis_engine"], "longpass", passphrase, "hr")
    assert auth.login("longpass", password=passphrase).status_code == 302


# ---------------------------------------------------------------------------------------------
# CLI: trellis users, trellis demo
# ---------------------------------------------------------------------------------------------


def test_users_add_list_remove(database_url):
    runner = CliRunner()
    db = ["--database-url", database_url]
    added = runner.invoke(main, ["users", "add", "casey", "--role", "staff", "--person", "P3", *db], input="a-good-password\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["users", "list", *db])
    assert re.search(r"casey\s+staff\s+P3", listed.output)
    assert "a-good-password" not in listed.output and "argon2" not in listed.output
    removed = runner.invoke(main, ["users", "remove", "casey", *db])
    assert removed.exit_code == 0
    assert "casey" not in runner.invoke(main, ["users", "list", *db]).output


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "add", "x1", "--role", "hr"], "short\n", "at least 12 characters"),
    (["users", "add", "x1", "--role", "staff"], "long-enough-pw\n", "linked to a person"),
    (["users", "add", "x1", "--role", "staff", "--person", "P404"], "long-enough-pw\n", "No person 'P404'"),
    (["users", "remove", "nobody"], "", "no account named"),
])
def test_users_commands_explain_refusals(database_url, args, stdin, message):
    result = CliRunner().invoke(main, [*args, "--database-url", database_url], input=stdin)
    assert result.exit_code == 2
    assert message in result.output


def test_demo_loads_the_sample_and_prints_fresh_random_passwords(tmp_path, scenario):
    from planner.scenario_io import write_scenario_csv

    sample = tmp_path / "sample"
    write_scenario_csv(scenario, sample)
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "--no-serve", "--sample", str(sample), "--database-url", url])
    assert first.exit_code == 0, first.output
    assert "Imported the sample scenario: 6 people" in first.output
    second = runner.invoke(main, ["demo", "--no-serve", "--sample", str(sample), "--database-url", url])
    assert "already stored" in second.output

    def passwords(output):
        return dict(re.findall(r"^\s+(demo-\w+)\s+(\S+)$", output, flags=re.M))

    one, two = passwords(first.output), passwords(second.output)
    assert set(one) == {"demo-staff", "demo-hr", "demo-emergency", "demo-admin", "demo-manager"}
    assert all(one[name] != two[name] for name in one)
    assert len(set(one.values())) == 5
    engine = store.make_engine(url)
    staff = store.get_user_by_name(engine, "demo-staff")
    assert staff.role == "staff" and staff.person_id in {p.person_id for p in scenario.people}
    manager = store.get_user_by_name(engine, "demo-manager")
    assert teams_managed_by(engine, manager.id) == (scenario.person_by_id[staff.person_id].team_id,)
    engine.dispose()


def test_a_head_request_for_the_sign_in_page_is_not_a_failed_sign_in(client):
    """Link checkers and monitors send HEAD; it must neither answer 401 nor count towards the
    address's throttle."""
    for _ in range(60):
        assert client.head("/login").status_code == 200
    assert client.get("/login").status_code == 200
