"""Fixed evidence from what the form says about the commenter, and from look-alike letters.

Blog spam often puts its advert where no comment-text filter looks: generic praise in the
body, "Cheap Viagra Online" as the name, ``http://cheap-viagra-pills.ru`` as the website,
a throwaway e-mail address, a script's user agent. None of the training data carries these
fields (the YouTube files have a display name only, and their spammers' names look like
anyone's), so nothing could be learned about them. Like the honeypot, each is a fixed
number of log-odds added to the model's score, with its own reason; the values are set by
how strong the evidence is on its own, and are documented in ``docs/model.md``.

Words mixing Latin letters with another alphabet ("Frее" with Cyrillic е) are the same
kind of signal: the YouTube, SMS and e-mail collections have almost none, and ordinary
writing in any language has none at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from model.fields import AUTHOR, AUTHOR_EMAIL, AUTHOR_URL, USER_AGENT
from model.normalize import NormalizedText, link_domain
from model.reputation import Reputation, cheap_tld, classify_host, registrable_domain

AUTHOR_NAME_FIELDS = (AUTHOR, "AUTHOR", "author")
AUTHOR_URL_FIELDS = (AUTHOR_URL, "author_url", "url")
AUTHOR_EMAIL_FIELDS = (AUTHOR_EMAIL, "author_email", "email")

# Log-odds towards spam of each piece of evidence. A short, generic comment ("Great post,
# thanks!") scores about -4 on its own, so one piece of strong evidence (a selling word no
# person is named, a shortened or IP-address website, a script's user agent) brings it to
# the hold threshold, and a weak one (a website in a cheap top-level domain) does not.
NAME_LINK_LOG_ODDS = 4.5
STRONG_ADVERT_LOG_ODDS = 4.5  # first strong selling word in the name
WEAK_ADVERT_LOG_ODDS = 2.0  # each weaker selling word
NAME_ADVERT_MAX_LOG_ODDS = 5.5
URL_HIDDEN_LOG_ODDS = 4.5  # shortener, IP address, look-alike spelling
URL_CHEAP_TLD_LOG_ODDS = 2.0
URL_ADVERT_MAX_LOG_ODDS = 4.0
URL_STRONG_ADVERT_LOG_ODDS = 3.0
URL_WEAK_ADVERT_LOG_ODDS = 1.5
EMAIL_DISPOSABLE_LOG_ODDS = 1.5
EMAIL_SUSPICIOUS_LOG_ODDS = 1.0
EMAIL_ADVERT_LOG_ODDS = 1.5
UNRELATED_DOMAINS_LOG_ODDS = 0.5
SAME_DOMAIN_LOG_ODDS = -0.5
SCRIPT_AGENT_LOG_ODDS = 4.5
# Weak: many site integrations forward no user agent at all.
EMPTY_AGENT_LOG_ODDS = 0.5
MIXED_SCRIPT_LOG_ODDS = 3.0  # first word mixing alphabets; each further one adds
MIXED_SCRIPT_EXTRA_LOG_ODDS = 0.5
MIXED_SCRIPT_MAX_LOG_ODDS = 4.5

# Words that sell what comment spam sells: pharmacy, gambling, loans and get-rich schemes,
# search-engine optimisation and bought followers, replicas, ghost-written essays, adult
# services. No one is called by them.
STRONG_ADVERT_WORDS = frozenset("""
    viagra cialis levitra tramadol xanax valium phentermine kamagra ozempic semaglutide
    pharmacy pharma pills meds cbd keto weightloss casino casinos poker slots betting
    gambling lottery jackpot payday loan loans forex crypto bitcoin btc binance seo
    backlinks backlink followers replica replicas essay essays dissertation homework
    escort escorts porn xxx cams webcam hack hacks mlm
""".split())
# Words of trade: harmless in a sentence, but a name made of them is an advert
# ("Emergency Plumber Manchester", "Best Cleaning Services").
WEAK_ADVERT_WORDS = frozenset("""
    cheap discount discounts deals coupon coupons promo outlet handbags dating generator
    buy shop store sale wholesale earn income profit invest investment investing trading
    marketing agency services service repair lawyer lawyers attorney dentist plumber
    plumbing roofing locksmith movers removals rehab clinic insurance contractor
    contractors cleaning towing tutors writing assignment subscribers instagram tiktok
""".split())
ADVERT_WORDS = STRONG_ADVERT_WORDS | WEAK_ADVERT_WORDS
# The words safe to look for inside a run-together domain label ("cheapviagrapills"):
# long and distinctive enough not to occur inside ordinary words.
_SQUEEZED_WORDS = tuple(sorted(w for w in ADVERT_WORDS if len(w) >= 5 and w not in {
    "sales", "deals", "trading", "income", "profit", "store", "outlet", "services",
    "service", "writing", "online", "cleaning", "investing", "assignment"}))
DISPOSABLE_MAIL_DOMAINS = frozenset("""
    mailinator.com guerrillamail.com guerrillamail.net sharklasers.com grr.la 10minutemail.com
    yopmail.com yopmail.fr temp-mail.org tempmail.com tempmail.net trashmail.com
    trashmail.de dispostable.com getnada.com maildrop.cc throwawaymail.com fakeinbox.com
    mintemail.com mohmal.com emailondeck.com mailnesia.com spamgourmet.com tempr.email
    mytemp.email burnermail.io
