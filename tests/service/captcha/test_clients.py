"""Client identities: networks by prefix, under keyed pseudonyms (pure, no Redis)."""

from __future__ import annotations

import secrets

import pytest

from service import config
from service.captcha.clients import ClientIdentifier, network
from service.signing import TokenSigner


def _signer(*keys: str) -> TokenSigner:
    return TokenSigner(list(keys) or [secrets.token_urlsafe(48)])


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.7", "203.0.113.7/32"),
        (" 203.0.113.7 ", "203.0.113.7/32"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7/32"),  # IPv4-mapped counts as IPv4
        ("fe80::1%eth0", "fe80::/64"),
        ("::1", "::/64"),
        ("unknown", "other:unknown"),
        ("", "other:"),
    ],
)
def test_default_networks(address: str, expected: str) -> None:
    assert network(address) == expected


def test_prefixes_are_configurable() -> None:
    assert network("198.51.100.77", ipv4_prefix=24) == "198.51.100.0/24"
    assert network("2001:db8:1:2::1", ipv6_prefix=48) == "2001:db8:1::/48"
    assert network("2001:db8:1:2::1", ipv6_prefix=128) == "2001:db8:1:2::1/128"


def test_hostile_text_is_cut_short() -> None:
    assert len(network("x" * 10_000)) <= len("other:") + 64


def test_one_identity_per_network_and_no_address_in_it() -> None:
    clients = ClientIdentifier(_signer())
    same = {clients.identity(f"2001:db8:1:2::{i:x}") for i in range(1, 50)}
    assert len(same) == 1
    assert clients.identity("2001:db8:1:3::1") not in same
    assert clients.identity("203.0.113.7") != clients.identity("203.0.113.8")
    identity = clients.identity("203.0.113.7")
    assert "203" not in identity and "113" not in identity
    assert len(identity) == 16


def test_identities_depend_on_the_key() -> None:
    a, b = ClientIdentifier(_signer()), ClientIdentifier(_signer())
    assert a.identity("203.0.113.7") != b.identity("203.0.113.7")


def test_wider_prefix_merges_identities() -> None:
    clients = ClientIdentifier(_signer(), ipv4_prefix=24)
    assert clients.identity("198.51.100.1") == clients.identity("198.51.100.254")
    assert clients.identity("198.51.100.1") != clients.identity("198.51.101.1")


def test_same_client_by_network_and_across_a_key_rotation() -> None:
    old_key, new_key = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    before = ClientIdentifier(_signer(old_key)).identity("2001:db8:5:6::1")
    after = ClientIdentifier(_signer(new_key, old_key))
    assert after.same_client("2001:db8:5:6::99", before)
    assert after.same_client("2001:db8:5:6::99", after.identity("2001:db8:5:6::1"))
    assert not after.same_client("2001:db8:5:7::1", before)
    assert not ClientIdentifier(_signer(new_key)).same_client("2001:db8:5:6::1", before)


@pytest.mark.parametrize("identity", [None, "", 42, "not-an-identity"])
def test_same_client_refuses_junk_identities(identity: object) -> None:
    assert not ClientIdentifier(_signer()).same_client("203.0.113.7", identity)


def test_same_client_needs_an_ip_address() -> None:
    clients = ClientIdentifier(_signer())
    assert not clients.same_client("unknown", clients.identity("unknown"))


@pytest.mark.parametrize(("v4", "v6"), [(0, 64), (33, 64), (32, 0), (32, 129)])
def test_bad_prefixes_are_refused(v4: int, v6: int) -> None:
    with pytest.raises(ValueError, match="prefix"):
        ClientIdentifier(_signer(), v4, v6)


def test_prefix_settings_are_validated() -> None:
    loaded = config.load({"HEDGEROW_IPV4_PREFIX": "24", "HEDGEROW_IPV6_PREFIX": "56"},
                         require_secret=False)
    assert (loaded["IPV4_PREFIX"], loaded["IPV6_PREFIX"]) == (24, 56)
    for name, raw in (("IPV4_PREFIX", "33"), ("IPV6_PREFIX", "0"), ("IPV6_PREFIX", "x")):
        with pytest.raises(config.ConfigError, match=name):
            config.load({f"HEDGEROW_{name}": raw}, require_secret=False)


def test_remembered_identities_are_the_computed_ones_and_bounded() -> None:
    signer = _signer()
    clients, fresh = ClientIdentifier(signer), ClientIdentifier(signer)
    addresses = [f"198.51.{i // 256}.{i % 256}" for i in range(9_000)]
    first = [clients.identity(a) for a in addresses]
    again = [clients.identity(a) for a in addresses]
    assert first == again == [fresh.identity(a) for a in addresses]
    assert len(set(first)) == len(addresses)
    assert len(clients._remembered) <= 8192
    # Text that is not an address is not remembered at any length.
    clients.identity("x" * 10_000)
    assert "x" * 10_000 not in clients._remembered
