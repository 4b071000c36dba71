"""The DKIM record a configured key needs, and a precise refusal for a key file we cannot use."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.authn.dkim_keys import (
    ED25519,
    RSA,
    decode_p,
    ed25519_selector,
    public_key_of,
    record_name,
)
from bulletin.mail.authn.zone import txt_entry
from tests.support.dkim_keys import ed25519_key, rsa_key, write_key

SETTING = "BULLETIN_DKIM_KEY_FILE"


def test_an_rsa_key_gives_its_subject_public_key_info_as_p(tmp_path: Path) -> None:
    path = write_key(tmp_path / "dkim.pem", rsa_key())
    public = public_key_of(path, algorithm=RSA, setting=SETTING)
    expected = (
        rsa_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert (public.data, public.bits) == (expected, 2048)
    assert public.record == "v=DKIM1; k=rsa; p=" + base64.b64encode(expected).decode()


def test_an_ed25519_key_gives_its_raw_32_bytes_as_p(tmp_path: Path) -> None:
    path = write_key(tmp_path / "ed.pem", ed25519_key())
    public = public_key_of(path, algorithm=ED25519, setting=SETTING)
    assert len(public.data) == 32
    assert public.record.startswith("v=DKIM1; k=ed25519; p=")


def test_the_ed25519_record_sits_beside_the_selectors_own() -> None:
    assert record_name("s2026", "news.example") == "s2026._domainkey.news.example"
    assert record_name(ed25519_selector("s2026"), "news.example") == (
        "s2026-ed25519._domainkey.news.example"
    )


def _missing(path: Path) -> Path:
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


def _text(path: Path) -> Path:
    path.write_text("not a key")
    return path


def _encrypted(path: Path) -> Path:
    return write_key(path, rsa_key(), password=b"a passphrase")


def _ed25519(path: Path) -> Path:
    return write_key(path, ed25519_key())


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_missing, "does not exist"),
        (_directory, "is a directory"),
        (_text, "is not a PEM private key"),
        (_encrypted, "protected by a passphrase"),
        (_ed25519, "not an RSA private key"),
    ],
)
def test_a_key_file_that_cannot_be_used_is_refused_saying_why(
    tmp_path: Path, make: Callable[[Path], Path], says: str
) -> None:
    path = make(tmp_path / "dkim.pem")
    with pytest.raises(ConfigurationError) as refused:
        public_key_of(path, algorithm=RSA, setting=SETTING)
    assert says in str(refused.value)
    assert str(refused.value).startswith(SETTING)


def test_a_long_record_is_written_in_strings_of_at_most_255_characters() -> None:
    text = "v=DKIM1;k=rsa;p=" + "A" * 400
    line = txt_entry("s1._domainkey.news.example", text)
    strings = line.split(" IN TXT ")[1].split(" ")
    assert line.startswith("s1._domainkey.news.example. IN TXT ")
    assert [len(s) - 2 for s in strings] == [255, len(text) - 255]
    assert "".join(s.strip('"') for s in strings) == text


def test_p_is_read_with_whitespace_and_refused_when_not_base64() -> None:
    assert decode_p("AAEC AwQ=") == bytes([0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="not base64"):
        decode_p("not*base64")
