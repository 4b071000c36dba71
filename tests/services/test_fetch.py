"""Fetching feeds and story URLs reaches public addresses only (no request forgery
against the newsroom's own machines), redirects included, unless a network is allowed."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

from bulletin.domain.errors import FetchError
from bulletin.services import stories
from bulletin.services.context import Context
from bulletin.services.fetch import fetch
from tests.support.http_feeds import FeedServer, Route

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
ONLY_127_0_0_1 = ipaddress.ip_network("127.0.0.1/32")
PAGE = b"<html><head><title>Internal</title></head><body><p>secret</p></body></html>"


def test_a_loopback_address_is_refused_before_anything_is_asked_of_it(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/admin"] = route = Route(body=PAGE, content_type="text/html")

    with pytest.raises(FetchError, match=r"points at 127\.0\.0\.1, a private or local address"):
        fetch(feed_server.url("/admin"))

    assert route.requests == []


def test_an_allowed_network_is_fetched_from(feed_server: FeedServer) -> None:
    feed_server.routes["/wire.xml"] = Route(body=b"<rss/>")

    fetched = fetch(feed_server.url("/wire.xml"), allow_networks=[LOOPBACK])

    assert fetched.data == b"<rss/>"


def test_a_host_name_is_judged_by_the_addresses_it_resolves_to(feed_server: FeedServer) -> None:
    feed_server.routes["/admin"] = route = Route(body=PAGE, content_type="text/html")
    url = feed_server.url("/admin").replace("127.0.0.1", "localhost")

    with pytest.raises(FetchError, match="a private or local address"):
        fetch(url)

    assert route.requests == []


def test_a_redirect_to_a_private_address_is_refused_at_the_hop(feed_server: FeedServer) -> None:
    port = feed_server.url("/").rsplit(":", 1)[1].rstrip("/")
    feed_server.routes["/story"] = Route(status=302, location=f"http://127.0.0.2:{port}/admin")

    with pytest.raises(FetchError) as refused:
        fetch(feed_server.url("/story"), allow_networks=[ONLY_127_0_0_1])

    assert "points at 127.0.0.2" in refused.value.reason
    assert f"redirected to http://127.0.0.2:{port}/admin" in refused.value.reason
    assert refused.value.source == feed_server.url("/story")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://10.0.0.1/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_link_local_and_unspecified_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="a private or local address"):
        fetch(url, timeout=2)


def test_ingesting_a_private_url_is_a_failed_result_that_says_why(
    ctx: Context, feed_server: FeedServer
) -> None:
    feed_server.routes["/admin"] = route = Route(body=PAGE, content_type="text/html")
    ctx.settings = dataclasses.replace(ctx.settings, fetch_allow_networks=())

    (result,) = list(stories.ingest(ctx, feed_server.url("/admin")))

    assert result.story is None
    assert result.failure is not None
    assert "private or local address" in result.failure.error
    assert route.requests == []
