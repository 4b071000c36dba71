"""Specifications for settings read from BULLETIN_* variables and refused when they cannot work."""

from __future__ import annotations

import stat
import threading
from datetime import time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bulletin.config import MIN_SECRET_LENGTH, Settings
from bulletin.domain.errors import ConfigurationError

STRONG_SECRET = "k" * MIN_SECRET_LENGTH
STRONG_SUPPRESSION_KEY = "s" * MIN_SECRET_LENGTH


def dev_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return {"BULLETIN_DATA_DIR": str(tmp_path / "data"), **variables}


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    production = {
        "BULLETIN_ENV": "production",
        "BULLETIN_SECRET_KEY": STRONG_SECRET,
        "BULLETIN_SUPPRESSION_KEY": STRONG_SUPPRESSION_KEY,
        "BULLETIN_BASE_URL": "https://news.example.com",
        "BULLETIN_POSTAL_ADDRESS": "1 Press Row, Springfield, IL 62701, USA",
    }
    return dev_env(tmp_path, **{**production, **variables})


def test_defaults_describe_a_development_install_using_the_catcher(tmp_path: Path) -> None:
    settings = Settings.from_env(dev_env(tmp_path))
    assert settings.env == "development"
    assert not settings.production
    assert settings.database_url == "sqlite:///./bulletin.db"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.sender == "Bulletin News <news@localhost>"
    assert settings.smtp_url is None
    assert settings.uses_catcher
    assert settings.catcher_dir == tmp_path / "data" / "catcher"
    assert (settings.catcher_host, settings.catcher_port) == ("127.0.0.1", 2525)
    assert settings.confirm_max_age_s == 48 * 3600
    assert settings.unsubscribe_max_age_s == 365 * 86400
    assert settings.worker_batch == 500


def test_variables_override_the_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env(
        dev_env(
            tmp_path,
            BULLETIN_BASE_URL="https://news.example.com/",
            BULLETIN_SENDER="Desk <desk@news.example.com>",
            BULLETIN_SMTP_URL="smtp://relay.example.com:587",
            BULLETIN_CATCHER_PORT="2626",
            BULLETIN_CONFIRM_MAX_AGE_HOURS="24",
            BULLETIN_UNSUBSCRIBE_MAX_AGE_DAYS="90",
            BULLETIN_WORKER_BATCH="50",
        )
    )
    assert settings.base_url == "https://news.example.com"
    assert settings.sender_address == "desk@news.example.com"
    assert settings.mail_domain == "news.example.com"
    assert settings.smtp_url == "smtp://relay.example.com:587"
    assert not settings.uses_catcher
    assert settings.catcher_port == 2626
    assert settings.confirm_max_age_s == 24 * 3600
    assert settings.unsubscribe_max_age_s == 90 * 86400
    assert settings.worker_batch == 50


def test_blank_numeric_variable_means_the_default(tmp_path: Path) -> None:
    assert Settings.from_env(dev_env(tmp_path, BULLETIN_WORKER_BATCH=" ")).worker_batch == 500


def test_secret_key_is_never_shown_in_the_settings_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(dev_env(tmp_path, BULLETIN_SECRET_KEY=STRONG_SECRET))
    assert STRONG_SECRET not in repr(settings)


def test_development_makes_a_secret_key_on_first_run_readable_only_by_us(tmp_path: Path) -> None:
    settings = Settings.from_env(dev_env(tmp_path))
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == settings.secret_key
    assert len(settings.secret_key) >= MIN_SECRET_LENGTH
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["secret_key", "suppression_key"]


def test_development_reuses_the_stored_key_on_the_next_run(tmp_path: Path) -> None:
    first = Settings.from_env(dev_env(tmp_path))
    second = Settings.from_env(dev_env(tmp_path))
    assert second.secret_key == first.secret_key


