"""The password rule (NCSC, NIST SP 800-63B): at least 12 characters, long passphrases welcome,
common, breached and easily guessed passwords refused; the same rule for `trellis users add`,
the admin page and the accounts `trellis demo` creates."""

from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import post

from planner import store
from planner.cli import main
from planner.passwords import MAX_PASSWORD_LENGTH, common_passwords, password_problem

# The outside tester's three, and their cousins: longer common ones, patterns, the account name.
LONG_COMMON = min(p for p in common_passwords() if len(p) >= 12)
WEAK = [
    ("password", "at least 12 characters"),
    ("12345678", "at least 12 characters"),
    (" " * 8, "only spaces"),
    (" " * 20, "only spaces"),
    ("\t \u3000" * 5, "only spaces"),
    (LONG_COMMON, "common or breached"),
    (LONG_COMMON.upper(), "common or breached"),
    ("passwordpassword", "too easy to guess"),
    ("123456789012", "too easy to guess"),
    ("qwertyuiopasdf", "too easy to guess"),
    ("aaaaaaaaaaaaaaaa", "too easy to guess"),
    ("iloveyou12345", "too easy to guess"),
    ("Password12345", "too easy to guess"),
    ("trellistrellis", "too easy to guess"),
    ("x" * (MAX_PASSWORD_LENGTH + 1), "at most 1024"),
]
STRONG = [
    "correct horse battery staple",
    "plum Tuesday ladder orbit",
    "aQ3v-Xk9_pLm2RtZ",  # the shape of secrets.token_urlsafe(12), fixed so test ids agree across workers
    "my cat sleeps on the warm laptop every afternoon " * 2,  # 98 characters with spaces
    ("river stone 5f3a9c1e ") * 30,  # 600+ characters
]


@pytest.mark.parametrize("password, words", WEAK, ids=[repr(p[:20]) for p, _ in WEAK])
def test_weak_passwords_are_refused_in_plain_words(password, words):
    problem = password_problem(password)
    assert problem is not None and words in problem


@pytest.mark.parametrize("password", STRONG, ids=[repr(p[:20]) for p in STRONG])
def test_long_passphrases_are_welcome(password):
    assert password_problem(password) is None
    assert len("my cat sleeps on the warm laptop every afternoon " * 2) > 64


def test_a_password_may_not_contain_the_account_name():
    assert "account name" in password_problem("casey-secret-words-2026", "casey")
    assert password_problem("casey-secret-words-2026", "morgan") is None


def test_the_deny_list_is_loaded_once_and_is_large():
    assert common_passwords() is common_passwords()
    assert len(common_passwords()) >= 10_000


def test_demo_style_random_passwords_always_pass():
    """`trellis demo` gives each account secrets.token_urlsafe(12)."""
    assert all(password_problem(secrets.token_urlsafe(12)) is None for _ in range(500))


@pytest.mark.parametrize("password", ["password", "12345678", " " * 8, LONG_COMMON, "passwordpassword"])
def test_users_add_refuses_a_weak_password_with_one_line_and_exit_2(tmp_path, password):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    result = CliRunner().invoke(main, ["users", "add", "casey", "--role", "hr", "--database-url", url],
                                input=password + "\n")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "Account not added" in result.output
    assert "Traceback" not in result.output
    engine = store.make_engine(url)
    assert store.get_user_by_name(engine, "casey") is None
    engine.dispose()


@pytest.mark.parametrize("password", ["password", "12345678", " " * 8, LONG_COMMON, "qwertyuiopasdf"])
def test_the_admin_page_refuses_a_weak_password(as_role, web2_engine, password):
    from planner.store import get_user_by_name

    response = post(as_role("admin"), "/admin/users", {"username": "newhr", "password": password, "role": "hr",
                                                       "person_id": ""}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "The account was not created: the password" in page.replace("that password", "the password")
    assert any(words in page for words in ("at least 12 characters", "only spaces", "too easy to guess", "common or breached"))
    assert get_user_by_name(web2_engine, "newhr") is None


def test_the_admin_page_accepts_a_passphrase(as_role, web2_engine):
    from planner.store import get_user_by_name

    response = post(as_role("admin"), "/admin/users", {"username": "newhr", "password": "plum Tuesday ladder orbit",
                                                       "role": "hr", "person_id": ""}, follow_redirects=True)
    assert "Account newhr created" in response.get_data(as_text=True)
    assert get_user_by_name(web2_engine, "newhr") is not None
