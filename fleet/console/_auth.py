"""The administrator's login: a signed session cookie, a CSRF token per session, and a gate in
front of every page and API (pages redirect to /login, /api answers 401)."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fleet.console._context import ConsoleContext, form_fields

OPEN_PATHS = frozenset({"/login"})


class LoginGate:
    """Pure ASGI middleware (inside Starlette's SessionMiddleware): only a logged-in session passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or scope.get("session", {}).get("admin"):
            await self.app(scope, receive, send)
            return
        response: Response
        if scope["path"].startswith("/api/"):
            response = JSONResponse({"error": "log in first (POST /login)"}, status_code=401)
        else:
            response = RedirectResponse("/login", status_code=302)
        await response(scope, receive, send)


def csrf_ok(request: Request, fields: dict[str, str]) -> bool:
    expected = request.session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(expected, fields.get("csrf", ""))


class Login:
    def __init__(self, context: ConsoleContext) -> None:
        self._context = context

    async def page(self, request: Request) -> Response:
        if request.session.get("admin"):
            return RedirectResponse("/", status_code=303)
        return self._context.render(request, "login.html", error=None)

    async def submit(self, request: Request) -> Response:
        fields = await form_fields(request)
        given = fields.get("password", "").encode()
        if not hmac.compare_digest(given, self._context.settings.password.encode()):
            return self._context.render(request, "login.html", status_code=401, error="Wrong password.")
        request.session.clear()
        request.session["admin"] = True
        request.session["csrf"] = secrets.token_urlsafe(24)
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        if csrf_ok(request, await form_fields(request)):
            request.session.clear()
        return RedirectResponse("/login", status_code=303)