def test_each_new_data_dir_gets_its_own_key(tmp_path: Path) -> None:
    one = Settings.from_env({"BULLETIN_DATA_DIR": str(tmp_path / "one")})
    two = Settings.from_env({"BULLETIN_DATA_DIR": str(tmp_path / "two")})
    assert one.secret_key != two.secret_key


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    keys: list[str] = []
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        keys.append(Settings.from_env(dev_env(tmp_path)).secret_key)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8
    assert set(keys) == {(tmp_path / "data" / "secret_key").read_text().strip()}


def test_configured_keys_are_used_and_nothing_is_written(tmp_path: Path) -> None:
    env = dev_env(
        tmp_path,
        BULLETIN_SECRET_KEY=STRONG_SECRET,
        BULLETIN_SUPPRESSION_KEY=STRONG_SUPPRESSION_KEY,
    )
    settings = Settings.from_env(env)
    assert settings.secret_key == STRONG_SECRET
    assert settings.suppression_key == STRONG_SUPPRESSION_KEY
    assert not (tmp_path / "data").exists()


def test_development_makes_a_suppression_key_of_its_own_beside_the_secret_key(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(dev_env(tmp_path))
    key_file = tmp_path / "data" / "suppression_key"
    assert key_file.read_text().strip() == settings.suppression_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert settings.suppression_key != settings.secret_key
    assert Settings.from_env(dev_env(tmp_path)).suppression_key == settings.suppression_key


def test_changing_the_secret_key_leaves_the_suppression_key_as_it_was(tmp_path: Path) -> None:
    before = Settings.from_env(dev_env(tmp_path))
    after = Settings.from_env(dev_env(tmp_path, BULLETIN_SECRET_KEY=STRONG_SECRET))
    assert after.secret_key != before.secret_key
    assert after.suppression_key == before.suppression_key


def test_a_damaged_suppression_key_is_never_replaced_by_a_new_one(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "suppression_key").write_text("short\n")
    with pytest.raises(ConfigurationError, match=r"suppression_key .* restore it from a backup"):
        Settings.from_env(dev_env(tmp_path))
    assert (tmp_path / "data" / "suppression_key").read_text() == "short\n"


def test_production_refuses_a_missing_suppression_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["BULLETIN_SUPPRESSION_KEY"]
    with pytest.raises(ConfigurationError, match="BULLETIN_SUPPRESSION_KEY must be set"):
        Settings.from_env(env)
    assert not (tmp_path / "data" / "suppression_key").exists()


def test_the_suppression_key_must_differ_from_the_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path, BULLETIN_SUPPRESSION_KEY=STRONG_SECRET)
    with pytest.raises(ConfigurationError, match="must differ from BULLETIN_SECRET_KEY"):
        Settings.from_env(env)


def test_suppression_key_is_never_shown_in_the_settings_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(production_env(tmp_path))
    assert STRONG_SUPPRESSION_KEY not in repr(settings)


def test_damaged_stored_key_is_refused_rather_than_signing_with_it(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text("\n")
    with pytest.raises(ConfigurationError, match=r"secret_key is empty or too short; delete it"):
        Settings.from_env(dev_env(tmp_path))


def test_production_with_a_strong_key_and_https_is_accepted(tmp_path: Path) -> None:
    settings = Settings.from_env(production_env(tmp_path, BULLETIN_ENV=" Production "))
    assert settings.production
    assert settings.secret_key == STRONG_SECRET


def test_production_refuses_a_missing_secret_and_does_not_invent_one(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["BULLETIN_SECRET_KEY"]
    with pytest.raises(ConfigurationError, match="BULLETIN_SECRET_KEY must be set"):
        Settings.from_env(env)
    assert not (tmp_path / "data" / "secret_key").exists()


@pytest.mark.parametrize(
    "secret",
    ["changeme", "CHANGEME", "secret", "change-me", "k" * (MIN_SECRET_LENGTH - 1), "   "],
)
def test_production_refuses_a_placeholder_or_short_secret(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigurationError, match=f"at least {MIN_SECRET_LENGTH} characters"):
        Settings.from_env(production_env(tmp_path, BULLETIN_SECRET_KEY=secret))


def test_production_refuses_a_plain_http_base_url(tmp_path: Path) -> None:
    env = production_env(tmp_path, BULLETIN_BASE_URL="http://news.example.com")
    with pytest.raises(ConfigurationError, match="must use https in production"):
        Settings.from_env(env)


@pytest.mark.parametrize("url", ["news.example.com", "ftp://news.example.com", "https://"])
def test_base_url_must_be_an_http_url(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigurationError, match="BULLETIN_BASE_URL must be an http"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_BASE_URL=url))


def test_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="'development' or 'production'"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_ENV="staging"))


