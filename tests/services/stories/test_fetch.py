"""Fetching feeds and story URLs reaches public addresses only (no request forgery
against the newsroom's own machines), redirects included, unless a network is allowed."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from sqlalchemy import select

from bulletin.domain.errors import FetchError
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.stories import desk
from bulletin.services.stories import ingest as stories
from bulletin.services.stories.fetch import fetch
from bulletin.services.stories.public_addresses import is_public
from bulletin.store.tables import audit_log
from bulletin.store.tables import stories as story_rows
from tests.support.factories import make_editor
from tests.support.http_feeds import FeedServer, Route

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
ONLY_127_0_0_1 = ipaddress.ip_network("127.0.0.1/32")
ONLY_127_0_0_2 = ipaddress.ip_network("127.0.0.2/32")
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


def test_a_name_that_resolves_elsewhere_the_second_time_is_not_followed_there(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the first answer passes the check, a later one points inside."""
    feed_server.routes["/admin"] = route = Route(body=PAGE, content_type="text/html")
    port = int(feed_server.url("/").rsplit(":", 1)[1].rstrip("/"))
    answers = iter(["127.0.0.2", "127.0.0.1", "127.0.0.1"])  # allowed, then the inside one
    resolve = socket.getaddrinfo

    def rebinding(host: str, *args: object, **kwargs: object) -> list[Any]:
        if host == "wire.example":
            host = next(answers)
        return resolve(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    with pytest.raises(FetchError, match=r"points at 127\.0\.0\.1, a private or local address"):
        fetch(f"http://wire.example:{port}/admin", allow_networks=[ONLY_127_0_0_2])

    assert route.requests == []


def test_a_name_is_fetched_from_the_address_that_was_checked(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_server.routes["/wire.xml"] = Route(body=b"<rss/>")
    port = int(feed_server.url("/").rsplit(":", 1)[1].rstrip("/"))
    lookups: list[str] = []
    resolve = socket.getaddrinfo

    def counting(host: str, *args: object, **kwargs: object) -> list[Any]:
        lookups.append(host)
        return resolve("127.0.0.1" if host == "wire.example" else host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)

    fetched = fetch(f"http://wire.example:{port}/wire.xml", allow_networks=[ONLY_127_0_0_1])

    assert fetched.data == b"<rss/>"
    # The check's lookup and the connection's; the socket is opened to the checked address.
    assert lookups == ["wire.example", "wire.example", "127.0.0.1"]


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
    ctx.settings = ctx.settings.replace(fetch_allow_networks=())

    (result,) = list(stories.ingest(ctx, feed_server.url("/admin")))

    assert result.story is None
    assert result.failure is not None
    assert "private or local address" in result.failure.error
    assert route.requests == []


@pytest.mark.parametrize(
    ("url", "carried"),
    [
        ("http://[::127.0.0.1]/", "127.0.0.1"),  # IPv4-compatible
        ("http://[::a9fe:a9fe]/", "169.254.169.254"),  # IPv4-compatible: cloud metadata
        ("http://[64:ff9b::7f00:1]/", "127.0.0.1"),  # NAT64, well-known prefix
        ("http://[64:ff9b::a9fe:a9fe]/", "169.254.169.254"),
        ("http://[2002:7f00:1::]/", "127.0.0.1"),  # 6to4
        ("http://[2002:a00:1::]/", "10.0.0.1"),
        ("http://[::ffff:a9fe:a9fe]/", "169.254.169.254"),  # IPv4-mapped
    ],
)
def test_ipv6_forms_that_carry_a_private_ipv4_address_are_refused_by_it(
    url: str, carried: str
) -> None:
    with pytest.raises(FetchError, match=rf"which carries {carried}\b.*private or local"):
        fetch(url, timeout=2)


def test_the_local_use_nat64_prefix_is_refused_whatever_it_carries() -> None:
    with pytest.raises(FetchError, match="a private or local address"):
        fetch("http://[64:ff9b:1::808:808]/", timeout=2)


def test_ipv6_forms_carrying_a_public_ipv4_address_are_judged_public() -> None:
    for form in ("::ffff:8.8.8.8", "2002:808:808::", "64:ff9b::808:808"):
        assert is_public(ipaddress.ip_address(form)), form
    # A Teredo address carries its server's and its client's addresses: both must be public.
    assert is_public(ipaddress.ip_address("2001:0:4136:e378:8000:63bf:f7f7:fbfb"))
    assert not is_public(ipaddress.ip_address("2001:0:7f00:1::"))


@pytest.mark.parametrize("url", ["http://0177.0.0.1/", "http://[::1/", "http://wire.example:80a/"])
def test_a_malformed_url_is_a_fetch_error_that_says_so(url: str) -> None:
    with pytest.raises(FetchError, match="is not a web address Bulletin can fetch"):
        fetch(url, timeout=2)


def test_ingesting_a_malformed_url_is_a_failed_result_not_a_crash(ctx: Context) -> None:
    (result,) = list(stories.ingest(ctx, "http://[::1/"))

    assert result.story is None
    assert result.failure is not None
    assert "not a web address" in result.failure.error


def test_credentials_in_a_fetch_url_are_sent_but_never_kept_or_shown(
    ctx: Context, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    page = b"<html><head><title>Quake hits the coast</title></head><body>" + b"<p>Words.</p>" * 40
    feed_server.routes["/story?api_key=s3cret-key&id=7"] = route = Route(
        body=page + b"</body></html>", content_type="text/html"
    )
    url = feed_server.url("/story?api_key=s3cret-key&id=7").replace("://", "://alice:pw-9f2@")
    editor = make_editor(ctx, role=Role.EDITOR)

    results = desk.ingest_url(ctx, url, fmt="html", actor=editor)

    assert [r.story is not None for r in results] == [True]
    assert route.requests[0]["authorization"].startswith("Basic ")  # the fetch had them
    with ctx.db.transaction() as conn:
        kept = [str(v) for row in conn.execute(select(story_rows)) for v in row]
        kept += [str(v) for row in conn.execute(select(audit_log)) for v in row]
    everything = " ".join(kept) + caplog.text
    assert "s3cret-key" not in everything
    assert "pw-9f2" not in everything
    assert "api_key=redacted&id=7" in everything