""".split())
WEBMAIL_DOMAINS = frozenset("""
    gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk live.com msn.com
    yahoo.com yahoo.co.uk ymail.com aol.com icloud.com me.com mac.com proton.me
    protonmail.com gmx.de gmx.net gmx.com web.de mail.ru yandex.ru yandex.com zoho.com
    fastmail.com t-online.de orange.fr free.fr laposte.net libero.it btinternet.com
    comcast.net qq.com 163.com naver.com
""".split())
# Programs that fetch and post by themselves; a comment from one was not typed in a browser.
_SCRIPT_AGENT = re.compile(
    r"curl|wget|python|aiohttp|httpx|go-http-client|java/|okhttp|libwww|lwp::|perl|"
    r"php|guzzle|ruby|axios|node-fetch|undici|scrapy|httpclient|postman|powershell|"
    r"headlesschrome|phantomjs|selenium|puppeteer|bot\b|spider|crawler",
    re.IGNORECASE,
)
_NAME_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:[a-z]{2,})\b", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD = re.compile(r"[a-z]+")
# Longest field looked at: a name, address or user agent longer than this is cut.
_FIELD_CHARS = 512


@dataclass(frozen=True)
class Evidence:
    """One fixed piece of evidence: log-odds towards spam and the sentence that says why."""

    log_odds: float
    reason: str


def _field(comment: Mapping[str, object], names: Sequence[str]) -> str | None:
    """The first non-blank of ``names`` in ``comment``; ``""`` if only blank ones are
    there, ``None`` if none is."""
    present = False
    for name in names:
        if name in comment:
            present = True
            value = comment[name]
            text = "" if value is None else str(value)[:_FIELD_CHARS].strip()
            if text:
                return text
    return "" if present else None


def _words(text: str) -> list[str]:
    return _WORD.findall(_CAMEL.sub(" ", text).lower())


def advert_words(text: str) -> list[str]:
    """The selling words among the words of a name or an e-mail's local part, in order."""
    return list(dict.fromkeys(w for w in _words(text) if w in ADVERT_WORDS))


def domain_advert_words(host: str, path: str = "") -> list[str]:
    """The selling words in a host's own labels (``cheap-viagra-pills.ru``) and its path."""
    registrable = registrable_domain(host) or host
    owned = registrable.rsplit(".", 1)[0] if "." in registrable else registrable
    found = {w for w in _words(owned + " " + path) if w in ADVERT_WORDS}
    squeezed = owned.replace("-", "")
    found |= {w for w in _SQUEEZED_WORDS if w in squeezed}
    return sorted(found, key=lambda w: (squeezed.find(w) if w in squeezed else len(squeezed), w))


def _advert_log_odds(words: Sequence[str], strong: float, weak: float, cap: float) -> float:
    total = 0.0
    strong_seen = False
    for word in words:
        if word in STRONG_ADVERT_WORDS and not strong_seen:
            total += strong
            strong_seen = True
        else:
            total += weak
    return min(total, cap)


def _quote(words: Sequence[str]) -> str:
    return ", ".join(f"'{w}'" for w in words[:3])


def _capped(count: int, first: float, extra: float, cap: float) -> float:
    return min(first + extra * (count - 1), cap) if count else 0.0


def _name_evidence(name: str) -> list[Evidence]:
    found: list[Evidence] = []
    link = _NAME_LINK.search(name)
    if link and (link.group(0).lower().startswith(("http", "www"))
                 or registrable_domain(link.group(0))):
        found.append(Evidence(NAME_LINK_LOG_ODDS, "the author name contains a link"))
    words = advert_words(name)
    if words:
        found.append(Evidence(_advert_log_odds(words, STRONG_ADVERT_LOG_ODDS,
                                               WEAK_ADVERT_LOG_ODDS, NAME_ADVERT_MAX_LOG_ODDS),
                              f"the author name advertises: {_quote(words)}"))
    return found


def _url_parts(url: str) -> tuple[str, str]:
    """The host and the path of an author's website as typed (scheme optional)."""
    full = url if "://" in url else "http://" + url
    rest = full.split("://", 1)[1]
    path = rest.split("/", 1)[1] if "/" in rest else ""
    return link_domain(full), path


