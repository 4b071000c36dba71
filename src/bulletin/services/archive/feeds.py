"""The archive's Atom feeds (RFC 4287): the newest alerts, and the newest special reports."""

from __future__ import annotations

from feedgen.feed import FeedGenerator

from bulletin.domain.models import ListKind
from bulletin.services.archive.pages import Listing

# Feeds for the lists whose messages stand alone; a briefing is a digest of stories
# already in the other feeds and on the site.
FED = (ListKind.ALERT, ListKind.SPECIAL)


def has_feed(listing: Listing) -> bool:
    return listing.mailing_list.kind in FED


def atom(listing: Listing, *, base_url: str, newsroom: str) -> bytes:
    """The list's Atom document: one entry per archived message, its link the web version.

    Entry ids are the web versions' addresses: stable, since a campaign keeps its id.
    """
    the_list = listing.mailing_list
    feed = FeedGenerator()
    feed.id(f"{base_url}/archive/{the_list.slug}")
    feed.title(f"{newsroom}: {the_list.name}")
    feed.author({"name": newsroom})
    feed.link(href=f"{base_url}/archive/{the_list.slug}", rel="alternate")
    feed.link(href=f"{base_url}/archive/{the_list.slug}/feed.atom", rel="self")
    feed.language("en")
    updated = [e.campaign.started_at for e in listing.entries if e.campaign.started_at]
    if updated:
        feed.updated(max(updated))
    for entry in reversed(listing.entries):  # feedgen puts each new entry first
        campaign = entry.campaign
        item = feed.add_entry()
        item.id(f"{base_url}/archive/{the_list.slug}/{campaign.id}")
        item.title(campaign.headline or campaign.subject)
        item.link(href=f"{base_url}{entry.path}", rel="alternate")
        item.summary(campaign.summary or campaign.headline)
        item.updated(campaign.started_at)
        item.published(campaign.started_at)
    data: bytes = feed.atom_str(pretty=True)
    return data