@pytest.mark.parametrize(
    "name",
    [
        "BULLETIN_CATCHER_PORT",
        "BULLETIN_CONFIRM_MAX_AGE_HOURS",
        "BULLETIN_UNSUBSCRIBE_MAX_AGE_DAYS",
        "BULLETIN_WORKER_BATCH",
    ],
)
def test_non_integer_number_names_the_variable(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(dev_env(tmp_path, **{name: "12.5"}))
    assert str(caught.value) == f"{name} must be a whole number, not '12.5'."


@pytest.mark.parametrize("value", ["0", "-5"])
def test_zero_or_negative_number_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match="BULLETIN_WORKER_BATCH must be at least 1"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_WORKER_BATCH=value))


def test_unsubscribe_links_must_last_at_least_sixty_days(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="at least 60 days"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_UNSUBSCRIBE_MAX_AGE_DAYS="59"))
    sixty = Settings.from_env(dev_env(tmp_path, BULLETIN_UNSUBSCRIBE_MAX_AGE_DAYS="60"))
    assert sixty.unsubscribe_max_age_s == 60 * 86400


@pytest.mark.parametrize(
    "sender", ["no address here", "Desk <desk-at-example.com>", "The Daily, Example <d@x.org>"]
)
def test_sender_must_contain_an_address(tmp_path: Path, sender: str) -> None:
    with pytest.raises(ConfigurationError, match="BULLETIN_SENDER must be an address"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_SENDER=sender))


def test_sender_address_must_be_ascii_so_it_can_go_on_the_wire(tmp_path: Path) -> None:
    env = dev_env(tmp_path, BULLETIN_SENDER="Nachrichten <news@bücher.example>")
    with pytest.raises(ConfigurationError, match="xn-- form"):
        Settings.from_env(env)


def test_sender_display_name_may_be_non_ascii(tmp_path: Path) -> None:
    env = dev_env(tmp_path, BULLETIN_SENDER="Zürcher Nachrichten <news@example.ch>")
    assert Settings.from_env(env).sender_address == "news@example.ch"


@pytest.mark.parametrize(
    ("name", "field"), [("BULLETIN_SENDER", "sender"), ("BULLETIN_NEWSROOM_NAME", "newsroom name")]
)
def test_line_break_in_a_header_setting_is_refused(tmp_path: Path, name: str, field: str) -> None:
    value = "News <news@example.com>\r\nBcc: all@example.com"
    with pytest.raises(ConfigurationError, match=f"The {field} contains a line break"):
        Settings.from_env(dev_env(tmp_path, **{name: value}))


def test_relay_url_must_be_smtp_or_smtps(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="smtp:// or smtps://"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_SMTP_URL="http://relay.example.com"))


def test_blank_relay_url_means_the_catcher(tmp_path: Path) -> None:
    assert Settings.from_env(dev_env(tmp_path, BULLETIN_SMTP_URL="")).uses_catcher


