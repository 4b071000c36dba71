"""DKIM keys: a key file that cannot sign is refused, by name, before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bulletin.config import Settings
from bulletin.domain.errors import ConfigurationError
from bulletin.mail.compose import Links
from bulletin.mail.dkim import signer_for
from bulletin.services.context import Context
from bulletin.store.db import Database
from tests.support.dkim import DOMAIN, SELECTOR, ed25519_key, key_files, rsa_key, write_pem
from tests.support.factories import make_settings


def _settings(tmp_path: Path, key_file: Path, **more: object) -> Settings:
    dkim = {"dkim_domain": DOMAIN, "dkim_selector": SELECTOR, "dkim_key_file": key_file}
    return make_settings(tmp_path, f"sqlite:///{tmp_path}/unused.db", **{**dkim, **more})


def _refusal(tmp_path: Path, key_file: Path, **more: object) -> str:
    settings = _settings(tmp_path, key_file, **more)
    with pytest.raises(ConfigurationError) as refused:
        signer_for(settings)
    return str(refused.value)


def test_a_missing_key_file_is_refused_by_its_variable_and_path(tmp_path: Path) -> None:
    message = _refusal(tmp_path, tmp_path / "nowhere.pem")
    assert "BULLETIN_DKIM_KEY_FILE" in message and "nowhere.pem" in message


def test_a_directory_in_place_of_the_key_file_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.pem"
    directory.mkdir()
    assert "is a directory, not a key file" in _refusal(tmp_path, directory)


def test_a_file_that_is_not_pem_is_refused_without_quoting_it(tmp_path: Path) -> None:
    garbage = tmp_path / "key.pem"
    garbage.write_text("secret-looking-garbage\n")
    message = _refusal(tmp_path, garbage)
    assert "not a PEM private key" in message and "secret-looking-garbage" not in message


def test_a_key_that_is_not_rsa_is_refused(tmp_path: Path) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "ec.pem"
    path.write_bytes(
        ec_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert "is not an RSA private key" in _refusal(tmp_path, path)
    assert "is not an RSA private key" in _refusal(tmp_path, write_pem(path, ed25519_key()))


def test_an_rsa_key_under_2048_bits_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, write_pem(tmp_path / "short.pem", rsa_key(1024)))
    assert "1024-bit" in message and "2048" in message


def test_a_key_behind_a_passphrase_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "locked.pem"
    path.write_bytes(
        rsa_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    assert "passphrase" in _refusal(tmp_path, path)


def test_the_second_key_must_be_ed25519(tmp_path: Path) -> None:
    files = key_files(tmp_path / "keys")
    message = _refusal(tmp_path, files.rsa, dkim_ed25519_key_file=files.rsa)
    assert "BULLETIN_DKIM_ED25519_KEY_FILE" in message and "not an Ed25519" in message


def test_a_selector_that_could_break_the_header_is_refused(tmp_path: Path) -> None:
    files = key_files(tmp_path / "keys")
    message = _refusal(tmp_path, files.rsa, dkim_selector="s1; d=evil.example")
    assert "BULLETIN_DKIM_SELECTOR" in message


def test_a_bad_key_stops_the_context_at_start_up(tmp_path: Path) -> None:
    settings = _settings(tmp_path, tmp_path / "nowhere.pem")
    with pytest.raises(ConfigurationError, match="BULLETIN_DKIM_KEY_FILE"):
        Context(settings=settings, db=Database(f"sqlite:///{tmp_path}/unused.db"))


def test_the_signer_shows_no_key_in_its_repr(tmp_path: Path) -> None:
    files = key_files(tmp_path / "keys")
    links = Links.from_settings(files.settings(make_settings(tmp_path, "sqlite://")))
    shown = repr(links)
    assert "d=news.example.com" in shown and "rsa-sha256" in shown and "ed25519-sha256" in shown
    assert "PRIVATE" not in shown and "_RSAPrivateKey" not in shown and "private=" not in shown


def test_no_dkim_settings_means_no_signer(tmp_path: Path) -> None:
    assert signer_for(make_settings(tmp_path, "sqlite://")) is None
