"""The console's login rules, in-process (httpx over ASGI): no page or API without a login
(pages redirect to /login, the API answers 401), a wrong password is refused on the page, a
form needs the session's CSRF token, logout ends the session."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
import trio

from fleet.console import ConsoleSettings, create_console_app
from fleet.csms import CsmsConfig, CsmsServer, LiveView

PASSWORD = "s3cret-console"
PAGES = (
    "/",
    "/stations",
    "/stations/CS-1",
    "/transactions",
    "/assets/console.js",
    "/assets/uplot/uPlot.min.css",
)
API = ("/api/fleet", "/api/stations/CS-1", "/api/events/fleet", "/api/events/stations/CS-1")
FORMS = ("/stations/CS-1/actions/reset", "/stations/CS-1/actions/remote-stop", "/logout")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    live = LiveView()
    live.connected("CS-1", "ocpp2.0.1")
    app = create_console_app(
        CsmsServer(CsmsConfig(), "127.0.0.1", 0), live, ConsoleSettings(password=PASSWORD)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
        yield client


async def _login(client: httpx.AsyncClient) -> str:
    with trio.fail_after(10):
        response = await client.post("/login", data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/"
    page = await client.get("/stations/CS-1")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


async def test_nothing_is_reachable_without_a_login(client: httpx.AsyncClient) -> None:
    with trio.fail_after(10):
        for path in PAGES:
            response = await client.get(path)
            assert (response.status_code, response.headers.get("location")) == (302, "/login"), path
        for path in API:
            response = await client.get(path)
            assert response.status_code == 401 and "log in" in response.json()["error"], path
        for path in FORMS:
            response = await client.post(path, data={"csrf": "guess"})
            assert (response.status_code, response.headers.get("location")) == (302, "/login"), path
        login = await client.get("/login")
    assert login.status_code == 200 and 'type="password"' in login.text


async def test_a_wrong_password_is_refused_with_a_message(client: httpx.AsyncClient) -> None:
    with trio.fail_after(10):
        response = await client.post("/login", data={"password": "not-it"})
        assert response.status_code == 401 and "Wrong password." in response.text
        assert (await client.get("/")).status_code == 302
        response = await client.post("/login", data={})
    assert response.status_code == 401 and "Wrong password." in response.text


async def test_after_login_every_page_and_the_api_answer(client: httpx.AsyncClient) -> None:
    await _login(client)
    with trio.fail_after(10):
        for path in PAGES:
            assert (await client.get(path)).status_code == 200, path
        for path in API[:2]:
            assert (await client.get(path)).status_code == 200, path
        missing = await client.get("/stations/NOPE")
    assert missing.status_code == 404 and "No station NOPE" in missing.text


async def test_forms_need_the_sessions_csrf_token_and_logout_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    csrf = await _login(client)
    with trio.fail_after(10):
        response = await client.post(
            "/stations/CS-1/actions/reset", data={"csrf": "forged", "type": "OnIdle"}
        )
        assert response.status_code == 303
        page = await client.get("/stations/CS-1")
        assert "stale (CSRF token)" in page.text
        response = await client.post(
            "/stations/CS-1/actions/limit", data={"csrf": csrf, "evse_id": "1", "limit": "x", "unit": "W"}
        )
        page = await client.get("/stations/CS-1")
        assert "limit: expected a number, got &#39;x&#39;" in page.text
        assert (await client.post("/logout", data={"csrf": "forged"})).headers["location"] == "/login"
        assert (await client.get("/")).status_code == 200  # a forged logout does nothing
        assert (await client.post("/logout", data={"csrf": csrf})).status_code == 303
        assert (await client.get("/")).status_code == 302
        assert (await client.get("/api/fleet")).status_code == 401
