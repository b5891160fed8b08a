"""Noticing a reverse proxy that Hedgerow was not told about.

Behind a proxy, every request arrives from the proxy's address. With
``HEDGEROW_TRUSTED_PROXIES=0`` that address is taken as the visitor's, so all visitors
share one identity: a few wrong answers raise everyone's puzzle and a few dozen requests
spend everyone's rate limit. A request that carries ``X-Forwarded-For`` and comes from
a private or loopback address is the sign of it; this says so once per worker, in the
log and in ``/readyz``.
"""

from __future__ import annotations

import ipaddress
import logging
import threading

log = logging.getLogger(__name__)

WARNING = (
    "Requests carry X-Forwarded-For and come from a private or loopback address, but "
    "HEDGEROW_TRUSTED_PROXIES=0: every visitor is taken to be the proxy, so all of them "
    "share one rate limit and one puzzle difficulty. Set HEDGEROW_TRUSTED_PROXIES to the "
    "number of proxies in front of Hedgerow."
)


def _private_or_loopback(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback


class ForwardedForCheck:
    """Watches requests for forwarded ones from a proxy while no proxy is trusted."""

    def __init__(self, trusted_proxies: int) -> None:
        self.watching = trusted_proxies == 0
        self.warning = ""
        self._lock = threading.Lock()

    def observe(self, peer: str | None, forwarded_for: str | None) -> None:
        """Look at one request's peer address and ``X-Forwarded-For`` header."""
        if not self.watching or not forwarded_for or not _private_or_loopback(peer):
            return
        with self._lock:
            if not self.watching:
                return
            self.watching = False
            self.warning = WARNING
        log.warning(WARNING)

    def readyz_detail(self) -> dict[str, str]:
        """What ``/readyz`` adds to its answer: the warning, if there is one."""
        return {"detail": self.warning} if self.warning else {}