def test_the_bounce_mailbox_is_read_and_its_password_kept_out_of_sight(tmp_path: Path) -> None:
    url = "imaps://bounces:imap-Secret-9@imap.example.org/INBOX"
    settings = Settings.from_env(
        dev_env(tmp_path, BULLETIN_BOUNCE_IMAP_URL=url, BULLETIN_BOUNCE_IMAP_INTERVAL_SECONDS="30")
    )
    assert (settings.bounce_imap_url, settings.bounce_imap_interval_s) == (url, 30)
    assert "imap-Secret-9" not in repr(settings)
    unset = Settings.from_env(dev_env(tmp_path, BULLETIN_BOUNCE_IMAP_URL=""))
    assert (unset.bounce_imap_url, unset.bounce_imap_interval_s) == (None, 60)


def test_the_bounce_mailbox_must_be_imap_or_imaps(tmp_path: Path) -> None:
    url = "pop3://bounces:imap-Secret-9@mail.example.org"
    with pytest.raises(ConfigurationError, match="imaps:// or imap://") as refused:
        Settings.from_env(dev_env(tmp_path, BULLETIN_BOUNCE_IMAP_URL=url))
    assert "imap-Secret-9" not in str(refused.value)


def test_embed_origins_are_read_from_a_space_or_comma_separated_list(tmp_path: Path) -> None:
    settings = Settings.from_env(
        dev_env(
            tmp_path,
            BULLETIN_EMBED_ORIGINS="https://www.news.example, https://*.news.example/ http://x:8080",
        )
    )
    assert settings.embed_origins == (
        "https://www.news.example",
        "https://*.news.example",
        "http://x:8080",
    )


@pytest.mark.parametrize(
    "origin", ["news.example", "https://news.example/articles", "*", "javascript:alert(1)"]
)
def test_an_embed_origin_must_be_a_scheme_and_host(tmp_path: Path, origin: str) -> None:
    with pytest.raises(ConfigurationError, match="BULLETIN_EMBED_ORIGINS"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_EMBED_ORIGINS=origin))


def test_the_alert_flow_settings_default_to_the_editor_and_no_second_approval(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(dev_env(tmp_path))
    assert settings.staff_seed_list == () and settings.alert_approval is False


def test_staff_seed_list_and_second_approval_are_read(tmp_path: Path) -> None:
    seed = " desk@News.Example.com, chief@news.example.com desk@news.example.com"
    settings = Settings.from_env(
        dev_env(
            tmp_path,
            BULLETIN_STAFF_SEED_LIST=seed,
            BULLETIN_ALERT_APPROVAL="On",
        )
    )
    assert settings.staff_seed_list == ("desk@news.example.com", "chief@news.example.com")
    assert settings.alert_approval is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BULLETIN_STAFF_SEED_LIST", "desk@news.example.com, not-an-address", "SEED_LIST"),
        ("BULLETIN_ALERT_APPROVAL", "sometimes", "on or off"),
    ],
)
def test_bad_alert_flow_settings_are_refused_by_name(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(dev_env(tmp_path, **{name: value}))


def test_fetches_reach_public_addresses_only_unless_a_network_is_allowed(tmp_path: Path) -> None:
    assert Settings.from_env(dev_env(tmp_path)).fetch_allow_networks == ()
    settings = Settings.from_env(
        dev_env(tmp_path, BULLETIN_FETCH_ALLOW_NETWORKS="10.20.0.0/16, 192.168.5.7 fd00::/8")
    )
    assert [str(net) for net in settings.fetch_allow_networks] == [
        "10.20.0.0/16",
        "192.168.5.7/32",
        "fd00::/8",
    ]


def test_a_network_that_is_not_one_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"BULLETIN_FETCH_ALLOW_NETWORKS: .*intranet"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_FETCH_ALLOW_NETWORKS="intranet"))


