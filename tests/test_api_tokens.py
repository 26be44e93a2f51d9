"""API tokens in the store and on the command line (`trellis tokens add|list|revoke`): shown
once, kept only as a hash, refused once revoked, audited, and erased with their person."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from sqlalchemy import select

from planner.cli import main
from planner.store import delete_person, export_person, list_audit
from planner.store.api_tokens import authenticate_token, get_token, issue_token, revoke_token
from planner.store.tables import api_tokens


@pytest.fixture
def url(web2_engine) -> str:
    return web2_engine.url.render_as_string(hide_password=False)


def trellis(*args: str):
    return CliRunner().invoke(main, list(args))


def test_tokens_add_prints_the_token_once_as_its_last_line_and_stores_only_its_hash(web2_engine, url):
    made = trellis("tokens", "add", "hr-system", "--role", "hr", "--database-url", url)
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("trl_") and len(secret) == 4 + 43
    with web2_engine.connect() as connection:
        (row,) = connection.execute(select(api_tokens)).all()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(tuple(row))
    listed = trellis("tokens", "list", "--database-url", url)
    assert "hr-system" in listed.output and "live" in listed.output and "never" in listed.output
    assert secret not in listed.output and row.token_hash not in listed.output
    assert authenticate_token(web2_engine, secret).name == "hr-system"


def test_two_tokens_are_never_the_same(web2_engine):
    secrets = {issue_token(web2_engine, f"t{i}", "admin", actor="test").secret for i in range(20)}
    assert len(secrets) == 20


def test_a_staff_token_is_linked_to_its_person(web2_engine, url):
    made = trellis("tokens", "add", "kiosk-p001", "--role", "staff", "--person", "P001", "--database-url", url)
    assert made.exit_code == 0, made.output
    token = get_token(web2_engine, "kiosk-p001")
    assert (token.role, token.person_id) == ("staff", "P001")


@pytest.mark.parametrize("args, message", [
    (["tokens", "add", "s", "--role", "staff"], "name that person with --person"),
    (["tokens", "add", "s", "--role", "staff", "--person", "P999"], "no such person"),
    (["tokens", "add", "bad name", "--role", "hr"], "is not allowed"),
    (["tokens", "add", "token:x", "--role", "hr"], "is not allowed"),
    (["tokens", "revoke", "nobody"], "no token named 'nobody'"),
])
def test_bad_token_commands_say_why_in_one_line_and_exit_2(web2_engine, url, args, message):
    result = trellis(*args, "--database-url", url)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    with web2_engine.connect() as connection:
        assert connection.execute(select(api_tokens)).all() == []


def test_a_name_is_used_once_even_after_revoking(web2_engine, url):
    assert trellis("tokens", "add", "sys", "--role", "hr", "--database-url", url).exit_code == 0
    assert trellis("tokens", "revoke", "sys", "--database-url", url).exit_code == 0
    again = trellis("tokens", "add", "sys", "--role", "hr", "--database-url", url)
    assert again.exit_code == 2 and "already exists" in again.output


def test_a_revoked_token_is_refused_and_stays_listed(web2_engine, url):
    secret = issue_token(web2_engine, "reporting", "admin", actor="test").secret
    assert trellis("tokens", "revoke", "reporting", "--database-url", url).exit_code == 0
    assert authenticate_token(web2_engine, secret) is None
    assert "revoked" in trellis("tokens", "list", "--database-url", url).output
    assert revoke_token(web2_engine, "reporting", actor="test").revoked  # revoking twice changes nothing
    assert [e.action for e in list_audit(web2_engine, target="token:reporting")] == ["token.revoke", "token.create"]


def test_use_is_recorded_on_the_token(web2_engine):
    secret = issue_token(web2_engine, "sys", "hr", actor="test").secret
    assert get_token(web2_engine, "sys").last_used_at is None
    authenticate_token(web2_engine, secret)
    assert get_token(web2_engine, "sys").last_used_at is not None


@pytest.mark.parametrize("presented", ["", "trl_", "trl_" + "x" * 43, "x" * 500, "trl_" + "a" * 300])
def test_anything_but_a_live_token_authenticates_nothing(web2_engine, presented):
    issue_token(web2_engine, "sys", "hr", actor="test")
    assert authenticate_token(web2_engine, presented) is None


def test_erasing_a_person_removes_their_tokens_and_export_lists_them(web2_engine):
    issue_token(web2_engine, "kiosk", "staff", person_id="P002", actor="test")
    issue_token(web2_engine, "other", "staff", person_id="P003", actor="test")
    exported = export_person(web2_engine, "P002")
    assert [row["name"] for row in exported["other_records"]["api_tokens"]] == ["kiosk"]
    assert "token_hash" not in exported["other_records"]["api_tokens"][0]  # secrets are never exported
    delete_person(web2_engine, "P002", actor="test")
    assert get_token(web2_engine, "kiosk") is None
    assert get_token(web2_engine, "other") is not None


@pytest.mark.postgres
def test_tokens_work_on_postgresql():
    from planner.store import save_scenario, upgrade
    from planner.store.testing import postgres_test_url, temporary_engine

    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    from conftest_web2 import small_scenario

    with temporary_engine(url) as engine:
        upgrade(engine)
        save_scenario(engine, small_scenario(), actor="test")
        secret = issue_token(engine, "kiosk", "staff", person_id="P002", actor="test").secret
        assert authenticate_token(engine, secret).person_id == "P002"
        revoke_token(engine, "kiosk", actor="test")
        assert authenticate_token(engine, secret) is None
        delete_person(engine, "P002", actor="test")
        assert get_token(engine, "kiosk") is None
