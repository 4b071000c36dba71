"""Who sent a request, behind trusted proxies or not, and which network it is from."""

from __future__ import annotations

import ipaddress

from bulletin.domain.networks import client_address, network_of

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))


def test_without_trusted_proxies_the_connection_is_the_client() -> None:
    assert client_address("198.51.100.7", ["203.0.113.9"], ()) == "198.51.100.7"


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address("198.51.100.7", ["203.0.113.9"], PROXIES) == "198.51.100.7"


def test_through_a_trusted_proxy_the_forwarded_client_counts() -> None:
    assert client_address("10.0.0.2", ["203.0.113.9"], PROXIES) == "203.0.113.9"


def test_the_right_most_untrusted_hop_wins_over_what_the_client_wrote() -> None:
    chain = ["1.2.3.4, 203.0.113.9, 10.0.0.5"]  # 1.2.3.4 was typed by the client
    assert client_address("10.0.0.2", chain, PROXIES) == "203.0.113.9"


def test_several_forwarded_headers_read_as_one_chain() -> None:
    assert client_address("10.0.0.2", ["1.2.3.4", "203.0.113.9"], PROXIES) == "203.0.113.9"


def test_a_chain_of_only_trusted_proxies_gives_its_left_most() -> None:
    assert client_address("10.0.0.2", ["10.9.9.9, 10.0.0.5"], PROXIES) == "10.9.9.9"


def test_a_garbled_hop_stops_at_the_last_trusted_proxy() -> None:
    assert client_address("10.0.0.2", ["203.0.113.9, junk, 10.0.0.5"], PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.2", ["<script>"], PROXIES) == "10.0.0.2"


def test_no_forwarded_header_behind_a_proxy_gives_the_proxy() -> None:
    assert client_address("10.0.0.2", [], PROXIES) == "10.0.0.2"


def test_ipv6_proxies_and_clients_work_alike() -> None:
    assert client_address("2001:db8:ffff::1", ["2001:db8:1::5"], PROXIES) == "2001:db8:1::5"


def test_an_ipv4_mapped_peer_is_its_ipv4_address() -> None:
    assert client_address("::ffff:10.0.0.2", ["203.0.113.9"], PROXIES) == "203.0.113.9"
    assert client_address("::ffff:198.51.100.7", [], ()) == "198.51.100.7"


def test_a_peer_that_is_not_an_address_is_kept_as_it_is() -> None:
    assert client_address("testclient", ["203.0.113.9"], PROXIES) == "testclient"
    assert client_address(None, [], PROXIES) is None


def test_ipv4_addresses_count_by_their_slash_24() -> None:
    assert network_of("203.0.113.9") == "203.0.113.0/24"
    assert network_of("::ffff:203.0.113.9") == "203.0.113.0/24"


def test_ipv6_addresses_count_by_their_slash_48() -> None:
    assert network_of("2001:db8:1:2::5") == "2001:db8:1::/48"


def test_text_that_is_no_address_is_its_own_network() -> None:
    assert network_of("testclient") == "testclient"
