"""The inbox page: every signed-in account sees its own messages only, marks only its own read
(POST with CSRF), and the header shows its unread count; in a real browser too, and accessibly."""

from __future__ import annotations

import re

import pytest

from planner.store import get_user_by_name
from planner.store import notifications as inbox_store
from tests.conftest import csrf_from
from tests.test_e2e_accessibility import AXE, axe_violations


@pytest.fixture
def engine(app):
    return app.extensions["trellis_engine"]


def uid(engine, name: str) -> int:
    return get_user_by_name(engine, name).id


def header_label(html: str) -> str | None:
    match = re.search(r'href="/inbox" aria-label="([^"]+)"', html)
    return match.group(1) if match else None


def test_the_header_shows_the_unread_count_to_every_signed_in_role(client, auth, engine, accounts):
    inbox_store.notify(engine, [uid(engine, "alice")], "proposal", "One", "", "/me/record")
    inbox_store.notify(engine, [uid(engine, "alice"), uid(engine, "hana")], "plan_approved", "Two", "", "/inbox")
    assert header_label(client.get("/login").get_data(as_text=True)) is None  # signed out: no inbox
    for name, unread in (("alice", 2), ("hana", 1), ("emre", 0), ("ada", 0), ("bilal", 0)):
        auth.login(name)
        page = client.get("/inbox")
        assert page.status_code == 200, name
        assert header_label(page.get_data(as_text=True)) == f"Inbox, {unread} unread", name
        auth.logout()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/inbox/read-all").status_code in (302, 400)


def test_an_account_sees_only_its_own_messages_newest_first_unread_in_bold(client, auth, engine):
    alice, bilal = uid(engine, "alice"), uid(engine, "bilal")
    [older] = inbox_store.notify(engine, [alice], "proposal", "Older for Alice", "first", "/me/record")
    inbox_store.notify(engine, [alice], "release", "Newer for Alice", "second <script>x</script>", "/me/pathways")
    inbox_store.notify(engine, [bilal], "proposal", "For Bilal only", "his", "/me/record")
    inbox_store.mark_read(engine, alice, [older])
    auth.login("alice")
    html = client.get("/inbox").get_data(as_text=True)
    assert "For Bilal only" not in html
    assert html.index("Newer for Alice") < html.index("Older for Alice")
    assert re.search(r'<strong>\s*<a href="/me/pathways">Newer for Alice</a>', html)
    assert not re.search(r'<strong>\s*<a href="/me/record">Older for Alice</a>', html)
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    auth.logout()
    auth.login("bilal")
    html = client.get("/inbox").get_data(as_text=True)
    assert "For Bilal only" in html and "for Alice" not in html


def test_marking_read_drops_the_count_and_needs_a_csrf_token(client, auth, engine):
    alice = uid(engine, "alice")
    [first, _second] = [inbox_store.notify(engine, [alice], "proposal", f"M{n}", "", "/inbox")[0] for n in (1, 2)]
    auth.login("alice")
    assert client.post("/inbox/read", data={"ids": first}).status_code == 400  # no CSRF token
    assert inbox_store.unread_count(engine, alice) == 2
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    response = client.post("/inbox/read", data={"csrf_token": token, "ids": first}, follow_redirects=True)
    assert response.status_code == 200 and header_label(response.get_data(as_text=True)) == "Inbox, 1 unread"
    response = client.post("/inbox/read-all", data={"csrf_token": token}, follow_redirects=True)
    assert header_label(response.get_data(as_text=True)) == "Inbox, 0 unread"
    assert inbox_store.unread_count(engine, alice) == 0


def test_nobody_can_mark_another_accounts_message_read(client, auth, engine):
    alice, bilal = uid(engine, "alice"), uid(engine, "bilal")
    [hers] = inbox_store.notify(engine, [alice], "proposal", "Hers", "", "/inbox")
    [his] = inbox_store.notify(engine, [bilal], "proposal", "His", "", "/inbox")
    for name in ("bilal", "hana", "ada"):
        auth.login(name)
        token = csrf_from(client.get("/inbox").get_data(as_text=True))
        assert client.post("/inbox/read", data={"csrf_token": token, "ids": hers}).status_code == 404
        assert client.post("/inbox/read", data={"csrf_token": token, "ids": [his, hers]}).status_code == 404
        assert client.post("/inbox/read", data={"csrf_token": token, "ids": 987654}).status_code == 404
        client.post("/inbox/read-all", data={"csrf_token": token})
        auth.logout()
    assert inbox_store.unread_count(engine, alice) == 1


@pytest.mark.parametrize("form", [{"ids": "abc"}, {}, {"ids": "1", "recipient_user_id": "2"}])
def test_a_malformed_mark_read_form_is_refused(client, auth, engine, form):
    inbox_store.notify(engine, [uid(engine, "alice")], "proposal", "M", "", "/inbox")
    auth.login("alice")
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    assert client.post("/inbox/read", data={"csrf_token": token, **form}).status_code == 400
    assert inbox_store.unread_count(engine, uid(engine, "alice")) == 1


def test_the_inbox_is_paged(client, auth, engine):
    alice = uid(engine, "alice")
    for number in range(25):
        inbox_store.notify(engine, [alice], "proposal", f"Message {number:02d}", "", "/inbox")
    auth.login("alice")
    first = client.get("/inbox").get_data(as_text=True)
    assert "Message 24" in first and "Message 04" not in first and "Older messages" in first
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert "Message 04" in second and "Message 05" not in second and "Newer messages" in second
    assert client.get("/inbox?page=banana").status_code == 200


# ---------------------------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------------------------


def sign_in(page, live_server, name, password):
    page.goto(f"{live_server}/login")
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_in_a_browser_the_count_shows_and_drops_when_a_message_is_read(page, live_server, engine, accounts):
    alice = uid(engine, "alice")
    inbox_store.notify(engine, [alice], "proposal", "A placement is proposed to you",
                       "You are proposed for \"Data analysis secondment\".", "/me/record")
    inbox_store.notify(engine, [alice], "release", "Your manager has released you", "Released.", "/me/record")
    sign_in(page, live_server, "alice", accounts["alice"].password)
    page.get_by_role("link", name="Inbox, 2 unread").click()
    assert page.url.endswith("/inbox")
    page.get_by_role("button", name="Mark as read: Your manager has released you").click()
    page.get_by_role("link", name="Inbox, 1 unread").wait_for()
    page.get_by_role("button", name="Mark all as read").click()
    page.get_by_role("link", name="Inbox, 0 unread").wait_for()
    page.get_by_role("link", name="A placement is proposed to you").click()
    assert "/people/P1/record" in page.url
    assert page.console_errors == []


def test_the_inbox_with_read_and_unread_messages_meets_wcag_aa(browser, live_server, engine, accounts):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/install-assets.sh (npm ci installs axe-core)")
    hana = uid(engine, "hana")
    for number in range(22):
        inbox_store.notify(engine, [hana], "answer", f"Answer {number}", "Alice Ashby accepted.\nSecond line.", "/hr/")
    inbox_store.mark_read(engine, hana, [1, 2])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "hana", accounts["hana"].password)
        found = {}
        for path in ("/inbox", "/inbox?page=2"):
            assert page.goto(f"{live_server}{path}").status == 200
            found[path] = axe_violations(page)
        assert found == {"/inbox": [], "/inbox?page=2": []}
    finally:
        context.close()