def test_sign_up_limits_are_read_as_rates_and_proxies_as_networks(tmp_path: Path) -> None:
    settings = Settings.from_env(
        dev_env(
            tmp_path,
            BULLETIN_SIGNUP_LIMIT_IP="5/minute; 20/hour",
            BULLETIN_CONFIRMATION_LIMIT="1000 per 1 minute",
            BULLETIN_TRUSTED_PROXIES="10.0.0.0/8 ::1",
            BULLETIN_REDIS_URL="redis://127.0.0.1:6379/2",
            BULLETIN_SIGNUP_MIN_FILL_SECONDS="0",
        )
    )
    assert settings.signup_limit_ip == "5/minute; 20/hour"
    assert settings.confirmation_limit == "1000 per 1 minute"
    assert [str(net) for net in settings.trusted_proxies] == ["10.0.0.0/8", "::1/128"]
    assert settings.redis_url == "redis://127.0.0.1:6379/2"
    assert settings.signup_min_fill_s == 0
    assert "6379" not in repr(settings)  # a Redis URL may carry its password


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BULLETIN_SIGNUP_LIMIT_IP", "lots", "BULLETIN_SIGNUP_LIMIT_IP must be rates like"),
        ("BULLETIN_SIGNUP_LIMIT_MAILBOX", "0/hour", "must be rates like"),
        ("BULLETIN_CONFIRMATION_LIMIT", "", "must be rates like"),
        ("BULLETIN_REDIS_URL", "http://cache:6379", "must be a redis://"),
        ("BULLETIN_TRUSTED_PROXIES", "the-load-balancer", "BULLETIN_TRUSTED_PROXIES: "),
        ("BULLETIN_SIGNUP_MIN_FILL_SECONDS", "-1", "must be 0 or more"),
    ],
)
def test_bad_sign_up_limit_settings_are_refused_by_name(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(dev_env(tmp_path, **{name: value}))


def test_variables_in_other_units_become_the_attributes_seconds_and_fractions(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(
        dev_env(
            tmp_path,
            BULLETIN_RETRY_BASE_SECONDS="45",
            BULLETIN_PAUSE_ERROR_PERCENT="25",
            BULLETIN_ALERT_EXPIRY_MINUTES="90",
            BULLETIN_BRIEFING_ASSEMBLE_MINUTES="60",
            BULLETIN_BRIEFING_APPROVE_MINUTES="10",
        )
    )
    assert settings.retry_base_s == 45
    assert settings.pause_error_rate == 0.25
    assert settings.alert_expiry_s == 90 * 60
    assert settings.briefing_rules.assemble_before == timedelta(hours=1)
    assert settings.briefing_rules.approve_before == timedelta(minutes=10)


def test_defaults_of_the_engine_and_the_briefing(tmp_path: Path) -> None:
    settings = Settings.from_env(dev_env(tmp_path, BULLETIN_BRIEFING_EXPIRY=" "))
    assert (settings.retry_base_s, settings.pause_error_rate) == (30, 0.5)
    assert settings.alert_expiry_s == 2 * 3600
    assert (settings.briefing_size, settings.briefing_expiry) == (7, time(12, 0))
    assert settings.briefing_assemble_before_s == 120 * 60
    assert settings.briefing_approve_before_s == 30 * 60
    assert settings.time_zone == "UTC" and settings.briefing_holidays == frozenset()


def test_fixed_settings_are_not_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(dev_env(tmp_path, BULLETIN_MAX_ATTEMPTS="2"))
    assert settings.max_attempts == 8


def test_every_bad_variable_is_named_one_a_line(tmp_path: Path) -> None:
    env = dev_env(tmp_path, BULLETIN_WORKER_BATCH="many", BULLETIN_ALERT_APPROVAL="maybe")
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert str(caught.value).splitlines() == [
        "BULLETIN_WORKER_BATCH must be a whole number, not 'many'.",
        "BULLETIN_ALERT_APPROVAL must be on or off, not 'maybe'.",
    ]


def test_from_env_reads_the_process_environment_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BULLETIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BULLETIN_WORKER_BATCH", "7")
    assert Settings.from_env().worker_batch == 7


def test_settings_built_in_python_read_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETIN_WORKER_BATCH", "7")
    monkeypatch.setenv("BULLETIN_RELAYS", "smtp://relay.example.com")
    settings = Settings(secret_key=STRONG_SECRET)
    assert settings.worker_batch == 500 and settings.uses_catcher


def test_settings_built_in_python_take_values_in_the_attributes_units() -> None:
    settings = Settings(secret_key=STRONG_SECRET, alert_expiry_s=60, pause_error_rate=0.1)
    assert (settings.alert_expiry_s, settings.pause_error_rate) == (60, 0.1)


def test_replace_is_a_changed_copy_and_the_original_stays_as_it_was() -> None:
    settings = Settings(secret_key=STRONG_SECRET)
    changed = settings.replace(worker_batch=10, staff_seed_list=("desk@news.example.com",))
    assert (changed.worker_batch, changed.staff_seed_list) == (10, ("desk@news.example.com",))
    assert (settings.worker_batch, settings.staff_seed_list) == (500, ())
    assert changed.secret_key == STRONG_SECRET


def test_replace_refuses_a_field_that_does_not_exist() -> None:
    with pytest.raises(TypeError, match="no field worker_bach"):
        Settings(secret_key=STRONG_SECRET).replace(worker_bach=10)


def test_settings_cannot_be_changed_in_place() -> None:
    settings = Settings(secret_key=STRONG_SECRET)
    with pytest.raises(ValidationError, match="frozen"):
        settings.worker_batch = 10


def test_production_refuses_a_missing_postal_address(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["BULLETIN_POSTAL_ADDRESS"]
    with pytest.raises(ConfigurationError, match="BULLETIN_POSTAL_ADDRESS must be set"):
        Settings.from_env(env)


def test_a_postal_address_cannot_carry_a_line_break(tmp_path: Path) -> None:
    env = dev_env(tmp_path, BULLETIN_POSTAL_ADDRESS="1 Press Row\r\nBcc: x@example.com")
    with pytest.raises(ConfigurationError, match="BULLETIN_POSTAL_ADDRESS"):
        Settings.from_env(env)


def test_dkim_signing_needs_domain_selector_and_key_together(tmp_path: Path) -> None:
    env = dev_env(tmp_path, BULLETIN_DKIM_DOMAIN="example.com")
    with pytest.raises(ConfigurationError, match="BULLETIN_DKIM_SELECTOR, BULLETIN_DKIM_KEY_FILE"):
        Settings.from_env(env)


def test_a_second_ed25519_signature_needs_the_first(tmp_path: Path) -> None:
    env = dev_env(tmp_path, BULLETIN_DKIM_ED25519_KEY_FILE=str(tmp_path / "ed.pem"))
    with pytest.raises(ConfigurationError, match="second signature"):
        Settings.from_env(env)


@pytest.mark.parametrize("name", ["bulletin", "mail.example.com.", "mail_1.example.com", "1.2.3.4"])
def test_an_ehlo_name_that_is_not_fully_qualified_is_refused(tmp_path: Path, name: str) -> None:
    env = dev_env(tmp_path, BULLETIN_HELO_NAME=name)
    with pytest.raises(ConfigurationError, match="BULLETIN_HELO_NAME must be a fully qualified"):
        Settings.from_env(env)


def test_a_fully_qualified_ehlo_name_is_kept(tmp_path: Path) -> None:
    env = dev_env(tmp_path, BULLETIN_HELO_NAME="mail.news.example.com")
    assert Settings.from_env(env).helo_name == "mail.news.example.com"


def test_click_counts_are_off_unless_turned_on(tmp_path: Path) -> None:
    assert Settings.from_env(dev_env(tmp_path)).click_tracking == "off"
    on = Settings.from_env(dev_env(tmp_path, BULLETIN_CLICK_TRACKING="Per-Reader"))
    assert on.click_tracking == "per-reader"
    with pytest.raises(ConfigurationError, match="'off', 'aggregate' or 'per-reader'"):
        Settings.from_env(dev_env(tmp_path, BULLETIN_CLICK_TRACKING="pixels"))
