"""The redirect behind `/r/…`: what a counted link names, where it goes, and its count;
and the open pixel behind `/o/…`, when a newsroom counts opens.

`follow` is the redirect's whole work once the campaign's links are held (`LinkMap`):
verify the token (campaign, position), look the URL up, verify the reader's part, and
hand the click to the recorder. None of it touches the database; a campaign first seen
(`needs_links`) is read once, in a thread, by the caller.

Links keep working when click counts are turned off after they were sent: they still
redirect, and nothing is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from bulletin.domain.clicks import Click, ScannerRules
from bulletin.domain.errors import NotFound
from bulletin.domain.opens import Open
from bulletin.mail.tokens import ClickClaim
from bulletin.services.clicks.limits import ClientLimits
from bulletin.services.clicks.links import CampaignLinks, LinkMap
from bulletin.services.clicks.recorder import ClickRecorder
from bulletin.services.context import Context

GONE = "This link is not one of ours, or the email it came from is no longer kept."


@dataclass(frozen=True)
class LinkRequest:
    """What the redirect knows of one request to a counted link."""

    token: str
    reader: str | None
    head: bool = False
    user_agent: str = ""
    client: str | None = None


class ClickTracking:
    def __init__(self, ctx: Context) -> None:
        settings = ctx.settings
        self.counting = settings.click_tracking != "off"
        self.counting_opens = self.counting and settings.open_pixel
        self._ctx = ctx
        self._max_age_s = settings.click_link_max_age_s
        self.links = LinkMap(ctx.db, clock=ctx.clock)
        self.rules = ScannerRules(
            window_s=settings.click_scanner_window_s, networks=settings.click_scanner_networks
        )
        self.recorder = ClickRecorder(
            ctx.db,
            secret_key=settings.secret_key,
            rules=self.rules,
            started=self.links.started,
            per_reader=settings.click_tracking == "per-reader",
            clock=ctx.clock,
        )
        # In this process's memory: a flood is one client's, and counting it in Redis
        # would put a network round trip on every redirect.
        self._limits = ClientLimits(settings.click_limit_ip)

    def claim(self, token: str) -> ClickClaim:
        """The campaign and position the token names; raises TokenError."""
        return self._ctx.tokens.read_click(token, max_age_s=self._max_age_s)

    def held(self, claim: ClickClaim) -> CampaignLinks | None:
        return self.links.held(claim.campaign_id, claim.position)

    def follow(self, request: LinkRequest, claim: ClickClaim, links: CampaignLinks) -> str:
        """The URL to send the reader to, the click counted; raises NotFound."""
        url = links.url(claim.position)
        if url is None:
            raise NotFound(GONE)
        if self.counting:
            click = Click(
                claim.campaign_id,
                claim.position,
                self._reader(claim.campaign_id, request.reader),
                self._ctx.clock(),
                user_agent=request.user_agent,
                client=request.client,
                head=request.head,
            )
            self.recorder.accept(click, limited=not self._admit(request.client))
        return url

    def pixel(self, request: LinkRequest) -> None:
        """A message's open pixel was fetched: held as an open (when opens are counted).
        Raises TokenError for a token that is not one of ours."""
        campaign_id = self._ctx.tokens.read_open_pixel(request.token, max_age_s=self._max_age_s)
        if not self.counting_opens or not self._admit(request.client):
            return
        self.recorder.accept_open(
            Open(
                campaign_id,
                self._reader(campaign_id, request.reader),
                self._ctx.clock(),
                user_agent=request.user_agent,
                client=request.client,
                head=request.head,
            )
        )

    def _reader(self, campaign_id: int, part: str | None) -> int | None:
        """The reader whose message carried the link, if its signed part verifies."""
        subscriber, _, tag = (part or "").partition(".")
        if not subscriber.isdigit() or len(subscriber) > 19:
            return None
        reader = int(subscriber)
        return reader if self._ctx.tokens.returns.verify(campaign_id, reader, tag) else None

    def _admit(self, client: str | None) -> bool:
        if client is None:
            return True
        return self._limits.admit(client)
