"""Server-rendered pages: the one Jinja2 environment of the web pages (the templates of
`webapi/templates`, the views' own templates beside them, every filter and global) and the
helper that renders one with what every page's layout needs (the login, its CSRF token, a
flash). `pages_dash.rendering` draws its pages with this same environment.

A page template `{% extends "layout.html" %}` and fills the blocks `title`, `content` and
`scripts`. The layout reads the login from `request.state.pipefit_login` (set by the
`CurrentLogin` dependency), so any page that took `CurrentLogin` gets the navigation for
its role and the CSRF token for its forms (`{{ csrf_field() }}`) and for htmx (sent as
the X-CSRF-Token header from the body's `hx-headers`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from pipefit.services.kept import Kept
from pipefit.views import formatting
from pipefit.webapi.sessions import FLASH_COOKIE, set_flash

__all__ = [
    "KEPT_CSRF",
    "STATIC",
    "TEMPLATES",
    "environment",
    "kept_fragment",
    "page_context",
    "redirect",
    "render",
    "render_fragment",
    "templates",
]

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _csrf_field(token: str) -> Callable[[], Markup]:
    """`{{ csrf_field() }}` for a template: the hidden input a form sends `token` in."""

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(token))

    return csrf_field


def page_context(request: Request) -> dict[str, Any]:
    """What the layout needs beside `request`: the login, its CSRF token, a flash."""
    login = getattr(request.state, "pipefit_login", None)
    token = login.csrf_token if login is not None else None
    return {
        "login": login,
        "csrf_token": token,
        "csrf_field": _csrf_field(token or ""),
        "flash": request.cookies.get(FLASH_COOKIE),
    }


# Stands for the CSRF token in a part of a page drawn once for many people (kept under the
# data version, `services.kept`); replaced by each request's own token when it is sent.
KEPT_CSRF = "pipefit-kept-csrf-5c1f0e"


def render_fragment(name: str, *, csrf: str, **context: Any) -> str:
    """The template `name` alone (no layout, no request), its forms carrying `csrf`."""
    return environment().get_template(name).render(csrf_field=_csrf_field(csrf), **context)


def kept_fragment(
    kept: Kept, key: Hashable, version: int | None, name: str, csrf_token: str | None,
    *, max_age: float | None, **context: Any,
) -> Markup:  # fmt: skip
    """The template `name` drawn once for everyone whose `key` is the same (kept at the
    data `version`, `services.kept`), with this request's CSRF token put in its forms."""
    drawn = kept.get(
        key, version, lambda: render_fragment(name, csrf=KEPT_CSRF, **context), max_age=max_age
    )
    return Markup(drawn.replace(KEPT_CSRF, escape(csrf_token or "")))


def days(value: float | None) -> str:
    """A duration in days as a person reads it: minutes, hours or days."""
    if value is None:
        return "just now"
    if value < 1 / 24:
        return f"{value * 1440:.0f} min"
    if value < 1:
        return f"{value * 24:.1f} h"
    return f"{value:.1f} days"


def money(value: Decimal | int | float | None, currency: str | None = None) -> str:
    """An amount to the cent with thousands separators (display only; never parsed)."""
    if value is None:
        return "no amount"
    text = formatting.money(value)
    return f"{currency} {text}" if currency else text


@cache
def environment() -> Environment:
    """Every page's templates and the views' (a statement's body, a table), autoescaped;
    a block tag's own line leaves nothing in the page (trim and lstrip), so templates may
    be laid out for reading; a template that keeps a newline or an indentation says so
    (`+%}`, `{%+`). Each helper is a filter and a global alike."""
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(TEMPLATES), PackageLoader("pipefit.views", "templates")]
        ),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    helpers = {
        "cell": formatting.people_cell,
        "days": days,
        "money": money,
        "percent": formatting.percent,
    }
    env.filters.update(helpers)
    env.globals.update(helpers)
    return env


templates = Jinja2Templates(env=environment(), context_processors=[page_context])


def render(
    request: Request, name: str, status_code: int = 200, headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:  # fmt: skip
    """The page `name`; a flash shown on it is cleared."""
    response = templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(request: Request, url: str, flash: str | None = None) -> Response:
    """See Other to `url` (after a form post), with a message for the next page. An htmx
    request is told to navigate itself (HX-Redirect), a plain form follows the 303."""
    response: Response
    if request.headers.get("hx-request") == "true":
        response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if flash:
        set_flash(request, response, flash)
    return response


def login_url(request: Request) -> str:
    """/login, asked to come back to this page after."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(here, safe='')}"
