"""Logging in to the web pages: a password opens a server-side session in a Secure,
HttpOnly, SameSite=Lax cookie; changes sent with it need the session's CSRF token;
logging out ends it on the server; failures are slowed down; all of it is audited."""

from __future__ import annotations

from sqlalchemy import select

from pipefit.store.account_tables import audit_log

from .web_workspace import PASSWORD, Web, csrf_of, web
from .workspaces import query

__all__ = ["web"]


def test_a_page_asked_for_without_a_login_sends_the_browser_to_log_in_first(web: Web) -> None:
    answer = web.client().get("/board?segment=SMB", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fboard%3Fsegment%3DSMB"


def test_the_right_password_opens_a_session_in_a_secure_httponly_lax_cookie(web: Web) -> None:
    browser = web.client()
    answer = browser.post(
        "/login",
        data={"email": " Rep@Example.com ", "password": PASSWORD, "next": "/board"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/board"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("pipefit_session=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags
    assert browser.get("/board").status_code == 200


def test_a_wrong_password_and_an_unknown_email_are_refused_in_the_same_words(web: Web) -> None:
    wrong = web.client().post("/login", data={"email": "rep@example.com", "password": "x" * 12})
    unknown = web.client().post(
        "/login", data={"email": "nobody@example.com", "password": "x" * 12}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "the email or password is wrong" in wrong.text
    assert "the email or password is wrong" in unknown.text
    assert "pipefit_session" not in wrong.headers.get("set-cookie", "")


def test_a_change_sent_with_the_cookie_but_without_the_token_is_refused(web: Web) -> None:
    browser = web.logged_in("sales_rep")
    page = browser.get("/board")
    token = csrf_of(page.text)
    without = browser.post("/logout", data={}, follow_redirects=False)
    assert without.status_code == 403
    assert "reload the page and send it again" in without.text
    forged = browser.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    header = browser.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert header.status_code == 303


def test_logging_out_ends_the_session_on_the_server_not_only_in_the_browser(web: Web) -> None:
    browser = web.logged_in("manager")
    secret = browser.cookies.get("pipefit_session")
    token = csrf_of(browser.get("/board").text)
    assert (
        browser.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    replay = web.client()
    replay.cookies.set("pipefit_session", secret or "", domain="testserver")
    assert replay.get("/board", follow_redirects=False).status_code == 303  # to /login


def test_a_bearer_token_call_needs_no_csrf_token(web: Web) -> None:
    from pipefit.services.users import issue_token

    secret = issue_token(web.app.accounts(), "mgr@example.com", scope="write", actor="t").secret
    answer = web.client().get(
        "/api/opportunities?limit=1", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 200


def test_repeated_failures_for_an_email_are_slowed_down_even_with_the_right_password(
    web: Web,
) -> None:
    browser = web.client()
    email = "pay@example.com"
    for _ in range(5):  # the first five failures are answered at once (Throttle.free_per_email)
        assert (
            browser.post("/login", data={"email": email, "password": "w" * 12}).status_code == 401
        )
    slowed = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert slowed.status_code == 429
    assert slowed.headers["retry-after"] == "30"  # 30 s after the fifth failure, by hand
    assert "too many failed logins for this email: try again in 30 seconds" in slowed.text


def test_every_login_refusal_and_logout_is_in_the_audit_log(web: Web) -> None:
    browser = web.logged_in("revops")
    token = csrf_of(browser.get("/board").text)
    browser.post("/logout", data={"csrf_token": token})
    web.client().post("/login", data={"email": "ops@example.com", "password": "w" * 12})
    rows = query(
        web.app.workspace, select(audit_log).where(audit_log.c.target == "ops@example.com")
    )
    actions = [r.action for r in rows]
    assert actions[-3:] == ["session.login", "session.logout", "session.refused"]
