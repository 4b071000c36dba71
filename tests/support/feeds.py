"""Feed documents built for tests: RSS 2.0 and Atom with as many items as asked."""

from __future__ import annotations

from xml.sax.saxutils import escape


def rss_item(n: int, *, title: str | None = None, body: str | None = None) -> str:
    title = f"Story number {n} breaks" if title is None else title
    body = body or f"<p>LONDON — Paragraph one of story {n}, with details.</p><p>Second {n}.</p>"
    return (
        f"<item><title>{escape(title)}</title><link>https://news.example.com/s/{n}</link>"
        f"<guid>https://news.example.com/s/{n}</guid><description>Summary {n}.</description>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        f"<dc:creator>Ann Lee and Reuters</dc:creator><category>World</category>"
        f"<pubDate>Tue, 02 Jan 2024 03:04:05 +0000</pubDate></item>"
    )


def rss(*items: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>Example wire</title><link>https://news.example.com/</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def atom(*entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Example Atom</title><id>urn:example:feed</id>"
        f"<updated>2024-01-02T03:04:05Z</updated>{''.join(entries)}</feed>"
    ).encode()


def atom_entry(n: int) -> str:
    return (
        f"<entry><title>Atom story {n}</title><id>urn:example:atom:{n}</id>"
        f'<link rel="alternate" href="https://news.example.com/a/{n}"/>'
        f"<published>2024-01-02T03:04:05Z</published><updated>2024-01-03T08:00:00+01:00</updated>"
        f"<author><name>Bo Chen</name></author><author><name>Agence France-Presse</name></author>"
        f'<category term="Politics"/><summary>Atom summary {n}.</summary>'
        f'<content type="html">&lt;p&gt;PARIS -- Atom body {n}.&lt;/p&gt;</content></entry>'
    )
