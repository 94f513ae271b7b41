"""Commands for logins: user add, list, disable, reset, token."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from pipefit.bootstrap import App
from pipefit.cli.common import OutputFormat, out, with_app_and_format
from pipefit.cli.render import show
from pipefit.domain.errors import PipefitError

__all__ = ["user_app"]

user_app = typer.Typer(
    help="Logins for the API and pages: roles, passwords, API tokens.", no_args_is_help=True
)

Email = Annotated[str, typer.Argument(help="The user's email (their login).")]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (for scripts)."),
]


def _actor() -> str:
    """Who ran the command, for the audit log: the terminal's user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _password(from_stdin: bool, *, needed: bool) -> str | None:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if sys.stdin.isatty():
        entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return entered
    if needed:
        raise typer.BadParameter("give the new password on standard input with --password-stdin")
    return None


@user_app.command("add")
@with_app_and_format
def user_add(
    instance: App,
    fmt: OutputFormat,
    email: Email,
    role: Annotated[
        str,
        typer.Option(help="admin, revops, comp_admin, manager, sales_rep or presales."),
    ],
    person: Annotated[
        str | None,
        typer.Option(help="The person of the data this login stands for (e.g. emp-011)."),
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a login. Managers, reps and presales need --person: it decides their rows.
    Without --password-stdin the password is asked for on a terminal; elsewhere the login
    gets none and uses API tokens only."""
    from pipefit.services.users import add_user
    from pipefit.views.users import user_view

    secret = _password(password_stdin, needed=False)
    user = add_user(
        instance.accounts(),
        instance.uow(),
        instance.password_hasher,
        email,
        role,
        person_id=person,
        password=secret,
        actor=_actor(),
    )
    show(out, fmt, user_view(user, "Added user"))


@user_app.command("list")
@with_app_and_format
def user_list(instance: App, fmt: OutputFormat) -> None:
    """Every login with its role, person and whether it is disabled."""
    from pipefit.services.users import list_users
    from pipefit.views.users import users_view

    show(out, fmt, users_view(list_users(instance.accounts())))


@user_app.command("disable")
@with_app_and_format
def user_disable(instance: App, fmt: OutputFormat, email: Email) -> None:
    """Disable a login: it can no longer log in, and its tokens stop working."""
    from pipefit.services.users import disable_user
    from pipefit.views.users import user_view

    show(out, fmt, user_view(disable_user(instance.accounts(), email, actor=_actor()), "Disabled"))


@user_app.command("reset")
@with_app_and_format
def user_reset(
    instance: App, fmt: OutputFormat, email: Email, password_stdin: PasswordStdin = False
) -> None:
    """Set a new password (and enable the login again)."""
    from pipefit.services.users import reset_password
    from pipefit.views.users import user_view

    secret = _password(password_stdin, needed=True)
    if secret is None:  # pragma: no cover - _password raises first
        raise PipefitError("a new password is needed")
    user = reset_password(
        instance.accounts(), instance.password_hasher, email, secret, actor=_actor()
    )
    show(out, fmt, user_view(user, "Password reset"))


@user_app.command("token")
@with_app_and_format
def user_token(
    instance: App,
    fmt: OutputFormat,
    email: Email,
    scope: Annotated[
        str, typer.Option(help="read (look only) or write (also change deals).")
    ] = "read",
    revoke: Annotated[
        str | None, typer.Option(help="Revoke the token with this id instead.")
    ] = None,
    list_tokens: Annotated[
        bool, typer.Option("--list", help="List the user's tokens instead.")
    ] = False,
) -> None:
    """Print a new API token for the user, once (send it as `Authorization: Bearer ...`);
    or list their tokens, or revoke one."""
    from pipefit.services.users import issue_token, revoke_token, user_tokens
    from pipefit.views.users import issued_token_view, tokens_view

    accounts = instance.accounts()
    if revoke is not None:
        revoke_token(accounts, email, revoke, actor=_actor())
        show(out, fmt, tokens_view(email.strip().lower(), user_tokens(accounts, email)))
    elif list_tokens:
        show(out, fmt, tokens_view(email.strip().lower(), user_tokens(accounts, email)))
    else:
        show(out, fmt, issued_token_view(issue_token(accounts, email, scope=scope, actor=_actor())))


@user_app.command("audit")
@with_app_and_format
def user_audit(
    instance: App,
    fmt: OutputFormat,
    limit: Annotated[int, typer.Option(help="How many of the latest entries.")] = 50,
) -> None:
    """The audit log, newest first: who changed what, when, before and after."""
    from pipefit.services.users import audit_entries
    from pipefit.views.users import audit_view

    show(out, fmt, audit_view(audit_entries(instance.accounts(), limit=limit)))
