"""Properties of the parsers behind the public form and the editors' feeds: whatever comes
in, the answer is a result or the clear error the caller shows, never an exception."""

from __future__ import annotations

import ipaddress
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.domain.errors import FetchError, IngestError, InvalidInput
from bulletin.domain.stories import ItemFailure, Story
from bulletin.domain.topics import is_iana_zone, time_zones, valid_time_zone
from bulletin.ingest.ninjs import parse_ninjs
from bulletin.services.readers import transfer
from bulletin.services.stories.fetch import fetch
from bulletin.services.stories.public_addresses import is_public
from bulletin.web.ids import MAX_ROW_ID, form_row_id

BOUNDED = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CSV_TEXT = st.text(alphabet=st.sampled_from('email,lists\r\n"x@y.z ;\x00\ufeffA+'), max_size=200)


@BOUNDED
@given(
    data=st.one_of(CSV_TEXT, st.text(max_size=300)),
    huge=st.booleans(),
)
def test_a_csv_import_is_rows_and_notes_or_one_clear_refusal(data: str, huge: bool) -> None:
    if huge:  # a field past the csv module's 131,072-character limit
        data = f"email\n{data}" + "a" * 131_073
    try:
        rows, report = transfer.parse(data, default_lists=["breaking"], known={"breaking"})
    except InvalidInput as exc:
        assert str(exc)
        return
    assert report.rows >= len(rows) and all(note.message for note in report.errors)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["headline", "body_text", "uri", "items"]), children)
    ),
    max_leaves=20,
)


@BOUNDED
@given(
    document=st.one_of(
        json_like.map(json.dumps),
        st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n),
        st.integers(min_value=90, max_value=6000).map(lambda n: '{"urgency": ' + "9" * n + "}"),
        st.binary(max_size=100),
    )
)
def test_ninjs_is_stories_and_failures_or_one_ingest_error(document: str | bytes) -> None:
    try:
        found = parse_ninjs(document, source="fuzz")
    except IngestError as exc:
        assert str(exc)
        return
    assert all(isinstance(item, Story | ItemFailure) for item in found)


private_v4 = st.sampled_from(["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "0.0.0.0"])
spellings = st.sampled_from(
    [
        "http://{v4}/",
        "http://[::ffff:{v4}]/",
        "http://[::{v4}]/",
        "http://[64:ff9b::{v4}]/",
        "http://[{sixtofour}::]/",
        "http://{dec}/",
        "http://0{octal}/",
        "http://[::1/",
        "http://{v4}:99999/",
        "http://[{v4}]/",
    ]
)


@settings(max_examples=60, deadline=None, database=None)
@given(v4=private_v4, spelling=spellings)
def test_an_ingest_url_at_a_private_address_is_refused_in_any_spelling(
    v4: str, spelling: str
) -> None:
    address = ipaddress.IPv4Address(v4)
    url = spelling.format(
        v4=v4,
        dec=int(address),
        octal=oct(int(address))[2:],
        sixtofour=f"2002:{int(address) >> 16:x}:{int(address) & 0xFFFF:x}",
    )
    with pytest.raises(FetchError) as refused:
        fetch(url, timeout=2)
    assert str(refused.value)


@BOUNDED
@given(address=st.ip_addresses(v=4).filter(lambda a: not is_public(a)))
def test_an_ipv6_form_that_carries_a_private_ipv4_is_not_public(
    address: ipaddress.IPv4Address,
) -> None:
    n = int(address)
    for carrier in (f"::ffff:{address}", f"::{address}", f"64:ff9b::{address}"):
        assert not is_public(ipaddress.IPv6Address(carrier)), carrier
    assert not is_public(ipaddress.IPv6Address((0x2002 << 112) | (n << 80)))


@BOUNDED
@given(raw=st.one_of(st.text(max_size=30), st.integers().map(str)))
def test_a_form_row_id_is_a_bounded_number_none_or_a_refusal(raw: str) -> None:
    try:
        found = form_row_id(raw)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert found is None or 0 <= found <= MAX_ROW_ID


@BOUNDED
@given(
    name=st.one_of(
        st.text(max_size=40),
        st.sampled_from(["America", "Etc", "Europe/", "/etc/passwd", "../UTC", "Asia/Calcutta"]),
        st.sampled_from(time_zones()),
    )
)
def test_the_sign_up_time_zone_is_a_known_zone_or_refused(name: str) -> None:
    # The public form keeps a zone only if is_iana_zone says so; the preference centre
    # refuses one with InvalidInput. Neither may raise anything else (IsADirectoryError).
    assert isinstance(is_iana_zone(name), bool)
    try:
        chosen = valid_time_zone(name)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert chosen in time_zones() and is_iana_zone(chosen)
