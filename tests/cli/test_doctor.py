"""`bulletin doctor` against a zone served on loopback: its exit status, its text and its JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulletin.cli import app
from tests.services.doctor.conftest import (
    DOMAIN,
    INBOUND_IP,
    RELAY_PASSWORD,
    SELECTOR,
    good_zone,
)
from tests.support.dkim_keys import ed25519_key, rsa_key, write_key
from tests.support.dns_server import DnsServer, Zone
from tests.support.factories import SECRET, SUPPRESSION_KEY

runner = CliRunner()


@pytest.fixture
def zone() -> Zone:
    return good_zone()


@pytest.fixture
def dns_server(zone: Zone) -> Iterator[DnsServer]:
    with DnsServer(zone) as server:
        yield server


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "BULLETIN_ENV": "production",
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
        "BULLETIN_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_BASE_URL": f"https://{DOMAIN}",
        "BULLETIN_SENDER": f"News Alerts <alerts@{DOMAIN}>",
        "BULLETIN_RELAYS": f"smtp://bulletin:{RELAY_PASSWORD}@relay.{DOMAIN}:587",
        "BULLETIN_POSTAL_ADDRESS": "1 Press Row, Springfield, IL 62701, USA",
        "BULLETIN_DKIM_DOMAIN": DOMAIN,
        "BULLETIN_DKIM_SELECTOR": SELECTOR,
        "BULLETIN_DKIM_KEY_FILE": str(write_key(tmp_path / "dkim.pem", rsa_key())),
        "BULLETIN_DKIM_ED25519_KEY_FILE": str(write_key(tmp_path / "ed.pem", ed25519_key())),
        "BULLETIN_INBOUND_HOST": "0.0.0.0",
        "BULLETIN_INBOUND_PORT": "25",
    }


def _doctor(server: DnsServer, tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    dns = ["--nameserver", "127.0.0.1", "--dns-port", str(server.port), "--timeout", "2"]
    result = runner.invoke(
        app,
        ["doctor", *dns, "--public-address", INBOUND_IP, *args],
        env={**_env(tmp_path), **env},
    )
    return result.exit_code, result.output


def test_a_good_setup_exits_zero_with_every_check_passed(
    dns_server: DnsServer, tmp_path: Path
) -> None:
    status, output = _doctor(dns_server, tmp_path)
    assert status == 0, output
    assert output.strip().splitlines()[-1] == "12 pass, 0 warn, 0 fail, 0 skipped"
    assert RELAY_PASSWORD not in output


def test_a_failing_check_exits_one_and_prints_its_fix(
    zone: Zone, dns_server: DnsServer, tmp_path: Path
) -> None:
    zone.remove(f"_dmarc.{DOMAIN}", "TXT")
    status, output = _doctor(dns_server, tmp_path)
    assert status == 1
    assert f"FAIL    dmarc: no DMARC record at _dmarc.{DOMAIN}" in output
    assert f'fix: Publish: _dmarc.{DOMAIN}. IN TXT "v=DMARC1; p=none;' in output


def test_json_prints_the_same_report(zone: Zone, dns_server: DnsServer, tmp_path: Path) -> None:
    zone.remove(DOMAIN, "TXT")
    status, output = _doctor(dns_server, tmp_path, "--json")
    report = json.loads(output)
    assert status == 1
    assert report["ok"] is False
    spf = [c for c in report["checks"] if c["check"] == "spf"]
    assert [(c["status"], c["subject"]) for c in spf] == [("fail", f"smtp://relay.{DOMAIN}:587")]
    assert report["counts"]["fail"] == 1


def test_settings_that_are_refused_are_the_one_failure_reported(
    dns_server: DnsServer, tmp_path: Path
) -> None:
    status, output = _doctor(dns_server, tmp_path, "--json", BULLETIN_DKIM_SELECTOR="")
    report = json.loads(output)
    assert status == 1
    assert [c["check"] for c in report["checks"]] == ["settings"]
    assert "BULLETIN_DKIM_SELECTOR" in report["checks"][0]["reason"]


def test_a_public_address_that_is_not_one_is_refused(dns_server: DnsServer, tmp_path: Path) -> None:
    status, output = _doctor(dns_server, tmp_path, "--public-address", "not-an-ip")
    assert status == 2
    assert "not-an-ip" in output
