"""`read_return` never raises: random bytes, and real fixtures cut, spliced and corrupted."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.mail.returns import Return, ReturnClass, ReturnTags, read_return
from tests.support.factories import SECRET
from tests.support.returns import FIXTURES, returned_mail

DOMAIN = "news.example.com"
TAGS = ReturnTags(SECRET)
NAMES = sorted(path.name for path in FIXTURES.glob("*.eml"))
REAL = [returned_mail(n, campaign=7, subscriber=42, email="r@readers.example.org") for n in NAMES]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _checked(raw: bytes) -> Return:
    found = read_return(raw, domain=DOMAIN, verify=TAGS.verify)
    assert isinstance(found.cls, ReturnClass) and len(found.key) == 64
    # attribution is all or nothing, and only ever to the pair the fixtures were signed for
    assert (found.campaign_id, found.subscriber_id) in {(None, None), (7, 42)}
    return found


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    _checked(raw)


@FUZZ
@given(
    st.sampled_from(REAL),
    st.lists(st.tuples(st.integers(0, 20_000), st.binary(max_size=40)), max_size=8),
)
def test_real_fixtures_corrupted_anywhere_never_raise(
    raw: bytes, edits: list[tuple[int, bytes]]
) -> None:
    mutated = bytearray(raw)
    for at, junk in edits:
        at %= len(mutated) + 1
        mutated[at : at + len(junk)] = junk
    _checked(bytes(mutated))


@FUZZ
@given(st.sampled_from(REAL), st.sampled_from(REAL), st.integers(0, 20_000), st.integers(0, 20_000))
def test_real_fixtures_cut_and_spliced_never_raise(
    first: bytes, second: bytes, cut: int, start: int
) -> None:
    _checked(first[: cut % (len(first) + 1)] + second[start % (len(second) + 1) :])


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n\r\n",
        b"Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\n" * 50,
        b"Content-Type: message/rfc822\r\n\r\n" * 300,  # nested ever deeper
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n\xff\xfe",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
        b'{"notificationType": "Bounce", "bounce": ' + b"[" * 5000,
        b"Subject: " + b"x" * 200_000 + b"\r\n\r\nbody",
    ],
)
def test_pathological_messages_are_unknown_or_read_but_never_raise(raw: bytes) -> None:
    _checked(raw)
