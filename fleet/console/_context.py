"""What every console page and stream works from: the CSMS, its live view, the templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from fleet.console._sampler import FleetSampler
from fleet.console._settings import ConsoleSettings
from fleet.csms import CsmsServer, LiveView

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(slots=True)
class ConsoleContext:
    server: CsmsServer
    live: LiveView
    settings: ConsoleSettings
    sampler: FleetSampler
    display_available: bool
    templates: Jinja2Templates

    def render(self, request: Request, name: str, status_code: int = 200, **values: Any) -> Response:
        """A page from the console's templates, with the session's CSRF token and flash message."""
        values.setdefault("csrf", request.session.get("csrf", ""))
        values.setdefault("flash", request.session.pop("flash", None))
        return self.templates.TemplateResponse(request, name, values, status_code=status_code)


def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


async def form_fields(request: Request) -> dict[str, str]:
    """A URL-encoded form's fields (the first value of each): the console's forms post nothing else."""
    body = (await request.body()).decode("utf-8", "replace")
    return {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}
