"""Attribution only through what we signed: forged, stale or borrowed tags attribute nothing."""

from __future__ import annotations

from bulletin.mail.returns import ReturnClass, ReturnTags, read_return
from bulletin.mail.returns.tags import find_tagged, message_id_local, verp_local
from tests.support.factories import SECRET
from tests.support.returns import returned_mail

DOMAIN = "news.example.com"
READER = "reader.one@readers.example.org"
TAGS = ReturnTags(SECRET)
HARD = "postfix_550_5_1_1_user_unknown.eml"


def _read(raw: bytes) -> tuple[ReturnClass, int | None, int | None]:
    found = read_return(raw, domain=DOMAIN, verify=TAGS.verify)
    return found.cls, found.campaign_id, found.subscriber_id


def test_a_tag_is_ten_lowercase_hex_digits_fixed_by_the_pair_and_the_secret() -> None:
    tag = TAGS.tag(12, 345)

    assert len(tag) == 10 and tag == tag.lower() and int(tag, 16) >= 0
    assert tag == ReturnTags(SECRET).tag(12, 345)
    assert tag != TAGS.tag(12, 346) and tag != TAGS.tag(13, 345)
    assert tag != ReturnTags("another-secret-key-that-is-long-enough-000").tag(12, 345)
    assert verp_local(12, 345, tag) == f"bounces+c12.s345.k{tag}"
    assert message_id_local(12, 345, tag) == f"bulletin.c12.s345.k{tag}"


def test_a_campaigns_signer_makes_the_same_tags() -> None:
    sign = TAGS.signer(12)

    assert [sign(s) for s in (1, 345, 2**62)] == [TAGS.tag(12, s) for s in (1, 345, 2**62)]


def test_verify_accepts_only_the_pairs_own_tag_in_any_case() -> None:
    tag = TAGS.tag(12, 345)

    assert TAGS.verify(12, 345, tag) and TAGS.verify(12, 345, tag.upper())
    assert not TAGS.verify(12, 346, tag) and not TAGS.verify(21, 345, tag)
    assert not TAGS.verify(12, 345, tag[:-1]) and not TAGS.verify(12, 345, "")
    assert not TAGS.verify(12, 345, "é" * 10)  # non-ASCII never compares


def test_a_signed_bounce_is_attributed_to_its_campaign_and_reader() -> None:
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER)

    assert _read(raw) == (ReturnClass.ADDRESS, 7, 42)


def test_a_dsn_with_an_unsigned_verp_address_and_message_id_is_unattributed() -> None:
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER)
    raw = raw.replace(f".k{TAGS.tag(7, 42)}@".encode(), b"@")  # the old, guessable form

    found = read_return(raw, domain=DOMAIN, verify=TAGS.verify)

    assert found.cls is ReturnClass.ADDRESS and found.recipient == READER
    assert not found.attributed and found.campaign_id is None


def test_a_wrongly_signed_tag_is_unattributed() -> None:
    for forged in ("0000000000", "ffffffffff", TAGS.tag(7, 42)[::-1]):
        raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER, tag=forged)
        assert _read(raw) == (ReturnClass.ADDRESS, None, None), forged


def test_a_tag_from_another_campaign_or_reader_does_not_verify() -> None:
    for campaign, subscriber in [(8, 42), (7, 43), (42, 7)]:
        borrowed = TAGS.tag(campaign, subscriber)
        raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER, tag=borrowed)
        assert _read(raw) == (ReturnClass.ADDRESS, None, None)


def test_a_tag_signed_with_another_secret_does_not_verify() -> None:
    other = ReturnTags("another-secret-key-that-is-long-enough-000").tag(7, 42)
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER, tag=other)

    assert _read(raw) == (ReturnClass.ADDRESS, None, None)


def test_a_tag_whose_case_a_mail_server_changed_still_verifies() -> None:
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER)
    tag = TAGS.tag(7, 42)
    shouted = raw.replace(
        f"bounces+c7.s42.k{tag}".encode(), f"BOUNCES+C7.S42.K{tag}".upper().encode()
    )
    shouted = shouted.replace(
        f"bulletin.c7.s42.k{tag}".encode(), f"Bulletin.C7.S42.K{tag.upper()}".encode()
    )

    assert tag.encode() not in shouted
    assert _read(shouted) == (ReturnClass.ADDRESS, 7, 42)


def test_the_quoted_message_id_alone_is_enough_when_the_verp_address_was_lost() -> None:
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER)
    raw = raw.replace(f"bounces+c7.s42.k{TAGS.tag(7, 42)}@".encode(), b"bounces@")

    assert _read(raw) == (ReturnClass.ADDRESS, 7, 42)


def test_a_quoted_message_id_that_starts_with_its_campaigns_salt_is_enough() -> None:
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER, salt="3f9a0c1b2d4e")
    raw = raw.replace(f"bounces+c7.s42.k{TAGS.tag(7, 42)}@".encode(), b"bounces@")
    assert b"<3f9a0c1b2d4e.bulletin.c7.s42.k" in raw

    assert _read(raw) == (ReturnClass.ADDRESS, 7, 42)


def test_a_forged_tag_beside_a_genuine_one_changes_nothing() -> None:
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER)
    forged = f"X-Forged: <bulletin.c9.s99.k0123456789@{DOMAIN}>\r\n".encode()

    assert _read(forged + raw) == (ReturnClass.ADDRESS, 7, 42)


def test_ids_for_another_domain_or_inside_a_longer_domain_are_not_ours() -> None:
    raw = returned_mail(HARD, campaign=7, subscriber=42, email=READER)

    assert _read(raw.replace(b"news.example.com", b"elsewhere.example"))[1:] == (None, None)
    assert _read(raw.replace(b"@news.example.com", b"@news.example.com.evil.example"))[1:] == (
        None,
        None,
    )


def test_only_ascii_tags_are_found() -> None:
    kelvin = "\u212a"  # KELVIN SIGN: matches "k" case-insensitively in Unicode mode
    text = f"bounces+c7.s42.{kelvin}{TAGS.tag(7, 42)}@{DOMAIN}"

    assert list(find_tagged([text], domain=DOMAIN)) == []
