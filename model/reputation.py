"""Where a link points: reputable, neutral or suspicious.

A link is evidence only through its destination. A comment citing Wikipedia, a DOI, an
arXiv preprint, a government statistics office or a university is doing what a good
comment does; one pointing through a link shortener, at a bare IP address, at a domain in
a throwaway top-level domain, or at a host spelt with look-alike letters is hiding where
it goes. Everything else (a blog, a shop, a video site) is neutral: the words around it
decide.

Government, military, international and academic hosts are recognised by their public
suffix (``.gov``, ``.gov.uk``, ``.ac.uk``, ``.edu.au``, ``.gouv.fr``, …) from the Public
Suffix List shipped in the ``publicsuffixlist`` package (read offline, once, on first use).
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache

from publicsuffixlist import PublicSuffixList


class Reputation(StrEnum):
    """What a link's host says about the comment."""

    REPUTABLE = "reputable"
    NEUTRAL = "neutral"
    SUSPICIOUS = "suspicious"


# Registrable domains of reference works, identifier resolvers, preprint servers and
# publishers, international bodies and long-established news organisations.
REPUTABLE_DOMAINS = frozenset("""
    wikipedia.org wikimedia.org wikidata.org wiktionary.org wikisource.org britannica.com
    doi.org dx.doi.org handle.net orcid.org arxiv.org biorxiv.org medrxiv.org ssrn.com
    osf.io zenodo.org jstor.org pubmed.gov nature.com science.org sciencemag.org cell.com
    thelancet.com bmj.com nejm.org plos.org pnas.org springer.com wiley.com
    sciencedirect.com acm.org ieee.org aps.org iop.org royalsocietypublishing.org
    semanticscholar.org scholar.archive.org archive.org europa.eu who.int un.org
    unesco.org oecd.org imf.org worldbank.org ipcc.ch cern.ch esa.int ecb.europa.eu
    w3.org ietf.org rfc-editor.org unicode.org python.org mozilla.org
    reuters.com apnews.com bbc.co.uk bbc.com theguardian.com nytimes.com washingtonpost.com
    wsj.com ft.com economist.com npr.org pbs.org cbc.ca abc.net.au aljazeera.com
    lemonde.fr spiegel.de zeit.de faz.net sueddeutsche.de elpais.com corriere.it
    nos.nl nrc.nl rte.ie irishtimes.com smh.com.au nhk.or.jp dw.com france24.com
    ourworldindata.org nhs.uk
    destatis.de insee.fr istat.it ine.es cbs.nl scb.se ssb.no stat.fi dst.dk statistik.at
    cso.ie stats.govt.nz statcan.gc.ca bfs.admin.ch census.gov eurostat.ec.europa.eu
""".split())

# Services that hide a link's destination behind a short code.
SHORTENERS = frozenset("""
    bit.ly bitly.com goo.gl tinyurl.com ow.ly t.co adf.ly is.gd buff.ly cutt.ly rebrand.ly
    tiny.cc shorturl.at rb.gy youtu.be v.gd t.ly s.id clck.ru qps.ru shorte.st bc.vc
    soo.gd po.st lnkd.in db.tt qr.ae x.co u.to
""".split())

# Top-level domains that spam runs on far more than anything else: free or near-free
# registrations, and the country domains most abused for it.
SUSPICIOUS_TLDS = frozenset("""
    xyz top click loan work gq tk ml ga cf buzz icu monster rest fit cam sbs cfd bond
    quest lol online site store shop live club space pw ru su cn racing win bid download
    stream trade date faith review party science cricket accountant men webcam zip mov
    country kim link gdn today host fun uno best
""".split())

# Registrable domains under which a national government publishes (their public suffix
# is a plain country code, so the labels below cannot tell).
GOVERNMENT_DOMAINS = frozenset("admin.ch bund.de canada.ca service-public.fr".split())

# Labels of a public suffix that mark a government, military, international or
# academic registry (``gov.uk``, ``ac.uk``, ``edu.au``, ``gouv.fr``, ``gob.es``, ``go.jp``).
INSTITUTIONAL_LABELS = frozenset("gov edu mil int ac gouv gob govt go gc".split())
# Top-level domains that are institutional on their own.
INSTITUTIONAL_TLDS = frozenset("gov edu mil int".split())


# A DNS name is at most 253 characters; longer "hosts" come only from hostile text.
MAX_HOST_CHARS = 253


@lru_cache(maxsize=1)
def public_suffixes() -> PublicSuffixList:
    """The Public Suffix List's ICANN section, read once from the installed package."""
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def _is_ip(host: str) -> bool:
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        # A single decimal number ("http://3232235777/") is an IPv4 address too.
        return candidate.isdigit() and len(candidate) > 6
    return True


def registrable_domain(host: str) -> str:
    """The part of ``host`` a registrant owns (``bbc.co.uk`` for ``www.bbc.co.uk``).

    Unknown top-level domains have none: ``""``.
    """
    return public_suffixes().privatesuffix(host.lower().strip(".")) or ""


def classify_host(host: str) -> Reputation:
    """The reputation of a link's host (lower-case, without scheme, port or ``www.``)."""
    host = host.lower().strip(".")
    if not host:
        return Reputation.NEUTRAL
    if len(host) > MAX_HOST_CHARS:
        # Longer than any DNS name: judged, but not kept in the cache, whose size this bounds.
        return _classify.__wrapped__(host)
    return _classify(host)


@lru_cache(maxsize=65536)
def _classify(host: str) -> Reputation:
    # Cached hosts are at most MAX_HOST_CHARS long: the cache stays under 17 MB.
    if _is_ip(host):
        return Reputation.SUSPICIOUS
    if not host.isascii() or any(label.startswith("xn--") for label in host.split(".")):
        return Reputation.SUSPICIOUS  # a look-alike spelling of another host
    if host in SHORTENERS:
        return Reputation.SUSPICIOUS
    suffix = public_suffixes().publicsuffix(host)
    if suffix is None:
        return Reputation.SUSPICIOUS  # no such top-level domain
    registrable = public_suffixes().privatesuffix(host) or ""
    if registrable in SHORTENERS:
        return Reputation.SUSPICIOUS
    if registrable in REPUTABLE_DOMAINS or host in REPUTABLE_DOMAINS or \
            registrable in GOVERNMENT_DOMAINS:
        return Reputation.REPUTABLE
    labels = suffix.split(".")
    if labels[-1] in INSTITUTIONAL_TLDS or (
            len(labels) > 1 and not INSTITUTIONAL_LABELS.isdisjoint(labels[:-1])):
        return Reputation.REPUTABLE
    if labels[-1] in SUSPICIOUS_TLDS:
        return Reputation.SUSPICIOUS
    return Reputation.NEUTRAL


def cheap_tld(host: str) -> bool:
    """Whether ``host`` is a plain name in one of :data:`SUSPICIOUS_TLDS` (the weakest kind
    of suspicion: no shortener, address or look-alike spelling)."""
    host = host.lower().strip(".")
    return (classify_host(host) is Reputation.SUSPICIOUS and host.isascii()
            and "xn--" not in host and not _is_ip(host) and not is_shortener(host)
            and (public_suffixes().publicsuffix(host) or "").split(".")[-1] in SUSPICIOUS_TLDS)


def is_shortener(host: str) -> bool:
    """Whether ``host`` is a link-shortening service."""
    host = host.lower().strip(".")
    return host in SHORTENERS or registrable_domain(host) in SHORTENERS
