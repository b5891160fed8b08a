"""Who a client is, for rate limits and puzzle difficulty: its network, under a pseudonym.

One IPv6 customer usually holds a whole /64 (2**64 addresses), so counting per address
would give a bot a fresh budget with every request; by default IPv6 clients are counted
per /64 and IPv4 clients per address (/32). The network is then replaced by a keyed
pseudonym (:meth:`TokenSigner.pseudonym`), so no Redis key and no token ever holds an IP.
Nothing here does I/O.
"""

from __future__ import annotations

import hmac
import ipaddress

from service.signing import TokenSigner

DEFAULT_IPV4_PREFIX = 32
DEFAULT_IPV6_PREFIX = 64
# A peer that is not an IP (a Unix socket, a test client) is counted under its text, cut
# short so that a hostile value cannot make a long key.
_MAX_OTHER = 64
# Identities remembered per worker: computing one parses the address and runs an HMAC,
# on every challenge and solve. Past this many the memory starts again empty.
_MAX_REMEMBERED = 8192


def network(address: str, ipv4_prefix: int = DEFAULT_IPV4_PREFIX,
            ipv6_prefix: int = DEFAULT_IPV6_PREFIX) -> str:
    """The network ``address`` is counted under, e.g. ``2001:db8:1:2::/64``.

    An IPv4-mapped IPv6 address (``::ffff:192.0.2.1``) counts as the IPv4 address it
    carries. Text that is not an IP address is returned as ``other:`` and the text.
    """
    text = address.strip()
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return "other:" + text[:_MAX_OTHER]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = ipv4_prefix if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def is_ip(address: str) -> bool:
    """True when ``address`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return False
    return True


def check_prefixes(ipv4_prefix: int, ipv6_prefix: int) -> None:
    """Raise ``ValueError`` unless both prefix lengths are usable."""
    if not 1 <= ipv4_prefix <= 32:
        raise ValueError(f"an IPv4 prefix is 1–32 bits, not {ipv4_prefix}")
    if not 1 <= ipv6_prefix <= 128:
        raise ValueError(f"an IPv6 prefix is 1–128 bits, not {ipv6_prefix}")


class ClientIdentifier:
    """Turns client addresses into identities: keyed pseudonyms of their networks."""

    def __init__(self, signer: TokenSigner, ipv4_prefix: int = DEFAULT_IPV4_PREFIX,
                 ipv6_prefix: int = DEFAULT_IPV6_PREFIX) -> None:
        check_prefixes(ipv4_prefix, ipv6_prefix)
        self.signer = signer
        self.ipv4_prefix = ipv4_prefix
        self.ipv6_prefix = ipv6_prefix
        self._remembered: dict[str, str] = {}

    def network(self, address: str) -> str:
        """The network ``address`` is counted under, with this identifier's prefixes."""
        return network(address, self.ipv4_prefix, self.ipv6_prefix)

    def identity(self, address: str) -> str:
        """The identity of ``address``: the same for every address of one network."""
        found = self._remembered.get(address)
        if found is None:
            found = self.signer.pseudonym("client:" + self.network(address))
            if len(address) <= _MAX_OTHER:
                if len(self._remembered) >= _MAX_REMEMBERED:
                    self._remembered = {}
                self._remembered[address] = found
        return found

    def same_client(self, address: str, identity: object) -> bool:
        """True when ``address`` belongs to the network behind ``identity``.

        Every signing key is tried, so an identity made just before a key rotation
        still matches; ``address`` must be an IP address.
        """
        if not isinstance(identity, str) or not identity or not is_ip(address):
            return False
        matched = False
        for candidate in self.signer.pseudonyms("client:" + self.network(address)):
            matched |= hmac.compare_digest(candidate.encode(), identity.encode())
        return matched