def _url_evidence(host: str, path: str) -> list[Evidence]:
    found: list[Evidence] = []
    if classify_host(host) is Reputation.SUSPICIOUS:
        hidden = not cheap_tld(host)
        found.append(Evidence(URL_HIDDEN_LOG_ODDS if hidden else URL_CHEAP_TLD_LOG_ODDS,
                              f"the author's website is on a suspicious host ({host})"))
    words = domain_advert_words(host, path)
    if words:
        found.append(Evidence(_advert_log_odds(words, URL_STRONG_ADVERT_LOG_ODDS,
                                               URL_WEAK_ADVERT_LOG_ODDS,
                                               URL_ADVERT_MAX_LOG_ODDS),
                              f"the author's website advertises: {_quote(words)}"))
    return found


def _email_evidence(email: str, url_host: str, url_clean: bool) -> list[Evidence]:
    local, _, host = email.rpartition("@")
    host = host.lower().strip(". >")
    if not local or not host:
        return []
    found: list[Evidence] = []
    domain = registrable_domain(host) or host
    url_domain = (registrable_domain(url_host) or url_host) if url_host else ""
    # The website's own domain has been judged already; only the local part is new.
    own = domain in WEBMAIL_DOMAINS or domain == url_domain
    if domain in DISPOSABLE_MAIL_DOMAINS:
        found.append(Evidence(EMAIL_DISPOSABLE_LOG_ODDS,
                              f"the e-mail address is a disposable one ({domain})"))
    elif not own and classify_host(host) is Reputation.SUSPICIOUS:
        found.append(Evidence(EMAIL_SUSPICIOUS_LOG_ODDS,
                              f"the e-mail address is on a suspicious domain ({host})"))
    words = advert_words(local) or ([] if own else domain_advert_words(host))
    if words:
        found.append(Evidence(EMAIL_ADVERT_LOG_ODDS,
                              f"the e-mail address advertises: {_quote(words)}"))
    if url_domain and domain not in WEBMAIL_DOMAINS | DISPOSABLE_MAIL_DOMAINS:
        if url_domain == domain:
            if url_clean and not found:
                found.append(Evidence(SAME_DOMAIN_LOG_ODDS, ""))
        else:
            found.append(Evidence(UNRELATED_DOMAINS_LOG_ODDS,
                                  "the e-mail address and the website are on unrelated "
                                  "domains"))
    return found


def _agent_evidence(agent: str) -> list[Evidence]:
    if not agent:
        return [Evidence(EMPTY_AGENT_LOG_ODDS, "no user agent was sent")]
    script = _SCRIPT_AGENT.search(agent)
    if script:
        shown = agent[:40] + ("…" if len(agent) > 40 else "")
        return [Evidence(SCRIPT_AGENT_LOG_ODDS, f"sent by a program, not a browser ({shown})")]
    return []


def _mixed_script_evidence(normalized: NormalizedText) -> list[Evidence]:
    count = normalized.mixed_words
    if not count:
        return []
    scripts = " and ".join(s.title() for s in normalized.mixed_scripts) or "other"
    plural = "word" if count == 1 else "words"
    return [Evidence(_capped(count, MIXED_SCRIPT_LOG_ODDS, MIXED_SCRIPT_EXTRA_LOG_ODDS,
                             MIXED_SCRIPT_MAX_LOG_ODDS),
                     f"mixes {scripts} letters into Latin words ({count} {plural}), "
                     "a way past word filters")]


def fixed_evidence(comment: Mapping[str, object],
                   normalized: NormalizedText) -> tuple[Evidence, ...]:
    """Every fixed piece of evidence for ``comment``, strongest first.

    Reads the author name, website and e-mail, the user agent (only when the field is
    present: a blank one counts, a missing one does not) and, from ``normalized`` (the
    comment text's :func:`~model.normalize.normalize_text`), words mixing alphabets.
    """
    found = list(_field_evidence(_field(comment, AUTHOR_NAME_FIELDS) or "",
                                 _field(comment, AUTHOR_URL_FIELDS) or "",
                                 _field(comment, AUTHOR_EMAIL_FIELDS) or "",
                                 _field(comment, (USER_AGENT,))))
    if normalized.mixed_words:
        found += _mixed_script_evidence(normalized)
        found.sort(key=lambda e: -e.log_odds)
    return tuple(found)


# Regular commenters send the same fields again and again; each field is at most
# _FIELD_CHARS long, so the cache stays within a few megabytes.
@lru_cache(maxsize=1024)
def _field_evidence(name: str, url: str, email: str, agent: str | None) -> tuple[Evidence, ...]:
    """The evidence of the author fields and the user agent, strongest first."""
    found: list[Evidence] = []
    if name:
        found += _name_evidence(name)
    url_host, url_path = _url_parts(url) if url else ("", "")
    url_found = _url_evidence(url_host, url_path) if url_host else []
    found += url_found
    if "@" in email:
        found += _email_evidence(email, url_host, url_clean=not url_found)
    if agent is not None:
        found += _agent_evidence(agent)
    found.sort(key=lambda e: -e.log_odds)
    return tuple(found)
