"""The public archive's pages: /archive, each list's messages, its Atom feed, each message.

Public, so no page here touches the session (no cookie: a cache in front may keep them),
and every page is served from `PageCache`. Withdrawing a message is the desk's.

The cached pages take no `ContextDep`: FastAPI runs a sync dependency in the thread
pool, so every hit on a held page would wait for a worker thread (40, shared with
every other sync route) just to read `app.state`. Under a crowd that wait, not the
page, was the latency; the context is read from the app in the event loop instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from bulletin.domain.errors import NotFound
from bulletin.services.archive import feeds, pages
from bulletin.services.context import Context
from bulletin.web.archive_cache import PageCache
from bulletin.web.deps import ContextDep, FormDep, SenderDep, text
from bulletin.web.ids import RowId

router = APIRouter()

HTML = "text/html; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
# Shared caches (a CDN) may keep a page a minute: a withdrawal reaches them that late.
PUBLIC = {"Cache-Control": "public, max-age=60"}


def _cache(request: Request) -> PageCache:
    app = request.app
    if getattr(app.state, "archive_cache", None) is None:
        app.state.archive_cache = PageCache(app.state.context)
    cache: PageCache = app.state.archive_cache
    return cache


def _context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def _render(request: Request, name: str, **context: object) -> bytes:
    ctx = request.app.state.context
    template = request.app.state.templates.get_template(name)
    html: str = template.render(newsroom=ctx.settings.newsroom_name, error=None, **context)
    return html.encode()


@router.get("/archive")
async def index(request: Request) -> Response:
    ctx = _context(request)

    def render() -> bytes:
        shown = [pages.listing(ctx, ml.slug, limit=5) for ml in pages.lists(ctx)]
        return _render(request, "archive/index.html", listings=shown, has_feed=feeds.has_feed)

    body = await _cache(request).get("index", render, campaign_id=None)
    return Response(body, media_type=HTML, headers=PUBLIC)


@router.get("/archive/{slug}")
async def listing(request: Request, slug: str) -> Response:
    ctx = _context(request)

    def render() -> bytes:
        found = pages.listing(ctx, slug)
        return _render(request, "archive/list.html", listing=found, feed=feeds.has_feed(found))

    body = await _cache(request).get(f"list:{slug}", render, campaign_id=None)
    return Response(body, media_type=HTML, headers=PUBLIC)


@router.get("/archive/{slug}/feed.atom")
async def feed(request: Request, slug: str) -> Response:
    ctx = _context(request)

    def render() -> bytes:
        found = pages.listing(ctx, slug)
        if not feeds.has_feed(found):
            raise NotFound(f"{found.mailing_list.name} has no feed.")
        return feeds.atom(
            found, base_url=ctx.settings.base_url, newsroom=ctx.settings.newsroom_name
        )

    body = await _cache(request).get(f"feed:{slug}", render, campaign_id=None)
    return Response(body, media_type=ATOM, headers=PUBLIC)


@router.get("/archive/campaign/{campaign_id}")
def campaign(campaign_id: RowId, ctx: ContextDep) -> Response:
    """The desk's link to a campaign's web version, by its id alone."""
    return RedirectResponse(pages.path_of(ctx, campaign_id), status_code=303)


@router.get("/archive/{slug}/{campaign_id}")
async def message(request: Request, slug: str, campaign_id: RowId) -> Response:
    ctx = _context(request)

    def render() -> bytes:
        return pages.web_version(ctx, slug, campaign_id).encode()

    body = await _cache(request).get(
        f"message:{slug}:{campaign_id}", render, campaign_id=campaign_id
    )
    return Response(body, media_type=HTML, headers=PUBLIC)


@router.post("/desk/archive/{campaign_id}/withdraw")
def withdraw(
    request: Request, campaign_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    """Take a sent message out of the archive (a correction); the reason is audited."""
    pages.withdraw(ctx, campaign_id, editor=editor, reason=text(form, "reason"))
    _cache(request).drop(campaign_id)
    return RedirectResponse(f"/desk/campaigns/{campaign_id}", status_code=303)
