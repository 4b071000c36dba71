"""Specifications for reader addresses and for text bound for mail headers."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bulletin.domain.addresses import (
    IdentityHasher,
    address_key,
    ensure_header_safe,
    mailbox_key,
    normalise_address,
    same_address,
)
from bulletin.domain.errors import (
    ConfigurationError,
    InvalidAddress,
    InvalidInput,
    UnsafeHeaderValue,
)

LINE_BREAKS = [
    "\r",
    "\n",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
]


def test_surrounding_space_is_trimmed_and_the_domain_lower_cased() -> None:
    assert normalise_address("  Jane.Doe@News.EXAMPLE.org \t") == "Jane.Doe@news.example.org"


def test_local_part_keeps_its_case() -> None:
    assert normalise_address("MixedCase@example.org") == "MixedCase@example.org"


def test_international_domain_is_kept_in_the_ascii_form_sent_on_the_wire() -> None:
    assert normalise_address("reader@Bücher.example") == "reader@xn--bcher-kva.example"


def test_unicode_and_ascii_spellings_of_a_domain_are_the_same_address() -> None:
    assert normalise_address("reader@bücher.example") == normalise_address(
        "reader@xn--bcher-kva.example"
    )


def test_non_ascii_local_part_is_refused_because_it_could_never_be_delivered() -> None:
    with pytest.raises(InvalidAddress, match="Internationalized characters before the @"):
        normalise_address("josé@example.org")


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_address_asks_for_one(raw: str | None) -> None:
    with pytest.raises(InvalidAddress, match="Please enter your email address"):
        normalise_address(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("no-at-sign.example.org", "must have an @-sign"),
        ("reader@localhost", "should have a period"),
        ("two@@example.org", "invalid characters"),
        ("with space@example.org", "invalid characters"),
        ("reader@", "There must be something after the @-sign"),
    ],
)
def test_invalid_address_says_what_is_wrong(raw: str, reason: str) -> None:
    with pytest.raises(InvalidAddress) as caught:
        normalise_address(raw)
    message = str(caught.value)
    assert message.startswith("That doesn't look like a valid email address:")
    assert reason in message


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=repr)
def test_address_with_a_line_break_is_refused(brk: str) -> None:
    with pytest.raises(InvalidAddress, match="line break"):
        normalise_address(f"reader@example.org{brk}Bcc: victim@example.org")


def test_invalid_address_is_an_input_error_a_person_can_fix() -> None:
    with pytest.raises(InvalidInput):
        normalise_address("nope")


def test_header_safe_value_is_returned_unchanged() -> None:
    value = "Breaking: Élection — results are in"
    assert ensure_header_safe(value, field="subject") is value


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=repr)
def test_every_kind_of_line_break_is_refused_in_a_header_value(brk: str) -> None:
    with pytest.raises(UnsafeHeaderValue):
        ensure_header_safe(f"Hello{brk}Bcc: victim@example.org", field="subject")


def test_unsafe_header_message_names_the_field() -> None:
    with pytest.raises(UnsafeHeaderValue) as caught:
        ensure_header_safe("one\r\ntwo", field="headline")
    assert str(caught.value) == (
        "The headline contains a line break; mail headers must be a single line."
    )


def test_unsafe_header_value_is_an_input_error() -> None:
    assert issubclass(UnsafeHeaderValue, InvalidInput)


# The reader's identity: the key an address is compared by, and its keyed hash


@pytest.mark.parametrize(
    "spelling",
    [
        "Case.Test@Example.com",
        "case.test@example.com",
        "CASE.TEST@EXAMPLE.COM",
        " case.Test@example.COM ",
    ],
)
def test_every_letter_case_of_an_address_has_one_key(spelling: str) -> None:
    assert address_key(spelling) == "case.test@example.com"


def test_the_key_of_an_international_domain_is_its_ascii_form() -> None:
    assert address_key("Reader@Bücher.example") == "reader@xn--bcher-kva.example"
    assert address_key("reader@XN--BCHER-KVA.example") == "reader@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("first.last@gmail.com", "firstlast@gmail.com"),
        ("reader+news@example.org", "reader@example.org"),
    ],
)
def test_no_provider_folds_dots_or_tags_into_the_key(one: str, other: str) -> None:
    assert address_key(one) != address_key(other)


def test_the_key_refuses_what_is_not_an_address() -> None:
    with pytest.raises(InvalidAddress):
        address_key("not-an-address")


def test_same_address_compares_keys_and_is_false_for_non_addresses() -> None:
    assert same_address("Jane@Example.org", "jane@example.ORG")
    assert not same_address("jane@example.org", "jane@example.net")
    assert not same_address("jane@example.org", "not an address")


def test_an_identity_keeps_the_address_as_typed_beside_its_key_and_keyed_hash() -> None:
    identity = IdentityHasher("a-key-of-our-own").identity("  Jane.Doe@News.EXAMPLE.org ")
    assert identity.email == "Jane.Doe@news.example.org"
    assert identity.key == "jane.doe@news.example.org"
    expected = hmac.new(b"a-key-of-our-own", identity.key.encode(), hashlib.sha256).hexdigest()
    assert identity.digest == expected


def test_the_hash_depends_on_the_key_so_a_dump_alone_cannot_be_looked_up() -> None:
    ours, theirs = IdentityHasher("our-key"), IdentityHasher("a-guess")
    key = "jane.doe@news.example.org"
    assert ours.digest(key) != theirs.digest(key)
    assert ours.digest(key) != hashlib.sha256(key.encode()).hexdigest()


def test_hashing_without_a_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="BULLETIN_SUPPRESSION_KEY"):
        IdentityHasher("").digest("jane@example.org")


@pytest.mark.parametrize(
    ("key", "mailbox"),
    [
        ("reader+news@example.org", "reader@example.org"),
        ("reader+a+b@example.org", "reader@example.org"),
        ("first.last@example.org", "first.last@example.org"),  # dots matter elsewhere
        ("first.last+x@gmail.com", "firstlast@gmail.com"),
        ("f.i.r.s.t@googlemail.com", "first@gmail.com"),
        ("Reader+Tag@Example.org", "reader@example.org"),
        ("+only@example.org", "+only@example.org"),
        ("...@gmail.com", "...@gmail.com"),
    ],
)
def test_mailbox_key_folds_tags_everywhere_and_dots_where_the_provider_ignores_them(
    key: str, mailbox: str
) -> None:
    assert mailbox_key(key) == mailbox


def test_mailbox_key_is_not_the_identity_a_tagged_address_is_its_own_reader() -> None:
    assert address_key("reader+news@example.org") != address_key("reader@example.org")
    assert mailbox_key(address_key("reader+news@example.org")) == "reader@example.org"
