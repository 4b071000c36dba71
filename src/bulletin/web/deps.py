"""FastAPI dependencies: the use-case context, the signed-in editor, form checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.templating import Jinja2Templates

from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.models import Editor, Role
from bulletin.domain.networks import client_address
from bulletin.services.context import Context
from bulletin.services.readers.subscriptions import Requester
from bulletin.services.staff import sessions
from bulletin.services.staff.sign_in import Client
from bulletin.web import csrf

# The desk's cookie: only the random token of a server-side session (services/staff/
# sessions.py). The signed `bulletin_session` cookie keeps the CSRF token, no identity.
DESK_COOKIE = "bulletin_desk"


class LoginRequired(Exception):
    """No editor is signed in; the desk sends the browser to the sign-in page."""


def get_context(request: Request) -> Context:
    return request.app.state.context


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


ContextDep = Annotated[Context, Depends(get_context)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


def current_editor(request: Request, ctx: ContextDep) -> Editor:
    token = request.cookies.get(DESK_COOKIE)
    found = sessions.resolve(ctx, token) if token else None
    if found is None:
        raise LoginRequired()
    request.state.editor = found.editor
    request.state.desk_session_id = found.session_id
    return found.editor


def desk_session_id(request: Request) -> int | None:
    """The id of the session the signed-in editor's request came with."""
    value = getattr(request.state, "desk_session_id", None)
    return value if isinstance(value, int) else None


def client_of(request: Request) -> Client:
    """Who is signing in: the address behind a trusted proxy (`client_ip`), so the per-IP
    sign-in lock is one reader's and not the whole newsroom's behind its proxy."""
    return Client(ip=client_ip(request), user_agent=request.headers.get("user-agent"))


EditorDep = Annotated[Editor, Depends(current_editor)]


def sending_editor(editor: EditorDep) -> Editor:
    """A signed-in editor or admin: anyone who may change things. Viewers are read-only."""
    if not editor.role.can_send:
        raise PermissionDenied("Your role can view the desk but not change anything.")
    return editor


def admin(editor: EditorDep) -> Editor:
    if editor.role is not Role.ADMIN:
        raise PermissionDenied("Only admins can do that.")
    return editor


SenderDep = Annotated[Editor, Depends(sending_editor)]
AdminDep = Annotated[Editor, Depends(admin)]


async def checked_form(request: Request) -> FormData:
    """The submitted form, after its CSRF token has been checked."""
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD))
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def text(form: FormData, name: str) -> str:
    """One text field of a form; empty if missing or a file."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def whole(form: FormData, name: str, *, what: str, default: int) -> int:
    """A whole-number field of a form (`default` when left empty); InvalidInput naming
    `what` when it is not a number."""
    value = text(form, name).strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"The {what} must be a whole number.") from None


def texts(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def client_ip(request: Request) -> str | None:
    """The client's address: the connection's, or behind a trusted proxy the forwarded one."""
    trusted = request.app.state.context.settings.trusted_proxies
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)


def requester(request: Request, method: str) -> Requester:
    return Requester(
        method=method, ip=client_ip(request), user_agent=request.headers.get("user-agent")
    )
