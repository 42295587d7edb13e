"""Issue 12, findings 7 and 10, over HTTP against the real bot: a staff session ends
on the server at logout (a copied cookie is refused afterwards), sessions time out,
one client cannot try name after name, and the resident pages and the back office
send their security headers (and still render under them in chromium)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from services.links import Links
from services.staff import MAX_CLIENT_FAILURES, create_staff
from tests.conftest import make_stack, skip_without_chromium

PASSWORD = "correct horse"


@pytest.fixture
def office(stack):
    with stack.bot_app.assembly.services.db.session() as s, s.begin():
        create_staff(s, username="malee", display_name="นางสาวมาลี ศรีสุข", role="finance", password=PASSWORD)
    return stack


def _csrf(page: requests.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _login(base: str, http: requests.Session, username: str = "malee", password: str = PASSWORD) -> requests.Response:
    token = _csrf(http.get(f"{base}/admin/login", timeout=10))
    return http.post(f"{base}/admin/login", data={"csrf_token": token, "username": username, "password": password},
                     allow_redirects=False, timeout=10)


def _with_cookie(base: str, cookie: str) -> requests.Response:
    """A page asked for with nothing but a copy of a session cookie (same address and
    browser as before, so only the server's own record can refuse it)."""
    return requests.get(f"{base}/admin/slips", cookies={"session": cookie}, allow_redirects=False, timeout=10)


def _refused(response: requests.Response) -> bool:
    return response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_copied_session_cookie_is_refused_after_logout(office):
    base, http = office.bot.url, requests.Session()
    assert _login(base, http).status_code == 302
    copied = http.cookies["session"]
    assert _with_cookie(base, copied).status_code == 200  # the copy works while the session lives
    slips = http.get(f"{base}/admin/slips", timeout=10)
    out = http.post(f"{base}/admin/logout", data={"csrf_token": _csrf(slips)}, allow_redirects=False, timeout=10)
    assert _refused(out)
    replayed = _with_cookie(base, copied)
    assert _refused(replayed)
    assert "เข้าสู่ระบบ" in requests.get(base + replayed.headers["Location"], cookies={"session": copied},
                                         timeout=10).text
    # Logging in again opens a new session; the old copy stays dead.
    again = requests.Session()
    assert _login(base, again).status_code == 302 and again.get(f"{base}/admin/slips", timeout=10).status_code == 200
    assert _refused(_with_cookie(base, copied))


@pytest.mark.parametrize("field, minutes", [("staff_seen", 31), ("staff_started", 8 * 60 + 1)])
def test_a_session_ends_after_30_idle_minutes_and_after_8_hours(office, field, minutes):
    base, http = office.bot.url, requests.Session()
    _login(base, http)
    app = office.bot_app
    signer = app.session_interface.get_signing_serializer(app)
    data = signer.loads(http.cookies["session"])
    assert _with_cookie(base, signer.dumps(data)).status_code == 200
    data[field] -= minutes * 60
    assert _refused(_with_cookie(base, signer.dumps(data)))


def test_one_client_cannot_try_name_after_name(office):
    base, http = office.bot.url, requests.Session()
    for n in range(MAX_CLIENT_FAILURES):
        assert _login(base, http, f"guess{n}", "123456").status_code == 401
    # Even the right password waits now, from this address: the guesser learns nothing more.
    limited = _login(base, http)
    assert limited.status_code == 429
    assert "จากเครื่องนี้หลายครั้งเกินไป กรุณารออีก 15 นาที" in limited.text
    assert 0 < int(limited.headers["Retry-After"]) <= 15 * 60


@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_behind_a_trusted_proxy_each_client_has_its_own_limit(database_url, trusted_proxies):
    """With TRUSTED_PROXIES=1 the forwarded address counts; without it a client that
    writes a new X-Forwarded-For for every try still meets the limit."""
    stack = make_stack(database_url, trusted_proxies=trusted_proxies)
    try:
        base = stack.bot.url
        guesser = requests.Session()
        for n in range(MAX_CLIENT_FAILURES):
            guesser.headers["X-Forwarded-For"] = f"203.0.113.{7 if trusted_proxies else n}"
            assert _login(base, guesser, f"guess{n}", "123456").status_code == 401
        assert _login(base, guesser, "guess", "123456").status_code == 429
        other = requests.Session()
        other.headers["X-Forwarded-For"] = "198.51.100.20"
        assert _login(base, other, "someone", "123456").status_code == (401 if trusted_proxies else 429)
    finally:
        stack.close()


def _web_page(stack) -> str:
    return Links(stack.bot.url, stack.bot_app.config["SECRET_KEY"]).slip_form(1, "U" + "0" * 32)


def test_resident_pages_and_the_office_send_security_headers(office):
    form = requests.get(_web_page(office), timeout=10)
    broken = requests.get(_web_page(office).replace("sig=", "sig=x"), timeout=10)
    login = requests.get(f"{office.bot.url}/admin/login", timeout=10)
    assert (form.status_code, broken.status_code, login.status_code) == (200, 403, 200)
    for page in (form, broken, login):
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        csp = page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp and "base-uri 'none'" in csp
        if page is login:  # the office's own script files (the inbox's live updates), never inline ones
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        else:
            assert "script-src 'none'" in csp or ("default-src 'none'" in csp and "script-src" not in csp)
    assert form.headers["Referrer-Policy"] == "no-referrer" and login.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.browser
@skip_without_chromium
def test_pages_render_in_chromium_under_their_policies(office, page, tmp_path: Path):
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None)
    for name, url in (("web-slip-form", _web_page(office)), ("admin-login", f"{office.bot.url}/admin/login")):
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(url)
        assert page.is_visible("h1")
        # The inline style (web) and the stylesheet and font (office) are applied, not blocked.
        background = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        # A missing /favicon.ico (the resident pages name none) is the only load allowed to fail.
        errors = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
        assert violations == [] and errors == [] and failed == [], (name, violations, errors, failed)
